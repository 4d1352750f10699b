"""Labels the Inspector needs: one that is never squeezed below its wrapped text, and a style
setter that re-polishes only on a change."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget

__all__ = ["FullLabel", "set_style"]


def set_style(widget: QWidget, sheet: str) -> None:
    """Set a style sheet only when it differs: each change re-polishes the widget."""
    if widget.styleSheet() != sheet:
        widget.setStyleSheet(sheet)

class FullLabel(QLabel):
    """A word-wrapped label that is never squeezed below the height its text needs at its
    width: the headline and the problems are what the user must read first, so the layout
    (and the splitter around it) makes room for them instead of cutting lines off."""

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = super().minimumSizeHint()
        if not self.text():
            return hint
        return QSize(hint.width(), max(hint.height(), self.heightForWidth(self.width())))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # another width, another height: ask the layout again

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        if text != self.text():
            super().setText(text)
            self.updateGeometry()
