"""What kind of token this is, and why we think so. Reasons are shown to the user."""

from __future__ import annotations

import math
import re

from .model import TokenKind, kind_for_typ

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["classify_claims", "describe_jwe_key", "describe_opaque", "describe_text", "text_words"]

_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
#: Where each typ is defined, for the reason shown.
_TYP_SOURCES = {"at+jwt": "RFC 9068 access token", "dpop+jwt": "RFC 9449 DPoP proof",
                "logout+jwt": "OIDC back-channel logout token"}
_ID_ONLY = ("nonce", "at_hash", "c_hash", "auth_time")


def classify_claims(header: dict[str, Any], claims: dict[str, Any]) -> tuple[TokenKind, list[str]]:
    """The kind of a JWT from its header ``typ`` and its claims, with the reasons."""
    typ = str(header.get("typ", "")).lower().removeprefix("application/")
    by_typ = kind_for_typ(typ) if typ else None
    if by_typ is not None:  # the kinds' table says which typ marks which kind (model.KINDS)
        return by_typ, [f"header typ is {typ} ({_TYP_SOURCES.get(typ, by_typ.label)})"]
    events = claims.get("events")
    if isinstance(events, dict) and _LOGOUT_EVENT in events:
        return TokenKind.LOGOUT_TOKEN, ["events holds the back-channel logout event"]

    # Provider conventions that say it outright.
    body_typ = claims.get("typ")
    if isinstance(body_typ, str):
        lowered = body_typ.lower()
        if lowered in ("refresh", "offline"):
            return TokenKind.REFRESH_TOKEN, [f"payload typ is {body_typ!r} (Keycloak convention)"]
        if lowered == "id":
            return TokenKind.ID_TOKEN, ["payload typ is 'ID' (Keycloak convention)"]
        if lowered == "bearer":
            return TokenKind.ACCESS_TOKEN, ["payload typ is 'Bearer' (Keycloak convention)"]
    token_use = claims.get("token_use")
    if token_use == "id":
        return TokenKind.ID_TOKEN, ["token_use is 'id' (Amazon Cognito)"]
    if token_use == "access":
        return TokenKind.ACCESS_TOKEN, ["token_use is 'access' (Amazon Cognito)"]
    if token_use == "refresh":
        return TokenKind.REFRESH_TOKEN, ["token_use is 'refresh'"]

    if {"htm", "htu"} <= claims.keys():
        return TokenKind.DPOP_PROOF, ["has htm and htu (RFC 9449 DPoP proof claims)"]

    access_hints = [c for c in ("scope", "scp", "client_id", "gty", "permissions", "cid")
                    if c in claims]
    id_hints = [c for c in _ID_ONLY if c in claims]
    if id_hints and not access_hints:
        return TokenKind.ID_TOKEN, [f"has {', '.join(id_hints)} (ID token claims, OIDC Core §2)"]
    if access_hints:
        return TokenKind.ACCESS_TOKEN, [
            f"has {', '.join(access_hints)} (access token claims, RFC 9068 §2.2)"
        ]
    iss, sub, aud = claims.get("iss"), claims.get("sub"), claims.get("aud")
    if iss is not None and iss == sub and "jti" in claims and isinstance(aud, str | list):
        return TokenKind.CLIENT_ASSERTION, [
            "iss equals sub and it carries jti and aud (RFC 7523 client assertion)"
        ]
    profile = [c for c in ("email", "name", "given_name", "preferred_username", "picture")
               if c in claims]
    if profile and isinstance(aud, str):
        return TokenKind.ID_TOKEN, [
            f"carries profile claims ({', '.join(profile)}) for a single audience"
        ]
    return TokenKind.JWT, ["no claim says what this token is for"]


def describe_jwe_key(header: dict[str, Any]) -> str:
    """Which key would decrypt a JWE with this header, in plain words."""
    alg = str(header.get("alg", "?"))
    enc = str(header.get("enc", "?"))
    kid = header.get("kid")
    who = f" (kid {kid!r})" if isinstance(kid, str) else ""
    if alg.startswith("RSA"):
        return f"the recipient's RSA private key{who}, to unwrap the content key ({alg})"
    if alg.startswith("ECDH-ES"):
        epk = header.get("epk")
        curve = epk.get("crv", "?") if isinstance(epk, dict) else "?"
        return f"the recipient's private key on curve {curve}{who}, for key agreement ({alg})"
    if alg == "dir":
        bits = _enc_key_bits(enc)
        return f"the shared content key itself ({bits} bits for {enc}){who}"
    m = re.fullmatch(r"A(128|192|256)(GCM)?KW", alg)
    if m:
        return f"a shared AES key of {m.group(1)} bits{who}, to unwrap the content key ({alg})"
    if alg.startswith("PBES2"):
        return f"the password it was encrypted with ({alg})"
    return f"a key for {alg!r}{who}"


def _enc_key_bits(enc: str) -> int | str:
    sizes = {"A128GCM": 128, "A192GCM": 192, "A256GCM": 256, "A128CBC-HS256": 256,
             "A192CBC-HS384": 384, "A256CBC-HS512": 512}
    return sizes.get(enc, "?")


_PREFIXES = (
    ("ya29.", TokenKind.ACCESS_TOKEN, "looks like a Google OAuth access token (ya29.)"),
    ("1//", TokenKind.REFRESH_TOKEN, "looks like a Google refresh token (1//)"),
    ("ghu_", TokenKind.ACCESS_TOKEN, "looks like a GitHub App user access token (ghu_)"),
    ("gho_", TokenKind.ACCESS_TOKEN, "looks like a GitHub OAuth access token (gho_)"),
    ("ghr_", TokenKind.REFRESH_TOKEN, "looks like a GitHub refresh token (ghr_)"),
    ("ghp_", TokenKind.ACCESS_TOKEN, "looks like a GitHub personal access token (ghp_)"),
    ("xoxb-", TokenKind.ACCESS_TOKEN, "looks like a Slack bot token (xoxb-)"),
    ("xoxp-", TokenKind.ACCESS_TOKEN, "looks like a Slack user token (xoxp-)"),
    ("xoxe-", TokenKind.REFRESH_TOKEN, "looks like a Slack refresh token (xoxe-)"),
    ("v1.", TokenKind.REFRESH_TOKEN,
     "looks like an Auth0 refresh token (v1. prefix): use it at the token endpoint"),
    ("EwA", TokenKind.ACCESS_TOKEN, "looks like a Microsoft account (consumer) access token"),
    ("M.C", TokenKind.REFRESH_TOKEN, "looks like a Microsoft account (consumer) refresh token"),
)


def describe_opaque(text: str, hint_kind: TokenKind | None) -> tuple[TokenKind, list[str]]:
    """An opaque token's length, character set and entropy, and what it probably is."""
    length = len(text)
    if re.fullmatch(r"[0-9a-f]+", text) or re.fullmatch(r"[0-9A-F]+", text):
        charset, bits_per = "hexadecimal", 4.0
    elif re.fullmatch(r"[A-Za-z0-9_-]+", text):
        charset, bits_per = "base64url alphabet", 6.0
    elif re.fullmatch(r"[A-Za-z0-9+/]+=*", text):
        charset, bits_per = "base64 alphabet", 6.0
    elif re.fullmatch(r"[\x21-\x7e]+", text):
        charset, bits_per = "printable ASCII", math.log2(94)
    else:
        charset, bits_per = "mixed characters", 0.0
    reasons = [f"not a JOSE object: {length} characters, {charset}"]
    if bits_per:
        reasons.append(f"at most {int(length * bits_per)} bits if random")
    kind = hint_kind or TokenKind.OPAQUE
    for prefix, prefix_kind, words in _PREFIXES:
        if text.startswith(prefix):
            kind = hint_kind or prefix_kind
            reasons.append(words)
            break
    else:
        if re.fullmatch(r"[01]\.A[A-Za-z0-9_.\-]{200,}", text):
            kind = hint_kind or TokenKind.REFRESH_TOKEN
            reasons.append("looks like a Microsoft Entra ID refresh token (opaque by design)")
    if kind is TokenKind.ACCESS_TOKEN or (hint_kind is None and kind is TokenKind.OPAQUE):
        reasons.append(
            "an opaque access token can only be checked by its issuer: use /userinfo or "
            "introspection (RFC 7662)"
        )
    return kind, reasons


#: A word as people write it: letters (any script), maybe an apostrophe or hyphen inside, maybe
#: punctuation around it. Tokens are runs of base64url, hex or printable ASCII without spaces.
_WORD = re.compile(r"[(\"'“‘]*[^\W\d_]+(?:['’-][^\W\d_]+)*[.,;:!?)\"'”’…]*")


def text_words(text: str) -> int | None:
    """How many words ``text`` has when it reads as free text rather than a token: at least
    two whitespace-separated parts, most of them words of at most 24 letters. None otherwise
    (a token broken over lines has long random runs, not words)."""
    parts = text.split()
    if len(parts) < 2:
        return None
    words = sum(1 for p in parts if len(p) <= 30 and _WORD.fullmatch(p))
    return len(parts) if words * 3 >= len(parts) * 2 else None


def describe_text(text: str, words: int) -> tuple[TokenKind, list[str]]:
    """Free text: said so, and never offered as an opaque token (nor for introspection)."""
    return TokenKind.TEXT, [
        f"{words} words of text with spaces between them: a token has no spaces",
        "paste the token itself, an Authorization header, a token response or a redirect URL",
    ]
