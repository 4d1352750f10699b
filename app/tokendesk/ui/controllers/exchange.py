"""The Exchange view's controller: every exchange runs on the task pool.

A refresh (manual or automatic) and a QA probe also bring a summary for the result card
(:mod:`tokendesk.core.oauth.summary`), built on the pool from the exchange's own records: the
request that was sent (endpoint, grant, client authentication; no secret) and what came back.
"""

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
    #: An auto-refresh ran (the Expiry controller's scheduler): its Summary, for the result
    #: card, so that it never keeps showing an older manual result as the latest.
    auto_refreshed = Signal(object)

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
            ex = self.exchange()
            scope_before = _scope_of(ex, name)
            result = ex.refresh(name, scope=scope or None)
            shown = {k: v for k, v in result.to_dict().items() if k != "diff"}
            summary = _summarize(ex, name, result, scope_before, scope)
            # the claims' changes once, below
            return {"result": shown, "diff": result.diff, "summary": summary}

        self._run("refresh", f"refresh:{name}", f"Refreshing {name}…", work)

    def auto_refresh(self, name: str, lead: float, on_done: Callable[[Any], None],
                     on_error: Callable[[BaseException], None]) -> None:
        """A scheduled refresh (the Expiry controller's): ``on_done`` gets (refreshed, the
        access token's new expiry); a refresh that ran also reaches ``auto_refreshed`` with
        its summary. Same resource key as a manual refresh: neither drops the other's
        outcome."""
        def work() -> tuple[bool, float | None, Any]:
            ex = self.exchange()
            scope_before = _scope_of(ex, name)
            result = ex.refresh_if_needed(name, lead, automatic=True)
            if result is not None:
                return (True, result.access_expires_at,
                        _summarize(ex, name, result, scope_before, None))
            return False, ex.vault.credential(name).access_expires_at, None

        def done(outcome: tuple[bool, float | None, Any]) -> None:
            refreshed, expires_at, summary = outcome
            if summary is not None:
                self.auto_refreshed.emit(summary)
            on_done((refreshed, expires_at))

        self.tasks.submit(f"refresh:{name}", work, done, on_error, keep=True)

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

    def explain_no_replay(self, name: str) -> None:
        """Say (through ``failed``) why ``name`` has nothing to replay and what to do: refresh
        it here first, or, for a credential a refresh cannot help (needs sign-in, revoked),
        what can."""
        vault = self.vault.vault
        if vault is None:
            self.failed.emit("replay", "open the Vault first (it holds the credentials)")
            return

        def said(status: str) -> None:
            from tokendesk.core.oauth.summary import instead_of_refresh

            instead = instead_of_refresh(status)
            if instead is not None:
                self.failed.emit("replay", f"{name} is {status}: there is no used refresh "
                                           f"token to replay; {instead}")
            else:
                self.failed.emit("replay", f"{name}: refresh it here first: the token a "
                                           "rotation retires is kept in memory only, never "
                                           "stored")

        self.tasks.submit(f"replay-check:{name}", lambda: str(vault.credential(name).status),
                          said, lambda exc: self.failed.emit("replay", _message("replay",
                                                                                 exc)))

    def replay_previous(self, name: str) -> None:
        """QA: present the refresh token from before the last rotation (reuse detection)."""
        if name not in self.session.previous:
            self.failed.emit("replay", "refresh once here first: the previous token is kept in "
                                       "memory only, never stored")
            return

        def work() -> dict[str, Any]:
            from tokendesk.core.oauth.qa import replay
            from tokendesk.core.oauth.summary import summarize_qa
            from tokendesk.core.vault.model import fingerprint

            ex = self.exchange()
            replayed = fingerprint(ex.previous.get(name))  # what the replay sends
            report = replay(ex, name).to_dict()
            sent = _sent(ex, name, {"grant_type": "refresh_token",
                                    "refresh_token": f"<{replayed}>"})
            return {"qa": report, "summary": summarize_qa("replay", report, name, sent)}

        self._run("replay", f"refresh:{name}",
                  f"Replaying the previous refresh token of {name}…", work)

    def refresh_twice_at_once(self, name: str) -> None:
        """QA: two refreshes with the same token at the same moment, bypassing our own
        single flight."""
        def work() -> dict[str, Any]:
            from tokendesk.core.oauth.qa import race
            from tokendesk.core.oauth.summary import summarize_qa

            report = race(self.exchange(), name, 2).to_dict()
            return {"qa": report, "summary": summarize_qa("twice", report, name)}

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


def _scope_of(ex: Any, name: str) -> str | None:
    """The credential's scope before an exchange (an index read; on the pool)."""
    try:
        return ex.vault.credential(name).scope or None
    except Exception:  # noqa: BLE001 - the exchange itself will say what is wrong
        return None


def _sent(ex: Any, name: str, params: dict[str, Any],
          scope_before: str | None = None) -> Any:
    """What an exchange of ``name`` sent: the client's endpoint and authentication as the
    exchange configured them (already built for the request: nothing is read again)."""
    from tokendesk.core.oauth.summary import SentRequest

    try:
        cred = ex.vault.credential(name)
        config = ex.client_for(cred.client).config
    except Exception:  # noqa: BLE001 - a summary without the request rather than none
        return None
    return SentRequest(config.token_endpoint, str(params.get("grant_type", "")), cred.client,
                       config.client_id, config.auth_method, params, scope_before)


def _summarize(ex: Any, name: str, result: Any, scope_before: str | None,
               scope: str | None) -> Any:
    """A refresh's summary (runs on the pool, after the refresh)."""
    from tokendesk.core.oauth.summary import summarize_refresh

    params = {"grant_type": "refresh_token", "refresh_token": f"<{result.old_fp}>",
              **({"scope": scope} if scope else {})}
    sent = _sent(ex, name, params, scope_before)
    try:
        skew = ex.skew(ex.vault.credential(name).client)
    except Exception:  # noqa: BLE001 - no skew known: times as the server gave them
        skew = 0.0
    return summarize_refresh(result.to_dict(), sent, now=ex.clock(), skew=skew,
                             diff=result.diff)


def _message(operation: str, exc: BaseException) -> str:
    from tokendesk.core.errors import TokendeskError

    return exc.message if isinstance(exc, TokendeskError) else (
        f"{operation} failed ({type(exc).__name__})")
