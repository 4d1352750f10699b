"""Walking a window's Tab order with real key presses, as a keyboard user does; finding a
menu entry as a person reads it."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QTextEdit,
    QWidget,
)

TEXT_INPUTS = (QLineEdit, QPlainTextEdit, QTextEdit, QAbstractSpinBox)
#: Pixels of slack when comparing positions (frames, rounding).
SLACK = 4


def menu_action(window, menu: str, text: str):
    """The menu bar's entry ``text`` of ``menu`` (as a person reads them, without the &)."""
    for top in window.menuBar().actions():
        if top.text().replace("&", "") == menu:
            for action in top.menu().actions():
                if action.text().replace("&", "") == text:
                    return action
    raise AssertionError(f"no {menu} ▸ {text}")


def describe(widget: QWidget | None) -> str:
    if widget is None:
        return "nothing"
    name = widget.accessibleName() or widget.objectName()
    text = widget.text() if hasattr(widget, "text") and callable(widget.text) else ""
    return f"{type(widget).__name__}({name or text!r})"


def walk(qtbot, start: QWidget, *, backwards: bool = False, limit: int = 150) -> list[QWidget]:
    """Press Tab (or Shift+Tab) from ``start`` until the focus comes back to it; every press
    must move the focus. Returns the widgets in the order they got it, ``start`` first."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is start, timeout=2000)
    order = [start]
    for _ in range(limit):
        here = QApplication.focusWidget()
        assert here is not None
        if backwards:
            qtbot.keyClick(here, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        else:
            qtbot.keyClick(here, Qt.Key.Key_Tab)
        there = QApplication.focusWidget()
        assert there is not here, f"Tab did not leave {describe(here)}"
        if isinstance(here, (QPlainTextEdit, QTextEdit)) and not here.isReadOnly():
            assert "\t" not in here.toPlainText(), f"Tab typed a tab into {describe(here)}"
        if there is start:
            return order
        assert there not in order, (f"the Tab order loops without coming back: {describe(there)}"
                                    f" again, after {[describe(w) for w in order]}")
        order.append(there)
    raise AssertionError(f"no way back to {describe(start)} in {limit} presses")


def text_inputs(root: QWidget) -> list[QWidget]:
    """The text inputs a person can reach in ``root`` (shown, enabled, taking Tab focus)."""
    found = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, TEXT_INPUTS) or isinstance(widget.parentWidget(),
                                                              (QAbstractSpinBox, QComboBox)):
            continue
        if (widget.isVisible() and widget.isEnabled()
                and widget.focusPolicy() & Qt.FocusPolicy.TabFocus):
            found.append(widget)
    return found


def _rect(widget: QWidget) -> QRect:
    return QRect(widget.mapTo(widget.window(), QPoint(0, 0)), widget.size())


def _panes(widget: QWidget) -> dict[int, int]:
    """For each side-by-side splitter above ``widget``: which of its panes holds it."""
    out: dict[int, int] = {}
    child, parent = widget, widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QSplitter) and parent.orientation() == Qt.Orientation.Horizontal:
            out[id(parent)] = parent.indexOf(child)
        child, parent = parent, parent.parentWidget()
    return out


def reads_after(a: QWidget, b: QWidget) -> bool:
    """True when ``b`` comes after ``a`` in reading order: in a later side-by-side pane, or
    below it, or on the same line to its right."""
    pa, pb = _panes(a), _panes(b)
    common = [s for s in pa if s in pb and pa[s] != pb[s]]
    if common:
        return pb[common[0]] > pa[common[0]]
    ra, rb = _rect(a), _rect(b)
    below = rb.top() >= ra.bottom() - SLACK
    same_line = rb.top() < ra.bottom() and ra.top() < rb.bottom()
    return below or (same_line and rb.left() >= ra.right() - SLACK)


def out_of_order(order: list[QWidget]) -> list[str]:
    """The steps of ``order`` that go back against reading order."""
    return [f"{describe(a)} → {describe(b)}" for a, b in zip(order, order[1:], strict=False)
            if not reads_after(a, b)]
