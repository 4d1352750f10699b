"""Help ▸ Keyboard shortcuts: every menu entry and its keys, read from the window's own actions
(so the list cannot drift from them), then the keys that move around any view."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

__all__ = ["NAVIGATION_KEYS", "ShortcutsDialog", "shortcut_rows"]

#: Keys that are not menu entries: how focus and text behave everywhere (ui/keyboard.py).
NAVIGATION_KEYS = (
    ("Next field, button or table", "Tab"),
    ("Previous field, button or table", "Shift+Tab"),
    ("Insert a tab in free text or JSON", "Ctrl+Tab"),
    ("Move between rows and cells of a table", "Arrow keys"),
    ("Press the focused button, tick the focused box", "Space"),
    ("Open the focused list", "Alt+Down"),
    ("Close a dialog without saving", "Escape"),
    ("Open the menus", "Alt, or Alt+the underlined letter"),
)


def shortcut_rows(window: Any) -> list[tuple[str, str, str, str]]:
    """(menu, entry, keys, where) for every action of ``window``'s menus, in menu order."""
    native = QKeySequence.SequenceFormat.NativeText
    rows = []
    for menu, action in window.menus.actions():
        text = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
        where = "in the " + str(action.property("tokendeskScope")) + " view" if action.property(
            "tokendeskScope") else "anywhere"
        rows.append((menu, text, action.shortcut().toString(native), where))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, window: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setWindowTitle("Keyboard shortcuts")
        self.filter = QLineEdit()
        self.filter.setAccessibleName("Filter shortcuts")
        self.filter.setPlaceholderText("Filter by name or key")
        self.filter.setClearButtonEnabled(True)
        self.table = QTreeWidget()
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setHeaderLabels(["Action", "Keys", "Where"])
        self.table.setRootIsDecorated(True)
        self.table.setAlternatingRowColors(True)
        groups: dict[str, QTreeWidgetItem] = {}
        for menu, text, keys, where in shortcut_rows(window):
            group = groups.get(menu)
            if group is None:
                group = groups[menu] = QTreeWidgetItem(self.table, [f"{menu} menu"])
                group.setFirstColumnSpanned(True)
            QTreeWidgetItem(group, [text, keys, where])
        moving = QTreeWidgetItem(self.table, ["Moving around"])
        moving.setFirstColumnSpanned(True)
        for text, keys in NAVIGATION_KEYS:
            QTreeWidgetItem(moving, [text, keys, "anywhere"])
        self.table.expandAll()
        self.table.setColumnWidth(0, 300)
        self.table.setColumnWidth(1, 130)
        self.filter.textChanged.connect(self._apply_filter)
        note = QLabel("Keys marked “in the … view” work while that view has the focus; the "
                      "menu entries work from anywhere.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(680, 560)

    def _items(self) -> list[tuple[QTreeWidgetItem, list[QTreeWidgetItem]]]:
        def children(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
            return [c for c in (item.child(i) for i in range(item.childCount())) if c is not None]

        return [(g, children(g)) for g in children(self.table.invisibleRootItem())]

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for group, items in self._items():
            shown = 0
            for item in items:
                match = not needle or any(needle in item.text(c).lower() for c in range(3))
                item.setHidden(not match)
                shown += match
            group.setHidden(shown == 0)

    def rows(self) -> list[tuple[str, str, str]]:
        """What the dialog lists (action, keys, where), for tests and screen readers."""
        return [(item.text(0), item.text(1), item.text(2))
                for _group, items in self._items() for item in items]
