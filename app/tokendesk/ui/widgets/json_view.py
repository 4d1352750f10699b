"""Read-only, syntax-highlighted JSON (pretty printed)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from ..theme import current_theme

__all__ = ["JsonHighlighter", "JsonView", "ThemedHighlighter", "char_format", "monospace_font"]

# Strings use the "unrolled loop" form: one step per run of plain characters, not one
# alternation per character, so a long claim value highlights in microseconds.
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_TOKENS = re.compile(
    rf"(?P<key>{_STRING}(?=\s*:))|(?P<string>{_STRING})|"
    r"(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?P<literal>\btrue\b|\bfalse\b|\bnull\b)"
)


@lru_cache(maxsize=1)
def monospace_font() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


class ThemedHighlighter(QSyntaxHighlighter):
    """A highlighter whose character formats come from the theme, built on first use:
    setting a format's color makes PySide6 build its Qt enum namespace (tens of ms), which
    must not happen before the window's first paint."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._formats: dict[str, QTextCharFormat] = {}

    def formats(self) -> dict[str, QTextCharFormat]:
        if not self._formats:
            self._formats = self.make_formats()
        return self._formats

    def make_formats(self) -> dict[str, QTextCharFormat]:
        raise NotImplementedError


def char_format(color: str | QColor, *, bold: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(color))
    if bold:
        fmt.setFontWeight(QFont.Weight.DemiBold)
    return fmt


class JsonHighlighter(ThemedHighlighter):
    enabled = True

    def make_formats(self) -> dict[str, QTextCharFormat]:
        return {name: char_format(color, bold=name == "key")
                for name, color in current_theme().json.items()}

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt override
        if not self.enabled or len(text) > 4000:  # plain text, or a giant line: leave it
            return
        for match in _TOKENS.finditer(text):
            kind = match.lastgroup
            if kind:
                self.setFormat(match.start(), match.end() - match.start(), self.formats()[kind])


class JsonView(QPlainTextEdit):
    """Shows a JSON value pretty printed, or text, or a placeholder."""

    MAX_CHARS = 500_000

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setAccessibleName(accessible_name)
        self.setFont(monospace_font())
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.highlighter = JsonHighlighter(self.document())

    def show_value(self, value: Any) -> None:
        import json

        try:
            text = json.dumps(value, indent=2, ensure_ascii=False)
        except (TypeError, ValueError):
            text = str(value)
        self.show_text(text, highlight=True)

    def show_text(self, text: str, *, highlight: bool = False) -> None:
        self.highlighter.enabled = highlight
        if len(text) > self.MAX_CHARS:
            text = text[: self.MAX_CHARS] + f"\n… ({len(text) - self.MAX_CHARS:,} more characters)"
        self.setPlainText(text)
