"""Views that later issues fill in: they say what is coming, and nothing fake."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

__all__ = ["ComingView"]

TEXTS = {
    "Expiry": ("Expiry — coming",
               "Live countdowns for every stored token, warnings before one expires, and optional "
               "automatic refresh. The Inspector already counts down the token you are viewing."),
}


class ComingView(QWidget):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title, body = TEXTS[name]
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        heading = QLabel(title)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        heading.setFont(font)
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(body)
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setMaximumWidth(640)
        layout.addWidget(heading, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self.setAccessibleName(f"{name} (not yet available)")
