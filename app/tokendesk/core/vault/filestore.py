"""The encrypted file store: the fallback without a usable keyring (DESIGN.md "Storage"). One
file, AES-GCM under a key derived from a passphrase with scrypt; locked until
:meth:`FileStore.unlock`; never plain text.
"""

from __future__ import annotations

import json
import os
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from ..errors import VaultCorrupt, VaultError, VaultLocked, WrongPassphrase
from .kdf import (
    DEFAULT_PARAMS,
    check_new_passphrase,
    derive_key,
    new_salt,
    open_sealed,
    read_kdf,
    seal,
)
from .secrets import atomic_write

__all__ = ["FileStore"]


class FileStore:
    """An encrypted file of secrets: scrypt-derived key, AES-GCM. Locked until unlocked.

    Safe across threads and processes (SECURITY.md 21a): every change takes an exclusive lock
    on a sibling lock file, reads and decrypts the file as it is now, applies only that one
    change and writes the result atomically, so two processes changing two secrets keep both.
    A read serves the copy in memory only while the file is the one that copy came from (same
    inode, modification time and size); otherwise it reads the file again.
    """

    FORMAT = "tokendesk-secrets"
    #: The scrypt cost a new file is written with (a file keeps its own when rewritten).
    PARAMS = DEFAULT_PARAMS
    #: How long a change waits for another process's change to the file (seconds).
    LOCK_TIMEOUT = 30.0
    #: A copy read from a file changed less than this long ago (nanoseconds) is read again
    #: next time: a file system's clock ticks coarsely, so a second rewrite within one tick can
    #: keep the size and the time, and a freed inode number can come back.
    _RACY_NS = 2_000_000_000

    def __init__(self, path: Path) -> None:
        import threading

        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")
        self._key: bytes | None = None
        self._salt: bytes | None = None
        self._params: tuple[int, int, int] = self.PARAMS
        self._values: dict[str, str] = {}
        #: (inode, mtime_ns, size) of the file ``_values`` was read from; None: read again.
        self._seen: tuple[int, int, int] | None = None
        self._guard = threading.RLock()

    @property
    def description(self) -> str:
        return f"the encrypted file {self.path}"

    @property
    def exists(self) -> bool:
        return self.path.exists()

    @property
    def locked(self) -> bool:
        return self._key is None

    def _file_lock(self) -> AbstractContextManager[None]:
        from .locking import file_lock

        return file_lock(self.lock_path, self.LOCK_TIMEOUT,
                         busy=f"another Tokendesk process kept {self.path.name} locked for "
                              f"{self.LOCK_TIMEOUT:.0f} seconds: try again")

    def create(self, passphrase: str) -> None:
        check_new_passphrase(passphrase)
        with self._guard, self._file_lock():
            if self.exists:
                raise VaultError(f"{self.path} already exists")
            salt = new_salt()
            key = derive_key(passphrase, salt, *self.PARAMS)
            self._salt, self._key, self._params = salt, key, self.PARAMS
            self._write({})

    def _read(self, *, opening: bool = False) -> tuple[dict[str, Any], tuple[int, int, int]]:
        """The file's envelope (format checked) and its (inode, mtime_ns, size)."""
        try:
            with open(self.path, "rb") as handle:
                info = os.fstat(handle.fileno())
                data = handle.read()
        except FileNotFoundError:
            if opening:
                raise VaultError(f"{self.path} does not exist: create it first") from None
            raise VaultError(f"{self.path} was removed while it was open") from None
        except OSError as exc:
            raise VaultError(f"{self.path} cannot be read ({exc.strerror})") from None
        try:
            doc = json.loads(data)
        except ValueError:
            raise VaultCorrupt(f"{self.path.name} is damaged (not JSON)") from None
        if not isinstance(doc, dict) or doc.get("format") != self.FORMAT \
                or doc.get("version") != 1:
            raise VaultCorrupt(f"{self.path.name} is not a Tokendesk secrets file")
        return doc, (info.st_ino, info.st_mtime_ns, info.st_size)

    def _kdf_params(self, doc: dict[str, Any]) -> tuple[bytes, tuple[int, int, int]]:
        """The salt and the bounded scrypt parameters (SECURITY.md 35), before any derivation."""
        return read_kdf(doc, what=self.path.name)

    def _decrypt(self, doc: dict[str, Any], key: bytes) -> dict[str, str]:
        """The secrets of ``doc``; raises cryptography's InvalidTag for a wrong key."""
        plain = open_sealed(key, doc, self.FORMAT.encode(), what=self.path.name)
        try:
            values = json.loads(plain)
        except (ValueError, KeyError, TypeError) as exc:
            raise VaultCorrupt(f"{self.path.name} is damaged ({type(exc).__name__})") from None
        if not isinstance(values, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in values.items()):
            raise VaultCorrupt(f"{self.path.name} is damaged (its contents are not secrets)")
        return values

    def _remember(self, values: dict[str, str], seen: tuple[int, int, int]) -> None:
        import time

        self._values = values
        # a file changed within the last tick or two may change again unseen: read it again
        # (or one stamped in the future: a clock set back)
        racy = time.time_ns() - seen[1] < self._RACY_NS
        self._seen = None if racy else seen

    def unlock(self, passphrase: str) -> None:
        from cryptography.exceptions import InvalidTag

        with self._guard:
            doc, seen = self._read(opening=True)
            salt, params = self._kdf_params(doc)
            key = derive_key(passphrase, salt, *params)
            try:
                values = self._decrypt(doc, key)
            except InvalidTag:
                raise WrongPassphrase("wrong passphrase (or the file was altered)") from None
            self._salt, self._key, self._params = salt, key, params
            self._remember(values, seen)

    def lock(self) -> None:
        with self._guard:
            self._key = None
            self._values = {}
            self._seen = None

    def _need_key(self) -> bytes:
        if self._key is None:
            raise VaultLocked("the encrypted secret file is locked: give the passphrase")
        return self._key

    def _load(self, *, always: bool) -> None:
        """Bring ``_values`` up to date with the file: ``always`` reads it (under the lock,
        before a change); otherwise only when it is not the file last read. Caller holds
        ``_guard``."""
        from cryptography.exceptions import InvalidTag

        key = self._need_key()
        if not always and self._seen is not None:
            try:
                info = os.stat(self.path)
            except OSError:
                info = None
            if info is not None and (info.st_ino, info.st_mtime_ns, info.st_size) == self._seen:
                return
        doc, seen = self._read()
        salt, params = self._kdf_params(doc)
        if salt != self._salt or params != self._params:
            # created anew (by another process) under a passphrase this store was not given
            self.lock()
            raise VaultLocked(f"{self.path.name} was replaced by another process: give its "
                              "passphrase again")
        try:
            values = self._decrypt(doc, key)
        except InvalidTag:
            raise VaultCorrupt(f"{self.path.name} was altered: it no longer decrypts under its "
                               "passphrase") from None
        self._remember(values, seen)

    def _write(self, values: dict[str, str]) -> None:
        """Encrypt ``values`` and replace the file atomically. Caller holds the file lock."""
        key = self._need_key()
        assert self._salt is not None
        doc = {"format": self.FORMAT, "version": 1,
               **seal(key, self._salt, self._params, json.dumps(values).encode(),
                      self.FORMAT.encode())}
        atomic_write(self.path, json.dumps(doc).encode())
        info = os.stat(self.path)
        self._remember(values, (info.st_ino, info.st_mtime_ns, info.st_size))

    def get(self, service: str, key: str) -> str | None:
        with self._guard:
            self._load(always=False)
            return self._values.get(f"{service}\0{key}")

    def set(self, service: str, key: str, value: str) -> None:
        with self._guard:
            self._need_key()
            with self._file_lock():
                self._load(always=True)
                self._write({**self._values, f"{service}\0{key}": value})

    def delete(self, service: str, key: str) -> None:
        with self._guard:
            self._need_key()
            with self._file_lock():
                self._load(always=True)
                name = f"{service}\0{key}"
                if name in self._values:
                    self._write({k: v for k, v in self._values.items() if k != name})
