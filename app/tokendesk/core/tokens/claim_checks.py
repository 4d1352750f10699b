"""The claim checks made once a signature verified: exp, nbf, iat, iss, aud, the token's kind
(``typ``), the OpenID Connect ID token rules, and a "not checked" row for what nobody asked for.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

from ..timefmt import format_utc, human_duration, is_finite, is_json_number
from .classify import classify_claims
from .model import TokenKind
from .verdict import NOT_CHECKED, Check

__all__ = ["add_not_checked", "check_claims", "check_id_token", "check_kind", "left_half_hash"]

_NOT_NUMBER = "{} is not a JSON number ({!r}): refused (RFC 7519 NumericDate)"
_NOT_FINITE = "{} is not a finite number ({!r}): refused (RFC 7519 NumericDate)"


def check_claims(
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
        if not is_json_number(exp):
            checks.append(Check("exp", False, _NOT_NUMBER.format("exp", exp)))
        elif not is_finite(exp):
            checks.append(Check("exp", False, _NOT_FINITE.format("exp", exp)))
        elif exp <= now - leeway:
            checks.append(Check("exp", False, f"expired {human_duration(now - exp)} ago "
                                f"(exp {format_utc(exp)}{skew})", code="expired"))
        else:
            checks.append(Check("exp", True, f"expires in {human_duration(exp - now)} "
                                f"(exp {format_utc(exp)}{skew})"))
    nbf = claims.get("nbf")
    if "nbf" in claims:
        if not is_json_number(nbf):
            checks.append(Check("nbf", False, _NOT_NUMBER.format("nbf", nbf)))
        elif not is_finite(nbf):
            checks.append(Check("nbf", False, _NOT_FINITE.format("nbf", nbf)))
        elif nbf > now + leeway:
            checks.append(Check("nbf", False, f"not valid for another {human_duration(nbf - now)}"
                                f" (nbf {format_utc(nbf)}{skew})", code="not_yet_valid"))
        else:
            checks.append(Check("nbf", True, f"valid since {format_utc(nbf)}"))
    for name in ("iat", "auth_time"):
        if name in claims and not is_json_number(claims[name]):
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


def check_kind(checks: list[Check], header: dict[str, Any], claims: dict[str, Any],
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


def add_not_checked(checks: list[Check], claims: dict[str, Any], issuer: str | None,
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


def check_id_token(
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
