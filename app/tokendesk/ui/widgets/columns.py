"""Table columns that fit the table's width, as on a 1024-pixel screen.

A :class:`ColumnFitter` keeps each column at its preferred width while they all fit; when they
do not, it shrinks them in proportion, never below the width of their header's text (cells
elide with "…", headers are not clipped), so no horizontal scroll bar appears. Columns the user
does not need can be hidden from the header's context menu (or View ▸ Columns…); which ones is
remembered in ``settings.ini``. A width the user drags becomes that column's preferred width.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QTableView,
    QTreeView,
    QWidget,
)

__all__ = ["ColumnFitter", "fit_main_tables", "fitter_of"]

_FITTER = "tokendeskColumnFitter"


class ColumnFitter(QObject):
    def __init__(self, table: QTableView | QTreeView, key: str, settings: Any,
                 minimums: dict[int, int] | None = None) -> None:
        super().__init__(table)
        self.table = table
        self.key = key
        self.settings = settings
        header = table.horizontalHeader() if isinstance(table, QTableView) else table.header()
        self.header: QHeaderView = header
        model = table.model()
        count = header.count()
        self.labels = [str(model.headerData(i, Qt.Orientation.Horizontal) or "")
                       for i in range(count)]
        # what the header's text needs, as Qt measures it (in bold: a selected row's headers
        # are drawn bold, and "Refresh expires" must not become "Refresh expir…" then)
        self.minimum = [header.sectionSizeFromContents(i).width() + 2 for i in range(count)]
        for column, width in (minimums or {}).items():
            if 0 <= column < count:
                self.minimum[column] = max(self.minimum[column], width)
        self.preferred = [max(header.sectionSize(i), self.minimum[i]) for i in range(count)]
        self._fitting = False
        header.setTextElideMode(Qt.TextElideMode.ElideRight)  # never "efresh expires"
        # the last column takes what is left, computed here: Qt's own stretching keeps it at
        # least its first width, which is what overflowed by a few pixels
        header.setStretchLastSection(False)
        header.setSectionsMovable(False)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._context_menu)
        header.sectionResized.connect(self._on_resized)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setProperty(_FITTER, self)
        for label in self._saved_hidden():
            if label in self.labels[1:]:  # the first column names the row: never hidden
                header.setSectionHidden(self.labels.index(label), True)
        header.installEventFilter(self)
        self.fit()

    # -- fitting ------------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def visible_columns(self) -> list[int]:
        header = self.header
        return [header.logicalIndex(v) for v in range(header.count())
                if not header.isSectionHidden(header.logicalIndex(v))]

    def fit(self) -> None:
        """Preferred widths if they fit the header's width; else shrunk in proportion, down
        to each header's text; the last visible column takes what is left (at least its
        header's text)."""
        columns = self.visible_columns()
        if len(columns) < 2:
            return
        available = self.header.width()
        if available <= 0:
            return
        *rest, last = columns
        budget = available - self.minimum[last]
        want = sum(self.preferred[c] for c in rest)
        if want <= budget:
            widths = {c: self.preferred[c] for c in rest}
        else:
            floor = sum(self.minimum[c] for c in rest)
            slack = sum(self.preferred[c] - self.minimum[c] for c in rest)
            share = max(0, budget - floor) / slack if slack else 0.0
            widths = {c: self.minimum[c] + int((self.preferred[c] - self.minimum[c]) * share)
                      for c in rest}
        widths[last] = max(self.minimum[last], available - sum(widths.values()))
        self._apply(widths)

    def _apply(self, widths: dict[int, int]) -> None:
        self._fitting = True
        try:
            for column, width in widths.items():
                if self.header.sectionSize(column) != width:
                    self.header.resizeSection(column, width)
        finally:
            self._fitting = False

    def _on_resized(self, column: int, _old: int, new: int) -> None:
        columns = self.visible_columns()
        if self._fitting or len(columns) < 2 or column == columns[-1] or new <= 0:
            return  # our own fitting, the last column, or a column being hidden
        self.preferred[column] = new  # the user's width; the last column gives or takes
        *rest, last = columns
        used = sum(self.header.sectionSize(c) for c in rest)
        self._apply({last: max(self.minimum[last], self.header.width() - used)})

    # -- hiding -------------------------------------------------------------------------------
    def menu(self) -> QMenu:
        """A check box per column (the first one names the row and stays)."""
        menu = QMenu(self.table)
        menu.setTitle("Columns")
        for column, label in enumerate(self.labels):
            action = menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(not self.header.isSectionHidden(column))
            action.setEnabled(column != 0)
            action.toggled.connect(lambda on, c=column: self.set_hidden(c, not on))
        return menu

    def set_hidden(self, column: int, hidden: bool) -> None:
        if column == 0 or not 0 <= column < len(self.labels):
            return
        self.header.setSectionHidden(column, hidden)
        hidden_labels = [self.labels[c] for c in range(len(self.labels))
                         if self.header.isSectionHidden(c)]
        self.settings.set(self._settings_key(), ",".join(hidden_labels))
        self.fit()

    def _saved_hidden(self) -> list[str]:
        value = self.settings.get(self._settings_key()) if self.settings is not None else None
        if isinstance(value, list):  # QSettings reads "a,b" back as a list
            return [str(v) for v in value]
        return [v for v in str(value or "").split(",") if v]

    def _settings_key(self) -> str:
        return f"columns/{self.key}/hidden"

    def _context_menu(self, pos: QPoint) -> None:
        self.menu().exec(self.header.mapToGlobal(pos))

    def popup_menu(self) -> None:
        """The column menu under the header (for the keyboard: View ▸ Columns…)."""
        self.menu().exec(self.header.mapToGlobal(QPoint(0, self.header.height())))


def fitter_of(table: QWidget) -> ColumnFitter | None:
    value = table.property(_FITTER)
    return value if isinstance(value, ColumnFitter) else None


def fit_main_tables(view: QWidget, view_name: str, settings: Any,
                    minimums: dict[str, dict[int, int]] | None = None) -> list[ColumnFitter]:
    """Fit every table of ``view`` with more than one column (keyed by its accessible name)."""
    fitters = []
    for table in view.findChildren(QAbstractItemView):
        if not isinstance(table, QTableView | QTreeView) or fitter_of(table) is not None:
            continue
        if table.model() is None or table.model().columnCount() < 2:
            continue
        name = table.accessibleName() or table.objectName() or type(table).__name__
        fitters.append(ColumnFitter(table, f"{view_name}/{name}", settings,
                                    (minimums or {}).get(name)))
    return fitters
