"""``verify``: is this token what it claims to be, checked against keys the user trusts.

The algorithm comes from the keys and the caller's allow-list, never from the token's header
alone (RFC 8725 §3.1). Every outcome is a :class:`Verification`; nothing raises out of here
(SECURITY.md item 4). Claim checks run only after the signature verified, so that nothing is
concluded from unverified claims.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import InvalidInput
from ..timefmt import is_finite
from .claim_checks import add_not_checked, check_claims, check_id_token, check_kind, left_half_hash
from .claims import HEADER_REGISTRY
from .keys import ALL_ALGORITHMS, Key, KeySet
from .model import TokenKind
from .parse import StrictJWS, _json_int, parse_strict
from .signatures import check_signature
from .verdict import (
    ISSUER_TRUST,
    KEY_SET,
    NOT_CHECKED,
    UNKNOWN_KID,
    Check,
    Verification,
    with_issuer_trust,
)

__all__ = ["ISSUER_TRUST", "KEY_SET", "NOT_CHECKED", "UNKNOWN_KID", "Check", "Verification",
           "describe", "left_half_hash", "verify", "with_issuer_trust"]


_UNDERSTOOD_CRIT: frozenset[str] = frozenset()  # no extension is implemented


def verify(
    text: str,
    keys: KeySet | Key | Sequence[Key] | None,
    *,
    algorithms: Iterable[str] | None = None,
    issuer: str | None = None,
    audience: str | Sequence[str] | None = None,
    now: float | None = None,
    leeway: float = 0.0,
    expected_kind: TokenKind | str | None = None,
    client_id: str | None = None,
    nonce: str | None = None,
    access_token: str | None = None,
    code: str | None = None,
) -> Verification:
    """Verify a compact JWS against trusted ``keys``; never raises.

    ``algorithms`` is an allow-list, still bound to what each key can do. ``now`` is the clock
    (epoch seconds), ``leeway`` the tolerated clock skew in seconds. With
    ``expected_kind="id_token"`` the OpenID Connect ID token rules apply (OIDC Core §3.1.3.7):
    ``client_id``, ``nonce``, ``access_token`` (for at_hash) and ``code`` (for c_hash).

    The caller's own arguments are checked first: a ``now`` or ``leeway`` that is not a finite
    number (or a negative leeway) raises :class:`~tokendesk.core.errors.InvalidInput`, since
    ``leeway=nan`` would switch the expiry checks off (SECURITY.md 35).
    """
    when = time.time() if now is None else _finite("now", now)
    skew = _finite("leeway", leeway)
    if skew < 0:
        raise InvalidInput(f"the leeway must not be negative (got {skew:g} s)")
    try:
        result = _verify(text, keys, algorithms, issuer, audience, when, skew,
                         expected_kind, client_id, nonce, access_token, code)
        if isinstance(keys, KeySet) and (keys.warnings or keys.set_aside):
            # SECURITY.md 10: the verdict names the keys set aside (and the set's warnings)
            result = result._replace(checks=(*result.checks, *(
                Check(KEY_SET, True, note) for note in keys.notes)))
        return result
    except Exception as exc:  # noqa: BLE001 - SECURITY.md 4: anything unexpected is invalid
        return _refused(
            Check("internal", False, f"verification failed unexpectedly ({type(exc).__name__})"),
            when, leeway)


def _finite(name: str, value: Any) -> float:
    """``value`` as a finite float, or :class:`InvalidInput` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput(f"{name} must be a number of seconds, not {type(value).__name__}")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise InvalidInput(f"{name} must be a number of seconds, not {str(value)[:40]!r}") \
            from None
    if not is_finite(number):
        raise InvalidInput(f"{name} is {number} (not a finite number): refused")
    return number


def _key_list(keys: KeySet | Key | Sequence[Key] | None) -> tuple[Key, ...]:
    if isinstance(keys, KeySet):
        return keys.keys
    if keys is None:
        return ()
    if isinstance(keys, Key):
        return (keys,)
    return tuple(keys)


def _verify(
    text: str,
    keys_in: KeySet | Key | Sequence[Key] | None,
    algorithms: Iterable[str] | None,
    issuer: str | None,
    audience: str | Sequence[str] | None,
    now: float,
    leeway: float,
    expected_kind: TokenKind | str | None,
    client_id: str | None,
    nonce: str | None,
    access_token: str | None,
    code: str | None,
) -> Verification:
    checks: list[Check] = []
    keys = _key_list(keys_in)
    if not isinstance(text, str):
        return _refused(Check("format", False, "the token must be text"), now, leeway)
    parsed = parse_strict(text)
    if isinstance(parsed, str):
        return _refused(Check("format", False, parsed), now, leeway)
    header = parsed.header
    if not keys:
        return _refused(Check("key", False, "no key was given: the token is UNVERIFIED"), now,
                        leeway, header)
    alg = header.get("alg")
    allowed = None if algorithms is None else frozenset(algorithms)

    failure = _check_algorithm(alg, allowed)
    if failure:
        return _refused(Check("algorithm", False, failure), now, leeway, header)
    assert isinstance(alg, str)
    checks.append(Check("algorithm", True, f"{alg}, {_ALLOWED_BY_LIST}" if allowed is not None
                        else f"{alg}, {_ALLOWED_BY_KEY}"))
    if "crit" in header:
        failure = _check_crit(header)
        if failure:
            return _refused(Check("crit", False, failure), now, leeway, header, alg)
        checks.append(Check("crit", True, "every critical extension is understood"))

    candidates, no_key = _choose_keys(keys, header.get("kid"), alg, allowed)
    if no_key:
        return _refused(no_key, now, leeway, header, alg)
    if not parsed.signature:
        return _refused(Check("signature", False, "the signature is empty: refused"), now, leeway,
                        header, alg)

    chosen, failure = _check_signature(candidates, alg, parsed)
    if chosen is None:
        checks.append(Check("key", True, f"tried {len(candidates)} key(s) that can verify {alg}"))
        checks.append(Check("signature", False, failure or "the signature does not match"))
        checks.append(Check("claims", False, "not checked: the signature did not verify"))
        return Verification(False, tuple(checks), alg, None, header, None, now, leeway)
    checks.append(Check("key", True, chosen.label()))
    checks.append(Check("signature", True, _VALID_SIGNATURE))

    unreadable = False
    try:
        # RFC 7519 §4 lets a parser keep the last of duplicate claim names, as json does;
        # duplicates in the header are refused (parse_strict), as SECURITY.md 7 asks.
        claims = json.loads(parsed.payload_bytes, parse_int=_json_int)
    except (ValueError, RecursionError):
        claims = None
        unreadable = parsed.payload_bytes.lstrip()[:1] == b"{"
    if not isinstance(claims, dict):
        claims = None
        if unreadable:  # a claims set that cannot be read: its exp/nbf are not checked
            checks.append(Check("claims", False,
                                "the payload looks like a claims set but is not JSON that can "
                                "be read, so its claims (exp, nbf...) cannot be checked"))
        elif issuer is not None or audience is not None or expected_kind is not None:
            checks.append(Check("claims", False,
                                "the payload is not a JSON claims set, so the claims asked for "
                                "cannot be checked"))
    else:
        check_claims(checks, claims, header, now, leeway, issuer, audience)
        if expected_kind is not None:
            check_kind(checks, header, claims, TokenKind(expected_kind))
            if TokenKind(expected_kind) is TokenKind.ID_TOKEN:
                check_id_token(checks, claims, alg, client_id, nonce, access_token, code)
        add_not_checked(checks, claims, issuer, audience, client_id, nonce, access_token)
    valid = all(c.passed for c in checks)
    return Verification(valid, tuple(checks), alg, chosen, header, claims, now, leeway)


_ALLOWED_BY_KEY = "allowed by the key"
_ALLOWED_BY_LIST = "allowed by the key and the allow-list"
_VALID_SIGNATURE = "the signature is valid"


def _refused(check: Check, now: float, leeway: float, header: dict[str, Any] | None = None,
             alg: str | None = None) -> Verification:
    return Verification(False, (check,), alg, None, header, None, now, leeway)


def _check_algorithm(alg: Any, allowed: frozenset[str] | None) -> str | None:
    if not isinstance(alg, str) or not alg:
        return "the header has no alg (or it is not a string): refused"
    if alg.lower() == "none":
        return ("alg is none (an unsecured token): refused whenever a key is given "
                "(RFC 8725 §3.2)")
    if alg not in ALL_ALGORITHMS:
        return f"the algorithm {alg!r} is not supported for verification"
    if allowed is not None and alg not in allowed:
        return f"{alg} is not in the allowed algorithms ({', '.join(sorted(allowed))})"
    return None


def _check_crit(header: dict[str, Any]) -> str | None:
    if "crit" not in header:
        return None
    crit = header["crit"]
    if not isinstance(crit, list) or not crit or not all(isinstance(c, str) for c in crit):
        return "crit must be a non-empty array of strings (RFC 7515 §4.1.11): refused"
    for name in crit:
        if name in HEADER_REGISTRY:
            return f"crit lists {name!r}, a registered parameter, which it must not: refused"
        if name not in header:
            return f"crit lists {name!r}, which is not in the header: refused"
        if name not in _UNDERSTOOD_CRIT:
            return f"crit lists the extension {name!r}, which Tokendesk does not understand: refused"
    return None


def _choose_keys(
    keys: tuple[Key, ...], kid: Any, alg: str, allowed: frozenset[str] | None
) -> tuple[list[Key], Check | None]:
    """Keys that may verify this token, or the failed "key" check saying why there are none;
    ``kid`` only chooses among keys the user gave."""
    if isinstance(kid, str) and any(k.kid is not None for k in keys):
        by_kid = [k for k in keys if k.kid == kid]
        if not by_kid:
            by_kid = [k for k in keys if k.kid is None]
        if not by_kid:
            kids = ", ".join(repr(k.kid) for k in keys if k.kid)
            return [], Check("key", False, f"no key with kid {kid!r} among the keys given ({kids})",
                             code=UNKNOWN_KID)
        pool = by_kid
    else:
        pool = list(keys)
    usable = [k for k in pool if alg in k.algorithms and (allowed is None or alg in allowed)]
    if usable:
        return usable, None
    key = pool[0]
    if alg.startswith("HS") and not key.symmetric:
        return [], Check("key", False, f"{alg} needs a shared secret, but the trusted key is an "
                         f"asymmetric {key.description} key: refused (algorithm confusion, "
                         "RFC 8725 §2.1)", code="algorithm_confusion")
    if key.pinned_alg:
        return [], Check("key", False, f"the key is pinned to {key.pinned_alg} (its alg); the "
                         f"token says {alg}", code="key_alg_mismatch")
    can = ", ".join(sorted(key.algorithms))
    return [], Check("key", False, f"the {key.description} key can verify only {can}; the token "
                     f"says {alg}", code="key_alg_mismatch")


def _check_signature(
    candidates: list[Key], alg: str, parsed: StrictJWS
) -> tuple[Key | None, str | None]:
    failure = None
    for key in candidates:
        failure = check_signature(key, alg, parsed.signing_input, parsed.signature)
        if failure is None:
            return key, None
    if len(candidates) > 1:
        failure = f"none of the {len(candidates)} candidate keys verified it ({failure})"
    return None, failure


def describe(verification: Verification, headline: str | None = None) -> str:
    """Several lines for a terminal: the verdict (or ``headline``), then each check performed
    (``ok``/``BAD``) and each not asked for (``---``, "not checked: ...")."""
    lines = [headline or verification.verdict]
    lines += [f"  {'---' if not c.checked else 'ok ' if c.passed else 'BAD'} {c.name}: "
              f"{c.reason}" for c in verification.checks]
    lines += [f"  warning: {f.message}" for f in verification.findings]
    return "\n".join(lines)

