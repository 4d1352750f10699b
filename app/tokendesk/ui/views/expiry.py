"""The Expiry view: every stored token's time left, soonest first, with a warning before the end.

One timer drives all countdowns; each tick repaints only the rows on screen. A warning fires once
per token when it enters its client's warning window (it says which credential and what to do,
never the token). Credentials with auto-refresh on are refreshed through the exchange layer on
that same tick (:class:`tokendesk.core.autorefresh.Scheduler` decides; single-flight, back-off,
stop on ``invalid_grant``). Tokens pinned from the Inspector keep only their expiry, label and
fingerprint — never the token.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, QPointF, QRect, Qt, Signal, Slot
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

from tokendesk.core.choices import ENVIRONMENTS
from tokendesk.core.expiry import ExpiryRow

from ..controllers.expiry import ExpiryController
from ..models.expiry_model import LEFT, LIFETIME, STATE, WHEN, ExpiryModel
from ..theme import current_theme

__all__ = ["DEFAULT_AUTO_REFRESH_BEFORE", "CountdownCell", "ExpiryView", "LifetimeBar",
           "install_delegates"]

#: Auto-refresh this long before the access token expires, unless the user says otherwise.
DEFAULT_AUTO_REFRESH_BEFORE = 120.0
#: Show a clock-skew notice beyond this many seconds.
SKEW_NOTICE = 5.0
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
        if self.background(painter, option, index):  # the state's color is not readable
            color = option.palette.highlightedText().color()  # on the selection's
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

    _ROLES = ("bad", "warn", "ok")  # spent, under a quarter left, more

    def __init__(self, model: ExpiryModel, parent: Any = None) -> None:
        super().__init__(model, parent)
        self._brushes: dict[str, tuple[QColor, QColor]] = {}
        self._theme: Any = None

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | Any) -> None:
        share = self.model.lifetime(index.row())
        painter.setPen(option.palette.text().color())
        if share is None:  # not known
            self.text(painter, option, option.rect, "—")
            return
        rect: QRect = option.rect.adjusted(3, 4, -3, -4)
        theme = self.model.theme
        if theme is not self._theme:  # the palette changed (light or dark): new colors
            self._theme = theme
            self._brushes.clear()
        role = self._ROLES[2 if share > 0.25 else 1 if share > 0 else 0]
        colors = self._brushes.get(role)
        if colors is None:
            # a tint of the role's hue that the palette's text stays readable on
            fill, track = theme.bar_colors(role)
            colors = self._brushes[role] = (QColor(fill), QColor(track))
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
    """The table of countdowns, over :class:`ExpiryController` (which runs from the app's
    start, whether or not this view was ever shown)."""

    status_message = Signal(str)
    warned = Signal(str)  # a warning for a person: which credential, what to do

    def __init__(self, controller: ExpiryController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.model = controller.model
        self.environment = QComboBox()
        self.environment.setAccessibleName("Environment filter")
        self.environment.addItem("All environments", None)
        for env in ENVIRONMENTS:
            self.environment.addItem(env, env)
        self.client = QComboBox()
        self.client.setAccessibleName("Client filter")
        self.client.addItem("All clients", None)
        self.environment.currentIndexChanged.connect(self._filter_changed)
        self.client.currentIndexChanged.connect(self._filter_changed)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show"))
        bar.addWidget(self.environment)
        bar.addWidget(self.client)
        bar.addStretch(1)
        hint = QLabel("Right-click a row (or Shift+F10) to refresh it, set its auto-refresh, "
                      "or unpin it.")
        hint.setAccessibleName("Hint")
        # muted, yet readable: a disabled label's grey is 1.6:1 on Fusion's light window
        hint.setStyleSheet(f"color: {current_theme().muted};")
        bar.addWidget(hint)
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
        controller.ticked.connect(self._on_tick)
        controller.loaded.connect(self._on_loaded)
        controller.warned.connect(self.warned)
        controller.status_message.connect(self.status_message)
        self._on_loaded(controller.clients)

    # what the tests and the shell reach through the view
    @property
    def scheduler(self) -> Any:
        return self.controller.scheduler

    def reload(self) -> None:
        self.controller.reload()

    def tick(self) -> None:
        self.controller.tick()

    def pin(self, token: Any, label: str = "") -> str:
        return self.controller.pin(token, label)

    def unpin(self, label: str) -> None:
        self.controller.unpin(label)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.controller.reload()

    @Slot(int)
    def _filter_changed(self, _index: int) -> None:
        self.controller.set_filter(self.environment.currentData(), self.client.currentData())

    @Slot(object)
    def _on_loaded(self, clients: list[Any]) -> None:
        names = [c.name for c in clients]
        if names != [self.client.itemData(i) for i in range(1, self.client.count())]:
            # rebuilt only when the clients changed (a reload comes with every refresh)
            current = self.client.currentData()
            self.client.blockSignals(True)
            self.client.clear()
            self.client.addItem("All clients", None)
            for name in names:
                self.client.addItem(name, name)
            if current in names:
                self.client.setCurrentIndex(names.index(current) + 1)
            self.client.blockSignals(False)
        skewed = [c for c in clients if abs(c.clock_skew) > SKEW_NOTICE]
        self.skew_notice.setVisible(bool(skewed))
        self.skew_notice.setText("; ".join(
            f"The clock of {c.name}'s server is {abs(c.clock_skew):.0f} s "
            f"{'ahead of' if c.clock_skew > 0 else 'behind'} this computer's"
            for c in skewed) + " (from its last Date header). The countdowns allow for it.")
        self.summary.setText(self.controller.summary)

    @Slot(float)
    def _on_tick(self, now: float) -> None:
        if self.isVisible() and self.model.rowCount():
            first = self.table.rowAt(0)
            last = self.table.rowAt(self.table.viewport().height() - 1)
            self.model.tick(now, first, last if last >= 0 else self.model.rowCount() - 1)
        else:
            self.model.now = now
        self.summary.setText(self.controller.summary)

    # -- the selected row's commands (menu Expiry, and the row's context menu) -----------------
    def selected_row(self) -> ExpiryRow | None:
        rows = self.table.selectionModel().selectedRows()
        index = rows[0] if rows else self.table.currentIndex()
        return self.model.row(index.row()) if index.isValid() else None

    def refresh_selected(self) -> None:
        row = self.selected_row()
        if row is None or row.pinned:
            self.status_message.emit("Select the row of a stored credential to refresh it.")
            return
        self.controller.refresh_now(row.credential)

    def unpin_selected(self) -> None:
        row = self.selected_row()
        if row is None or not row.pinned:
            self.status_message.emit("Select a pinned token's row to unpin it.")
            return
        self.controller.unpin(row.credential)

    def show_row_menu(self) -> None:
        """The selected row's context menu, under the row (for the keyboard)."""
        index = self.table.currentIndex()
        row = self.selected_row()
        if row is None:
            self.status_message.emit("Select a row first (arrow keys in the table).")
            return
        rect = self.table.visualRect(index)
        self.menu_for(row).exec(self.table.viewport().mapToGlobal(rect.bottomLeft()))

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        menu = self.menu_for(self.model.row(index.row()))
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def menu_for(self, row: ExpiryRow) -> QMenu:
        menu = QMenu(self)
        controller = self.controller
        if row.pinned:
            menu.addAction("Unpin", partial(controller.unpin, row.credential))
            return menu
        name = row.credential
        menu.addAction("Refresh now", partial(controller.refresh_now, name))
        current = controller.auto_leads.get(name)
        auto = menu.addMenu("Auto-refresh")
        group = QActionGroup(auto)
        for label, before in (("Off", None), ("1 min before expiry", 60.0),
                              ("2 min before expiry", 120.0), ("5 min before expiry", 300.0),
                              ("10 min before expiry", 600.0)):
            action = auto.addAction(label)
            action.setCheckable(True)
            action.setChecked(current == before)
            group.addAction(action)
            action.triggered.connect(partial(controller.set_auto_refresh, name, before))
        if name in controller.auto_leads:
            capped = controller.scheduler.capped(name)
            if capped:
                menu.addAction(f"Auto-refresh lead shortened: {capped}").setEnabled(False)
        stopped = controller.scheduler.stopped(name)
        if stopped:
            menu.addAction(f"Auto-refresh stopped: {stopped}").setEnabled(False)
        return menu
