"""The vault: clients and credentials, secrets in the OS keyring (or an encrypted file).

``open_vault(home)`` picks the store: the system keyring when it is a real one, else the
encrypted file store (locked until ``unlock``). The index (sqlite3) holds no secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import KeyringUnavailable
from .filestore import FileStore
from .model import AUTH_METHODS, ENVIRONMENTS, AuditEntry, Client, Credential, Status, fingerprint
from .secrets import KeyringStore, SecretServiceStore, SecretStore, system_store
from .tokenset import TokenSet
from .vault import Vault

__all__ = [
    "AUTH_METHODS", "ENVIRONMENTS", "AuditEntry", "Client", "Credential", "FileStore",
    "KeyringStore", "SecretServiceStore", "SecretStore", "Status", "TokenSet", "Vault",
    "fingerprint", "open_store", "open_vault", "system_store",
]


def open_store(home: Path, *, prefer_file: bool = False, backend: Any = None) -> SecretStore:
    """The system keyring if usable; otherwise the encrypted file store (maybe still locked).

    ``prefer_file`` (or a ``secrets.enc`` already in ``home``) chooses the file store.
    """
    file_store = FileStore(home / "secrets.enc")
    if prefer_file or file_store.exists:
        return file_store
    try:
        return system_store(home, backend)
    except KeyringUnavailable:
        return file_store


def open_vault(home: Path, **options: Any) -> Vault:
    return Vault(home, open_store(home, **options))
