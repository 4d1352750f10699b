"""The Tokendesk core: pure Python, synchronous, no Qt.

Public API::

    decode(text) -> DecodedToken                  # never raises; standard library only
    load_keys(data) -> KeySet                     # PEM, DER, certificate, OpenSSH, JWK, JWKS
    load_secret(secret, encoding="text") -> KeySet
    verify(text, keys, *, algorithms=None, issuer=None, audience=None, now=None,
           leeway=0.0, ...) -> Verification

``load_keys`` and ``verify`` import ``cryptography`` on first use, so that ``decode`` (and the
``tokendesk decode`` command) start fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .tokens.decoding import decode
from .tokens.model import DecodedToken, Finding, FoundToken, Problem, TokenFormat, TokenKind

if TYPE_CHECKING:
    from .tokens.keys import Key, KeySet
    from .tokens.verify import Check, Verification

__all__ = [
    "Check",
    "DecodedToken",
    "Finding",
    "FoundToken",
    "Key",
    "KeySet",
    "Problem",
    "TokenFormat",
    "TokenKind",
    "Verification",
    "decode",
    "load_keys",
    "load_secret",
    "verify",
]


def load_keys(data: str | bytes) -> KeySet:
    """Read trusted verification keys; see :func:`tokendesk.core.tokens.keys.load_keys`."""
    from .tokens.keys import load_keys as _load_keys

    return _load_keys(data)


def load_secret(secret: str | bytes, encoding: str = "text") -> KeySet:
    """An HMAC secret as a key set; see :func:`tokendesk.core.tokens.keys.load_secret`."""
    from .tokens.keys import load_secret as _load_secret

    return _load_secret(secret, encoding)


def verify(
    text: str,
    keys: KeySet | Key | Sequence[Key] | None,
    *,
    algorithms: Iterable[str] | None = None,
    issuer: str | None = None,
    audience: str | Sequence[str] | None = None,
    now: float | None = None,
    leeway: float = 0.0,
    **oidc: Any,
) -> Verification:
    """Verify a compact JWS; see :func:`tokendesk.core.tokens.verify.verify`."""
    impl = _VERIFY[0] if _VERIFY else _load_verify()
    return impl(text, keys, algorithms=algorithms, issuer=issuer, audience=audience, now=now,
                leeway=leeway, **oidc)


_VERIFY: list[Callable[..., Verification]] = []


def _load_verify() -> Callable[..., Verification]:
    from .tokens.verify import verify as _verify

    _VERIFY.append(_verify)
    return _verify


def __getattr__(name: str) -> Any:
    if name in ("Key", "KeySet"):
        from .tokens import keys

        return getattr(keys, name)
    if name in ("Check", "Verification"):
        from .tokens import verify as _v

        return getattr(_v, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
