"""The Exchange view's result pane: one exchange as a summary card, not a JSON dump.

It renders a :class:`tokendesk.core.oauth.summary.Summary` (built in the core, on the task
pool): a tag saying where the result came from (a manual exchange, an auto-refresh, a history
row), the headline sentence, the facts (the access token's lifetime in human time, the refresh
token, the scope), the claims that changed, the request that was sent, and the redacted raw
response behind a toggle. Colors come from the current theme and palette.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..theme import current_theme
from ..widgets.json_view import JsonView

__all__ = ["ExchangeResultCard", "SOURCE_WORDS"]

#: What the tag says about where the result shown came from.
SOURCE_WORDS = {"manual": "Manual", "auto": "Auto-refresh", "history": "From history"}
_SELECTABLE = 1  # Qt.TextInteractionFlag.TextSelectableByMouse
_PLAIN = 0  # Qt.TextFormat.PlainText


def _label(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setProperty("textFormat", _PLAIN)
    label.setProperty("textInteractionFlags", _SELECTABLE)
    if name:
        label.setAccessibleName(name)
    return label


class _Section(QWidget):
    """A titled block of (label, text) rows; each text is named by its label for screen
    readers and tests."""

    def __init__(self, title: str, name: str) -> None:
        super().__init__()
        self.setAccessibleName(name)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        heading = QLabel(title)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        layout.addWidget(heading)
        self._layout = layout
        self._rows = QWidget()
        self.form = QFormLayout(self._rows)
        self.form.setContentsMargins(8, 0, 0, 0)
        layout.addWidget(self._rows)

    def set_rows(self, rows: tuple[tuple[str, str], ...]) -> None:
        # a fresh form each time: a QFormLayout whose rows are replaced while shown keeps the
        # old rows' heights (a long "Form" row kept a short one's and was cut in half)
        old = self._rows
        self._rows = QWidget()
        self.form = QFormLayout(self._rows)
        self.form.setContentsMargins(8, 0, 0, 0)
        for label, text in rows:
            value = _label(text, label)
            caption = QLabel(f"{label}:")
            caption.setBuddy(value)
            self.form.addRow(caption, value)
        self._layout.replaceWidget(old, self._rows)
        old.hide()
        old.setParent(None)  # out of the widget tree at once (found by name no more)
        old.deleteLater()
        self.setVisible(bool(rows))

    def values(self) -> dict[str, str]:
        out = {}
        for row in range(self.form.rowCount()):
            item = self.form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QLabel):
                out[widget.accessibleName()] = widget.text()
        return out


class ExchangeResultCard(QScrollArea):
    """Shows the newest exchange result; ``show_summary`` replaces whatever was shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAccessibleName("Exchange result")
        body = QFrame()
        body.setObjectName("card")
        layout = QVBoxLayout(body)
        top = QHBoxLayout()
        self.source = QLabel()
        self.source.setAccessibleName("Result source")
        self.source.hide()
        self.headline = _label("Pick a credential and an operation. Nothing is sent until you "
                               "click.", "Outcome")
        font = self.headline.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.headline.setFont(font)
        from PySide6.QtCore import Qt  # built after the first paint (the view is deferred)

        top.addWidget(self.source, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.headline, 1)
        layout.addLayout(top)
        self.facts = _Section("What happened", "Facts")
        self.changes = _Section("Claims that changed", "Changed claims")
        self.changes_text = _label("", "Claim changes")
        self.changes.form.addRow(self.changes_text)
        self.request = _Section("Request sent", "Request sent")
        for section in (self.facts, self.changes, self.request):
            section.hide()
            layout.addWidget(section)
        self.raw_toggle = QPushButton("Show the raw response")
        self.raw_toggle.setAccessibleName("Raw response toggle")
        self.raw_toggle.setCheckable(True)
        self.raw_toggle.toggled.connect(self._on_toggled)
        self.raw_toggle.hide()
        layout.addWidget(self.raw_toggle, 0)
        self.raw = JsonView("Raw response")
        self.raw.setMinimumHeight(160)
        self.raw.hide()
        layout.addWidget(self.raw, 1)
        layout.addStretch(0)
        self.setWidget(body)
        self.summary: Any = None
        self._style_card(body)

    @staticmethod
    def _style_card(body: QFrame) -> None:
        # the palette's own roles: right in a light and a dark theme alike
        body.setStyleSheet("QFrame#card { background: palette(base); "
                           "border: 1px solid palette(mid); border-radius: 6px; }")

    # -- showing ------------------------------------------------------------------------------
    def clear(self) -> None:
        self.summary = None
        self.source.hide()
        self.headline.setText("")
        self.headline.setStyleSheet("")
        for section in (self.facts, self.changes, self.request):
            section.hide()
        self.raw.clear()
        self.raw_toggle.hide()
        self.raw.hide()

    def show_summary(self, summary: Any, *, source: str | None = None,
                     expand_raw: bool | None = None) -> None:
        """Show ``summary`` (a core Summary); ``source`` is manual, auto or history (by
        default the summary's own trigger). The raw response starts folded when there are
        facts to read, open when the raw form is all there is."""
        from tokendesk.core.oauth.summary import OK, PASS, PROBLEM

        self.summary = summary
        theme = current_theme()
        source = source or summary.trigger
        self.source.setText(f" {SOURCE_WORDS.get(source, source)} ")
        self.source.setAccessibleDescription(source)
        self.source.setStyleSheet("border: 1px solid palette(mid); border-radius: 4px; "
                                  "padding: 1px 4px; color: palette(window-text);")
        self.source.show()
        mark = {PASS: "✔ ", PROBLEM: "✘ "}.get(summary.verdict, "")
        self.headline.setText(mark + summary.headline)
        self.headline.setAccessibleDescription(summary.verdict)
        # a passed QA probe is an observation in neutral words, not "success" green; a
        # problem is red; a plain success uses the theme's ok color
        color = {OK: theme.ok, PROBLEM: theme.bad}.get(summary.verdict)
        self.headline.setStyleSheet(f"color: {color};" if color else "")
        self.facts.set_rows(summary.facts)
        self.changes_text.setText("\n".join(f"• {line}" for line in summary.changes))
        self.changes.setVisible(bool(summary.changes))
        self.request.set_rows(summary.request)
        has_raw = summary.raw is not None and summary.raw != {}
        self.raw_toggle.setVisible(has_raw)
        if has_raw:
            self.raw.show_value(summary.raw)
        else:
            self.raw.clear()
        expand = (not summary.facts) if expand_raw is None else expand_raw
        self.raw_toggle.setChecked(has_raw and expand)
        self._on_toggled(self.raw_toggle.isChecked())

    def show_failure(self, operation: str, message: str) -> None:
        """A failed exchange: the message, in the theme's "bad" color; no stale facts."""
        from tokendesk.core.oauth.summary import PROBLEM, Summary

        self.show_summary(Summary(operation, "manual", PROBLEM, f"{operation}: {message}"))

    def _on_toggled(self, shown: bool) -> None:
        self.raw.setVisible(shown and self.raw_toggle.isVisible())
        self.raw_toggle.setText("Hide the raw response" if shown else
                                "Show the raw response (redacted)")

    # -- for tests and screen readers ---------------------------------------------------------
    def fact(self, label: str) -> str | None:
        return self.facts.values().get(label)

    def sent(self, label: str) -> str | None:
        return self.request.values().get(label)

    def text(self) -> str:
        """Everything the card says, as plain text (without the raw response)."""
        parts = [self.source.text().strip(), self.headline.text()]
        parts += [f"{k}: {v}" for k, v in self.facts.values().items()]
        if self.changes.isVisibleTo(self):
            parts.append(self.changes_text.text())
        parts += [f"{k}: {v}" for k, v in self.request.values().items()]
        return "\n".join(p for p in parts if p)
