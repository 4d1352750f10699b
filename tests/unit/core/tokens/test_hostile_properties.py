"""Property tests (issue 13): on any input, the token API raises nothing but its own errors.

``decode``, ``parse_compact``, ``parse_strict`` and ``explain_claims`` never raise at all;
``verify`` returns a verdict (and raises :class:`InvalidInput` only for the caller's own bad
``now``/``leeway``); ``decrypt`` raises only :class:`TokendeskError` subclasses. Inputs come from
:mod:`.hostile`; every failure hypothesis ever found is pinned in ``test_hostile_regressions``.
"""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokendesk.cli.decode_cmd import render_text, to_json
from tokendesk.core import DecodedToken, decode, load_secret, verify
from tokendesk.core.errors import InvalidInput, TokendeskError
from tokendesk.core.tokens.claims import explain_claims
from tokendesk.core.tokens.jwe import decrypt
from tokendesk.core.tokens.parse import ParsedCompact, StrictJWS, parse_compact, parse_strict
from tokendesk.core.tokens.verify import Verification

from .hostile import (
    AES_KEY,
    SECRET,
    any_text,
    hostile_token,
    json_text,
    jwe_token,
    jwk_text,
    number_text,
    signed_token,
)

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
KEYS = load_secret(SECRET)
HOSTILE_NOW = st.one_of(st.floats(), st.integers(-(10**30), 10**30),
                        st.sampled_from([math.nan, math.inf, -math.inf, 1e308]))


def _loaded_claims(text: str) -> object:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


@SETTINGS
@given(any_text)
def test_decode_never_raises_and_everything_it_returns_can_be_read(text):
    token = decode(text)
    assert isinstance(token, DecodedToken)
    assert all(p.message for p in token.problems)
    token.findings, token.alg, repr(token)  # noqa: B018 - properties compute
    render_text(token, 0.0)  # the CLI's own rendering of it
    json.dumps(to_json(token, 0.0), default=str)


@SETTINGS
@given(st.one_of(hostile_token(), st.text(max_size=200)))
def test_parse_compact_never_raises(text):
    parsed = parse_compact(text)
    assert isinstance(parsed, ParsedCompact)
    assert all(p.message for p in parsed.problems)


@SETTINGS
@given(st.one_of(hostile_token(), st.text(max_size=200)))
def test_parse_strict_returns_a_jws_or_a_reason(text):
    result = parse_strict(text)
    assert isinstance(result, StrictJWS) or (isinstance(result, str) and result)


@SETTINGS
@given(st.one_of(number_text(), json_text()), HOSTILE_NOW)
def test_explain_claims_never_raises(text, now):
    claims = _loaded_claims(text)
    if not isinstance(claims, dict):
        claims = {"exp": claims, "iat": claims, "nbf": claims, "other": claims}
    for row in explain_claims(claims, now):
        assert isinstance(row.display, str)


@SETTINGS
@given(any_text, st.floats(0, 1e12))
def test_verify_returns_a_verdict_on_any_token(text, now):
    result = verify(text, KEYS, now=now)
    assert isinstance(result, Verification)
    assert result.reason
    result.to_dict(), result.findings  # noqa: B018


@SETTINGS
@given(HOSTILE_NOW, HOSTILE_NOW)
def test_verify_refuses_only_a_bad_clock_or_leeway_with_its_own_error(now, leeway):
    try:
        result = verify("a.b.c", KEYS, now=now, leeway=leeway)
    except InvalidInput as exc:
        assert exc.message
        assert not (math.isfinite(now) and math.isfinite(leeway) and leeway >= 0)
    else:
        assert not result.valid
        assert math.isfinite(result.leeway) and math.isfinite(result.now)


@SETTINGS
@given(signed_token(), st.floats(0, 1e12), st.floats(0, 1e6))
def test_verify_checks_the_claims_of_a_signed_token_without_raising(text, now, leeway):
    result = verify(text, KEYS, now=now, leeway=leeway)
    assert isinstance(result, Verification)
    claims = result.claims or {}
    for name in ("exp", "nbf", "iat", "auth_time"):
        value = claims.get(name)
        if isinstance(value, float) and not math.isfinite(value):
            assert not result.valid, f"{name} = {value} was accepted"
    result.to_dict()


DECRYPTION_KEYS = [AES_KEY, b"k" * 32, b"k" * 64, None, "text", {"kty": "oct"}]


@SETTINGS
@given(st.one_of(jwe_token(), hostile_token(), st.text(max_size=200)),
       st.sampled_from(DECRYPTION_KEYS),
       st.sampled_from([None, b"password"]))
def test_decrypt_raises_only_its_own_errors(text, key, password):
    try:
        decrypt(text, key, password=password)
    except TokendeskError as exc:
        assert exc.message


@SETTINGS
@given(jwk_text())
def test_key_loaders_raise_only_their_own_errors(text):
    from tokendesk.core import load_keys
    from tokendesk.core.tokens.encode import load_signing_key
    from tokendesk.core.tokens.jwe import load_decryption_key

    for load in (load_keys, load_decryption_key, load_signing_key):
        try:
            load(text)
        except TokendeskError as exc:
            assert exc.message
