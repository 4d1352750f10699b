"""The Expiry view's controller: the countdown table, warnings and auto-refresh.

It runs from the app's start, whatever tab is showing (DESIGN.md "One session"): when the vault
opens it loads every credential, and one timer drives the countdowns, the warnings (once per
token, over every credential whatever the table's filter) and auto-refresh
(:class:`tokendesk.core.autorefresh.Scheduler` decides; each refresh runs through the exchange
layer, which decides again under the credential's lock).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from tokendesk.core.expiry import ExpiryRow, State, Timeline, expiry_rows
from tokendesk.core.timefmt import finite_number

from ..models.expiry_model import ExpiryModel
from .exchange import ExchangeController
from .vault import VaultController

__all__ = ["ExpiryController"]

_PINS_KEY = "expiry/pins"


def _instead_of_refresh(status: str) -> str | None:
    """What to advise instead of a refresh for a credential in ``status`` (None: refresh)."""
    if not status:
        return None
    from tokendesk.core.oauth.summary import instead_of_refresh  # on first use

    return instead_of_refresh(status)


#: What a warning says of a credential in a state where a refresh cannot help ("{instead}":
#: the advice instead of a refresh), and of one whose state is unknown.
_STATUS_ACTIONS = {
    "needs sign-in": "its credential needs a new sign-in: {instead}",
    "revoked": "its credential was revoked: {instead}",
    "reuse detected": "its refresh token was used twice, and the server may have revoked it: "
                      "sign in again (Exchange ▸ Sign in…)",
    "revoke pending": "its credential's revocation was not confirmed: revoke it again "
                      "(Exchange ▸ Revoke…)",
    "expired": "{instead}",
    "unknown": "the state of its credential is unknown: refresh it in the Exchange view to "
               "find out",
}


def _status_action(status: str, instead: str) -> str:
    """A warning's advice for a credential in ``status``, as a sentence reads it."""
    template = _STATUS_ACTIONS.get(str(status), "its credential is “{status}”: {instead}")
    return template.format(status=status, instead=instead)


class ExpiryController(QObject):
    warned = Signal(str)  # a warning for a person: which credential, what to do
    status_message = Signal(str)
    loaded = Signal(object)  # list[Client]: the rows were reloaded
    ticked = Signal(float)  # now: the view repaints its visible countdowns

    def __init__(self, vault: VaultController, exchange: ExchangeController, session: Any,
                 clock: Callable[[], float], settings: Any = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.exchange = exchange
        self.session = session
        self.clock = clock
        self.settings = settings
        self.model = ExpiryModel(self)
        self.environment: str | None = None
        self.client: str | None = None
        self.summary = ""
        self._timeline = Timeline()  # every row, whatever the filter: the warnings' view
        self._warned: set[tuple[str, str]] = set()
        self._pins: list[dict[str, Any]] = self._load_pins()
        self.clients: list[Any] = []
        self.auto_leads: dict[str, float] = {}
        self._data_version: int | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.tick)
        vault.opened.connect(self._on_opened)
        vault.changed.connect(self._on_changed)
        exchange.finished.connect(self._on_exchange)
        # a failed exchange may have changed a status (invalid_grant: needs sign-in): the
        # rows, and the advice their warnings give, must know it
        exchange.failed.connect(self._on_exchange)

    @property
    def scheduler(self) -> Any:
        return self.session.scheduler

    def start(self) -> None:
        """Start the background duties: open the vault (the rows load when it opens) and
        tick once a second."""
        if not self.timer.isActive():
            self.timer.start()
        self.vault.open()

    def stop(self) -> None:
        self.timer.stop()

    # -- loading --------------------------------------------------------------------------------
    @Slot(str)
    def _on_opened(self, _where: str) -> None:
        self.reload()

    @Slot(str)
    def _on_changed(self, _message: str) -> None:
        self.reload()

    @Slot(str, object)
    def _on_exchange(self, _operation: str, _result: object) -> None:
        self.reload()

    def set_filter(self, environment: str | None, client: str | None) -> None:
        self.environment, self.client = environment, client
        self.reload()

    @Slot()
    def reload(self) -> None:
        vault = self.vault.vault
        if vault is None:
            self._show([], [])
            return
        try:  # what this load will have seen: a commit after it is noticed (notice_changes)
            self._data_version = vault.index.data_version()
        except Exception:  # noqa: BLE001 - a closed or busy index: the next tick knows
            self._data_version = None
        # every credential, whatever the filter: auto-refresh and warnings do not depend on
        # what is on screen
        self.vault.tasks.submit("expiry-list", lambda: (vault.credentials(), vault.clients()),
                                lambda result: self._show(*result), lambda _e: None)

    def _show(self, credentials: list[Any], clients: list[Any]) -> None:
        self.clients = clients
        self.scheduler.update(credentials, {c.name: c.clock_skew for c in clients})
        self.auto_leads = {c.name: c.auto_refresh for c in credentials if c.auto_refresh}
        pins = self.pin_rows()
        everything = expiry_rows(credentials, clients, pins)
        self._timeline = Timeline(everything)
        env, client = self.environment, self.client
        if env is None and client is None:
            shown = everything
        else:
            shown = expiry_rows([c for c in credentials if (env is None or c.environment == env)
                                 and (client is None or c.client == client)], clients)
        self.model.auto = set(self.scheduler.scheduled)  # (a stopped one is not labelled)
        self.model.set_rows(shown, self.clock())
        self.check_warnings()  # (the summary the view shows is computed here)
        self.loaded.emit(clients)

    # -- the tick -------------------------------------------------------------------------------
    @Slot()
    def tick(self) -> None:
        now = self.clock()
        self.ticked.emit(now)
        self.notice_changes()
        self.check_warnings()
        self.run_auto_refresh(now)

    def notice_changes(self) -> None:
        """Reload when the vault changed behind this window's back (a script, another window:
        the index's data version moves with every commit made elsewhere)."""
        vault = self.vault.vault
        if vault is None:
            self._data_version = None
            return
        try:
            version = vault.index.data_version()
        except Exception:  # noqa: BLE001 - a closed or busy index: look again next tick
            return
        if self._data_version is not None and version != self._data_version:
            self.reload()
            self.vault.list()
        self._data_version = version

    def check_warnings(self) -> None:
        """Warn once per token when it enters its warning window (or has expired)."""
        now = self.clock()
        timeline = self._timeline
        window = timeline.warning_window(now)  # bisection: the cost does not grow with rows
        scheduled = self.scheduler.scheduled if self.vault.vault is not None else []
        auto = set(scheduled) if window else set()
        for i in window:
            row = timeline.rows[i]
            if row.kind == "ID token" or (row.credential, row.kind) in self._warned:
                continue
            if row.kind == "access token" and row.credential in auto:
                continue  # auto-refresh renews it; a failure warns on its own
            self._warned.add((row.credential, row.kind))
            stopped = self.scheduler.stopped(row.credential) if not row.pinned else ""
            instead = _instead_of_refresh(row.status)
            if row.pinned:
                action = "get a new one before you use it again"
            elif instead is not None:  # a refresh cannot help: never advise one
                action = _status_action(row.status, instead)
            elif row.kind == "access token" and stopped:
                action = f"auto-refresh stopped ({stopped})"
            elif row.kind == "access token" and str(row.status) == "unknown":
                action = _status_action(row.status, "")
            elif row.kind == "access token":
                action = "refresh it in the Exchange view"
            else:
                action = "sign in again before it ends"
            self.warned.emit(f"The {row.kind} of {row.credential} expires in less than "
                             f"{max(1, round(row.warn_before / 60))} min: {action}.")
        counts = self.model.counts(now)
        self.summary = (f"{counts[State.EXPIRING]} expiring soon · {counts[State.EXPIRED]} "
                        f"expired · {counts[State.FRESH]} fresh · {counts[State.UNKNOWN]} "
                        f"unknown · {len(scheduled)} auto-refreshing")

    # -- auto-refresh ---------------------------------------------------------------------------
    def run_auto_refresh(self, now: float) -> None:
        if self.vault.vault is None:
            return
        for name in self.scheduler.due(now):
            if not self.scheduler.begin(name):
                continue
            self.exchange.auto_refresh(name, self.scheduler.lead(name),
                                       partial(self._auto_done, name),
                                       partial(self._auto_failed, name))

    def _auto_done(self, name: str, outcome: tuple[bool, float | None]) -> None:
        refreshed, expires_at = outcome
        stop = self.scheduler.succeeded(name, expires_at, self.clock(), refreshed)
        self._warned.discard((name, "access token"))
        if stop is not None:
            self.warned.emit(stop.message)
        elif refreshed:
            self.status_message.emit(f"Auto-refreshed {name}.")
        self.vault.list()
        self.reload()

    def _auto_failed(self, name: str, exc: BaseException) -> None:
        failure = self.scheduler.failed(name, exc, self.clock())
        self.warned.emit(failure.message)
        self.vault.list()
        self.reload()

    def set_auto_refresh(self, name: str, before: float | None) -> None:
        self.scheduler.restart(name)  # chosen again, even with the same lead: it runs again
        self.vault.set_auto_refresh(name, before)

    def refresh_now(self, name: str) -> None:
        self.exchange.refresh(name)

    # -- pins -----------------------------------------------------------------------------------
    def pin(self, token: Any, label: str = "") -> str:
        """Pin a decoded token: its expiry is watched here. Only the label, kind, times and a
        fingerprint are kept (in the settings file); the token itself is not."""
        from tokendesk.core.vault.model import fingerprint
        from tokendesk.core.vault.tokenset import epoch

        claims = token.claims if isinstance(getattr(token, "claims", None), dict) else {}
        exp, iat = epoch(claims.get("exp")), epoch(claims.get("iat"))
        if exp is None:
            return "This token has no exp claim (or one that is not a date): there is no expiry to watch."
        fp = fingerprint(token.text) or ""
        if any(p["fp"] == fp for p in self._pins):
            return "This token is already pinned."
        kind_of = getattr(token, "kind", None)
        kind = getattr(kind_of, "label", None) or "token"
        kind = kind if kind.startswith(("ID", "JW")) else kind[:1].lower() + kind[1:]
        label = label or str(claims.get("sub") or fp)
        if len(label) > 28:
            label = label[:27] + "…"
        self._pins.append({"label": label, "kind": kind, "exp": exp, "fp": fp, "iat": iat})
        self._save_pins()
        self.reload()
        return f"Pinned {label} to the Expiry view."

    def unpin(self, label: str) -> None:
        self._pins = [p for p in self._pins if p["label"] != label]
        self._save_pins()
        self.reload()

    def pin_rows(self) -> list[ExpiryRow]:
        return [ExpiryRow(p["label"], "", "", p["kind"], p["exp"],
                          f"pinned from the Inspector ({p['fp']})", p.get("iat"), pinned=True)
                for p in self._pins]

    def _load_pins(self) -> list[dict[str, Any]]:
        if self.settings is None:
            return []
        try:
            pins = json.loads(self.settings.get(_PINS_KEY) or "[]")
        except (TypeError, ValueError):
            return []
        return [p for p in pins if isinstance(p, dict) and isinstance(p.get("label"), str)
                and finite_number(p.get("exp")) is not None and isinstance(p.get("fp"), str)
                and isinstance(p.get("kind"), str)] if isinstance(pins, list) else []

    def _save_pins(self) -> None:
        if self.settings is not None:
            self.settings.set(_PINS_KEY, json.dumps(self._pins))
            self.settings.sync()
