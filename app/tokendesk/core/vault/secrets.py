"""Where secrets live: the operating system's keyring, or an encrypted file — never plain text.

* :class:`KeyringStore` uses the ``keyring`` package. The ``fail``, ``null`` and plaintext
  backends are refused with an explanation (SECURITY.md 30). Values too large for some keyrings
  (Windows caps a credential at 2,560 bytes) are envelope-encrypted: a random key in the keyring,
  the AES-GCM ciphertext in the data directory.
* :class:`FileStore` is the fallback without a usable keyring: one file, AES-GCM under a key
  derived from a passphrase with scrypt; locked until :meth:`FileStore.unlock`.

Errors never contain a secret: they name the service and the kind of value at most.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Protocol

from ..errors import KeyringUnavailable, VaultCorrupt, VaultError, VaultLocked, WrongPassphrase

__all__ = ["FileStore", "KeyringStore", "SecretServiceStore", "SecretStore", "atomic_write",
           "check_backend", "system_store"]

_ENVELOPE = "tokendesk-envelope:v1:"
MAX_INLINE_BYTES = 2000
_REFUSED = {
    "keyring.backends.fail.Keyring": "no keyring backend is available (keyring's 'fail' backend)",
    "keyring.backends.null.Keyring": "keyring is configured with the 'null' backend, which "
                                     "stores nothing",
}


class SecretStore(Protocol):
    def get(self, service: str, key: str) -> str | None: ...
    def set(self, service: str, key: str, value: str) -> None: ...
    def delete(self, service: str, key: str) -> None: ...

    @property
    def description(self) -> str: ...


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary name in the same directory (mode 0600), fsync, rename, fsync dir."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def check_backend(backend: Any) -> None:
    """Refuse keyring backends that store nothing, fail, or keep secrets in plain text."""
    cls = type(backend)
    name = f"{cls.__module__}.{cls.__qualname__}"
    if name in _REFUSED:
        raise KeyringUnavailable(
            f"{_REFUSED[name]}: Tokendesk will not keep secrets without a real keyring. Start a "
            "Secret Service (GNOME Keyring, KWallet), or use the encrypted file store")
    if "plaintext" in name.lower() or name.startswith("keyrings.alt"):
        raise KeyringUnavailable(
            f"the keyring backend {cls.__qualname__} ({cls.__module__}) can store secrets in "
            "plain text: refused. Remove keyrings.alt or choose a secure backend")
    inner = getattr(backend, "backends", None)
    if inner is not None:
        if not inner:
            raise KeyringUnavailable("no keyring backend is available")
        for each in inner:
            check_backend(each)


class _LargeValues:
    """Envelope encryption of values too large for a keyring entry (shared by the stores)."""

    _envelopes: Path

    def _raw_get(self, service: str, key: str) -> str | None:
        raise NotImplementedError

    def _raw_set(self, service: str, key: str, value: str) -> None:
        raise NotImplementedError

    def _raw_delete(self, service: str, key: str) -> None:
        raise NotImplementedError

    def get(self, service: str, key: str) -> str | None:
        value = self._raw_get(service, key)
        if isinstance(value, str) and value.startswith(_ENVELOPE):
            return self._open_envelope(service, key, value)
        return value

    def set(self, service: str, key: str, value: str) -> None:
        if len(value.encode("utf-8")) > MAX_INLINE_BYTES:
            value = self._seal_envelope(service, key, value)
        self._raw_set(service, key, value)

    def delete(self, service: str, key: str) -> None:
        self._raw_delete(service, key)
        self._envelope_path(service, key).unlink(missing_ok=True)

    def _envelope_path(self, service: str, key: str) -> Path:
        name = hashlib.sha256(f"{service}\0{key}".encode()).hexdigest()[:32]
        return self._envelopes / f"{name}.bin"

    def _seal_envelope(self, service: str, key: str, value: str) -> str:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        data_key, nonce = os.urandom(32), os.urandom(12)
        sealed = AESGCM(data_key).encrypt(nonce, value.encode("utf-8"),
                                          f"{service}\0{key}".encode())
        atomic_write(self._envelope_path(service, key), nonce + sealed)
        return _ENVELOPE + base64.b64encode(data_key).decode()

    def _open_envelope(self, service: str, key: str, stored: str) -> str:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        path = self._envelope_path(service, key)
        try:
            blob = path.read_bytes()
            data_key = base64.b64decode(stored[len(_ENVELOPE):])
            plain = AESGCM(data_key).decrypt(blob[:12], blob[12:], f"{service}\0{key}".encode())
        except FileNotFoundError:
            raise VaultCorrupt(f"the encrypted part of a large secret is missing ({path.name})") \
                from None
        except (InvalidTag, ValueError):
            raise VaultCorrupt(f"the encrypted part of a large secret is damaged ({path.name})") \
                from None
        return plain.decode("utf-8")


class KeyringStore(_LargeValues):
    """Any secure ``keyring`` backend (macOS Keychain, Windows Credential Manager, KWallet...)."""

    def __init__(self, home: Path, backend: Any = None) -> None:
        import keyring  # ~50 ms with backend discovery: only when a secret is first needed

        self._backend = backend if backend is not None else keyring.get_keyring()
        check_backend(self._backend)
        self._envelopes = home / "envelopes"

    @property
    def description(self) -> str:
        cls = type(self._backend)
        return f"the system keyring ({cls.__module__.rsplit('.', 1)[-1]})"

    def _call(self, what: str, fn: Any, *args: str) -> Any:
        from keyring import errors

        try:
            return fn(*args)
        except errors.KeyringLocked:
            raise VaultLocked("the keyring is locked: unlock it and try again") from None
        except errors.InitError as exc:
            if "dismissed" in str(exc).lower() or "locked" in str(exc).lower():
                raise VaultLocked("the keyring is locked (its unlock prompt was dismissed): "
                                  "unlock it and try again") from None
            raise KeyringUnavailable(f"the keyring could not be opened to {what}") from None
        except errors.NoKeyringError:
            raise KeyringUnavailable("no keyring is available") from None
        except errors.KeyringError as exc:
            raise VaultError(f"the keyring refused to {what} ({type(exc).__name__})") from None

    def _raw_get(self, service: str, key: str) -> str | None:
        value = self._call("read a secret", self._backend.get_password, service, key)
        return value if isinstance(value, str) else None

    def _raw_set(self, service: str, key: str, value: str) -> None:
        self._call("store a secret", self._backend.set_password, service, key, value)

    def _raw_delete(self, service: str, key: str) -> None:
        from keyring import errors

        def delete_if_present() -> None:
            try:
                self._backend.delete_password(service, key)
            except errors.PasswordDeleteError:
                pass  # already gone: deleting is done

        self._call("delete a secret", delete_if_present)


class SecretServiceStore(_LargeValues):
    """The freedesktop Secret Service (GNOME Keyring, KWallet) over one D-Bus connection.

    keyring's own backend opens a new connection for every call (~20 ms each here); a refresh
    makes several calls. Items carry keyring's attributes (application, service, username),
    so keyring and this store read each other's secrets.
    """

    APPLICATION = "Python keyring library"

    def __init__(self, home: Path) -> None:
        import threading

        import secretstorage

        self._envelopes = home / "envelopes"
        self._lock = threading.Lock()
        try:
            self._conn = secretstorage.dbus_init()
            self._collection = secretstorage.get_default_collection(self._conn)
        except secretstorage.exceptions.SecretServiceNotAvailableException:
            raise KeyringUnavailable("no Secret Service is running") from None
        except secretstorage.exceptions.SecretStorageException as exc:
            if "dismissed" in str(exc).lower():
                raise VaultLocked("the keyring is locked (its unlock prompt was dismissed): "
                                  "unlock it and try again") from None
            raise KeyringUnavailable(f"the Secret Service could not be opened "
                                     f"({type(exc).__name__})") from None
        self._ensure_unlocked()

    @property
    def description(self) -> str:
        return "the system keyring (Secret Service)"

    def close(self) -> None:
        self._conn.close()

    def _ensure_unlocked(self) -> None:
        import secretstorage

        try:
            if self._collection.is_locked():
                self._collection.unlock()
                if self._collection.is_locked():
                    raise VaultLocked("the keyring is locked: unlock it and try again")
        except secretstorage.exceptions.PromptDismissedException:
            raise VaultLocked("the keyring is locked (its unlock prompt was dismissed): "
                              "unlock it and try again") from None

    def _do(self, what: str, fn: Any) -> Any:
        import secretstorage

        with self._lock:
            try:
                return fn()
            except secretstorage.exceptions.LockedException:
                raise VaultLocked("the keyring is locked: unlock it and try again") from None
            except secretstorage.exceptions.PromptDismissedException:
                raise VaultLocked("the keyring is locked (its unlock prompt was dismissed)") \
                    from None
            except secretstorage.exceptions.SecretStorageException as exc:
                raise VaultError(f"the keyring refused to {what} ({type(exc).__name__})") \
                    from None
            except (OSError, ConnectionError) as exc:
                raise KeyringUnavailable(f"the Secret Service went away ({type(exc).__name__})") \
                    from None

    def _items(self, service: str, key: str) -> list[Any]:
        return list(self._collection.search_items({"service": service, "username": key}))

    def _raw_get(self, service: str, key: str) -> str | None:
        def get() -> str | None:
            for item in self._items(service, key):
                return str(item.get_secret().decode("utf-8"))
            return None

        return self._do("read a secret", get)  # type: ignore[no-any-return]

    def _raw_set(self, service: str, key: str, value: str) -> None:
        attributes = {"application": self.APPLICATION, "service": service, "username": key}
        self._do("store a secret", lambda: self._collection.create_item(
            f"Password for '{key}' on '{service}'", attributes, value.encode("utf-8"),
            replace=True))

    def _raw_delete(self, service: str, key: str) -> None:
        def delete() -> None:
            for item in self._items(service, key):
                item.delete()

        self._do("delete a secret", delete)


def system_store(home: Path, backend: Any = None) -> SecretStore:
    """The best store for this system's keyring: the direct Secret Service store when keyring
    would use the Secret Service, else ``keyring`` itself."""
    store = KeyringStore(home, backend)
    if type(store._backend).__module__ == "keyring.backends.SecretService":
        try:
            return SecretServiceStore(home)
        except KeyringUnavailable:
            return store
    return store


class FileStore:
    """An encrypted file of secrets: scrypt-derived key, AES-GCM. Locked until unlocked."""

    FORMAT = "tokendesk-secrets"
    SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1

    def __init__(self, path: Path) -> None:
        self.path = path
        self._key: bytes | None = None
        self._salt: bytes | None = None
        self._values: dict[str, str] = {}

    @property
    def description(self) -> str:
        return f"the encrypted file {self.path}"

    @property
    def exists(self) -> bool:
        return self.path.exists()

    @property
    def locked(self) -> bool:
        return self._key is None

    @classmethod
    def _derive(cls, passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
        from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

        return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))

    def create(self, passphrase: str) -> None:
        if self.exists:
            raise VaultError(f"{self.path} already exists")
        if len(passphrase) < 8:
            raise VaultError("choose a passphrase of at least 8 characters")
        self._salt = os.urandom(16)
        self._key = self._derive(passphrase, self._salt, self.SCRYPT_N, self.SCRYPT_R,
                                 self.SCRYPT_P)
        self._values = {}
        self._save()

    def unlock(self, passphrase: str) -> None:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            doc = json.loads(self.path.read_bytes())
            if doc.get("format") != self.FORMAT or doc.get("version") != 1:
                raise VaultCorrupt(f"{self.path.name} is not a Tokendesk secrets file")
            salt = base64.b64decode(doc["salt"])
            key = self._derive(passphrase, salt, int(doc["n"]), int(doc["r"]), int(doc["p"]))
            plain = AESGCM(key).decrypt(base64.b64decode(doc["nonce"]),
                                        base64.b64decode(doc["ciphertext"]), self.FORMAT.encode())
        except FileNotFoundError:
            raise VaultError(f"{self.path} does not exist: create it first") from None
        except InvalidTag:
            raise WrongPassphrase("wrong passphrase (or the file was altered)") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise VaultCorrupt(f"{self.path.name} is damaged ({type(exc).__name__})") from None
        self._salt, self._key = salt, key
        self._values = json.loads(plain)

    def lock(self) -> None:
        self._key = None
        self._values = {}

    def _need_key(self) -> bytes:
        if self._key is None:
            raise VaultLocked("the encrypted secret file is locked: give the passphrase")
        return self._key

    def _save(self) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key = self._need_key()
        assert self._salt is not None
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, json.dumps(self._values).encode(),
                                     self.FORMAT.encode())
        doc = {"format": self.FORMAT, "version": 1, "kdf": "scrypt", "n": self.SCRYPT_N,
               "r": self.SCRYPT_R, "p": self.SCRYPT_P,
               "salt": base64.b64encode(self._salt).decode(),
               "nonce": base64.b64encode(nonce).decode(),
               "ciphertext": base64.b64encode(sealed).decode()}
        atomic_write(self.path, json.dumps(doc).encode())

    def get(self, service: str, key: str) -> str | None:
        self._need_key()
        return self._values.get(f"{service}\0{key}")

    def set(self, service: str, key: str, value: str) -> None:
        self._need_key()
        self._values[f"{service}\0{key}"] = value
        self._save()

    def delete(self, service: str, key: str) -> None:
        self._need_key()
        if self._values.pop(f"{service}\0{key}", None) is not None:
            self._save()
