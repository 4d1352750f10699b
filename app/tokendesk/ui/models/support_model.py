"""The Support view's tables: users found at the provider, and one user's tokens and sessions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import QModelIndex, Qt

from tokendesk.core.timefmt import format_utc_or_dash

from .table import DISPLAY, TableModel

if TYPE_CHECKING:
    from PySide6.QtCore import QPersistentModelIndex

    Index = QModelIndex | QPersistentModelIndex

__all__ = ["ItemsModel", "UsersModel"]

_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)


class _RecordsModel(TableModel):
    """A read-only list of records, each column a function of the record."""

    CELLS: ClassVar[tuple[Callable[[Any], str], ...]] = ()
    TOOLTIP_COLUMN: ClassVar[int | None] = None

    def set_records(self, records: list[Any]) -> None:
        self.beginResetModel()
        self._rows = list(records)
        self.endResetModel()

    def record(self, row: int) -> Any:
        return self._rows[row]

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid():
            return None
        role, column = int(role), index.column()
        if role == DISPLAY:
            return self.CELLS[column](self._rows[index.row()])
        if role == _TOOLTIP and column == self.TOOLTIP_COLUMN:
            return self.CELLS[column](self._rows[index.row()]) or None
        return None


class UsersModel(_RecordsModel):
    COLUMNS = ("User id", "Email", "Name", "Created", "Last login")
    CELLS = (lambda u: u.id, lambda u: u.email or "—",
             lambda u: (u.name or "—") + (" (blocked)" if u.blocked else ""),
             lambda u: format_utc_or_dash(u.created_at),
             lambda u: format_utc_or_dash(u.last_login))


class ItemsModel(_RecordsModel):
    COLUMNS = ("Kind", "Id", "Client", "Created", "Last used", "Expires", "Detail")
    CELLS = (lambda i: i.kind, lambda i: i.id, lambda i: i.client or "—",
             lambda i: format_utc_or_dash(i.created_at),
             lambda i: format_utc_or_dash(i.last_used),
             lambda i: format_utc_or_dash(i.expires_at), lambda i: i.detail)
    TOOLTIP_COLUMN = 6  # the detail can be long
