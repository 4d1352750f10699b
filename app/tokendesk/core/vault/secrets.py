"""Where secrets live: the operating system's keyring, or an encrypted file — never plain text.

* :class:`KeyringStore` uses the ``keyring`` package. The ``fail``, ``null`` and plaintext
  backends are refused with an explanation (SECURITY.md 30). Values too large for some keyrings
  (Windows caps a credential at 2,560 bytes) are envelope-encrypted: a random key in the keyring,
  the AES-GCM ciphertext in the data directory.
* :class:`~tokendesk.core.vault.filestore.FileStore` (its own module) is the fallback without a
  usable keyring: one file, AES-GCM under a key derived from a passphrase with scrypt.

Errors never contain a secret: they name the service and the kind of value at most.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any, Protocol

from ..errors import KeyringUnavailable, VaultCorrupt, VaultError, VaultLocked

__all__ = ["KeyringStore", "SecretServiceStore", "SecretStore", "atomic_write",
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
        except Exception as exc:  # noqa: BLE001 - a backend's own errors escape keyring's tree
            # (secretstorage's, D-Bus replies): an item another process deleted mid-search, a
            # daemon that went away. The core raises only its own errors.
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
            except Exception as exc:
                if type(exc).__name__ != "ItemNotFoundException":  # deleted by another process
                    raise  # between the backend's search and its delete: done too

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
        from jeepney.wrappers import DBusErrorResponse

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
            except DBusErrorResponse as exc:
                if "IsLocked" in str(exc.name):
                    raise VaultLocked("the keyring is locked: unlock it and try again") \
                        from None
                raise VaultError(f"the keyring refused to {what} ({exc.name})") from None
            except (OSError, ConnectionError) as exc:
                raise KeyringUnavailable(f"the Secret Service went away ({type(exc).__name__})") \
                    from None

    # Each call below is one D-Bus round trip to the daemon where secretstorage's Item and
    # Collection objects make three or four (a Locked check, a Label read per item found, a
    # search before every read and delete): the path of each item this store wrote or found
    # is remembered. A path another process deleted answers "no such object", and the item
    # is searched for again; the daemon keeps one item per attributes (replace=True).

    def _wire(self) -> tuple[Any, Any]:
        """The collection's D-Bus address and the (encrypted) transfer session, opened once."""
        if getattr(self, "_coll", None) is None:
            from secretstorage.collection import COLLECTION_IFACE
            from secretstorage.util import DBusAddressWrapper, open_session

            if not self._collection.session:
                self._collection.session = open_session(self._conn)
            self._coll = DBusAddressWrapper(self._collection.collection_path, COLLECTION_IFACE,
                                            self._conn)
            self._paths: dict[tuple[str, str], str] = {}
        return self._coll, self._collection.session

    def _item(self, path: str) -> Any:
        from secretstorage.item import ITEM_IFACE
        from secretstorage.util import DBusAddressWrapper

        return DBusAddressWrapper(path, ITEM_IFACE, self._conn)

    def _search(self, service: str, key: str) -> list[str]:
        coll, _session = self._wire()
        found, = coll.call("SearchItems", "a{ss}", {"service": service, "username": key})
        return [str(p) for p in found]

    def _secret_at(self, path: str) -> str:
        _coll, session = self._wire()
        secret, = self._item(path).call("GetSecret", "o", session.object_path)
        data = bytes(secret[2])
        if session.encrypted:
            from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

            decryptor = Cipher(algorithms.AES(session.aes_key), modes.CBC(bytes(secret[1]))
                               ).decryptor()
            padded = decryptor.update(data) + decryptor.finalize()
            data = padded[:-padded[-1]]
        return data.decode("utf-8")

    def _raw_get(self, service: str, key: str) -> str | None:
        from secretstorage.exceptions import ItemNotFoundException

        def get() -> str | None:
            self._wire()
            path = self._paths.get((service, key))
            if path is not None:
                try:
                    return self._secret_at(path)
                except ItemNotFoundException:
                    self._paths.pop((service, key), None)  # deleted elsewhere: search again
            for path in self._search(service, key):
                value = self._secret_at(path)
                self._paths[(service, key)] = path
                return value
            return None

        return self._do("read a secret", get)  # type: ignore[no-any-return]

    def _raw_set(self, service: str, key: str, value: str) -> None:
        from secretstorage.defines import SS_PREFIX
        from secretstorage.util import format_secret

        attributes = {"application": self.APPLICATION, "service": service, "username": key}
        label = f"Password for '{key}' on '{service}'"

        def put() -> None:
            coll, session = self._wire()
            properties = {SS_PREFIX + "Item.Label": ("s", label),
                          SS_PREFIX + "Item.Attributes": ("a{ss}", attributes)}
            path, _prompt = coll.call("CreateItem", "a{sv}(oayays)b", properties,
                                      format_secret(session, value.encode("utf-8"),
                                                    "text/plain"), True)
            if len(path) <= 1:  # the daemon wants a prompt: secretstorage knows how
                path = self._collection.create_item(label, attributes, value.encode("utf-8"),
                                                    replace=True).item_path
            self._paths[(service, key)] = str(path)

        self._do("store a secret", put)

    def _raw_delete(self, service: str, key: str) -> None:
        from secretstorage.exceptions import ItemNotFoundException
        from secretstorage.item import Item

        def delete_at(path: str) -> bool:
            try:
                prompt, = self._item(path).call("Delete", "")
            except ItemNotFoundException:
                return False
            if prompt != "/":  # the daemon wants a prompt: secretstorage knows how
                Item(self._conn, path, self._collection.session).delete()
            return True

        def delete() -> None:
            self._wire()
            cached = self._paths.pop((service, key), None)
            if cached is not None and delete_at(cached):
                return
            for path in self._search(service, key):  # (another process may have made it)
                delete_at(path)

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
