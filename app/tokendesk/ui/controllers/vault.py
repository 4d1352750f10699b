"""The Vault's controller: every keyring, key-derivation and index call runs on the task pool."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Signal

from tokendesk.core._record import NamedTuple

from ..tasks import TaskRunner

__all__ = ["Discovered", "VaultController"]


class Discovered(NamedTuple):
    """What an issuer's discovery documents publish: each endpoint's URL and the document
    that gave it ("OpenID" or "RFC 8414"). (A NamedTuple: dataclasses cost 2 ms to import
    before the first paint.)"""

    issuer: str
    endpoints: dict[str, str]
    documents: dict[str, str]


class VaultController(QObject):
    opened = Signal(str)  # where secrets are kept
    needs_passphrase = Signal(bool)  # True: create the file store; False: unlock it
    listed = Signal(object)  # list[Credential] (as the Vault view's search and filter show)
    names_listed = Signal(object)  # list[str]: every credential, whatever the Vault's filter
    clients_listed = Signal(object)  # list[Client]
    #: list[Client] and, per client name, the credentials that use it (every one, unfiltered)
    clients_used = Signal(object, object)
    changed = Signal(str)  # a message after a change
    failed = Signal(str)
    secret_ready = Signal(str, str, object)  # credential, kind, value (or None)
    detail_ready = Signal(object, object)  # Credential (full), list[AuditEntry]
    #: the tag given to :meth:`discover`, and a :class:`Discovered` or why discovery failed
    endpoints_found = Signal(str, object)
    client_saved = Signal(str)  # a client was added or changed (its name)
    client_save_failed = Signal(str, str)  # client name, why
    client_removed = Signal(str)
    credential_saved = Signal(str)  # a credential was stored (its name)

    def __init__(self, tasks: TaskRunner, session: Any, *,
                 clock: Callable[[], float] = time.time, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.session = session  # tokendesk.core.session.Session: it owns the vault
        self.clock = clock
        self.search = ""
        self.environment: str | None = None
        self.order = "expiry"
        #: Lock the encrypted file store after this many idle seconds (0: never).
        self.auto_lock_s = 15 * 60
        self.last_activity = clock()

    @property
    def vault(self) -> Any:
        return self.session.vault

    def touch(self) -> None:
        self.last_activity = self.clock()

    def check_idle(self) -> bool:
        """Lock the encrypted file store when idle too long; True when it locked."""
        from tokendesk.core.vault import FileStore

        if (self.auto_lock_s and self.vault is not None
                and isinstance(self.vault.store, FileStore)
                and self.clock() - self.last_activity >= self.auto_lock_s):
            self.lock()
            self.changed.emit("The vault file was locked after "
                              f"{self.auto_lock_s // 60} idle minutes.")
            return True
        return False

    # -- opening ------------------------------------------------------------------------------
    def open(self) -> None:
        """Open the vault (off the GUI thread: the keyring, a key derivation); ``opened`` is
        emitted when it is, or at once when it already is."""
        if self.vault is not None:
            self.opened.emit(self.vault.store.description)
            self.list()
            return
        if self.tasks.is_running("vault-open"):
            return  # already opening: one ``opened`` will come
        self.tasks.submit("vault-open", self._open, self._on_open, self._error, keep=True)

    def _open(self) -> Any:
        from tokendesk.core.vault import FileStore

        store = self.session.open_store()
        if isinstance(store, FileStore) and store.locked:
            return store
        return self.session.open(store)

    def _on_open(self, result: Any) -> None:
        from tokendesk.core.vault import FileStore

        if isinstance(result, FileStore):
            self._file_store = result
            self.needs_passphrase.emit(not result.exists)
            return
        self.opened.emit(result.store.description)
        self.list()

    def unlock(self, passphrase: str, *, create: bool = False) -> None:
        store = self._file_store

        def work() -> Any:
            if create:
                store.create(passphrase)
            else:
                store.unlock(passphrase)
            return self.session.open(store)

        self.tasks.submit("vault-open", work, self._on_open, self._error, keep=True)

    def lock(self) -> None:
        from tokendesk.core.vault import FileStore

        if self.vault is not None and isinstance(self.vault.store, FileStore):
            self._file_store = self.vault.store
            self.vault.store.lock()
            self.session.close_vault()
            self.listed.emit([])
            self.needs_passphrase.emit(False)

    # -- reading ------------------------------------------------------------------------------
    def list(self) -> None:
        vault = self.vault
        if vault is None:
            return
        search, env, order = self.search, self.environment, self.order
        self.touch()

        def work() -> tuple[Any, Any, Any]:  # (the shown rows, the clients, every credential)
            shown = vault.credentials(search, environment=env, order=order, summary=True)
            every = shown if not search and env is None else vault.credentials(summary=True)
            return shown, vault.clients(), every

        self.tasks.submit("vault-list", work, self._on_list, self._error)

    def _on_list(self, result: tuple[Any, Any, Any]) -> None:
        shown, clients, every = result
        used: dict[str, Any] = {}  # client name -> the names of its credentials
        for cred in sorted(every, key=lambda c: c.name):
            used.setdefault(cred.client, []).append(cred.name)
        self.listed.emit(shown)
        self.clients_listed.emit(clients)
        self.clients_used.emit(clients, used)
        self.names_listed.emit(sorted(used_name for names in used.values()
                                      for used_name in names))

    def reveal(self, name: str, kind: str, *, copy: bool = False) -> None:
        """Read a secret of ``name`` to show it (or, with ``copy``, to copy it); a secret read
        is written to the audit log, as `tokendesk vault show --reveal` writes it."""
        vault = self.vault
        self.touch()
        what = kind.replace("_", " ")
        detail = (f"the {what} copied in the Vault window" if copy
                  else f"the {what} shown in the Vault window")

        def work() -> Any:
            if kind == "refresh_token":
                value = vault.refresh_token(name)
            else:
                value = vault.token(name, kind)
            if value:
                vault.audit("revealed", name, detail)
            return value

        self.tasks.submit(f"secret-{name}-{kind}", work,
                          lambda value: self.secret_ready.emit(name, kind, value), self._error)

    def detail(self, name: str) -> None:
        """The full record and recent history of one credential (the list holds summaries)."""
        vault = self.vault
        self.tasks.submit("vault-detail", lambda: (vault.credential(name),
                                                   vault.index.audit_log(name, limit=20)),
                          lambda result: self.detail_ready.emit(*result), self._error)

    # -- changing -----------------------------------------------------------------------------
    def _change(self, key: str, work: Callable[[], Any], message: str, *,
                done_then: Callable[[], None] | None = None,
                failed_then: Callable[[str], None] | None = None) -> None:
        """Run a change with side effects; ``changed`` (then ``done_then``) or ``failed``
        (then ``failed_then`` with the message) follows, and the lists are read again."""
        self.touch()

        def done(_result: Any) -> None:
            self.changed.emit(message)
            if done_then is not None:
                done_then()
            self.list()

        def error(exc: BaseException) -> None:
            message = self._message(exc)
            self.failed.emit(message)
            if failed_then is not None:
                failed_then(message)
            self.list()  # a failed change may still have changed a status

        self.tasks.submit(key, work, done, error, keep=True)

    def _client_outcome(self, name: str) -> dict[str, Any]:
        return {"done_then": lambda: self.client_saved.emit(name),
                "failed_then": lambda message: self.client_save_failed.emit(name, message)}

    def add_client(self, client: Any, secret: str | None,
                   private_key: str | None = None) -> None:
        vault, session = self.vault, self.session
        if vault is None:
            self.client_save_failed.emit(client.name, "the vault is not open yet (or is "
                                         "locked): open it in the Vault view first")
            return

        def work() -> Any:
            added = vault.add_client(client, secret, private_key)
            session.clients_changed()
            return added

        self._change(f"client:{client.name}", work, f"Added the client {client.name}.",
                     **self._client_outcome(client.name))

    def remove_client(self, name: str, credentials: Sequence[str]) -> None:
        """Delete a client and the local copies of ``credentials`` (those that use it, as the
        user confirmed them): each waits for a refresh of it that is running. Should another
        credential have come to use the client meanwhile, the vault refuses to delete it."""
        vault, session = self.vault, self.session

        def work() -> None:
            for cred in credentials:
                with vault.refresh_lock(cred):
                    vault.remove_credential(cred, detail=f"deleted with its client {name}")
            vault.remove_client(name)
            session.clients_changed()

        removed = (f" and the local copies of {', '.join(credentials)}" if credentials else "")
        self._change(f"client:{name}", work, f"Deleted the client {name}{removed}.",
                     done_then=lambda: self.client_removed.emit(name))

    def add_credential(self, name: str, client: str, tokens: Any, notes: str = "") -> None:
        vault = self.vault
        self._change(f"refresh:{name}",
                     lambda: vault.add_credential(name, client, tokens, notes=notes),
                     f"Stored {name} in {vault.store.description}.",
                     done_then=lambda: self.credential_saved.emit(name))

    def remove(self, name: str, *, revoke: bool = False) -> None:
        vault = self.vault
        if not revoke:
            self._change(f"refresh:{name}", lambda: vault.remove_credential(name),
                         f"Deleted the local copy of {name}.")
            return
        session = self.session
        self._change(f"refresh:{name}", lambda: session.exchange.remove(name, revoke=True),
                     f"Revoked {name} at its server and deleted the local copy.")

    def update_client(self, client: Any, secret: str | None) -> None:
        session = self.session
        self._change(f"client:{client.name}", lambda: session.update_client(client, secret),
                     f"Changed the client {client.name}.", **self._client_outcome(client.name))

    def discover(self, tag: str, issuer: str, discovery_url: str = "") -> None:
        """What ``issuer``'s discovery documents publish (a pure read, latest wins per tag,
        shown in the client form): ``endpoints_found`` carries ``tag`` and the answer."""
        session = self.session

        def work() -> Discovered:
            from tokendesk.core.oauth.discovery import ENDPOINTS, OAUTH, Discovery

            meta = Discovery(session.http).get(issuer, discovery_url=discovery_url or None)
            found = {m: url for m in ENDPOINTS if (url := meta.endpoint(m))}
            return Discovered(issuer, found, {
                m: "RFC 8414" if meta.source(m) == OAUTH else "OpenID" for m in found})

        def error(exc: BaseException) -> None:
            from tokendesk.core.errors import TokendeskError

            self.endpoints_found.emit(tag, exc.message if isinstance(exc, TokendeskError)
                                      else type(exc).__name__)

        self.tasks.submit(f"discovery:{tag}", work,
                          lambda found: self.endpoints_found.emit(tag, found), error)

    def set_auto_refresh(self, name: str, before: float | None) -> None:
        vault = self.vault
        self._change(f"auto:{name}", lambda: vault.set_auto_refresh(name, before),
                     f"Auto-refresh of {name} is "
                     + (f"on, {before:g} s before the access token expires." if before
                        else "off."))

    def set_notes(self, name: str, notes: str) -> None:
        vault = self.vault
        self._change(f"notes:{name}", lambda: vault.set_notes(name, notes),
                     f"Changed the notes of {name}.")

    @staticmethod
    def _message(exc: BaseException) -> str:
        from tokendesk.core.errors import TokendeskError

        return (exc.message if isinstance(exc, TokendeskError)
                else f"the vault could not do that ({type(exc).__name__})")

    def _error(self, exc: BaseException) -> None:
        self.failed.emit(self._message(exc))
