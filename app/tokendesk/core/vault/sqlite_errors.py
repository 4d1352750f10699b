"""sqlite's errors as the vault's own (a message for a person, never a raw sqlite3 exception):
:func:`vault_error` for one error, :func:`mapped` for every method of the index."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

from ..errors import VaultCorrupt, VaultError

__all__ = ["mapped", "vault_error"]


def vault_error(exc: sqlite3.Error, path: Path) -> VaultError:
    """The vault's own error for an error of sqlite (a message for a person; sqlite's own
    words in parentheses — they never hold a bound value, and the index holds no secret)."""
    text = str(exc)
    low = text.lower()
    where = f"the vault index {path.name}"
    if "pattern too complex" in low:
        return VaultError("the search text is too long or complex for the vault index: "
                          "search for a shorter text")
    if isinstance(exc, sqlite3.IntegrityError):
        return VaultError(f"{where} refused a change that conflicts with what it holds ({text})")
    if isinstance(exc, sqlite3.ProgrammingError) and "closed" in low:
        return VaultError(f"{where} is closed")
    if "locked" in low or "busy" in low:
        return VaultError(f"{where} is busy: another Tokendesk window or process kept it locked "
                          f"too long; try again ({text})")
    if "disk i/o" in low or "full" in low or "readonly" in low or "unable to open" in low:
        return VaultError(f"{where} could not be read or written ({text}): check the disk and "
                          "the permissions of TOKENDESK_HOME")
    if "malformed" in low or "not a database" in low or "corrupt" in low or \
            type(exc) is sqlite3.DatabaseError:
        return VaultCorrupt(f"{where} cannot be read: it is damaged ({text}); restore it from a "
                            "backup or an export")
    return VaultError(f"{where} failed ({type(exc).__name__}: {text})")


_F = TypeVar("_F", bound=Callable[..., Any])


def mapped(method: _F) -> _F:
    """Raise the vault's own errors instead of sqlite's from an index operation."""
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise vault_error(exc, self.path) from None
    return cast(_F, wrapper)
