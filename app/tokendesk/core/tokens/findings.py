"""Warnings about a decoded token: things a careful reader would point out."""

from __future__ import annotations

import re

from ..timefmt import is_finite, is_json_number
from .model import DecodedToken, Finding, TokenFormat, TokenKind

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeGuard

__all__ = ["claim_findings", "header_findings", "token_findings"]


def token_findings(token: DecodedToken) -> tuple[Finding, ...]:
    """Every warning about a decoded token: its header, then its claims."""
    out = header_findings(token.header) if token.header else []
    if token.header is not None and token.header.get("b64") is False:
        out.append(Finding("unencoded_payload",
                           "b64 is false: the payload is not base64url encoded (RFC 7797)",
                           "info"))
    claims = token.claims
    if claims is not None and token.format in (TokenFormat.JWS, TokenFormat.UNSECURED,
                                               TokenFormat.JWS_JSON):
        out.extend(claim_findings(claims, token.kind))
    return tuple(out)

_SENSITIVE_NAME = re.compile(
    r"(?im)(pass(word|wd)?|secret|api[_-]?key|private[_-]?key|ssn|social[_-]?security|"
    r"credit[_-]?card|card[_-]?number|cvv|pin$)"
)
_SSN = re.compile(r"^\d{3}-\d{2}-\d{4}$")
_CARD = re.compile(r"^(?:\d[ -]?){13,19}$")
_DAY = 86400


def header_findings(header: dict[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    alg = header.get("alg")
    if isinstance(alg, str) and alg.lower() == "none":
        out.append(
            Finding("unsecured", "unsecured token (alg none): anyone can forge or change it")
        )
    dpop_proof = str(header.get("typ", "")).lower().removeprefix("application/") == "dpop+jwt"
    if dpop_proof and isinstance(header.get("jwk"), dict):
        # RFC 9449 §4.2: a proof is signed with the key it carries; that is its point
        out.append(Finding("dpop_jwk", "a DPoP proof carries its own public key (jwk) and is "
                           "checked against it: it proves possession of that key, nothing "
                           "more (check the Binding tab)", "info"))
    for name, what in (("jku", "a key set URL"), ("x5u", "a certificate URL"),
                       ("jwk", "an embedded key"), ("x5c", "an embedded certificate chain")):
        if name in header and not (dpop_proof and name == "jwk"):
            out.append(
                Finding(
                    f"header_{name}",
                    f"the header carries {what} ({name}): it is never fetched or trusted; "
                    "verify with keys you obtained yourself",
                )
            )
    if isinstance(alg, str) and alg.startswith("HS"):
        out.append(
            Finding(
                "shared_secret",
                f"signed with a shared secret ({alg}): whoever can verify it can also mint it; "
                "a public client (browser, mobile or desktop app) must never hold this secret",
            )
        )
    if "crit" in header:
        out.append(Finding("crit", f"critical extensions: {header['crit']!r}", "info"))
    return out


def claim_findings(claims: dict[str, Any], kind: TokenKind) -> list[Finding]:
    out: list[Finding] = []
    suspicious_names = _SENSITIVE_NAME.search("\n".join(claims)) is not None
    for name, value in claims.items():
        if suspicious_names and _SENSITIVE_NAME.search(name):
            out.append(
                Finding("sensitive_claim", f"claim {name!r} looks like it holds a secret: "
                        "tokens are only encoded, anyone holding it can read it")
            )
        elif (isinstance(value, str) and 11 <= len(value) <= 23 and value[0].isdigit()
              and (_SSN.match(value) or _CARD.match(value))):
            out.append(
                Finding("sensitive_value", f"claim {name!r} looks like a personal identifier "
                        "(SSN or card number): anyone holding the token can read it")
            )
    exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf")
    for name in ("exp", "iat", "nbf", "auth_time"):
        value = claims.get(name)
        if name in claims and not is_json_number(value):
            out.append(
                Finding("bad_numeric_date", f"{name} is not a JSON number ({value!r}): "
                        "a verifier must refuse it (RFC 7519 §2 NumericDate)")
            )
        elif isinstance(value, int | float) and not is_finite(value):
            shown = repr(value) if isinstance(value, float) else f"{len(str(value))} digits"
            out.append(
                Finding("bad_numeric_date", f"{name} is not a finite number ({shown}): "
                        "a verifier must refuse it (RFC 7519 §2 NumericDate)")
            )
    if _num(exp) and _num(iat):
        life = exp - iat
        limit = _DAY if kind is TokenKind.ACCESS_TOKEN else 365 * _DAY
        if life > limit:
            days = life / _DAY
            out.append(
                Finding("long_lifetime", f"very long lifetime: {days:,.1f} days from iat to exp")
            )
        if life < 0:
            out.append(Finding("exp_before_iat", "exp is before iat: the token was born dead"))
    if _num(nbf) and _num(exp) and nbf > exp:
        out.append(Finding("nbf_after_exp", "nbf is after exp: the token can never be valid"))
    if exp is None and kind is TokenKind.ACCESS_TOKEN:
        out.append(Finding("no_exp", "access token without exp: it never expires on its own"))
    aud = claims.get("aud")
    if isinstance(aud, list) and len(aud) > 1 and "azp" not in claims and kind is TokenKind.ID_TOKEN:
        out.append(
            Finding("multi_aud_no_azp", "several audiences and no azp: OIDC clients must refuse it")
        )
    return out


def _num(value: Any) -> TypeGuard[float]:
    """A number usable as a time: not a bool, not NaN, Infinity or an int beyond float range."""
    return is_json_number(value) and is_finite(value)
