"""The keyboard and window habits every view and dialog shares, applied in one place.

:func:`install` puts one event filter on the application (after the first paint), so widgets
built later — a dialog, a view built on demand — get the same treatment without asking:

* Tab and Shift+Tab leave every text area (a text area keeps Tab only while Ctrl is held:
  Ctrl+Tab inserts a tab where one means something — free text, JSON — and elsewhere does
  nothing, but never switches the window's tab behind the text being edited);
* tables and trees let Tab leave them (arrow keys move between cells);
* the focused text area, table or scroll area shows a focus ring drawn in the palette's
  highlight color (a style sheet of palette roles, so it follows a light or dark theme);
* Tokendesk's own dialogs remember their size and place in ``settings.ini``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QFrame,
    QInputDialog,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QScrollArea,
    QTableView,
    QTextEdit,
    QTreeView,
    QWidget,
)

__all__ = ["KeyboardPolicy", "allow_tab_insertion", "focus_ring", "install", "policy"]

#: The focus ring of each kind of widget that gets one: the same border width focused or not,
#: so nothing moves when the focus does. Set on each such widget as it is polished, not on the
#: application (an application style sheet re-polished every widget: 30 ms at start-up, and
#: more for each widget built after). Type selectors only, so a widget's children (scroll
#: bars, a table's headers) keep their own look.
_RINGS = {name: f"""
{name} {{ border: 1px solid palette(mid); padding: 1px; }}
{name}:focus {{ border: 2px solid palette(highlight); padding: 0px; }}
""" for name in ("QPlainTextEdit", "QTextEdit", "QTableView", "QTreeView", "QListView")}
_RINGS["QScrollArea"] = """
QScrollArea { border: 2px solid transparent; }
QScrollArea:focus { border: 2px solid palette(highlight); }
"""

#: Dynamic property: Ctrl+Tab inserts a tab character in this text area.
TAB_INSERTS = "tokendeskTabInserts"
_TEXT_AREAS = (QPlainTextEdit, QTextEdit)
_TEXT_INPUTS = (QPlainTextEdit, QTextEdit, QLineEdit, QAbstractSpinBox)


def allow_tab_insertion(widget: QWidget, allowed: bool = True) -> None:
    """Let Ctrl+Tab insert a tab character in ``widget`` (free text or JSON; not a token)."""
    widget.setProperty(TAB_INSERTS, allowed)


def _tab_meaningful(widget: QWidget) -> bool:
    if isinstance(widget, _TEXT_AREAS) and widget.isReadOnly():
        return False
    if not isinstance(widget, _TEXT_AREAS):
        return False  # a one-line field: a tab character is never wanted there
    marked = widget.property(TAB_INSERTS)
    if marked is not None:
        return bool(marked)
    return isinstance(widget.window(), QInputDialog)  # notes and other free text


def focus_ring(widget: QWidget) -> str | None:
    """The style sheet that draws ``widget``'s focus ring, if it gets one (text areas, tables,
    trees and lists taking the focus, and bare scroll areas; not a list inside a combo box)."""
    if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
        return None
    for kind in (QPlainTextEdit, QTextEdit, QTableView, QTreeView, QListView):
        if isinstance(widget, kind):
            parent = widget.parentWidget()
            if isinstance(parent and parent.parentWidget(), QComboBox):
                return None  # a combo box's list: its popup draws the frame
            return _RINGS[kind.__name__]
    if isinstance(widget, QScrollArea) and widget.frameShape() == QFrame.Shape.NoFrame:
        return _RINGS["QScrollArea"]
    return None


def prepare(widget: QWidget) -> None:
    """Tab leaves a text area; Tab leaves a table (arrow keys move between its cells); the
    widget shows a ring when it has the focus."""
    if isinstance(widget, _TEXT_AREAS):
        if not widget.tabChangesFocus():
            widget.setTabChangesFocus(True)
    elif isinstance(widget, QAbstractItemView) and widget.tabKeyNavigation():
        widget.setTabKeyNavigation(False)
    ring = focus_ring(widget)
    if ring is not None and ring not in widget.styleSheet():
        widget.setStyleSheet(widget.styleSheet() + ring)


def prepare_all(root: QWidget) -> None:
    """:func:`prepare` ``root`` and everything in it (widgets polished before the filter)."""
    prepare(root)
    for child in root.findChildren(QWidget):
        prepare(child)


class KeyboardPolicy(QObject):
    """The application's event filter (see the module's docstring). Each event costs one
    Python call of well under a microsecond when it is not one of the four looked at."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings: Any = None
        self._polish = QEvent.Type.Polish
        self._keypress = QEvent.Type.KeyPress
        self._show = QEvent.Type.Show
        self._hide = QEvent.Type.Hide
        self._tab, self._backtab = int(Qt.Key.Key_Tab), int(Qt.Key.Key_Backtab)
        self._control = Qt.KeyboardModifier.ControlModifier

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        kind = event.type()
        if kind == self._keypress:
            if isinstance(obj, _TEXT_INPUTS) and isinstance(event, QKeyEvent):
                return self._control_tab(obj, event)
        elif kind == self._polish:
            if isinstance(obj, QWidget):
                prepare(obj)
        elif kind == self._show:
            if isinstance(obj, QDialog) and self._remembered(obj):
                geometry = self.settings.geometry(self._key_of(obj))
                if geometry is not None:
                    obj.restoreGeometry(geometry)
        elif kind == self._hide:
            if isinstance(obj, QDialog) and self._remembered(obj):
                self.settings.set_geometry(self._key_of(obj), obj.saveGeometry())
        return False

    def _control_tab(self, widget: QWidget, event: QKeyEvent) -> bool:
        key = int(event.key())
        if (key != self._tab and key != self._backtab) or not (
                event.modifiers() & self._control):
            return False
        if key == self._tab and _tab_meaningful(widget):
            widget.insertPlainText("\t")  # type: ignore[attr-defined]
        return True  # consumed: the tab behind the text is not switched

    def _remembered(self, dialog: QDialog) -> bool:
        """Only Tokendesk's own dialogs (not message boxes or file pickers), as windows."""
        return (self.settings is not None and dialog.isWindow()
                and type(dialog).__module__.startswith("tokendesk."))

    @staticmethod
    def _key_of(dialog: QDialog) -> str:
        return f"dialog/{type(dialog).__name__}"


_policy: KeyboardPolicy | None = None


def policy() -> KeyboardPolicy | None:
    """The installed policy, if any."""
    return _policy


def install(settings: Any, *roots: QWidget) -> KeyboardPolicy:
    """Install the policy on the application (once) and prepare the widgets under ``roots``
    (built before it). ``settings`` (a :class:`~tokendesk.ui.settings.Settings`) keeps the
    dialogs' geometry; the latest window's settings are used."""
    global _policy
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    if _policy is None:
        _policy = KeyboardPolicy(app)
        app.installEventFilter(_policy)
    _policy.settings = settings
    for root in roots:
        prepare_all(root)
    return _policy
