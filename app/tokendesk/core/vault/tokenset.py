"""The tokens of a credential as stored: what a token response holds (:class:`TokenSet`), how a
slot packs the refresh, access and ID tokens into one secret, and the numbers a server or a
token may state about lifetimes (finite and within the calendar, or ignored: SECURITY.md 35).
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import InvalidInput, VaultCorrupt
from ..timefmt import finite_number
from .model import fingerprint

__all__ = ["ACCESS_TOKEN", "ID_TOKEN", "MAX_EPOCH", "MAX_LIFETIME", "REFRESH_TOKEN", "SESSION",
           "TokenSet", "epoch", "pack_slot", "token_metadata", "unpack_slot"]

REFRESH_TOKEN, ACCESS_TOKEN, ID_TOKEN = "refresh_token", "access_token", "id_token"
#: Where older versions kept the latest access and ID tokens (read, and deleted on rotation).
SESSION = "session"
#: A slot's value: this marker, then JSON with the refresh, access and ID tokens. JSON's ASCII
#: escapes also keep a token that is not valid text (a lone surrogate) exactly as received.
_SLOT = "tokendesk-slot:v1:"
#: The most seconds a server's relative lifetime is taken for (ten years): more is not a
#: lifetime but a mistake or an attack, and would overflow every date shown.
MAX_LIFETIME = 10 * 365 * 86_400.0
#: Expiry times past this (9999-12-31) cannot be shown as dates: such an exp is ignored.
MAX_EPOCH = 253_402_300_799.0


def pack_slot(tokens: dict[str, str]) -> str:
    return _SLOT + json.dumps(tokens, separators=(",", ":"))


def unpack_slot(value: str) -> dict[str, str]:
    """The tokens of a slot (a bare value is a refresh token from an older layout)."""
    if not value.startswith(_SLOT):
        return {REFRESH_TOKEN: value}
    try:
        doc = json.loads(value[len(_SLOT):])
    except ValueError:
        raise VaultCorrupt("a stored token slot is damaged") from None
    if not isinstance(doc, dict) or not isinstance(doc.get(REFRESH_TOKEN), str):
        raise VaultCorrupt("a stored token slot is damaged")
    return {k: v for k, v in doc.items() if isinstance(v, str) and v}


def _slot_doc(refresh: str, access: str | None, id_token: str | None) -> dict[str, str]:
    doc = {REFRESH_TOKEN: refresh}
    if access:
        doc[ACCESS_TOKEN] = access
    if id_token:
        doc[ID_TOKEN] = id_token
    return doc


def epoch(value: Any) -> float | None:
    """An expiry time from a token's claim: a finite JSON number within the calendar."""
    number = finite_number(value)
    return number if number is not None and 0 <= number <= MAX_EPOCH else None


class TokenSet:
    """Tokens from a token response (or pasted by hand), with what they say about expiry."""

    def __init__(self, refresh_token: str | None = None, access_token: str | None = None,
                 id_token: str | None = None, *, expires_in: float | None = None,
                 refresh_expires_in: float | None = None, scope: str | None = None) -> None:
        self.refresh_token = refresh_token or None
        self.access_token = access_token or None
        self.id_token = id_token or None
        self.expires_in = expires_in
        self.refresh_expires_in = refresh_expires_in
        self.scope = scope
        #: When the server answered, by its own clock (its Date header), if known: relative
        #: lifetimes (``expires_in``) count from then, so every stored expiry time is on the
        #: server's clock and one measured skew converts them all.
        self.server_time: float | None = None

    def __repr__(self) -> str:  # never the tokens
        return (f"TokenSet(refresh={fingerprint(self.refresh_token)}, "
                f"access={fingerprint(self.access_token)}, id={fingerprint(self.id_token)})")

    @classmethod
    def from_response(cls, response: dict[str, Any]) -> TokenSet:
        """From a token endpoint response (RFC 6749 §5.1, with the vendor variants)."""
        def number(name: str) -> float | None:
            # a finite lifetime of at most ten years; anything else is as good as not said
            value = response.get(name)
            if isinstance(value, str) and value.isascii() and value.isdigit() \
                    and len(value) <= 12:
                value = int(value)
            found = finite_number(value)
            return found if found is not None and 0 <= found <= MAX_LIFETIME else None

        def text(name: str) -> str | None:
            value = response.get(name)
            return value if isinstance(value, str) and value else None

        return cls(text("refresh_token"), text("access_token"), text("id_token"),
                   expires_in=number("expires_in"),
                   refresh_expires_in=number("refresh_expires_in")
                   or number("refresh_token_expires_in"),
                   scope=text("scope"))

    @classmethod
    def from_pasted(cls, text: str) -> TokenSet:
        """What a person pasted to store: a refresh token, or a JSON token response (the CLI's
        standard input and the window's "Store refresh token" read it the same way).

        Raises :class:`InvalidInput` for JSON that cannot be read or is not an object, and for
        text with spaces or line breaks inside (two tokens, or a sentence); a response without
        a refresh token is left for the vault to refuse in its own words.
        """
        text = text.strip()
        if text[:1] in ("{", "["):
            try:
                doc = json.loads(text)
            except (ValueError, RecursionError):
                raise InvalidInput("this looks like JSON but is not valid JSON (or is nested "
                                   "too deeply)") from None
            if not isinstance(doc, dict):
                raise InvalidInput("a token response is a JSON object")
            return cls.from_response(doc)
        if any(c.isspace() for c in text):
            raise InvalidInput("a refresh token has no spaces or line breaks inside: paste one "
                               "token, or the whole JSON token response")
        return cls(text)


def token_metadata(token: str | None) -> dict[str, Any]:
    """exp, sub and scope of a JWT (decoded, not verified: used only for display and timers)."""
    if not token:
        return {}
    from ..tokens.decoding import decode_token

    claims = decode_token(token).claims or {}
    out: dict[str, Any] = {}
    exp = epoch(claims.get("exp"))
    if exp is not None:
        out["exp"] = exp
    if isinstance(claims.get("sub"), str):
        out["sub"] = claims["sub"]
    scope = claims.get("scope", claims.get("scp"))
    if isinstance(scope, str):
        out["scope"] = scope
    elif isinstance(scope, list):
        out["scope"] = " ".join(str(s) for s in scope)
    return out
