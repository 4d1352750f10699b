"""What every read-only table model here shares: a fixed list of columns and a row list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

if TYPE_CHECKING:
    from PySide6.QtCore import QPersistentModelIndex

    Index = QModelIndex | QPersistentModelIndex

__all__ = ["TableModel"]

DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_HORIZONTAL = Qt.Orientation.Horizontal


class TableModel(QAbstractTableModel):
    """Subclasses set ``COLUMNS`` and keep their rows in ``self._rows``."""

    COLUMNS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation == _HORIZONTAL and int(role) == DISPLAY and 0 <= section < len(
                self.COLUMNS):
            return self.COLUMNS[section]
        return None
