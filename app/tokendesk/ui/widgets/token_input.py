"""The token input: paste or type, drop a text file; segments colored like jwt.io."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from ..theme import current_theme
from .json_view import monospace_font

__all__ = ["MAX_FILE_BYTES", "SegmentHighlighter", "TokenInput", "read_dropped_file"]

MAX_FILE_BYTES = 16 << 20
_JWE_NAMES = ("header", "encrypted_key", "iv", "ciphertext", "tag")
_JWS_NAMES = ("header", "payload", "signature")


class SegmentHighlighter(QSyntaxHighlighter):
    """Colors the dot-separated segments of a compact token (any line that holds one)."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.refresh_theme()

    def refresh_theme(self) -> None:
        theme = current_theme()
        self._formats: dict[str, QTextCharFormat] = {}
        for name, color in theme.segments.items():
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(color))
            self._formats[name] = fmt
        self._dot = QTextCharFormat()
        self._dot.setForeground(theme.color("muted"))
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt override
        if "." not in text or len(text) > 200_000:
            return
        parts = text.split(".")
        if len(parts) not in (3, 5):
            return
        names = _JWE_NAMES if len(parts) == 5 else _JWS_NAMES
        pos = 0
        for name, part in zip(names, parts, strict=True):
            self.setFormat(pos, len(part), self._formats[name])
            if pos + len(part) < len(text):
                self.setFormat(pos + len(part), 1, self._dot)
            pos += len(part) + 1


def read_dropped_file(path: str) -> str:
    """Text of a dropped file; raises ValueError with a person's message when unsuitable."""
    file = Path(path)
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise ValueError(f"cannot read {file.name}: {exc.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise ValueError(f"{file.name} is {size / 1e6:.1f} MB; tokens are a few KB")
    data = file.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{file.name} is not a text file (not UTF-8)") from None


class TokenInput(QPlainTextEdit):
    """Accepts typing, pasting and dropping a text file (whose content replaces the text)."""

    file_dropped = Signal(str)  # the path
    file_refused = Signal(str)  # a message

    def __init__(self, accessible_name: str = "Token input", parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self.setFont(monospace_font())
        self.setAcceptDrops(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(self.wordWrapMode().WrapAnywhere)
        self.highlighter = SegmentHighlighter(self.document())

    def canInsertFromMimeData(self, source: QMimeData) -> bool:  # noqa: N802
        return source.hasUrls() or super().canInsertFromMimeData(source)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def insertFromMimeData(self, source: QMimeData) -> None:  # noqa: N802
        if source.hasUrls():
            local = [u.toLocalFile() for u in source.urls() if u.isLocalFile()]
            if local:
                self.load_file(local[0])
                return
        super().insertFromMimeData(source)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            self.insertFromMimeData(event.mimeData())
            event.acceptProposedAction()
            return
        super().dropEvent(event)

    def load_file(self, path: str) -> None:
        try:
            text = read_dropped_file(path)
        except ValueError as exc:
            self.file_refused.emit(str(exc))
            return
        self.setPlainText(text)
        self.file_dropped.emit(path)
