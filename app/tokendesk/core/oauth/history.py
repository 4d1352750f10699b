"""One exchange-history row per operation, with its outcome (issue 14).

Refreshes (manual and automatic) and the QA tools record their own rows; revoke, introspect,
userinfo, sign-in, device sign-in and client grants record theirs through :class:`Recorded`,
success or failure alike. Rows hold fingerprints and redacted bodies only, never a secret.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..errors import MissingEndpoint, ProviderError, TokendeskError, VaultError

if TYPE_CHECKING:
    from ..vault.vault import Vault

__all__ = ["Recorded", "outcome_of"]


def outcome_of(exc: BaseException) -> tuple[str, dict[str, Any]]:
    """A history status and redacted response for an operation that raised."""
    if isinstance(exc, MissingEndpoint):
        return (f"not sent: no {exc.endpoint.removesuffix('_endpoint').replace('_', ' ')} "
                "endpoint", {"error": exc.code})
    if isinstance(exc, ProviderError):
        status = f"{exc.error} (HTTP {exc.status})" if exc.status else exc.error
        return status, {"error": exc.error, "error_description": exc.description}
    if isinstance(exc, TokendeskError):
        return exc.code, {"error": exc.message}
    return f"failed ({type(exc).__name__})", {}


class Recorded:
    """``with Recorded(vault, name, "revoke", endpoint) as row: ...; row.status = "..."``:
    the row is written when the block ends, with the exception's outcome if it raised."""

    def __init__(self, vault: Vault, credential: str, operation: str, endpoint: str | None = "",
                 *, request: dict[str, Any] | None = None, old_fp: str | None = None) -> None:
        self.vault = vault
        self.credential = credential
        self.operation = operation
        self.endpoint = endpoint or ""
        self.request = request
        self.old_fp = old_fp
        self.status: str | None = None
        self.response: dict[str, Any] | None = None
        self.new_fp: str | None = None
        self._started = 0.0

    def __enter__(self) -> Recorded:
        self._started = time.perf_counter()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc is not None:
            status, response = outcome_of(exc)
        else:
            status, response = self.status or "OK", self.response or {}
        try:
            self.vault.index.add_exchange(
                self.credential, self.operation, status, endpoint=self.endpoint,
                duration_ms=(time.perf_counter() - self._started) * 1000, old_fp=self.old_fp,
                new_fp=self.new_fp, request=self.request, response=response)
        except VaultError:
            pass  # the history must never hide the operation's own outcome
