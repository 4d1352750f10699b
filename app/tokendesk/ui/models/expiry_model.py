"""The Expiry table. One timer ticks it; each tick repaints only the visible countdown cells.

Times left are computed in ``data()`` from the model's clock, so a tick is one ``dataChanged``
over the visible rows of two columns: its cost does not grow with the number of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from tokendesk.core.expiry import (
    ExpiryRow,
    State,
    Timeline,
    lifetime_left,
    state_of,
    time_left,
)
from tokendesk.core.timefmt import format_utc_or_dash

from .table import TableModel

if TYPE_CHECKING:
    from PySide6.QtCore import QPersistentModelIndex

    Index = QModelIndex | QPersistentModelIndex

__all__ = ["ExpiryModel"]

_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
COLUMNS = ("Credential", "Token", "Env", "Time left", "State", "Lifetime", "Expires (UTC)")
CREDENTIAL, TOKEN, ENV, LEFT, STATE, LIFETIME, WHEN = range(len(COLUMNS))
#: The lifetime column's value: the share of the lifetime still ahead (0..1) or None.
LIFETIME_ROLE = int(Qt.ItemDataRole.UserRole.value) + 1
#: The theme role that colors each state (the color itself comes from the palette).
STATE_ROLES = {State.FRESH: "ok", State.EXPIRING: "warn", State.EXPIRED: "bad",
               State.UNKNOWN: "muted"}


class ExpiryModel(TableModel):
    COLUMNS = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ExpiryRow] = []
        self.now = 0.0
        self._colors: dict[State, QColor] = {}
        self.theme: Any = None
        self.take_colors()
        #: (time-left text, state) per row, for the current tick: each cell asks data() for
        #: several roles, and the text and state need computing once.
        self._cache: dict[int, tuple[str, State]] = {}
        self._timeline = Timeline()
        self._ticks = 0
        #: Credentials with auto-refresh on (their access-token rows say so).
        self.auto: set[str] = set()

    def take_colors(self) -> None:
        """The state colors of the current theme (read again with every reload, so a change
        of the system's light or dark theme reaches the table)."""
        from ..theme import current_theme

        theme = self.theme = current_theme()
        self._colors = {state: theme.color(role) for state, role in STATE_ROLES.items()}

    def set_rows(self, rows: list[ExpiryRow], now: float) -> None:
        self.beginResetModel()
        self.take_colors()
        self._rows = rows
        self._timeline = Timeline(rows)
        self.now = now
        self._cache.clear()
        self.endResetModel()

    def warning_window(self, now: float) -> Sequence[int]:
        return self._timeline.warning_window(now)

    def counts(self, now: float) -> dict[State, int]:
        return self._timeline.counts(now)

    def row(self, index: int) -> ExpiryRow:
        return self._rows[index]

    def tick(self, now: float, first: int, last: int) -> None:
        self.now = now
        self._cache.clear()
        if not self._rows or first < 0:
            return
        last = min(len(self._rows) - 1, last if last >= 0 else len(self._rows) - 1)
        self._ticks += 1
        # the lifetime bar moves by a percent every 3 s at the fastest (a 5-minute token):
        # repainting it on every fifth tick only keeps a tick near the cost of two columns
        right = LIFETIME if self._ticks % 5 == 0 else STATE
        self.dataChanged.emit(self.index(first, LEFT), self.index(last, right), [_DISPLAY])

    def countdown(self, r: int, col: int) -> tuple[str, QColor]:
        """The text and color of a countdown cell (Time left or State) at the current tick,
        computed once per row and tick. The view's delegate paints from this directly: one
        Python call per cell instead of a dozen data() calls, one per role."""
        cached = self._cache.get(r)
        if cached is None:
            row = self._rows[r]
            cached = self._cache[r] = (
                time_left(row.expires_at, self.now),
                state_of(row.expires_at, self.now, row.warn_before))
        # the state as a text label, not color alone
        return (cached[0] if col == LEFT else cached[1].value), self._colors[cached[1]]

    def lifetime(self, r: int) -> float | None:
        """The share of row ``r``'s lifetime still ahead at the current tick (0..1), or None."""
        return lifetime_left(self._rows[r], self.now)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        r = index.row()
        if not index.isValid() or r >= len(self._rows):
            return None
        row = self._rows[r]
        col = index.column()
        role = int(role)
        if col == LEFT or col == STATE:
            if role != _DISPLAY and role != _FOREGROUND:
                return None
            text, color = self.countdown(r, col)
            return color if role == _FOREGROUND else text
        if col == LIFETIME:
            if role == _DISPLAY or role == LIFETIME_ROLE:
                share = lifetime_left(row, self.now)
                if role == LIFETIME_ROLE:
                    return share
                return "—" if share is None else f"{share:.0%} left"
            if role == _TOOLTIP:
                return ("Share of the lifetime still ahead, counted from when the token was "
                        "issued, stored or last refreshed" if row.issued_at is not None
                        else "When the token's life began is not known")
            return None
        if role == _DISPLAY:
            if col == CREDENTIAL:
                return row.credential
            if col == TOKEN:
                if row.pinned:
                    return f"{row.kind} (pinned)"
                if row.status:  # a dead or doubtful credential does not look healthy
                    return f"{row.kind} — {row.status}"
                if row.kind == "access token" and row.credential in self.auto:
                    return "access token (auto-refresh)"
                return row.kind
            if col == ENV:
                return row.environment or "—"
            return format_utc_or_dash(row.expires_at)
        if role == _TOOLTIP:
            if col == CREDENTIAL and row.pinned:
                return "Pinned from the Inspector (only its expiry is kept, never the token)"
            return row.note or None
        return None
