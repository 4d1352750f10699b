"""The Expiry view: every stored token's time left, soonest first, with a warning before the end.

One timer drives all countdowns; each tick repaints only the rows on screen. A warning fires once
per token when it enters its client's warning window (it says which credential and what to do,
never the token). Credentials with auto-refresh on are refreshed through the exchange layer on
that same tick (:class:`tokendesk.core.autorefresh.Scheduler` decides; single-flight, back-off,
stop on ``invalid_grant``). Tokens pinned from the Inspector keep only their expiry, label and
fingerprint — never the token.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, QPointF, QRect, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QActionGroup, QColor, QPainter, QStaticText
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tokendesk.core.autorefresh import Scheduler
from tokendesk.core.expiry import ExpiryRow, State, expiry_rows

from ..controllers.vault import VaultController
from ..models.expiry_model import LEFT, LIFETIME, STATE, WHEN, ExpiryModel

__all__ = ["DEFAULT_AUTO_REFRESH_BEFORE", "CountdownCell", "ExpiryView", "LifetimeBar",
           "install_delegates"]

#: Auto-refresh this long before the access token expires, unless the user says otherwise.
DEFAULT_AUTO_REFRESH_BEFORE = 120.0
#: Show a clock-skew notice beyond this many seconds.
SKEW_NOTICE = 5.0
_PINS_KEY = "expiry/pins"
#: Laid-out texts kept per delegate: the states and lifetime percents (about a hundred) stay;
#: countdown texts are mostly new each second, so the cache is emptied when it fills.
_TEXT_CACHE = 400


class _FastCell(QStyledItemDelegate):
    """A cell painted in one Python call (the default delegate asks data() for a dozen roles
    per cell, each crossing into Python: most of a tick's cost). Texts are laid out once and
    kept as QStaticText; the selection comes from the selection model (option.state is a
    Python Flag, and testing it costs several enum operations per cell)."""

    def __init__(self, model: ExpiryModel, parent: Any = None) -> None:
        super().__init__(parent)
        self.model = model
        self._texts: dict[str, QStaticText] = {}
        self._selection = parent.selectionModel() if isinstance(parent, QTableView) else None

    def background(self, painter: QPainter, option: QStyleOptionViewItem,
                   index: QModelIndex | Any) -> bool:
        """Fill a selected cell; True when selected."""
        if self._selection is not None and self._selection.isSelected(index):
            painter.fillRect(option.rect, option.palette.highlight())
            return True
        return False

    def text(self, painter: QPainter, option: QStyleOptionViewItem, rect: QRect, text: str,
             *, center: bool = False) -> None:
        """Draw ``text`` vertically centred in ``rect`` (at its left, or centred), clipped to
        the cell when it is wider."""
        static = self._texts.get(text)
        if static is None:
            if len(self._texts) > _TEXT_CACHE:  # countdowns are mostly new texts: keep few
                self._texts.clear()
            static = self._texts[text] = QStaticText(text)
            static.prepare(painter.transform(), option.font)
        size = static.size()
        x = rect.x() + ((rect.width() - size.width()) / 2 if center else 4)
        at = QPointF(x, rect.y() + (rect.height() - size.height()) / 2)
        if size.width() > rect.width() - 6:  # a narrow column: stay inside the cell
            painter.save()
            painter.setClipRect(option.rect)
            painter.drawStaticText(at, static)
            painter.restore()
        else:
            painter.drawStaticText(at, static)


class CountdownCell(_FastCell):
    """A Time left or State cell, from the model's per-tick cache."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | Any) -> None:
        text, color = self.model.countdown(index.row(), index.column())
        self.background(painter, option, index)
        painter.setPen(color)
        self.text(painter, option, option.rect, text)


class TextCell(_FastCell):
    """A plain text cell (the column right of the ones a tick updates is repainted with them,
    by a pixel of overlap)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | Any) -> None:
        selected = self.background(painter, option, index)
        palette = option.palette
        painter.setPen((palette.highlightedText() if selected else palette.text()).color())
        self.text(painter, option, option.rect, str(self.model.data(index)))


class LifetimeBar(_FastCell):
    """The share of a token's lifetime still ahead, as a bar with the percentage on it."""

    _COLORS = ("#c62828", "#a15c00", "#2e7d32")  # spent, under a quarter left, more

    def __init__(self, model: ExpiryModel, parent: Any = None) -> None:
        super().__init__(model, parent)
        self._brushes: dict[str, tuple[QColor, QColor]] = {}

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | Any) -> None:
        share = self.model.lifetime(index.row())
        painter.setPen(option.palette.text().color())
        if share is None:  # not known
            self.text(painter, option, option.rect, "—")
            return
        rect: QRect = option.rect.adjusted(3, 4, -3, -4)
        name = self._COLORS[2 if share > 0.25 else 1 if share > 0 else 0]
        colors = self._brushes.get(name)
        if colors is None:
            track = QColor(name)
            track.setAlpha(40)
            colors = self._brushes[name] = (QColor(name), track)
        # square corners: fillRect is a blit, a rounded rectangle a path to rasterize (it
        # made each bar cost a quarter of a millisecond)
        painter.fillRect(rect, colors[1])
        painter.fillRect(QRect(rect.x(), rect.y(), int(rect.width() * share), rect.height()),
                         colors[0])
        self.text(painter, option, rect, f"{share:.0%} left", center=True)


def install_delegates(table: QTableView, model: ExpiryModel) -> None:
    """The Expiry table's delegates (the benchmark uses them too)."""
    countdown = CountdownCell(model, table)
    table.setItemDelegateForColumn(LEFT, countdown)
    table.setItemDelegateForColumn(STATE, countdown)
    table.setItemDelegateForColumn(LIFETIME, LifetimeBar(model, table))
    table.setItemDelegateForColumn(WHEN, TextCell(model, table))


class ExpiryView(QWidget):
    status_message = Signal(str)
    warned = Signal(str)  # a warning for a person: which credential, what to do

    def __init__(self, vault: VaultController, clock: Callable[[], float],
                 parent: QWidget | None = None, *, exchange: Any = None,
                 settings: Any = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.exchange = exchange  # an ExchangeController, for auto-refresh
        self.settings = settings
        self.clock = clock
        self.scheduler = Scheduler()
        self._warned: set[tuple[str, str]] = set()
        self._pins: list[dict[str, Any]] = self._load_pins()
        self._clients: list[Any] = []
        self._auto_names: dict[str, float | None] = {}
        self.environment = QComboBox()
        self.environment.setAccessibleName("Environment filter")
        for label, value in (("All environments", None), ("dev", "dev"), ("staging", "staging"),
                             ("prod", "prod")):
            self.environment.addItem(label, value)
        self.client = QComboBox()
        self.client.setAccessibleName("Client filter")
        self.client.addItem("All clients", None)
        self.environment.currentIndexChanged.connect(self.reload)
        self.client.currentIndexChanged.connect(self.reload)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show"))
        bar.addWidget(self.environment)
        bar.addWidget(self.client)
        bar.addStretch(1)
        hint = QLabel("Right-click a row to refresh it, set its auto-refresh, or unpin it.")
        hint.setEnabled(False)
        bar.addWidget(hint)
        self.model = ExpiryModel(self)
        self.table = QTableView()
        self.table.setAccessibleName("Expiry")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        install_delegates(self.table, self.model)
        self.table.setWordWrap(False)
        for column, width in enumerate((220, 200, 60, 170, 110, 110)):
            self.table.setColumnWidth(column, width)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.skew_notice = QLabel()
        self.skew_notice.setAccessibleName("Clock skew")
        self.skew_notice.setWordWrap(True)
        self.skew_notice.hide()
        self.summary = QLabel()
        self.summary.setAccessibleName("Expiry summary")
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.skew_notice)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        vault.changed.connect(lambda _m: self.reload())

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.vault.open()
        self.reload()

    # -- loading --------------------------------------------------------------------------------
    @Slot()
    def reload(self) -> None:
        vault = self.vault.vault
        if vault is None:
            self._show([], [])
            return
        # every credential, whatever the filter: auto-refresh and warnings do not depend on
        # what is on screen
        self.vault.tasks.submit("expiry-list", lambda: (vault.credentials(), vault.clients()),
                                lambda result: self._show(*result), lambda _e: None)

    def _show(self, credentials: list[Any], clients: list[Any]) -> None:
        self._clients = clients
        self.scheduler.update(credentials, {c.name: c.clock_skew for c in clients})
        env, client = self.environment.currentData(), self.client.currentData()
        shown = [c for c in credentials if (env is None or c.environment == env)
                 and (client is None or c.client == client)]
        pins = self._pin_rows() if env is None and client is None else []
        self._auto_names = {c.name: c.auto_refresh for c in credentials if c.auto_refresh}
        self.model.auto = set(self._auto_names)
        self.model.set_rows(expiry_rows(shown, clients, pins), self.clock())
        names = [c.name for c in clients]
        if names != [self.client.itemData(i) for i in range(1, self.client.count())]:
            # rebuilt only when the clients changed (a reload comes with every refresh)
            self.client.blockSignals(True)
            self.client.clear()
            self.client.addItem("All clients", None)
            for name in names:
                self.client.addItem(name, name)
            if client in names:
                self.client.setCurrentIndex(names.index(client) + 1)
            self.client.blockSignals(False)
        skewed = [c for c in clients if abs(c.clock_skew) > SKEW_NOTICE]
        self.skew_notice.setVisible(bool(skewed))
        self.skew_notice.setText("; ".join(
            f"The clock of {c.name}'s server is {abs(c.clock_skew):.0f} s "
            f"{'ahead of' if c.clock_skew > 0 else 'behind'} this computer's"
            for c in skewed) + " (from its last Date header). The countdowns allow for it.")
        self.check_warnings()

    # -- the tick -------------------------------------------------------------------------------
    @Slot()
    def tick(self) -> None:
        now = self.clock()
        if self.isVisible() and self.model.rowCount():
            first = self.table.rowAt(0)
            last = self.table.rowAt(self.table.viewport().height() - 1)
            self.model.tick(now, first, last if last >= 0 else self.model.rowCount() - 1)
        else:
            self.model.now = now
        self.check_warnings()
        self.run_auto_refresh(now)

    def check_warnings(self) -> None:
        """Warn once per token when it enters its warning window (or has expired)."""
        now = self.clock()
        window = self.model.warning_window(now)  # bisection: the cost does not grow with rows
        scheduled = self.scheduler.scheduled
        auto = set(scheduled) if window else set()
        for i in window:
            row = self.model.row(i)
            if row.kind == "ID token" or (row.credential, row.kind) in self._warned:
                continue
            if row.kind == "access token" and row.credential in auto:
                continue  # auto-refresh renews it; a failure warns on its own
            self._warned.add((row.credential, row.kind))
            if row.pinned:
                action = "get a new one before you use it again"
            elif row.kind == "access token":
                action = "refresh it in the Exchange view"
            else:
                action = "sign in again before it ends"
            self.warned.emit(f"The {row.kind} of {row.credential} expires in less than "
                             f"{max(1, round(row.warn_before / 60))} min: {action}.")
        counts = self.model.counts(now)
        self.summary.setText(f"{counts[State.EXPIRING]} expiring soon · {counts[State.EXPIRED]} "
                             f"expired · {counts[State.FRESH]} fresh · {counts[State.UNKNOWN]} "
                             f"unknown · {len(scheduled)} auto-refreshing")

    # -- auto-refresh ---------------------------------------------------------------------------
    def run_auto_refresh(self, now: float) -> None:
        if self.exchange is None or self.vault.vault is None:
            return
        for name in self.scheduler.due(now):
            if not self.scheduler.begin(name):
                continue
            self.vault.tasks.submit(f"auto-refresh-{name}",
                                    partial(self._auto_work, name, self.scheduler.lead(name)),
                                    partial(self._auto_done, name),
                                    partial(self._auto_failed, name))

    def _auto_work(self, name: str, before: float) -> tuple[bool, float | None]:
        exchange = self.exchange.exchange()
        result = exchange.refresh_if_needed(name, before)
        return result is not None, exchange.vault.credential(name).access_expires_at

    def _auto_done(self, name: str, outcome: tuple[bool, float | None]) -> None:
        refreshed, expires_at = outcome
        self.scheduler.succeeded(name, expires_at)
        self._warned.discard((name, "access token"))
        if refreshed:
            self.status_message.emit(f"Auto-refreshed {name}.")
            self.vault.changed.emit(f"Auto-refreshed {name}.")
        else:
            self.reload()

    def _auto_failed(self, name: str, exc: BaseException) -> None:
        failure = self.scheduler.failed(name, exc, self.clock())
        self.warned.emit(failure.message)
        self.vault.changed.emit(failure.message)

    def set_auto_refresh(self, name: str, before: float | None) -> None:
        self.vault.set_auto_refresh(name, before)

    def refresh_now(self, name: str) -> None:
        if self.exchange is not None:
            self.exchange.refresh(name)

    # -- pins -----------------------------------------------------------------------------------
    def pin(self, token: Any, label: str = "") -> str:
        """Pin a decoded token: its expiry is watched here. Only the label, kind, times and a
        fingerprint are kept (in the settings file); the token itself is not."""
        from tokendesk.core.vault.model import fingerprint

        claims = token.claims if isinstance(getattr(token, "claims", None), dict) else {}
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            return "This token has no exp claim: there is no expiry to watch."
        fp = fingerprint(token.text) or ""
        if any(p["fp"] == fp for p in self._pins):
            return "This token is already pinned."
        kind_of = getattr(token, "kind", None)
        kind = getattr(kind_of, "label", None) or "token"
        kind = kind if kind.startswith(("ID", "JW")) else kind[:1].lower() + kind[1:]
        label = label or str(claims.get("sub") or fp)
        if len(label) > 28:
            label = label[:27] + "…"
        self._pins.append({"label": label, "kind": kind, "exp": float(exp), "fp": fp,
                           "iat": float(iat) if isinstance(iat, int | float) else None})
        self._save_pins()
        self.reload()
        return f"Pinned {label} to the Expiry view."

    def unpin(self, label: str) -> None:
        self._pins = [p for p in self._pins if p["label"] != label]
        self._save_pins()
        self.reload()

    def _pin_rows(self) -> list[ExpiryRow]:
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
                and isinstance(p.get("exp"), int | float) and isinstance(p.get("fp"), str)
                and isinstance(p.get("kind"), str)] if isinstance(pins, list) else []

    def _save_pins(self) -> None:
        if self.settings is not None:
            self.settings.set(_PINS_KEY, json.dumps(self._pins))
            self.settings.sync()

    # -- the context menu -----------------------------------------------------------------------
    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        menu = self.menu_for(self.model.row(index.row()))
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def menu_for(self, row: ExpiryRow) -> QMenu:
        menu = QMenu(self)
        if row.pinned:
            menu.addAction("Unpin", partial(self.unpin, row.credential))
            return menu
        name = row.credential
        refresh = menu.addAction("Refresh now", partial(self.refresh_now, name))
        refresh.setEnabled(self.exchange is not None)
        current = self._auto_names.get(name)
        auto = menu.addMenu("Auto-refresh")
        group = QActionGroup(auto)
        for label, before in (("Off", None), ("1 min before expiry", 60.0),
                              ("2 min before expiry", 120.0), ("5 min before expiry", 300.0),
                              ("10 min before expiry", 600.0)):
            action = auto.addAction(label)
            action.setCheckable(True)
            action.setChecked(current == before)
            group.addAction(action)
            action.triggered.connect(partial(self.set_auto_refresh, name, before))
        stopped = self.scheduler.stopped(name)
        if stopped:
            menu.addAction(f"Auto-refresh stopped: {stopped}").setEnabled(False)
        return menu
