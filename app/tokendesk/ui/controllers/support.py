"""The Support view's controller: every admin API call runs on the task pool, with progress."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from ..tasks import TaskRunner
from .exchange import ExchangeController
from .vault import VaultController

__all__ = ["SupportController"]


class SupportController(QObject):
    connections_ready = Signal(object)  # list of admin clients
    granted_ready = Signal(str, object)  # connection, list of scopes/roles
    users_ready = Signal(object)  # list of AdminUser
    user_ready = Signal(object, object, object)  # AdminUser, list of AdminItem, audit entries
    revoked = Signal(object, object)  # Revocation, audit entries
    failed = Signal(str)  # a message for a person
    progress = Signal(str)  # emitted from worker threads; Qt queues it to the GUI thread

    def __init__(self, tasks: TaskRunner, vault: VaultController, exchange: ExchangeController,
                 *, sleep: Callable[[float], None] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.vault = vault
        self.exchange = exchange
        self._sleep = sleep
        self._console: Any = None
        self._generation = 0  # a cancel bumps it: work of an older generation stops paging
        # a client added, edited or deleted anywhere (the Vault, the welcome, Support's own
        # "Add admin connection…"): the connections follow without a request of their own
        vault.clients_listed.connect(self._on_clients)
        # an edited or deleted connection's cached machine token must not be used again
        vault.client_saved.connect(self._forget_console)
        vault.client_removed.connect(self._forget_console)

    def _progress(self) -> Callable[[str], None]:
        """A progress callback for one piece of work; after a cancel it stops the work at its
        next page instead of letting it run to the end unseen."""
        generation = self._generation

        def report(message: str) -> None:
            if generation != self._generation:
                from tokendesk.core.errors import Cancelled

                raise Cancelled("cancelled: nothing more is asked of the provider")
            self.progress.emit(message)

        return report

    def console(self) -> Any:
        ex = self.exchange.exchange()
        if self._console is None or self._console.exchange is not ex:
            import time

            from tokendesk.core.support import SupportConsole

            self._console = SupportConsole(ex, sleep=self._sleep or time.sleep)
        return self._console

    def _run(self, key: str, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        if self.vault.vault is None:
            self.failed.emit("Open the Vault first: admin connections are clients stored there.")
            return

        def error(exc: BaseException) -> None:
            from tokendesk.core.errors import TokendeskError

            self.failed.emit(exc.message if isinstance(exc, TokendeskError)
                             else f"the admin call failed ({type(exc).__name__})")

        self.tasks.submit(f"support-{key}", work, done, error)

    def cancel(self) -> None:
        self._generation += 1
        for key in ("find", "user", "revoke"):
            self.tasks.cancel(f"support-{key}")

    def load_connections(self) -> None:
        vault = self.vault.vault
        if vault is None:
            return
        from tokendesk.core.support import CONNECTORS

        self.tasks.submit("support-connections",
                          lambda: [c for c in vault.clients() if c.admin_provider in CONNECTORS],
                          self.connections_ready.emit, lambda _e: None)

    @Slot(str)
    def _forget_console(self, _name: str) -> None:
        self._console = None

    @Slot(object)
    def _on_clients(self, clients: list[Any]) -> None:
        from tokendesk.core.support import CONNECTORS

        self.connections_ready.emit([c for c in clients if c.admin_provider in CONNECTORS])

    def granted(self, connection: str) -> None:
        self._run("granted", lambda: self.console().scopes(connection),
                  lambda scopes: self.granted_ready.emit(connection, scopes))

    def find(self, connection: str, query: str) -> None:
        progress = self._progress()
        self._run("find", lambda: self.console().find(connection, query, progress),
                  self.users_ready.emit)

    def open_user(self, connection: str, user_id: str) -> None:
        progress = self._progress()

        def work() -> Any:
            console = self.console()
            user = console.user(connection, user_id)
            items = console.items(connection, user_id, progress)
            provider = console.connection(connection).provider
            return user, items, console.audit_trail(provider, user_id)

        self._run("user", work, lambda r: self.user_ready.emit(*r))

    def revoke(self, connection: str, user_id: str, action: str, item_id: str | None) -> None:
        progress = self._progress()

        def work() -> Any:
            console = self.console()
            result = console.revoke(connection, user_id, action, item_id, progress)
            provider = console.connection(connection).provider
            return result, console.audit_trail(provider, user_id)

        def error_refresh(result: Any) -> None:
            self.revoked.emit(*result)

        self._run("revoke", work, error_refresh)
