"""The Vault's Clients list: one row per OAuth client, with what uses it (nothing secret)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt

from .table import TableModel

if TYPE_CHECKING:
    from PySide6.QtCore import QPersistentModelIndex

    Index = QModelIndex | QPersistentModelIndex

__all__ = ["ClientsModel"]

_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
NAME, ISSUER, AUTH, USED = range(4)


def used_by(names: list[str], admin: str) -> str:
    """What uses a client, in a few words: its credentials and whether Support does."""
    parts = []
    if names:
        parts.append(f"{len(names)} credential{'s' if len(names) != 1 else ''}: "
                     + ", ".join(names))
    if admin:
        parts.append(f"Support ({admin})")
    return "; ".join(parts) or "nothing yet"


class ClientsModel(TableModel):
    COLUMNS = ("Client", "Issuer", "Authentication", "Used by")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._used: dict[str, list[str]] = {}

    def set_clients(self, clients: list[Any], used: dict[str, list[str]]) -> None:
        self.beginResetModel()
        self._rows = sorted(clients, key=lambda c: c.name)
        self._used = {name: list(names) for name, names in used.items()}
        self.endResetModel()

    def client(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, name: str) -> int:
        return next((i for i, c in enumerate(self._rows) if c.name == name), -1)

    def credentials_of(self, name: str) -> list[str]:
        """The credentials that use the client ``name`` (as last listed)."""
        return list(self._used.get(name, []))

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        role = int(role)
        if role not in (_DISPLAY, _TOOLTIP):
            return None
        client = self._rows[index.row()]
        column = index.column()
        if column == NAME:
            text = client.name + (f" ({client.environment})" if client.environment else "")
        elif column == ISSUER:
            text = client.issuer
        elif column == AUTH:
            text = client.auth_method
        else:
            text = used_by(self._used.get(client.name, []), client.admin_provider)
        if role == _TOOLTIP:
            return text if column in (ISSUER, USED) else None
        return text
