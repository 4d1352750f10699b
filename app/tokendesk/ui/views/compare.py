"""Compare two tokens: which claims a refresh (or an edit) added, removed or changed."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from tokendesk.core import decode
from tokendesk.core.tokens.compare import Change, diff_claims

from ..theme import current_theme
from ..widgets.token_input import TokenInput

__all__ = ["CompareDialog"]


def _show(value: Any, name: str = "") -> str:
    """A claim's value; a time claim as a time (its number follows, for searching)."""
    from tokendesk.core.timefmt import format_utc, is_finite, is_json_number
    from tokendesk.core.tokens.claims import TIME_CLAIMS

    if name in TIME_CLAIMS and is_json_number(value) and is_finite(value):
        return f"{format_utc(value)} ({value})"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class CompareDialog(QDialog):
    def __init__(self, before: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare two tokens")
        self.resize(900, 600)
        layout = QGridLayout(self)
        self.before = TokenInput("Token before")
        self.after = TokenInput("Token after")
        self.before.setPlaceholderText("The token before (e.g. before a refresh)")
        self.after.setPlaceholderText("The token after")
        self.before.setPlainText(before)
        layout.addWidget(QLabel("Before"), 0, 0)
        layout.addWidget(QLabel("After"), 0, 1)
        layout.addWidget(self.before, 1, 0)
        layout.addWidget(self.after, 1, 1)
        self.summary = QLabel()
        self.summary.setAccessibleName("Comparison summary")
        layout.addWidget(self.summary, 2, 0, 1, 2)
        self.table = QTreeWidget()
        self.table.setAccessibleName("Claim changes")
        self.table.setHeaderLabels(["Claim", "Change", "Before", "After"])
        self.table.setRootIsDecorated(False)
        layout.addWidget(self.table, 3, 0, 1, 2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons, 4, 0, 1, 2)
        self.before.textChanged.connect(self.refresh)
        self.after.textChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        a, b = decode(self.before.toPlainText()), decode(self.after.toPlainText())
        self.table.clear()
        if a.claims is None or b.claims is None:
            missing = "before" if a.claims is None else "after"
            self.summary.setText(f"Paste a token with claims on both sides ({missing} has none).")
            return
        theme = current_theme()
        changes = diff_claims(a.claims, b.claims)
        color_of = {Change.ADDED: "ok", Change.REMOVED: "bad", Change.CHANGED: "warn"}
        for change in changes:
            before = "" if change.change is Change.ADDED else _show(change.before, change.name)
            after = "" if change.change is Change.REMOVED else _show(change.after, change.name)
            item = QTreeWidgetItem([change.name, change.change.value, before, after])
            item.setForeground(1, theme.color(color_of[change.change]))
            self.table.addTopLevelItem(item)
        counts = {c: sum(1 for x in changes if x.change is c) for c in color_of}
        self.summary.setText(
            "Identical claims." if not changes else
            f"{counts[Change.ADDED]} added, {counts[Change.REMOVED]} removed, "
            f"{counts[Change.CHANGED]} changed")
        for col in range(4):
            self.table.resizeColumnToContents(col)
