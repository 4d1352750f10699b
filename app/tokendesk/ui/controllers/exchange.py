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

    def __init__(self, tasks: TaskRunner, vault: VaultController, *,
                 http_factory: Callable[[], Any] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.vault = vault
        self._http_factory = http_factory
        self._exchange: Any = None
        #: The refresh token each credential had before its last refresh here (memory only),
        #: for the "replay the previous refresh token" QA tool.
        self._previous: dict[str, str] = {}
        #: The last token a client grant issued (memory only), for the Inspector.
        self.last_issued: str | None = None

    def exchange(self) -> Any:
        if self._exchange is None or self._exchange.vault is not self.vault.vault:
            from tokendesk.core.oauth.exchange import Exchange
            from tokendesk.core.oauth.http import HttpClient

            http = self._http_factory() if self._http_factory else HttpClient()
            self._exchange = Exchange(self.vault.vault, http, clock=self.vault.vault.clock)
        return self._exchange

    def shutdown(self) -> None:
        if self._exchange is not None:
            self._exchange.http.close()
            self._exchange = None

    def _run(self, operation: str, what: str, work: Callable[[], Any]) -> None:
        if self.vault.vault is None:
            self.failed.emit(operation, "open the Vault first (it holds the credentials)")
            return
        self.started.emit(what)

        def done(result: Any) -> None:
            self.finished.emit(operation, result)

        def error(exc: BaseException) -> None:
            from tokendesk.core.errors import TokendeskError

            self.failed.emit(operation, exc.message if isinstance(exc, TokendeskError)
                             else f"{operation} failed ({type(exc).__name__})")

        self.tasks.submit(f"exchange-{operation}", work, done, error)

    # -- operations ---------------------------------------------------------------------------
    def refresh(self, name: str, scope: str | None = None) -> None:
        def work() -> dict[str, Any]:
            ex = self.exchange()
            before_access = ex.vault.token(name, "access_token")
            before_id = ex.vault.token(name, "id_token")
            self._previous[name] = ex.vault.refresh_token(name)
            result = ex.refresh(name, scope=scope or None)
            return {"result": result.to_dict(),
                    "diff": _diffs(before_access, ex.vault.token(name, "access_token"),
                                   before_id, ex.vault.token(name, "id_token"))}

        self._run("refresh", f"Refreshing {name}…", work)

    def revoke(self, name: str) -> None:
        self._run("revoke", f"Revoking {name}…", lambda: {"report": self.exchange().revoke(name)})

    def introspect(self, name: str) -> None:
        self._run("introspect", f"Introspecting {name}…",
                  lambda: {"introspection": self.exchange().introspect(name)})

    def userinfo(self, name: str) -> None:
        self._run("userinfo", f"Calling userinfo for {name}…",
                  lambda: {"userinfo": self.exchange().userinfo(name)})

    def replay_previous(self, name: str) -> None:
        """QA: present the refresh token from before the last refresh (reuse detection)."""
        previous = self._previous.get(name)
        if previous is None:
            self.failed.emit("replay", "refresh once here first: the previous token is kept in "
                                       "memory only, never stored")
            return

        def work() -> dict[str, Any]:
            from tokendesk.core.errors import ProviderError

            ex = self.exchange()
            oauth = ex.client_for(ex.vault.credential(name).client)
            try:
                response = oauth.refresh(previous)
            except ProviderError as exc:
                ex.vault.audit("replayed", name, f"the server refused the replay: {exc.error}")
                return {"replay": f"refused: {exc.message}",
                        "meaning": "the server detected the reuse; it may have revoked the "
                                   "whole token family (refresh to see)"}
            ex.vault.audit("replayed", name, "the server ACCEPTED a used refresh token")
            return {"replay": "ACCEPTED: the server did not detect the reuse",
                    "response": response.redacted()}

        self._run("replay", f"Replaying the previous refresh token of {name}…", work)

    def refresh_twice_at_once(self, name: str) -> None:
        """QA: two refreshes with the same token at the same moment, bypassing our own lock."""
        def work() -> dict[str, Any]:
            import threading

            from tokendesk.core.errors import ProviderError

            ex = self.exchange()
            oauth = ex.client_for(ex.vault.credential(name).client)
            token = ex.vault.refresh_token(name)
            outcomes: list[str] = []

            def one() -> None:
                try:
                    response = oauth.refresh(token)
                    outcomes.append("accepted" + (" (rotated)" if response.refresh_token
                                                  else ""))
                except ProviderError as exc:
                    outcomes.append(f"refused: {exc.error}")

            threads = [threading.Thread(target=one) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            ex.vault.audit("refreshed twice at once", name, "; ".join(outcomes))
            return {"outcomes": outcomes,
                    "note": "the stored token was not replaced: refresh normally to see "
                            "whether the family survived"}

        self._run("twice", f"Refreshing {name} twice at once…", work)

    def client_grant(self, client: str, *, subject_token: str | None = None,
                     audience: str | None = None, scope: str | None = None) -> None:
        """Client credentials, or (with ``subject_token``) token exchange, for a client."""
        def work() -> dict[str, Any]:
            oauth = self.exchange().client_for(client)
            if subject_token:
                response = oauth.token_exchange(subject_token, audience=audience, scope=scope)
                what = "token exchange"
            else:
                response = oauth.client_credentials(audience=audience, scope=scope)
                what = "client credentials"
            self.exchange().vault.audit(what, client,
                                        f"issued {response.redacted().get('access_token')}")
            self.last_issued = response.access_token
            return {"grant": what, "response": response.redacted()}

        self._run("client grant", f"Asking {client} for a token…", work)

    # -- signing in ---------------------------------------------------------------------------
    def sign_in(self, client: str, name: str, scope: str | None = None) -> None:
        """Authorization code + PKCE in the system browser; cancel() stops waiting."""
        import threading

        from tokendesk.core.oauth.signin import sign_in

        self._cancel = threading.Event()
        cancel = self._cancel
        self._run("sign-in", "Waiting for the sign-in in your browser…",
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
            return start_device(self.exchange(), client, scope=scope)

        def started(device: Any) -> None:
            self.device_started.emit(device)
            self._run("device sign-in", "Waiting for the approval on the other device…",
                      lambda: {"signed_in": finish_device(self.exchange(), client, name, device,
                                                          cancel=cancel).to_dict()})

        def error(exc: BaseException) -> None:
            from tokendesk.core.errors import TokendeskError

            self.failed.emit("device sign-in", exc.message if isinstance(exc, TokendeskError)
                             else type(exc).__name__)

        self.tasks.submit("exchange-device-start", begin, started, error)

    def cancel(self) -> None:
        cancel = getattr(self, "_cancel", None)
        if cancel is not None:
            cancel.set()

    def history(self, name: str) -> None:
        vault = self.vault.vault
        if vault is None:
            return
        self.tasks.submit("exchange-history", lambda: vault.index.exchanges(name),
                          lambda rows: self.history_ready.emit(name, rows), lambda _e: None)


def _diffs(access_before: str | None, access_after: str | None, id_before: str | None,
           id_after: str | None) -> dict[str, Any]:
    from tokendesk.core import decode
    from tokendesk.core.tokens.compare import diff_claims

    out: dict[str, Any] = {}
    for label, before, after in (("access token", access_before, access_after),
                                 ("ID token", id_before, id_after)):
        a = decode(before).claims if before else None
        b = decode(after).claims if after else None
        if a is None and b is None:
            continue
        changes = [{"claim": c.name, "change": str(c.change), "before": c.before,
                    "after": c.after} for c in diff_claims(a, b)]
        out[label] = changes or "unchanged"
    return out
