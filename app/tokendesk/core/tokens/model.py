"""What decoding returns: immutable records, nothing that can raise when read.

These are ``NamedTuple`` records rather than frozen dataclasses on purpose: as immutable and as
typed, but a fraction of the cost to build and to import, and ``tokendesk decode`` has a start-up
budget (issue 2: at most 3× ``python -c pass``; see ``core/_record.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from .._record import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "KINDS",
    "DecodedToken",
    "Finding",
    "FoundToken",
    "KindInfo",
    "Problem",
    "TokenFormat",
    "TokenKind",
    "expectable_kinds",
    "kind_for_field",
    "kind_for_typ",
]


JWS_SEGMENTS = ("header", "payload", "signature")
JWE_SEGMENTS = ("header", "encrypted_key", "iv", "ciphertext", "tag")


class TokenFormat(StrEnum):
    JWS = "jws"  # compact, three segments, signed
    UNSECURED = "unsecured"  # compact, alg "none"
    JWE = "jwe"  # compact, five segments, encrypted
    JWS_JSON = "jws-json"  # JSON serialization (RFC 7515 §7.2)
    JWE_JSON = "jwe-json"
    OPAQUE = "opaque"  # not a JOSE object at all
    MALFORMED = "malformed"  # looked like a JOSE object but could not be decoded
    TEXT = "text"  # words people write, not a token of any kind
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
    TEXT = "text"  # free text: not a token (never offered as an opaque one)
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return KINDS[self].label


class KindInfo(NamedTuple):
    """What Tokendesk knows about one kind of token, read by the classifier (``typ``), the
    decoder (``field``), the verifier's choices (``expectable``: the CLI's ``--expect`` and the
    Verify panel's "Must be") and the theme (``badge``)."""

    label: str
    #: The badge's hue: a seed color the theme turns into one readable under white text.
    badge: str
    #: The member of a token response (or pasted JSON) that holds this kind.
    field: str | None = None
    #: Offered as what a token must be when it is verified.
    expectable: bool = False
    #: The JWT header ``typ`` that says it outright (RFC 9068, RFC 9449, OIDC back-channel
    #: logout), lower case, without ``application/``.
    typ: str | None = None


#: Adding a kind: a member of :class:`TokenKind` and its row here (and, when claims rather than
#: a ``typ`` tell it, a rule in ``classify.py``).
KINDS: Mapping[TokenKind, KindInfo] = MappingProxyType({
    TokenKind.ID_TOKEN: KindInfo("ID token", "#2e7d32", "id_token", True),
    TokenKind.ACCESS_TOKEN: KindInfo("Access token", "#1565c0", "access_token", True, "at+jwt"),
    TokenKind.REFRESH_TOKEN: KindInfo("Refresh token", "#6a1b9a", "refresh_token", True),
    TokenKind.LOGOUT_TOKEN: KindInfo("Logout token", "#00695c", "logout_token", True,
                                     "logout+jwt"),
    TokenKind.DPOP_PROOF: KindInfo("DPoP proof", "#00838f", typ="dpop+jwt"),
    TokenKind.CLIENT_ASSERTION: KindInfo("Client assertion", "#4527a0", "client_assertion"),
    TokenKind.JWT: KindInfo("JWT", "#455a64"),
    TokenKind.ENCRYPTED: KindInfo("Encrypted (JWE)", "#37474f"),
    TokenKind.SIGNED_DATA: KindInfo("Signed data", "#455a64"),
    TokenKind.OPAQUE: KindInfo("Opaque", "#5d4037"),
    TokenKind.TEXT: KindInfo("Text — not a token", "#455a64"),
    TokenKind.UNKNOWN: KindInfo("Unknown", "#455a64"),
})


def expectable_kinds() -> list[TokenKind]:
    return [kind for kind, info in KINDS.items() if info.expectable]


def kind_for_field(field: str) -> TokenKind | None:
    return next((kind for kind, info in KINDS.items() if info.field == field), None)


def kind_for_typ(typ: str) -> TokenKind | None:
    return next((kind for kind, info in KINDS.items() if info.typ and info.typ == typ), None)


class Problem(NamedTuple):
    """Something wrong with the text, located precisely.

    ``segment`` is one of ``input``, ``header``, ``payload``, ``signature``,
    ``encrypted_key``, ``iv``, ``ciphertext``, ``tag``; ``offset`` counts characters from the
    start of that segment (None when the problem is the segment as a whole).
    """

    code: str
    segment: str
    offset: int | None
    message: str


class Finding(NamedTuple):
    """A non-fatal observation shown to the user (``severity`` is ``warning`` or ``info``)."""

    code: str
    message: str
    severity: str = "warning"


class FoundToken(NamedTuple):
    """A token found in pasted text: its label (``access_token``, ``Authorization header``...)."""

    label: str
    text: str

    def __repr__(self) -> str:  # the token is a secret: never in a repr or a log line
        return f"FoundToken(label={self.label!r}, text=<{len(self.text)} characters>)"


EMPTY_CONTEXT: Mapping[str, Any] = MappingProxyType({})


class DecodedToken(NamedTuple):
    """Everything that could be read from one token, and everything wrong with it.

    The token text itself is a secret: it is kept out of ``repr``. ``findings`` (warnings) are
    worked out when asked for, not on every keystroke.
    """

    text: str
    format: TokenFormat
    kind: TokenKind
    reasons: tuple[str, ...]
    header: dict[str, Any] | None = None
    payload: Any = None  # the parsed JSON payload (any JSON value), or None
    payload_text: str | None = None  # the payload as text when it is not JSON
    payload_bytes: bytes | None = None
    signature: bytes | None = None
    problems: tuple[Problem, ...] = ()
    source: str = "input"  # where in the pasted text the token was found
    found: tuple[FoundToken, ...] = ()  # every token in the pasted text, this one included
    context: Mapping[str, Any] = EMPTY_CONTEXT  # expires_in, scope... of a token response
    nested: DecodedToken | None = None  # the JWT inside a JWS whose cty is JWT

    def __repr__(self) -> str:
        return (f"DecodedToken(format={self.format.value!r}, kind={self.kind.value!r}, "
                f"source={self.source!r}, problems={len(self.problems)}, "
                f"text=<{len(self.text)} characters>)")

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Warnings about the token."""
        from .findings import token_findings

        return token_findings(self)

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
