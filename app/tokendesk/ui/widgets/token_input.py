"""The token input: paste or type, drop a text file; segments colored like jwt.io."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDropEvent,
    QTextCharFormat,
    QTextOption,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from tokendesk.core.tokens.model import JWE_SEGMENTS, JWS_SEGMENTS

from ..theme import current_theme
from .json_view import ThemedHighlighter, char_format, monospace_font

__all__ = ["MAX_FILE_BYTES", "MAX_INPUT_CHARS", "SegmentHighlighter", "TokenInput",
           "read_dropped_file", "too_large_message"]

#: The most text put into the editor: tokens are a few KB, responses tens of KB. Laying out
#: megabytes of unbroken text would stall the window for seconds, so larger input is refused
#: with a message (the clipboard or file still holds it; nothing is lost).
MAX_INPUT_CHARS = 512 * 1024
MAX_FILE_BYTES = MAX_INPUT_CHARS


class SegmentHighlighter(ThemedHighlighter):
    """Colors the dot-separated segments of a compact token (any line that holds one)."""

    def make_formats(self) -> dict[str, QTextCharFormat]:
        theme = current_theme()
        formats = {name: char_format(color) for name, color in theme.segments.items()}
        formats["dot"] = char_format(theme.color("muted"))
        return formats

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt override
        if "." not in text or len(text) > 200_000:
            return
        parts = text.split(".")
        if len(parts) not in (3, 5):
            return
        formats = self.formats()
        names = JWE_SEGMENTS if len(parts) == 5 else JWS_SEGMENTS
        pos = 0
        for name, part in zip(names, parts, strict=True):
            self.setFormat(pos, len(part), formats[name])
            if pos + len(part) < len(text):
                self.setFormat(pos + len(part), 1, formats["dot"])
            pos += len(part) + 1


def too_large_message(size: int, what: str = "The pasted text") -> str:
    return (f"{what} is {size:,} characters; tokens are a few KB, so at most "
            f"{MAX_INPUT_CHARS:,} are taken. Nothing was inserted.")


def read_dropped_file(path: str) -> str:
    """Text of a dropped file; raises ValueError with a person's message when unsuitable."""
    file = Path(path)
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise ValueError(f"cannot read {file.name}: {exc.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise ValueError(f"{file.name} is {size / 1e6:.1f} MB; tokens are a few KB, so at "
                         f"most {MAX_FILE_BYTES // 1024} KiB are read. Nothing was inserted.")
    data = file.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{file.name} is not a text file (not UTF-8)") from None


class TokenInput(QPlainTextEdit):
    """Accepts typing, pasting and dropping a text file (whose content replaces the text)."""

    file_dropped = Signal(str)  # the path
    file_refused = Signal(str)  # a message (a file or a paste that was not taken)

    def __init__(self, accessible_name: str = "Token input", parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self.setFont(monospace_font())
        self.setAcceptDrops(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)  # tokens have no spaces
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
        if source.hasText() and len(source.text()) > MAX_INPUT_CHARS:
            self.file_refused.emit(too_large_message(len(source.text())))
            return
        super().insertFromMimeData(source)

    def set_text_checked(self, text: str) -> bool:
        """Replace the text unless it is too large (then say so); True when replaced."""
        if len(text) > MAX_INPUT_CHARS:
            self.file_refused.emit(too_large_message(len(text)))
            return False
        self.setPlainText(text)
        return True

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
