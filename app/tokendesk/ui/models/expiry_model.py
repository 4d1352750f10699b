"""The Expiry table. One timer ticks it; each tick repaints only the visible countdown cells.

Times left are computed in ``data()`` from the model's clock, so a tick is one ``dataChanged``
over the visible rows of two columns: its cost does not grow with the number of rows.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from tokendesk.core.expiry import DEFAULT_WARN_BEFORE, ExpiryRow, State, state_of, time_left

from .table import TableModel

if TYPE_CHECKING:
    from PySide6.QtCore import QPersistentModelIndex

    Index = QModelIndex | QPersistentModelIndex

__all__ = ["ExpiryModel"]

_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
COLUMNS = ("Credential", "Token", "Env", "Time left", "State", "Expires (UTC)")
CREDENTIAL, TOKEN, ENV, LEFT, STATE, WHEN = range(len(COLUMNS))
_COLORS = {State.FRESH: "#2e7d32", State.EXPIRING: "#a15c00", State.EXPIRED: "#c62828",
           State.UNKNOWN: "#607d8b"}


class ExpiryModel(TableModel):
    COLUMNS = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ExpiryRow] = []
        self.now = 0.0
        self.skew = 0.0
        self.warn_before = DEFAULT_WARN_BEFORE
        self._colors = {state: QColor(color) for state, color in _COLORS.items()}
        #: (time-left text, state) per row, for the current tick: each cell asks data() for
        #: several roles, and the text and state need computing once.
        self._cache: dict[int, tuple[str, State]] = {}
        self._times: list[float] = []

    def set_rows(self, rows: list[ExpiryRow], now: float) -> None:
        self.beginResetModel()
        self._rows = rows
        # rows come sorted by expiry, unknown last (expiry_rows): the known times are a sorted
        # prefix, so counts and the warning window are found by bisection, not by a scan
        self._times = [r.expires_at for r in rows if r.expires_at is not None]
        self.now = now
        self._cache.clear()
        self.endResetModel()

    def warning_window(self, now: float) -> range:
        """Indexes of the rows that expire within the warning time (not yet expired)."""
        at = now + self.skew
        return range(bisect_right(self._times, at), bisect_right(self._times,
                                                                  at + self.warn_before))

    def counts(self, now: float) -> dict[State, int]:
        """How many rows are in each state at ``now`` (O(log n))."""
        at = now + self.skew
        expired = bisect_right(self._times, at)
        expiring = bisect_right(self._times, at + self.warn_before) - expired
        return {State.EXPIRED: expired, State.EXPIRING: expiring,
                State.FRESH: len(self._times) - expired - expiring,
                State.UNKNOWN: len(self._rows) - len(self._times)}

    def row(self, index: int) -> ExpiryRow:
        return self._rows[index]

    def tick(self, now: float, first: int, last: int) -> None:
        self.now = now
        self._cache.clear()
        if not self._rows or first < 0:
            return
        last = min(len(self._rows) - 1, last if last >= 0 else len(self._rows) - 1)
        self.dataChanged.emit(self.index(first, LEFT), self.index(last, STATE), [_DISPLAY])

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
            cached = self._cache.get(r)
            if cached is None:
                cached = self._cache[r] = (
                    time_left(row.expires_at, self.now, self.skew),
                    state_of(row.expires_at, self.now, self.warn_before, self.skew))
            if role == _FOREGROUND:
                return self._colors[cached[1]]
            return cached[0] if col == LEFT else cached[1].value  # a text label, not color alone
        if role == _DISPLAY:
            if col == CREDENTIAL:
                return row.credential
            if col == TOKEN:
                return row.kind
            if col == ENV:
                return row.environment or "—"
            from tokendesk.core.timefmt import format_utc

            return format_utc(row.expires_at) if row.expires_at is not None else "—"
        if role == _TOOLTIP:
            return row.note or None
        return None
