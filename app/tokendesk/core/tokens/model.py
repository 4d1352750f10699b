"""What decoding returns: frozen dataclasses, nothing that can raise when read."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "DecodedToken",
    "Finding",
    "FoundToken",
    "Problem",
    "Segment",
    "TokenFormat",
    "TokenKind",
]


class TokenFormat(StrEnum):
    JWS = "jws"  # compact, three segments, signed
    UNSECURED = "unsecured"  # compact, alg "none"
    JWE = "jwe"  # compact, five segments, encrypted
    JWS_JSON = "jws-json"  # JSON serialization (RFC 7515 §7.2)
    JWE_JSON = "jwe-json"
    OPAQUE = "opaque"  # not a JOSE object at all
    MALFORMED = "malformed"  # looked like a JOSE object but could not be decoded
    EMPTY = "empty"


class TokenKind(StrEnum):
    ID_TOKEN = "id_token"
    ACCESS_TOKEN = "access_token"
    REFRESH_TOKEN = "refresh_token"
    LOGOUT_TOKEN = "logout_token"
    DPOP_PROOF = "dpop_proof"
    CLIENT_ASSERTION = "client_assertion"
    JWT = "jwt"  # a JWT whose purpose could not be told
    ENCRYPTED = "encrypted"
    SIGNED_DATA = "signed_data"  # a JWS whose payload is not a claims set
    OPAQUE = "opaque"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    TokenKind.ID_TOKEN: "ID token",
    TokenKind.ACCESS_TOKEN: "Access token",
    TokenKind.REFRESH_TOKEN: "Refresh token",
    TokenKind.LOGOUT_TOKEN: "Logout token",
    TokenKind.DPOP_PROOF: "DPoP proof",
    TokenKind.CLIENT_ASSERTION: "Client assertion",
    TokenKind.JWT: "JWT",
    TokenKind.ENCRYPTED: "Encrypted (JWE)",
    TokenKind.SIGNED_DATA: "Signed data",
    TokenKind.OPAQUE: "Opaque",
    TokenKind.UNKNOWN: "Unknown",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with the text, located precisely.

    ``segment`` is one of ``input``, ``header``, ``payload``, ``signature``,
    ``encrypted_key``, ``iv``, ``ciphertext``, ``tag``; ``offset`` counts characters from the
    start of that segment (None when the problem is the segment as a whole).
    """

    code: str
    segment: str
    offset: int | None
    message: str


@dataclass(frozen=True, slots=True)
class Finding:
    """A non-fatal observation shown to the user (``severity`` is ``warning`` or ``info``)."""

    code: str
    message: str
    severity: str = "warning"


@dataclass(frozen=True, slots=True)
class Segment:
    """One dot-separated part of a compact token, for coloring the encoded text."""

    name: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class FoundToken:
    """A token found in pasted text: its label (``access_token``, ``Authorization header``...)."""

    label: str
    text: str = field(repr=False)


@dataclass(frozen=True)
class DecodedToken:
    """Everything that could be read from one token, and everything wrong with it.

    The token text itself is a secret: it is kept out of ``repr``.
    """

    text: str = field(repr=False)
    format: TokenFormat
    kind: TokenKind
    reasons: tuple[str, ...]
    segments: tuple[Segment, ...] = ()
    header: dict[str, Any] | None = None
    payload: Any = None  # the parsed JSON payload (any JSON value), or None
    payload_text: str | None = None  # the payload as text when it is not JSON
    payload_bytes: bytes | None = field(default=None, repr=False)
    signature: bytes | None = field(default=None, repr=False)
    problems: tuple[Problem, ...] = ()
    findings: tuple[Finding, ...] = ()
    source: str = "input"  # where in the pasted text the token was found
    found: tuple[FoundToken, ...] = ()  # every token in the pasted text, this one included
    context: dict[str, Any] = field(default_factory=dict)  # expires_in, scope... of a response
    nested: DecodedToken | None = None  # the JWT inside a JWS whose cty is JWT

    @property
    def claims(self) -> dict[str, Any] | None:
        """The payload when it is a JSON object (a JWT claims set), else None."""
        return self.payload if isinstance(self.payload, dict) else None

    @property
    def ok(self) -> bool:
        """True when the text decoded without any problem."""
        return not self.problems

    @property
    def alg(self) -> str | None:
        value = self.header.get("alg") if self.header else None
        return value if isinstance(value, str) else None
