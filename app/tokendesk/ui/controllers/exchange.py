"""The Exchange view's controller: every exchange runs on the task pool."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from ..tasks import TaskRunner
from .vault import VaultController

__all__ = ["ExchangeController"]


class ExchangeController(QObject):
    started = Signal(str)  # what is running
    finished = Signal(str, object)  # operation, result (dict for display)
    failed = Signal(str, str)  # operation, message
    history_ready = Signal(str, object)  # credential, list of history entries
    device_started = Signal(object)  # DeviceAuthorization: the code to show

    def __init__(self, tasks: TaskRunner, vault: VaultController, session: Any, *,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.vault = vault
        self.session = session
        #: The last token a client grant issued (memory only), for the Inspector.
        self.last_issued: str | None = None

    def exchange(self) -> Any:
        return self.session.exchange

    def shutdown(self) -> None:
        self.cancel()

    def _run(self, operation: str, key: str, what: str, work: Callable[[], Any]) -> None:
        """Run an exchange: it has side effects at a server, so it is never superseded or
        dropped, and its outcome always reaches the user (DESIGN.md "Threading")."""
        if self.vault.vault is None:
            self.failed.emit(operation, "open the Vault first (it holds the credentials)")
            return
        self.started.emit(what)

        def done(result: Any) -> None:
            self.finished.emit(operation, result)

        subject = key.split(":", 1)[1] if ":" in key else ""

        def error(exc: BaseException) -> None:
            message = _message(operation, exc)
            if subject and not message.startswith(subject):
                message = f"{subject}: {message}"  # which credential, wherever it is shown
            self.failed.emit(operation, message)
            self.vault.list()  # a failed exchange may still have changed a status

        self.tasks.submit(key, work, done, error, keep=True)

    # -- operations ---------------------------------------------------------------------------
    def refresh(self, name: str, scope: str | None = None) -> None:
        def work() -> dict[str, Any]:
            result = self.exchange().refresh(name, scope=scope or None)
            shown = {k: v for k, v in result.to_dict().items() if k != "diff"}
            return {"result": shown, "diff": result.diff}  # the claims' changes once, below

        self._run("refresh", f"refresh:{name}", f"Refreshing {name}…", work)

    def auto_refresh(self, name: str, lead: float, on_done: Callable[[Any], None],
                     on_error: Callable[[BaseException], None]) -> None:
        """A scheduled refresh (the Expiry controller's): ``on_done`` gets (refreshed, the
        access token's new expiry). Same resource key as a manual refresh: neither drops the
        other's outcome."""
        def work() -> tuple[bool, float | None]:
            ex = self.exchange()
            result = ex.refresh_if_needed(name, lead, automatic=True)
            if result is not None:
                return True, result.access_expires_at
            return False, ex.vault.credential(name).access_expires_at

        self.tasks.submit(f"refresh:{name}", work, on_done, on_error, keep=True)

    def revoke(self, name: str) -> None:
        self._run("revoke", f"refresh:{name}", f"Revoking {name}…",
                  lambda: {"report": self.exchange().revoke(name)})

    def introspect(self, name: str) -> None:
        self._run("introspect", f"introspect:{name}", f"Introspecting {name}…",
                  lambda: {"introspection": self.exchange().introspect(name)})

    def userinfo(self, name: str) -> None:
        self._run("userinfo", f"refresh:{name}", f"Calling userinfo for {name}…",
                  lambda: {"userinfo": self.exchange().userinfo(name)})

    def can_replay(self, name: str) -> bool:
        return name in self.session.previous

    def replay_previous(self, name: str) -> None:
        """QA: present the refresh token from before the last rotation (reuse detection)."""
        if name not in self.session.previous:
            self.failed.emit("replay", "refresh once here first: the previous token is kept in "
                                       "memory only, never stored")
            return

        def work() -> dict[str, Any]:
            from tokendesk.core.oauth.qa import replay

            return {"qa": replay(self.exchange(), name).to_dict()}

        self._run("replay", f"refresh:{name}",
                  f"Replaying the previous refresh token of {name}…", work)

    def refresh_twice_at_once(self, name: str) -> None:
        """QA: two refreshes with the same token at the same moment, bypassing our own
        single flight."""
        def work() -> dict[str, Any]:
            from tokendesk.core.oauth.qa import race

            return {"qa": race(self.exchange(), name, 2).to_dict()}

        self._run("twice", f"refresh:{name}", f"Refreshing {name} twice at once…", work)

    def client_grant(self, client: str, *, subject_token: str | None = None,
                     audience: str | None = None, scope: str | None = None) -> None:
        """Client credentials, or (with ``subject_token``) token exchange, for a client."""
        def work() -> dict[str, Any]:
            # audited, and a history row under the client's name
            what, response = self.exchange().client_grant(
                client, subject_token=subject_token, audience=audience, scope=scope)
            self.last_issued = response.access_token
            return {"grant": what, "response": response.redacted()}

        self._run("client grant", f"grant:{client}", f"Asking {client} for a token…", work)

    # -- signing in ---------------------------------------------------------------------------
    def sign_in(self, client: str, name: str, scope: str | None = None) -> None:
        """Authorization code + PKCE in the system browser; cancel() stops waiting."""
        import threading

        from tokendesk.core.oauth.signin import sign_in

        self._cancel = threading.Event()
        cancel = self._cancel
        self._run("sign-in", f"sign-in:{name}", "Waiting for the sign-in in your browser…",
                  lambda: {"signed_in": sign_in(self.exchange(), client, name, scope=scope,
                                                cancel=cancel).to_dict()})

    def start_device(self, client: str, name: str, scope: str | None = None) -> None:
        """Device sign-in: ``device_started`` carries the code to show, then the poll runs."""
        import threading

        from tokendesk.core.oauth.signin import finish_device, start_device

        if self.vault.vault is None:
            self.failed.emit("device sign-in", "open the Vault first")
            return
        self._cancel = threading.Event()
        cancel = self._cancel

        def begin() -> Any:
            from tokendesk.core.oauth.signin import check_name_free

            check_name_free(self.exchange(), name)  # before the person approves anything
            return start_device(self.exchange(), client, scope=scope)

        def started(device: Any) -> None:
            self.device_started.emit(device)
            self._run("device sign-in", f"sign-in:{name}",
                      "Waiting for the approval on the other device…",
                      lambda: {"signed_in": finish_device(self.exchange(), client, name, device,
                                                          cancel=cancel).to_dict()})

        def error(exc: BaseException) -> None:

            self.failed.emit("device sign-in", _message("device sign-in", exc))

        self.tasks.submit(f"sign-in:{name}", begin, started, error, keep=True)

    def cancel(self) -> None:
        cancel = getattr(self, "_cancel", None)
        if cancel is not None:
            cancel.set()

    def history(self, name: str) -> None:
        vault = self.vault.vault
        if vault is None:
            return
        self.tasks.submit(f"history:{name}", lambda: vault.index.exchanges(name),
                          lambda rows: self.history_ready.emit(name, rows), lambda _e: None)


def _message(operation: str, exc: BaseException) -> str:
    from tokendesk.core.errors import TokendeskError

    return exc.message if isinstance(exc, TokendeskError) else (
        f"{operation} failed ({type(exc).__name__})")
