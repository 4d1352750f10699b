"""A secret being typed or pasted: masked, with an eye button beside it that shows it (the way
KeePassXC's password fields work). Used for client secrets, refresh tokens and passphrases.

The eye is a real, focusable button (Tab reaches it, Space toggles it) with an accessible
name such as "Show secret"; checked, the text is shown and the eye is crossed out.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QToolButton, QWidget

__all__ = ["SecretField", "eye_icon"]


def eye_icon(color: QColor, crossed: bool) -> QIcon:
    """An eye drawn in ``color`` (crossed out: "hide"), so no icon theme is needed."""
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(color, 2.4))
    outline = QPainterPath(QPointF(3, 16))
    outline.quadTo(QPointF(16, 3), QPointF(29, 16))
    outline.quadTo(QPointF(16, 29), QPointF(3, 16))
    painter.drawPath(outline)
    painter.setBrush(color)
    painter.drawEllipse(QPointF(16, 16), 4.5, 4.5)
    if crossed:
        painter.drawLine(QPointF(6, 27), QPointF(26, 5))
    painter.end()
    return QIcon(pixmap)


class SecretField(QWidget):
    """A masked line edit and its eye button. ``show_name`` is the button's accessible name."""

    text_changed = Signal(str)

    def __init__(self, name: str, show_name: str = "Show secret", *, placeholder: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setAccessibleName(name)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setPlaceholderText(placeholder)
        self.eye = QToolButton()
        self.eye.setCheckable(True)
        self.eye.setAccessibleName(show_name)
        self.eye.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.eye.setIconSize(QSize(18, 18))
        self.eye.toggled.connect(self._toggled)
        self._toggled(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.eye)
        self.setFocusProxy(self.edit)
        self.edit.textChanged.connect(self.text_changed)

    @Slot(bool)
    def _toggled(self, shown: bool) -> None:
        self.edit.setEchoMode(QLineEdit.EchoMode.Normal if shown
                              else QLineEdit.EchoMode.Password)
        color = self.palette().color(self.foregroundRole())
        self.eye.setIcon(eye_icon(color, crossed=shown))
        self.eye.setToolTip("Hide the text" if shown else "Show the text")

    @property
    def shown(self) -> bool:
        return self.eye.isChecked()

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:  # noqa: N802 - mirrors QLineEdit
        self.edit.setText(text)

    def setPlaceholderText(self, text: str) -> None:  # noqa: N802 - mirrors QLineEdit
        self.edit.setPlaceholderText(text)

    def clear(self) -> None:
        self.edit.clear()
