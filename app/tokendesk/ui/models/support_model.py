"""The Support view's tables: users found at the provider, and one user's tokens and sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt

from tokendesk.core.timefmt import format_utc

from .table import DISPLAY, TableModel

if TYPE_CHECKING:
    from PySide6.QtCore import QPersistentModelIndex

    Index = QModelIndex | QPersistentModelIndex

__all__ = ["ItemsModel", "UsersModel"]

_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)


def _when(at: float | None) -> str:
    return format_utc(at) if at is not None else "—"


class UsersModel(TableModel):
    COLUMNS = ("User id", "Email", "Name", "Created", "Last login")

    def set_users(self, users: list[Any]) -> None:
        self.beginResetModel()
        self._rows = list(users)
        self.endResetModel()

    def user(self, row: int) -> Any:
        return self._rows[row]

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or int(role) != DISPLAY:
            return None
        u = self._rows[index.row()]
        return (u.id, u.email or "—", (u.name or "—") + (" (blocked)" if u.blocked else ""),
                _when(u.created_at), _when(u.last_login))[index.column()]


class ItemsModel(TableModel):
    COLUMNS = ("Kind", "Id", "Client", "Created", "Last used", "Expires", "Detail")

    def set_items(self, items: list[Any]) -> None:
        self.beginResetModel()
        self._rows = list(items)
        self.endResetModel()

    def item(self, row: int) -> Any:
        return self._rows[row]

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid():
            return None
        i = self._rows[index.row()]
        if int(role) == _TOOLTIP and index.column() == 6:
            return i.detail or None
        if int(role) != DISPLAY:
            return None
        return (i.kind, i.id, i.client or "—", _when(i.created_at), _when(i.last_used),
                _when(i.expires_at), i.detail)[index.column()]
