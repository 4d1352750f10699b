"""``verify``: is this token what it claims to be, checked against keys the user trusts.

The algorithm comes from the keys and the caller's allow-list, never from the token's header
alone (RFC 8725 §3.1). Every outcome is a :class:`Verification`; nothing raises out of here
(SECURITY.md item 4). Claim checks run only after the signature verified, so that nothing is
concluded from unverified claims.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, TypeGuard

from ..errors import InvalidInput
from ..timefmt import format_utc, human_duration, is_finite
from .claims import HEADER_REGISTRY
from .classify import classify_claims
from .findings import header_findings
from .keys import ALL_ALGORITHMS, Key, KeySet
from .model import Finding, TokenKind
from .parse import StrictJWS, _json_int, parse_strict
from .signatures import check_signature

__all__ = ["ISSUER_TRUST", "KEY_SET", "Check", "Verification", "left_half_hash", "verify",
           "with_issuer_trust"]

#: The check that says whether keys fetched from an issuer came from one the user trusts
#: (SECURITY.md 5a): an issuer given by the user, or a vault client's, and not merely the
#: ``iss`` the token names.
ISSUER_TRUST = "issuer trust"
#: A note about the key set the verdict was made with: keys set aside, keys read leniently.
KEY_SET = "key set"


class Check(NamedTuple):
    """One check and its outcome: ``reason`` is plain words for a person."""

    name: str  # "format", "algorithm", "crit", "key", "signature", "exp", "aud", ...
    passed: bool
    reason: str
    #: False for a "not checked" row: a check nobody asked for (no expected issuer, audience,
    #: nonce or access token). It never makes a verdict invalid, and is shown as such.
    checked: bool = True

    @property
    def status(self) -> str:
        """``passed``, ``failed`` or ``not checked``."""
        if not self.checked:
            return NOT_CHECKED
        return "passed" if self.passed else "failed"


class Verification(NamedTuple):
    """The verdict. ``claims`` is filled only when the signature verified.

    A ``NamedTuple`` (immutable, typed) because the verifier builds one per token and a frozen
    dataclass costs several microseconds more on that path.
    """

    valid: bool
    checks: tuple[Check, ...]
    alg: str | None = None
    key: Key | None = None
    header: dict[str, Any] | None = None
    claims: dict[str, Any] | None = None
    now: float = 0.0
    leeway: float = 0.0

    def __repr__(self) -> str:
        return f"Verification({self.verdict}, {self.reason!r})"

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Warnings about the header (jku, x5u, jwk, x5c, shared secret...)."""
        return tuple(header_findings(self.header)) if self.header else ()

    @property
    def verdict(self) -> str:
        """VALID; UNTRUSTED when the only failure is the issuer trust (the signature matches
        keys of an issuer the token named itself); otherwise INVALID."""
        if self.valid:
            return "VALID"
        failed = self.failures
        if failed and all(c.name == ISSUER_TRUST for c in failed):
            return "UNTRUSTED"
        return "INVALID"

    @property
    def issuer_trusted(self) -> bool | None:
        """Whether the keys came from an issuer the user trusts; None when no keys were
        fetched from an issuer (the user gave the keys, or a key set URL)."""
        trust = [c for c in self.checks if c.name == ISSUER_TRUST]
        return all(c.passed for c in trust) if trust else None

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)

    @property
    def not_checked(self) -> tuple[Check, ...]:
        """The checks nobody asked for (issuer, audience, nonce, at_hash)."""
        return tuple(c for c in self.checks if not c.checked)

    @property
    def reason(self) -> str:
        """The first failure's reason, or a summary when valid."""
        failed = self.failures
        if failed:
            return failed[0].reason
        performed = sum(1 for c in self.checks if c.checked)
        skipped = ", ".join(_PLAIN.get(c.name, c.name) for c in self.not_checked)
        return (f"signature and claims verified ({performed} checks"
                + (f"; not checked: {skipped})" if skipped else ")"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "verdict": self.verdict,
            "alg": self.alg,
            "key": self.key.label() if self.key else None,
            "kid": self.key.kid if self.key else None,
            "issuer_trusted": self.issuer_trusted,
            "leeway": self.leeway,
            "now": self.now,
            "checks": [{"name": c.name, "passed": c.passed if c.checked else None,
                        "status": c.status, "reason": c.reason} for c in self.checks],
            "not_checked": [c.name for c in self.not_checked],
            "warnings": [f.message for f in self.findings],
        }


NOT_CHECKED = "not checked"
#: The checks that get a "not checked" row when not asked for, in words.
_PLAIN = {"iss": "issuer", "aud": "audience", "nonce": "nonce", "at_hash": "at_hash"}

_NOT_NUMBER = "{} is not a JSON number ({!r}): refused (RFC 7519 NumericDate)"
_NOT_FINITE = "{} is not a finite number ({!r}): refused (RFC 7519 NumericDate)"
_UNDERSTOOD_CRIT: frozenset[str] = frozenset()  # no extension is implemented


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


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

    candidates, failure = _choose_keys(keys, header.get("kid"), alg, allowed)
    if failure:
        return _refused(Check("key", False, failure), now, leeway, header, alg)
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
        _check_claims(checks, claims, header, now, leeway, issuer, audience)
        if expected_kind is not None:
            _check_kind(checks, header, claims, TokenKind(expected_kind))
            if TokenKind(expected_kind) is TokenKind.ID_TOKEN:
                _check_id_token(checks, claims, alg, client_id, nonce, access_token, code)
        _add_not_checked(checks, claims, issuer, audience, client_id, nonce, access_token)
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
) -> tuple[list[Key], str | None]:
    """Keys that may verify this token; ``kid`` only chooses among keys the user gave."""
    if isinstance(kid, str) and any(k.kid is not None for k in keys):
        by_kid = [k for k in keys if k.kid == kid]
        if not by_kid:
            by_kid = [k for k in keys if k.kid is None]
        if not by_kid:
            kids = ", ".join(repr(k.kid) for k in keys if k.kid)
            return [], f"no key with kid {kid!r} among the keys given ({kids})"
        pool = by_kid
    else:
        pool = list(keys)
    usable = [k for k in pool if alg in k.algorithms and (allowed is None or alg in allowed)]
    if usable:
        return usable, None
    key = pool[0]
    if alg.startswith("HS") and not key.symmetric:
        return [], (f"{alg} needs a shared secret, but the trusted key is an asymmetric "
                    f"{key.description} key: refused (algorithm confusion, RFC 8725 §2.1)")
    if key.pinned_alg:
        return [], f"the key is pinned to {key.pinned_alg} (its alg); the token says {alg}"
    can = ", ".join(sorted(key.algorithms))
    return [], f"the {key.description} key can verify only {can}; the token says {alg}"


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


def _check_claims(
    checks: list[Check],
    claims: dict[str, Any],
    header: dict[str, Any],
    now: float,
    leeway: float,
    issuer: str | None,
    audience: str | Sequence[str] | None,
) -> None:
    skew = f"; leeway {leeway:g} s" if leeway else ""
    exp = claims.get("exp")
    if "exp" in claims:
        if not _is_number(exp):
            checks.append(Check("exp", False, _NOT_NUMBER.format("exp", exp)))
        elif not is_finite(exp):
            checks.append(Check("exp", False, _NOT_FINITE.format("exp", exp)))
        elif exp <= now - leeway:
            checks.append(Check("exp", False, f"expired {human_duration(now - exp)} ago "
                                f"(exp {format_utc(exp)}{skew})"))
        else:
            checks.append(Check("exp", True, f"expires in {human_duration(exp - now)} "
                                f"(exp {format_utc(exp)}{skew})"))
    nbf = claims.get("nbf")
    if "nbf" in claims:
        if not _is_number(nbf):
            checks.append(Check("nbf", False, _NOT_NUMBER.format("nbf", nbf)))
        elif not is_finite(nbf):
            checks.append(Check("nbf", False, _NOT_FINITE.format("nbf", nbf)))
        elif nbf > now + leeway:
            checks.append(Check("nbf", False, f"not valid for another {human_duration(nbf - now)}"
                                f" (nbf {format_utc(nbf)}{skew})"))
        else:
            checks.append(Check("nbf", True, f"valid since {format_utc(nbf)}"))
    for name in ("iat", "auth_time"):
        if name in claims and not _is_number(claims[name]):
            checks.append(Check(name, False, _NOT_NUMBER.format(name, claims[name])))
        elif name in claims and not is_finite(claims[name]):
            checks.append(Check(name, False, _NOT_FINITE.format(name, claims[name])))
    if issuer is not None:
        iss = claims.get("iss")
        if not isinstance(iss, str):
            checks.append(Check("iss", False, f"expected issuer {issuer!r}; the token has none"))
        elif iss != issuer:
            checks.append(Check("iss", False,
                                f"issuer {iss!r} is not the expected {issuer!r} (exact match)"))
        else:
            checks.append(Check("iss", True, f"issuer is {issuer!r}"))
    if audience is not None:
        wanted = [audience] if isinstance(audience, str) else list(audience)
        aud = claims.get("aud")
        present = [aud] if isinstance(aud, str) else (
            [a for a in aud if isinstance(a, str)] if isinstance(aud, list) else [])
        hit = next((a for a in wanted if a in present), None)
        if hit is not None:
            checks.append(Check("aud", True, f"audience includes {hit!r}"))
        elif aud is None:
            checks.append(Check("aud", False, f"expected audience {wanted[0]!r}; the token has none"))
        else:
            checks.append(Check("aud", False, f"audience {aud!r} does not include {wanted[0]!r}"))


def _check_kind(checks: list[Check], header: dict[str, Any], claims: dict[str, Any],
                expected: TokenKind) -> None:
    typ = str(header.get("typ", "")).lower().removeprefix("application/")
    kind, reasons = classify_claims(header, claims)
    if expected is TokenKind.ID_TOKEN:
        if typ == "at+jwt":
            checks.append(Check("typ", False, "typ is at+jwt: an access token is never accepted "
                                "as an ID token (RFC 9068 §4, RFC 8725 §3.11)"))
            return
        if kind not in (TokenKind.ID_TOKEN, TokenKind.JWT):
            checks.append(Check("typ", False, f"this is a {kind.label.lower()} "
                                f"({reasons[0]}), not an ID token"))
            return
        checks.append(Check("typ", True, "nothing marks it as another kind of token"))
        return
    if expected is TokenKind.ACCESS_TOKEN:
        if typ == "at+jwt":
            checks.append(Check("typ", True, "typ is at+jwt (RFC 9068)"))
        elif kind in (TokenKind.ACCESS_TOKEN, TokenKind.JWT):
            checks.append(Check("typ", True, f"accepted as an access token ({reasons[0]}); "
                                "RFC 9068 tokens carry typ at+jwt"))
        else:
            checks.append(Check("typ", False, f"this is a {kind.label.lower()} ({reasons[0]}), "
                                "not an access token"))
        return
    if kind is expected:
        checks.append(Check("typ", True, f"{kind.label} ({reasons[0]})"))
    else:
        checks.append(Check("typ", False, f"expected a {expected.label.lower()}, "
                            f"this is a {kind.label.lower()} ({reasons[0]})"))


def left_half_hash(value: str, alg: str) -> str:
    """at_hash / c_hash (OIDC Core §3.1.3.6): base64url of the left half of the hash."""
    if alg == "EdDSA":
        digest = hashlib.sha512(value.encode("ascii")).digest()
    else:
        bits = alg[2:]
        digest = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}[bits](
            value.encode("ascii")).digest()
    half = digest[: len(digest) // 2]
    return base64.urlsafe_b64encode(half).rstrip(b"=").decode("ascii")


def _add_not_checked(checks: list[Check], claims: dict[str, Any], issuer: str | None,
                     audience: str | Sequence[str] | None, client_id: str | None,
                     nonce: str | None, access_token: str | None) -> None:
    """A "not checked" row for each of issuer, audience, nonce and at_hash nobody asked for,
    so a VALID verdict never hides what it did not look at."""
    done = {c.name for c in checks}

    def says(name: str) -> str:
        value = claims.get(name)
        return f" (the token says {value!r})" if isinstance(value, str | list) and value else ""

    rows = []
    if issuer is None and "iss" not in done:
        rows.append(("iss", f"no expected issuer was given{says('iss')}"))
    if audience is None and client_id is None and "aud" not in done:
        rows.append(("aud", f"no expected audience was given{says('aud')}"))
    if nonce is None and "nonce" not in done:
        rows.append(("nonce", "no nonce was given" + (" (the token carries one)"
                                                        if "nonce" in claims else "")))
    if "at_hash" not in done:
        rows.append(("at_hash", "no access token was given to compare with"
                     if access_token is None else "the token has no at_hash"))
    checks.extend(Check(name, True, f"{NOT_CHECKED}: {why}", checked=False)
                  for name, why in rows)


def _check_id_token(
    checks: list[Check],
    claims: dict[str, Any],
    alg: str,
    client_id: str | None,
    nonce: str | None,
    access_token: str | None,
    code: str | None,
) -> None:
    missing = [name for name in ("iss", "sub", "aud", "exp", "iat") if name not in claims]
    for name in missing:
        checks.append(Check(name, False, f"an ID token must carry {name} (OIDC Core §2)"))
    if not missing:
        checks.append(Check("required claims", True, "iss, sub, aud, exp and iat are present "
                            "(OIDC Core §2)"))
    aud = claims.get("aud")
    auds = [aud] if isinstance(aud, str) else (aud if isinstance(aud, list) else [])
    azp = claims.get("azp")
    if client_id is not None:
        if client_id not in auds:
            checks.append(Check("aud", False, f"the audience does not include the client "
                                f"{client_id!r}"))
        else:
            checks.append(Check("aud", True, f"the audience includes the client {client_id!r}"))
        if len(auds) > 1 and azp is None:
            checks.append(Check("azp", False, "several audiences and no azp: refused "
                                "(OIDC Core §3.1.3.7)"))
        elif azp is not None and azp != client_id:
            checks.append(Check("azp", False, f"azp {azp!r} is not the client {client_id!r}"))
        elif azp is not None:
            checks.append(Check("azp", True, "azp is the client"))
    if nonce is not None:
        got = claims.get("nonce")
        if not isinstance(got, str) or not hmac.compare_digest(got.encode(), nonce.encode()):
            checks.append(Check("nonce", False, "the nonce differs from the one sent (replay?)"))
        else:
            checks.append(Check("nonce", True, "the nonce is the one sent"))
    for name, value in (("at_hash", access_token), ("c_hash", code)):
        if value is None or name not in claims:
            continue
        try:
            expected = left_half_hash(value, alg)
        except (KeyError, UnicodeEncodeError):
            checks.append(Check(name, False, f"{name} cannot be computed for {alg}"))
            continue
        if hmac.compare_digest(str(claims[name]).encode(), expected.encode()):
            checks.append(Check(name, True, f"{name} matches"))
        else:
            what = "access token" if name == "at_hash" else "authorization code"
            checks.append(Check(name, False, f"{name} does not match the {what}"))


def with_issuer_trust(verification: Verification, issuer: str, *, trusted: bool) -> Verification:
    """``verification`` made with keys published by ``issuer``, plus the issuer trust check.

    ``trusted``: the user gave this issuer (or it is a vault client's). When only the token
    named it, a matching signature proves nothing (anyone can publish keys and name themselves
    as issuer: SECURITY.md 5a), so the verdict is never VALID.
    """
    if trusted:
        check = Check(ISSUER_TRUST, True, f"the keys are those published by {issuer}, an issuer "
                      "you trust")
    else:
        signed = any(c.name == "signature" and c.passed for c in verification.checks)
        what = ("the signature matches keys published by" if signed
                else "the keys were fetched from")
        check = Check(ISSUER_TRUST, False, f"{what} {issuer}, an issuer named by the token itself, "
                      "not by you: anyone can publish keys and name themselves as issuer")
    return verification._replace(valid=verification.valid and trusted,
                                 checks=(*verification.checks, check))


def describe(verification: Verification, headline: str | None = None) -> str:
    """Several lines for a terminal: the verdict (or ``headline``), then each check performed
    (``ok``/``BAD``) and each not asked for (``---``, "not checked: ...")."""
    lines = [headline or verification.verdict]
    lines += [f"  {'---' if not c.checked else 'ok ' if c.passed else 'BAD'} {c.name}: "
              f"{c.reason}" for c in verification.checks]
    lines += [f"  warning: {f.message}" for f in verification.findings]
    return "\n".join(lines)

