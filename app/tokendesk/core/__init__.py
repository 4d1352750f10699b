"""The Tokendesk core: pure Python, synchronous, no Qt.

Public API::

    decode(text) -> DecodedToken                  # never raises; standard library only
    load_keys(data) -> KeySet                     # PEM, DER, certificate, OpenSSH, JWK, JWKS
    load_secret(secret, encoding="text") -> KeySet
    verify(text, keys, *, algorithms=None, issuer=None, audience=None, now=None,
           leeway=0.0, ...) -> Verification      # see tokendesk.core.tokens.verify.verify

Every name is resolved on first use: ``decode`` needs only the standard library, ``load_keys``
and ``verify`` import ``cryptography``; importing ``tokendesk.core`` itself (or a submodule such
as ``tokendesk.core.paths``) loads nothing else, so the CLI and the window start fast.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

    from .tokens.decoding import decode
    from .tokens.keys import Key, KeySet
    from .tokens.model import DecodedToken, Finding, FoundToken, Problem, TokenFormat, TokenKind
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


_LAZY = {
    "decode": ".tokens.decoding",
    "DecodedToken": ".tokens.model", "Finding": ".tokens.model", "FoundToken": ".tokens.model",
    "Problem": ".tokens.model", "TokenFormat": ".tokens.model", "TokenKind": ".tokens.model",
    "Key": ".tokens.keys", "KeySet": ".tokens.keys",
    "Check": ".tokens.verify", "Verification": ".tokens.verify", "verify": ".tokens.verify",
}


def __getattr__(name: str) -> Any:
    """Each public name on first use. ``verify`` is the implementation itself, so there is no
    wrapper on the verifier's hot path."""
    import importlib

    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name, __name__), name)
    globals()[name] = value
    return value
