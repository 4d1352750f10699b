"""An exclusive advisory lock on a file: excludes other processes and other threads alike.

``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows. Each holder opens the lock file anew,
so two threads of one process exclude each other too (a lock belongs to an open file, not to a
process). The lock file holds nothing; it only exists to be locked.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import VaultError

__all__ = ["file_lock"]

#: The first wait between two tries, and the longest: short waits first, since the holders
#: here (a file rewrite, a token refresh) are usually done within milliseconds.
_FIRST_WAIT, _LONGEST_WAIT = 0.001, 0.05


@contextlib.contextmanager
def file_lock(path: Path, timeout: float, *,
              busy: str = "another Tokendesk process holds this lock") -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing); raise ``VaultError(busy)`` when
    it is not free within ``timeout`` seconds."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle = open(path, "a+b")  # noqa: SIM115 - held for the lock's lifetime
    try:
        deadline = time.monotonic() + timeout
        wait = _FIRST_WAIT
        while not _try_lock(handle):
            if time.monotonic() > deadline:
                raise VaultError(busy)
            time.sleep(wait)
            wait = min(wait * 2, _LONGEST_WAIT)
        try:
            yield
        finally:
            _unlock(handle)
    finally:
        handle.close()


def _try_lock(handle: Any) -> bool:
    try:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            return True
        except OSError:
            return False


def _unlock(handle: Any) -> None:
    try:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    except ImportError:
        import msvcrt

        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
