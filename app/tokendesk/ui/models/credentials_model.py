"""The Vault's table: one row per credential, nothing secret in it.

Rows come already filtered and ordered from the index (a query of a few milliseconds even for
10,000 credentials), so the view needs no sorting proxy calling ``data()`` on every row.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from .table import TableModel

if TYPE_CHECKING:
    from PySide6.QtCore import QPersistentModelIndex

    from tokendesk.core.vault.model import Credential

    Index = QModelIndex | QPersistentModelIndex

__all__ = ["COLUMNS", "CredentialsModel"]

_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_DECORATION = int(Qt.ItemDataRole.DecorationRole.value)
_USER = int(Qt.ItemDataRole.UserRole.value)

COLUMNS = ("Name", "Client", "Env", "Status", "Access expires", "Refresh expires",
           "Refreshed")
NAME, CLIENT, ENV, STATUS, ACCESS, REFRESH, LAST = range(len(COLUMNS))


def _when(epoch: float | None, now: float) -> str:
    if epoch is None:
        return "—"
    from tokendesk.core.timefmt import relative

    return relative(epoch, now)


class CredentialsModel(TableModel):
    COLUMNS = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Credential] = []
        self._now = time.time()
        self._status_colors: dict[str, QColor] = {}
        self._env_colors: dict[str, QColor] = {}

    def _take_colors(self) -> None:
        """The Status and Env colors of the current theme (read again with every listing, so
        a change of the system's light or dark theme reaches the table)."""
        from ..theme import ENVIRONMENT_ROLES, STATUS_ROLES, current_theme

        theme = current_theme()
        self._status_colors = {s: QColor(theme.status_color(s)) for s in STATUS_ROLES}
        self._env_colors = {e: QColor(theme.environment_color(e)) for e in ENVIRONMENT_ROLES}

    def set_rows(self, rows: list[Credential], now: float | None = None) -> None:
        self.beginResetModel()
        self._take_colors()
        self._rows = rows
        self._now = time.time() if now is None else now
        self.endResetModel()

    def credential(self, row: int) -> Credential | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, name: str) -> int:
        return next((i for i, c in enumerate(self._rows) if c.name == name), -1)

    def tick(self, now: float, first: int = 0, last: int = -1) -> None:
        """Refresh the relative times of the visible rows ``first``..``last`` only."""
        self._now = now
        if not self._rows:
            return
        last = len(self._rows) - 1 if last < 0 else min(last, len(self._rows) - 1)
        self.dataChanged.emit(self.index(first, ACCESS), self.index(last, LAST), [_DISPLAY])

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        row = index.row()
        if not index.isValid() or row >= len(self._rows):
            return None
        cred = self._rows[row]
        col = index.column()
        role = int(role)
        if role == _DISPLAY:
            if col == NAME:
                return cred.name
            if col == CLIENT:
                return cred.client
            if col == ENV:
                return cred.environment or "—"
            if col == STATUS:
                return str(cred.status)
            if col == ACCESS:
                return _when(cred.access_expires_at, self._now)
            if col == REFRESH:
                return _when(cred.refresh_expires_at, self._now)
            return _when(cred.last_refreshed_at, self._now) if cred.last_refreshed_at else "never"
        if role == _FOREGROUND:
            if col == STATUS:
                return self._status_colors.get(str(cred.status))
            if col == ENV:
                return self._env_colors.get(cred.environment or "")
            return None
        if role == _TOOLTIP:
            if col in (ACCESS, REFRESH):
                from tokendesk.core.timefmt import format_utc

                epoch = cred.access_expires_at if col == ACCESS else cred.refresh_expires_at
                kind = "" if col == ACCESS else f"\n{cred.refresh_expiry_kind or 'not known'}"
                return (format_utc(epoch) if epoch else "expiry not known") + kind
            return f"{cred.name} at {cred.client}; refresh token {cred.refresh_fp}"
        if role == _USER:
            return cred.name
        return None
