"""What each claim and header parameter means, and how a claims set reads to a person."""

from __future__ import annotations

import json

from .._record import NamedTuple
from ..timefmt import (
    NOT_FINITE,
    format_local,
    format_utc,
    human_duration,
    is_finite,
    is_json_number,
    relative,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "ClaimInfo",
    "ExplainedClaim",
    "HEADER_REGISTRY",
    "REGISTRY",
    "TIME_CLAIMS",
    "explain_claims",
    "lookup",
]


class ClaimInfo(NamedTuple):
    name: str
    meaning: str
    type: str
    source: str


def _table(rows: tuple[tuple[str, str, str, str], ...]) -> dict[str, ClaimInfo]:
    return {name: ClaimInfo(name, meaning, kind, src) for name, meaning, kind, src in rows}


_JWT = "RFC 7519 §4.1"
_OIDC = "OpenID Connect Core 1.0 §2"
_STD = "OpenID Connect Core 1.0 §5.1"

REGISTRY: dict[str, ClaimInfo] = _table((
    ("iss", "Issuer: who created and signed the token", "string (URL)", f"{_JWT}.1"),
    ("sub", "Subject: the user or client the token is about", "string", f"{_JWT}.2"),
    ("aud", "Audience: who the token is meant for; others must refuse it",
     "string or array of strings", f"{_JWT}.3"),
    ("exp", "Expiration time: the token must not be accepted at or after this time",
     "NumericDate", f"{_JWT}.4"),
    ("nbf", "Not before: the token must not be accepted before this time", "NumericDate",
     f"{_JWT}.5"),
    ("iat", "Issued at: when the token was created", "NumericDate", f"{_JWT}.6"),
    ("jti", "JWT ID: a unique identifier, used to stop replays", "string", f"{_JWT}.7"),
    ("auth_time", "When the user last actually authenticated (entered credentials)",
     "NumericDate", _OIDC),
    ("nonce", "Value the client sent in the sign-in request, echoed to stop replay", "string",
     _OIDC),
    ("acr", "Authentication context class: how strongly the user was authenticated", "string",
     _OIDC),
    ("amr", "Authentication methods used (pwd, mfa, otp, hwk...)", "array of strings", _OIDC),
    ("azp", "Authorized party: the client the token was issued to", "string", _OIDC),
    ("at_hash", "Hash of the access token issued with this ID token (binds the two)", "string",
     "OpenID Connect Core 1.0 §3.1.3.6"),
    ("c_hash", "Hash of the authorization code issued with this ID token", "string",
     "OpenID Connect Core 1.0 §3.3.2.11"),
    ("s_hash", "Hash of the state value (FAPI)", "string", "FAPI 1.0 Advanced §5.1"),
    ("sid", "Session ID at the provider, used for logout", "string",
     "OpenID Connect Front-Channel Logout 1.0 §3"),
    ("events", "Events this token reports (a back-channel logout token carries one)", "object",
     "OpenID Connect Back-Channel Logout 1.0 §2.4"),
    ("name", "Full name of the user", "string", _STD),
    ("given_name", "Given (first) name", "string", _STD),
    ("family_name", "Family (last) name", "string", _STD),
    ("middle_name", "Middle name", "string", _STD),
    ("nickname", "Casual name", "string", _STD),
    ("preferred_username", "Short name the user wants to be called (not unique, not stable)",
     "string", _STD),
    ("profile", "URL of the user's profile page", "string (URL)", _STD),
    ("picture", "URL of the user's picture", "string (URL)", _STD),
    ("website", "URL of the user's web page", "string (URL)", _STD),
    ("email", "E-mail address (not a stable identifier: use sub)", "string", _STD),
    ("email_verified", "Whether the provider verified the e-mail address", "boolean", _STD),
    ("gender", "Gender", "string", _STD),
    ("birthdate", "Birthday (YYYY-MM-DD)", "string", _STD),
    ("zoneinfo", "Time zone (IANA name)", "string", _STD),
    ("locale", "Locale (BCP 47)", "string", _STD),
    ("phone_number", "Phone number", "string", _STD),
    ("phone_number_verified", "Whether the phone number was verified", "boolean", _STD),
    ("address", "Postal address", "object", _STD),
    ("updated_at", "When the user's profile was last updated", "NumericDate", _STD),
    ("scope", "Scopes granted to this access token, space separated", "string", "RFC 9068 §2.2.3"),
    ("client_id", "The OAuth client the token was issued to", "string", "RFC 9068 §2.2"),
    ("groups", "Groups the user belongs to", "array of strings", "RFC 9068 §2.2.3.1"),
    ("roles", "Roles granted to the user (Microsoft Entra ID: app roles)", "array of strings",
     "RFC 9068 §2.2.3.1"),
    ("entitlements", "Individual entitlements of the user", "array of strings",
     "RFC 9068 §2.2.3.1"),
    ("act", "Actor: who is acting on behalf of the subject (delegation)", "object",
     "RFC 8693 §4.1"),
    ("may_act", "Who is allowed to act on behalf of the subject", "object", "RFC 8693 §4.4"),
    ("cnf", "Confirmation: the key the token is bound to (proof of possession)", "object",
     "RFC 7800 §3.1"),
    ("htm", "DPoP proof: HTTP method of the request", "string", "RFC 9449 §4.2"),
    ("htu", "DPoP proof: HTTP URL of the request", "string (URL)", "RFC 9449 §4.2"),
    ("ath", "DPoP proof: hash of the access token sent with it", "string", "RFC 9449 §4.2"),
    ("gty", "Auth0: the grant type that produced the token (client-credentials, password...)",
     "string", "Auth0 access token claims"),
    ("permissions", "Auth0 RBAC: permissions of the user for this API", "array of strings",
     "Auth0 access token claims"),
    ("org_id", "Auth0 Organizations: the organization of this sign-in", "string",
     "Auth0 Organizations"),
    ("oid", "Microsoft Entra ID: the user's immutable object ID (stable across apps)", "string",
     "Microsoft identity platform token reference"),
    ("tid", "Microsoft Entra ID: the tenant the user signed in to", "string",
     "Microsoft identity platform token reference"),
    ("scp", "Microsoft Entra ID / Okta: delegated scopes granted", "string or array",
     "Microsoft identity platform token reference"),
    ("upn", "Microsoft Entra ID: user principal name (not stable: use oid)", "string",
     "Microsoft identity platform token reference"),
    ("appid", "Microsoft Entra ID (v1): the client application", "string",
     "Microsoft identity platform token reference"),
    ("ver", "Token format version (Microsoft: 1.0 or 2.0)", "string",
     "Microsoft identity platform token reference"),
    ("uti", "Microsoft Entra ID: internal token identifier", "string",
     "Microsoft identity platform token reference"),
    ("idp", "The identity provider that authenticated the user", "string",
     "Microsoft identity platform token reference"),
    ("wids", "Microsoft Entra ID: directory roles of the user", "array of strings",
     "Microsoft identity platform token reference"),
    ("realm_access", "Keycloak: realm roles of the user", "object", "Keycloak token claims"),
    ("resource_access", "Keycloak: client roles of the user, per client", "object",
     "Keycloak token claims"),
    ("session_state", "Keycloak: the user's session ID", "string", "Keycloak token claims"),
    ("typ", "Keycloak: token type in the payload (Bearer, ID, Refresh, Offline)", "string",
     "Keycloak token claims"),
    ("allowed-origins", "Keycloak: web origins allowed for CORS", "array of strings",
     "Keycloak token claims"),
    ("hd", "Google: the Google Workspace domain of the user", "string", "Google ID token claims"),
    ("token_use", "Amazon Cognito: id or access", "string", "Amazon Cognito token claims"),
    ("cid", "Okta: the client ID", "string", "Okta access token claims"),
    ("uid", "Okta: the user's ID", "string", "Okta access token claims"),
))

HEADER_REGISTRY: dict[str, ClaimInfo] = _table((
    ("alg", "Signature or key-management algorithm", "string", "RFC 7515 §4.1.1"),
    ("typ", "Media type of the whole token (JWT, at+jwt, dpop+jwt, logout+jwt)", "string",
     "RFC 7515 §4.1.9"),
    ("cty", "Content type of the payload (JWT when a token is nested)", "string",
     "RFC 7515 §4.1.10"),
    ("kid", "Key ID: which of the issuer's keys signed the token", "string", "RFC 7515 §4.1.4"),
    ("jku", "URL of a key set (never fetched: an attacker can point it anywhere)",
     "string (URL)", "RFC 7515 §4.1.2"),
    ("jwk", "A public key embedded in the header (never trusted)", "object", "RFC 7515 §4.1.3"),
    ("x5u", "URL of an X.509 certificate chain (never fetched)", "string (URL)",
     "RFC 7515 §4.1.5"),
    ("x5c", "X.509 certificate chain embedded in the header (not trusted)", "array",
     "RFC 7515 §4.1.6"),
    ("x5t", "SHA-1 thumbprint of the signing certificate", "string", "RFC 7515 §4.1.7"),
    ("x5t#S256", "SHA-256 thumbprint of the signing certificate", "string", "RFC 7515 §4.1.8"),
    ("crit", "Extensions the recipient must understand, or refuse the token", "array",
     "RFC 7515 §4.1.11"),
    ("enc", "Content-encryption algorithm", "string", "RFC 7516 §4.1.2"),
    ("zip", "Compression of the plaintext before encryption", "string", "RFC 7516 §4.1.3"),
    ("epk", "Ephemeral public key of the sender (ECDH-ES)", "object", "RFC 7518 §4.6.1.1"),
    ("apu", "Agreement PartyUInfo (ECDH-ES)", "string", "RFC 7518 §4.6.1.2"),
    ("apv", "Agreement PartyVInfo (ECDH-ES)", "string", "RFC 7518 §4.6.1.3"),
    ("iv", "Initialization vector of the key wrap (AES-GCM key wrap)", "string",
     "RFC 7518 §4.7.1.1"),
    ("tag", "Authentication tag of the key wrap (AES-GCM key wrap)", "string",
     "RFC 7518 §4.7.1.2"),
    ("p2s", "PBES2 salt", "string", "RFC 7518 §4.8.1.1"),
    ("p2c", "PBES2 iteration count", "number", "RFC 7518 §4.8.1.2"),
    ("b64", "Whether the payload is base64url encoded", "boolean", "RFC 7797 §3"),
    ("iss", "Issuer (copied into the header of some encrypted tokens)", "string",
     "RFC 7519 §5.3"),
))

#: NumericDate claims that are shown as times.
TIME_CLAIMS = ("exp", "iat", "nbf", "auth_time", "updated_at")
_NAMESPACED = ClaimInfo(
    "",
    "A namespaced custom claim: Auth0 and others put custom claims under a URL so that they "
    "cannot collide with registered names",
    "any",
    "RFC 7519 §4.2 (public claim names)",
)
_UNKNOWN = ClaimInfo("", "A private claim: agreed between issuer and audience, not registered",
                     "any", "RFC 7519 §4.3")


def lookup(name: str, *, header: bool = False) -> ClaimInfo:
    """The meaning of a claim (or header parameter when ``header``), never None."""
    table = HEADER_REGISTRY if header else REGISTRY
    info = table.get(name)
    if info is not None:
        return info
    if not header and (name.startswith(("http://", "https://")) or name.count("/") >= 1):
        return ClaimInfo(name, _NAMESPACED.meaning, _NAMESPACED.type, _NAMESPACED.source)
    return ClaimInfo(name, _UNKNOWN.meaning, _UNKNOWN.type, _UNKNOWN.source)


class ExplainedClaim(NamedTuple):
    """One row of the claims table."""

    name: str
    value: Any
    display: str  # the value as shown (times in UTC and relative form)
    info: ClaimInfo
    utc: str | None = None
    local: str | None = None
    relative: str | None = None  # "expires in 4 min 12 s", "issued 3 days ago"


def _display(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    except ValueError:  # NaN or Infinity somewhere in it (SECURITY.md 35)
        return json.dumps(value, ensure_ascii=False) + f" ({NOT_FINITE})"
    except RecursionError:
        return "(nested too deeply to show)"


def _time_words(name: str, epoch: float, now: float) -> str:
    rel = relative(epoch, now)
    if name == "exp":
        return f"expires {rel}" if epoch > now else f"expired {rel}"
    if name == "nbf":
        return f"valid from {rel}" if epoch > now else f"valid since {rel}"
    if name == "iat":
        return f"issued {rel}"
    if name == "auth_time":
        return f"signed in {rel}"
    return f"updated {rel}"


def explain_claims(claims: dict[str, Any], now: float) -> list[ExplainedClaim]:
    """Rows for the claims table, in the token's order, with times made readable."""
    rows = []
    for name, value in claims.items():
        info = lookup(name)
        if name in TIME_CLAIMS and is_json_number(value):
            if not is_finite(value):  # NaN, Infinity, 1e400: shown as such, never as a time
                rows.append(ExplainedClaim(name, value, f"{_display(value)} ({NOT_FINITE})",
                                           info, relative=NOT_FINITE))
                continue
            utc, local = format_utc(value), format_local(value)
            words = _time_words(name, float(value), now)
            rows.append(ExplainedClaim(name, value, f"{utc} ({words})", info, utc, local, words))
        else:
            rows.append(ExplainedClaim(name, value, _display(value), info))
    exp, iat = claims.get("exp"), claims.get("iat")
    if is_json_number(exp) and is_json_number(iat) and is_finite(exp) and is_finite(iat):
        rows.append(
            ExplainedClaim(
                "lifetime",
                exp - iat,
                human_duration(exp - iat),
                ClaimInfo("lifetime", "exp − iat: how long the token was issued for",
                          "duration", "derived"),
            )
        )
    return rows
