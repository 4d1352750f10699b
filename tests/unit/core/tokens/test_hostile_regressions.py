"""Every hostile input that once raised or was mis-read (issue 13), pinned as a regression."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os

import pytest

from tokendesk.core import TokenFormat, decode, load_secret, verify
from tokendesk.core.errors import DecryptionFailed, InvalidInput, TokendeskError
from tokendesk.core.timefmt import NOT_FINITE, format_local, format_utc, human_duration, relative
from tokendesk.core.tokens.b64 import b64url_encode, is_canonical
from tokendesk.core.tokens.claims import explain_claims
from tokendesk.core.tokens.jwe import decrypt
from tokendesk.core.tokens.parse import StrictJWS, parse_compact, parse_strict

SECRET = b"k" * 32
KEYS = load_secret(SECRET)


def _b64(data: str | bytes) -> str:
    return b64url_encode(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)


def _signed(header: str, payload: str) -> str:
    signing_input = f"{_b64(header)}.{_b64(payload)}"
    mac = hmac.new(SECRET, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url_encode(mac)}"


# -- decode / parse: found by the issue and by hypothesis --------------------------------------

HOSTILE_TOKENS = {
    # the duplicate is found before the trailing data; the fallback json.loads then raised
    "duplicate member then trailing data": _b64('{"alg":"HS256","alg":"none"}x') + ".e30.AAAA",
    "duplicate member then deep nesting": _b64('{"alg":"HS256","alg":1,"x":' + "[" * 5000
                                               + "]" * 5000 + "}") + ".e30.AAAA",
    # int() refuses more than 4,300 digits with a ValueError that is not a JSONDecodeError
    "5000-digit integer in the header": _b64('{"alg":"HS256","x":' + "9" * 5000 + "}")
    + ".e30.AAAA",
    "5000-digit integer in the payload": _b64('{"alg":"HS256"}') + "."
    + _b64('{"exp":' + "9" * 5000 + "}") + ".AAAA",
    # b64:false puts the raw payload text in; a lone surrogate cannot be encoded
    "b64 false with a lone surrogate": _b64('{"alg":"HS256","b64":false}') + ".\udcff.AAAA",
    "b64 false with a high surrogate": _b64('{"alg":"HS256","b64":false}') + ".a\ud800b.AAAA",
    "raw surrogate in the header JSON": _b64('{"alg":"HS256","\udcff":1}') + ".e30.AAAA",
    "escaped surrogate in a claim": _b64('{"alg":"HS256"}') + "." + _b64('{"sub":"\\ud800"}')
    + ".AAAA",
    "NaN, Infinity and 1e400 claims": _b64('{"alg":"HS256"}') + "."
    + _b64('{"exp":NaN,"nbf":Infinity,"iat":-Infinity,"auth_time":1e400}') + ".AAAA",
    "integer beyond float range": _b64('{"alg":"HS256"}') + "."
    + _b64('{"exp":' + "9" * 400 + ',"iat":0}') + ".AAAA",
    # urlsplit raises ValueError for an unclosed IPv6 host
    "URL with an unclosed IPv6 host": "http://[::1/callback#access_token=abc&id_token=x.y.z",
    "bare fragment with an unclosed IPv6 host": "[::1#access_token=abc",
    # len() of a JWE JSON serialization's recipients that is a number
    "JWE JSON with recipients 5": '{"recipients":5,"ciphertext":"eyJhbGciOiJIUzI1NiJ9"}',
    "JWS JSON with signatures as strings": '{"payload":"e30","signatures":["eyJ",5]}',
}


@pytest.mark.parametrize("text", HOSTILE_TOKENS.values(), ids=HOSTILE_TOKENS.keys())
def test_hostile_tokens_decode_parse_and_verify_without_raising(text):
    token = decode(text)
    assert token.format in TokenFormat
    assert all(p.message for p in token.problems)
    token.findings  # noqa: B018
    if token.claims:
        assert all(isinstance(row.display, str) for row in explain_claims(token.claims, 0))
    assert parse_compact(text).segment_count >= 1
    strict = parse_strict(text)
    assert isinstance(strict, StrictJWS | str)
    assert not verify(text, KEYS, now=0).valid


def test_duplicate_member_then_trailing_data_reports_both_problems():
    token = decode(HOSTILE_TOKENS["duplicate member then trailing data"])
    codes = [p.code for p in token.problems]
    assert "duplicate_member" in codes and "bad_json" in codes
    assert token.format is TokenFormat.MALFORMED


def test_a_huge_number_is_a_located_problem_in_words():
    token = decode(HOSTILE_TOKENS["5000-digit integer in the header"])
    problem = next(p for p in token.problems if p.segment == "header")
    assert "too long" in problem.message and "set_int_max_str_digits" not in problem.message


def test_a_lone_surrogate_in_an_unencoded_payload_is_reported():
    token = decode(HOSTILE_TOKENS["b64 false with a lone surrogate"])
    assert any(p.code == "not_utf8" and p.segment == "payload" for p in token.problems)
    assert token.payload_text is not None and "\udcff" not in token.payload_text


# -- non-finite numbers (SECURITY.md 35) ---------------------------------------------------------

@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 10**400])
def test_timefmt_shows_non_finite_numbers_as_such(value):
    assert human_duration(value) == NOT_FINITE
    assert format_utc(value) == NOT_FINITE
    assert format_local(value) == NOT_FINITE
    assert relative(value, 0) == NOT_FINITE
    assert relative(0, value) == NOT_FINITE


@pytest.mark.parametrize("raw", ["1e400", "NaN", "Infinity", "-Infinity", "9" * 400])
def test_explain_claims_never_shows_a_non_finite_exp_as_a_time(raw):
    claims = json.loads('{"exp":' + raw + ',"iat":1000}')
    rows = {row.name: row for row in explain_claims(claims, 0)}
    assert NOT_FINITE in rows["exp"].display
    assert rows["exp"].utc is None and rows["exp"].relative == NOT_FINITE
    assert "lifetime" not in rows


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat", "auth_time"])
@pytest.mark.parametrize("raw", ["1e400", "NaN", "Infinity", "-Infinity", "-1e400"])
def test_verify_refuses_a_non_finite_numeric_date(claim, raw):
    result = verify(_signed('{"alg":"HS256"}', f'{{"{claim}":{raw}}}'), KEYS, now=1000)
    assert not result.valid
    failed = {c.name: c.reason for c in result.failures}
    assert "not a finite number" in failed[claim]


def test_verify_with_nan_exp_is_not_valid_whatever_the_leeway():
    # nan compares false with everything: before the fix `exp <= now - leeway` let it through
    token = _signed('{"alg":"HS256"}', '{"exp":NaN}')
    for leeway in (0, 60, 1e9):
        assert not verify(token, KEYS, now=1000, leeway=leeway).valid


@pytest.mark.parametrize("leeway", [math.nan, math.inf, -math.inf, -1, "nan", "soon", None])
def test_verify_refuses_a_leeway_that_would_switch_the_checks_off(leeway):
    with pytest.raises(InvalidInput, match="leeway"):
        verify(_signed('{"alg":"HS256"}', '{"exp":1}'), KEYS, now=1000, leeway=leeway)


@pytest.mark.parametrize("now", [math.nan, math.inf, "later"])
def test_verify_refuses_a_clock_that_is_not_finite(now):
    with pytest.raises(InvalidInput, match="now"):
        verify("a.b.c", KEYS, now=now)


def test_an_ordinary_leeway_still_works():
    token = _signed('{"alg":"HS256"}', '{"exp":990}')
    assert not verify(token, KEYS, now=1000).valid
    assert verify(token, KEYS, now=1000, leeway=30).valid


# -- canonical base64url (SECURITY.md 7a) ----------------------------------------------------------

def _non_canonical(segment: str) -> str:
    """The same bytes, spelt with non-zero unused bits in the last character."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    assert len(segment) % 4 in (2, 3)
    return segment[:-1] + alphabet[alphabet.index(segment[-1]) + 1]


def test_is_canonical_agrees_with_a_round_trip():
    import base64

    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for prefix in ("A", "AA", "AAAAA", "AAAAAA"):
        for last in alphabet:
            text = prefix + last
            if len(text) % 4 == 1:
                continue
            data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            assert is_canonical(text) == (b64url_encode(data) == text), text


@pytest.mark.parametrize("index,name", [(0, "header"), (1, "payload"), (2, "signature")])
def test_verifier_refuses_a_non_canonical_segment_that_decodes_to_the_same_bytes(index, name):
    token = _signed('{"alg":"HS256","a":"b"}', '{"sub":"a"}')  # 31, 15 and 43 characters
    parts = token.split(".")
    assert verify(token, KEYS, now=0).valid
    # pick a segment length that leaves unused bits; the signature of HS256 is 43 characters
    assert len(parts[index]) % 4 in (2, 3)
    parts[index] = _non_canonical(parts[index])
    bent = ".".join(parts)
    result = verify(bent, KEYS, now=0)
    assert not result.valid
    assert name in result.reason and "canonical" in result.reason
    # the inspector still decodes it, and says which segment and character is wrong
    token = decode(bent)
    problem = next(p for p in token.problems if p.code == "non_canonical")
    assert problem.segment == name and problem.offset == len(parts[index]) - 1
    assert token.header == {"alg": "HS256", "a": "b"}


def test_canonical_tokens_still_take_the_fast_path():
    token = _signed('{"alg":"HS256"}', '{"sub":"a"}')
    assert decode(token).ok and verify(token, KEYS, now=0).valid


# -- decrypt ------------------------------------------------------------------------------------

AES_KEY = b"k" * 16


def _jwe(header: str | bytes, plaintext: bytes = b"hi") -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    protected = _b64(header)
    iv = os.urandom(12)
    sealed = AESGCM(AES_KEY).encrypt(iv, plaintext, protected.encode())
    return ".".join([protected, "", b64url_encode(iv), b64url_encode(sealed[:-16]),
                     b64url_encode(sealed[-16:])])


JWE_CASES = {
    "enc is a list": _jwe('{"alg":"dir","enc":["A128GCM"]}'),
    "zip DEF over data that is not DEFLATE": _jwe('{"alg":"dir","enc":"A128GCM","zip":"DEF"}',
                                                  b"not deflate"),
    "zip is a list": _jwe('{"alg":"dir","enc":"A128GCM","zip":["DEF"]}'),
    "header nested 100,000 deep": _jwe("[" * 100_000 + "]" * 100_000),
    "5000-digit number in the header": _jwe('{"alg":"dir","enc":"A128GCM","n":' + "9" * 5000
                                            + "}"),
    "duplicate alg": _jwe('{"alg":"dir","enc":"A128GCM","alg":"A128KW"}'),
    "header not UTF-8": _jwe(b'{"alg":"dir","enc":"A128GCM","x":"\xff"}'),
    "lone surrogate": "\udcff.a.b.c.d",
}


@pytest.mark.parametrize("text", JWE_CASES.values(), ids=JWE_CASES.keys())
def test_decrypt_raises_only_decryption_failed(text):
    with pytest.raises(DecryptionFailed) as caught:
        decrypt(text, AES_KEY)
    assert caught.value.message and "sys." not in caught.value.message


def test_decrypt_refuses_a_non_canonical_segment():
    good = _jwe('{"alg":"dir","enc":"A128GCM"}')
    assert decrypt(good, AES_KEY).plaintext == b"hi"
    parts = good.split(".")
    parts[4] = _non_canonical(parts[4])  # 16-byte tag: 22 characters, 4 unused bits
    with pytest.raises(DecryptionFailed, match="canonical"):
        decrypt(".".join(parts), AES_KEY)


def test_decrypt_of_a_non_string_is_its_own_error():
    with pytest.raises(TokendeskError):
        decrypt(b"a.b.c.d.e", AES_KEY)  # type: ignore[arg-type]


# -- keys -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    '{"kty":"oct","k":"' + "k" * 43 + '","key_ops":[["verify"]]}',  # set(ops): unhashable
    '{"keys":[{"kty":"EC","crv":["P-256"],"x":"AA","y":"AA"}]}',  # crv in EC_CURVES: unhashable
    '{"kty":"EC","crv":{"a":1},"x":"AA","y":"AA","d":"AA"}',
])
def test_key_loaders_refuse_unhashable_members_with_their_own_error(text):
    from tokendesk.core import load_keys
    from tokendesk.core.tokens.encode import load_signing_key
    from tokendesk.core.tokens.jwe import load_decryption_key

    for load in (load_keys, load_decryption_key, load_signing_key):
        try:
            load(text)
        except TokendeskError as exc:
            assert exc.message
