"""The Tokendesk core: pure Python, synchronous, no Qt.

Public API::

    decode(text) -> DecodedToken                  # never raises; standard library only
    load_keys(data) -> KeySet                     # PEM, DER, certificate, OpenSSH, JWK, JWKS
    load_secret(secret, encoding="text") -> KeySet
    verify(text, keys, *, algorithms=None, issuer=None, audience=None, now=None,
           leeway=0.0, ...) -> Verification      # see tokendesk.core.tokens.verify.verify

``load_keys`` and ``verify`` import ``cryptography`` on first use, so that ``decode`` (and the
``tokendesk decode`` command) start fast.
"""

from __future__ import annotations

from .tokens.decoding import decode
from .tokens.model import DecodedToken, Finding, FoundToken, Problem, TokenFormat, TokenKind

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

    from .tokens.keys import Key, KeySet
    from .tokens.verify import Check, Verification, verify

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


def __getattr__(name: str) -> Any:
    """``Key``, ``KeySet``, ``Check``, ``Verification`` and ``verify`` on first use: they load
    cryptography, which ``decode`` never needs. ``verify`` is the implementation itself, so
    there is no wrapper on the verifier's hot path."""
    import importlib

    if name in ("Key", "KeySet"):
        module = importlib.import_module(".tokens.keys", __name__)
    elif name in ("Check", "Verification", "verify"):
        module = importlib.import_module(".tokens.verify", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(module, name)
    globals()[name] = value
    return value
