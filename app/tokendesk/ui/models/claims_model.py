"""The claims table: claim, value, meaning — with the registry's explanation as a tooltip.

Roles are compared as integers computed once (attribute look-ups of ``Qt.DisplayRole`` cost
microseconds each, DESIGN.md "Known traps"). Time claims show UTC and relative time, and
``tick(now)`` refreshes only the relative-time cells (the live countdown).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt

from .table import TableModel

__all__ = ["ClaimsModel"]

_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole.value)
_USER = int(Qt.ItemDataRole.UserRole.value)

COLUMNS = ("Claim", "Value", "Meaning")
CLAIM, VALUE, MEANING = range(3)

if TYPE_CHECKING:  # a runtime union of Qt types wakes PySide's signature machinery (~25 ms)
    from PySide6.QtCore import QPersistentModelIndex

    from tokendesk.core.tokens.claims import ExplainedClaim

    Index = QModelIndex | QPersistentModelIndex


class ClaimsModel(TableModel):
    COLUMNS = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._claims: dict[str, Any] = {}
        self._rows: list[ExplainedClaim] = []
        self._time_rows: list[int] = []
        self._local = True

    # -- content ------------------------------------------------------------------------------
    def set_claims(self, claims: dict[str, Any] | None, now: float | None = None) -> None:
        from tokendesk.core.tokens.claims import TIME_CLAIMS, explain_claims

        self.beginResetModel()
        self._claims = dict(claims or {})
        self._rows = explain_claims(self._claims, time.time() if now is None else now)
        self._time_rows = [i for i, r in enumerate(self._rows) if r.name in TIME_CLAIMS
                           and r.relative is not None]
        self.endResetModel()

    def set_show_local(self, local: bool) -> None:
        self._local = local
        if self._rows:
            self.dataChanged.emit(self.index(0, VALUE), self.index(len(self._rows) - 1, VALUE))

    def tick(self, now: float) -> None:
        """Recompute relative times ("expires in 4 min 12 s") and repaint only those cells."""
        if not self._time_rows:
            return
        from tokendesk.core.tokens.claims import explain_claims

        fresh = {r.name: r for r in explain_claims(
            {self._rows[i].name: self._claims[self._rows[i].name] for i in self._time_rows}, now)}
        for i in self._time_rows:
            self._rows[i] = fresh[self._rows[i].name]
            cell = self.index(i, VALUE)
            self.dataChanged.emit(cell, cell, [_DISPLAY])

    # -- Qt model API -------------------------------------------------------------------------
    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if row >= len(self._rows):
            return None
        claim = self._rows[row]
        role = int(role)
        if role == _DISPLAY or role == _ACCESSIBLE:
            if col == CLAIM:
                return claim.name
            if col == VALUE:
                if claim.relative is not None:
                    when = claim.local if self._local and claim.local else claim.utc
                    return f"{when} — {claim.relative}"
                return claim.display
            return claim.info.meaning
        if role == _TOOLTIP:
            info = claim.info
            extra = f"\nUTC: {claim.utc}\nLocal: {claim.local}" if claim.utc else ""
            return (f"{claim.name}: {info.meaning}\nType: {info.type}\nSource: {info.source}"
                    f"{extra}")
        if role == _USER:
            return claim.name
        return None
