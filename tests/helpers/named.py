"""Reach widgets as a screen reader does, by accessible name, and answer modal dialogs safely.

``named(root, "Client ID")`` finds the one widget under ``root`` with that accessible name;
``on_dialog(action)`` answers the modal dialog a ``with`` block opens; should ``action`` fail,
or leave the dialog open, the dialog is closed and the error raised after the block, so a
broken test fails instead of hanging.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget

W = TypeVar("W", bound=QWidget)


def named(root: QWidget, name: str, kind: type[W] = QWidget) -> W:  # type: ignore[assignment]
    """The one widget of ``kind`` under ``root`` (or ``root`` itself) named ``name``, in
    ``root``'s window or in an open one (a closed dialog's widgets are not reachable)."""
    found = [w for w in [root, *root.findChildren(kind)]
             if isinstance(w, kind) and w.accessibleName() == name
             and (w.window() is root.window() or w.window().isVisible())]
    assert len(found) == 1, f"{len(found)} widgets named {name!r} under {root!r}"
    return found[0]


def names(root: QWidget) -> set[str]:
    return {w.accessibleName() for w in root.findChildren(QWidget) if w.accessibleName()}


@contextmanager
def on_dialog(action: Callable[[Any], None], *, expect: type[QDialog] = QDialog
              ) -> Iterator[None]:
    """Run ``action(dialog)`` on the modal dialog opened inside the ``with`` block."""
    errors: list[BaseException] = []

    def act() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, act)
            return
        try:
            assert isinstance(dialog, expect), f"{dialog!r} is not a {expect.__name__}"
            action(dialog)
            assert not dialog.isVisible(), "the dialog is still open after the action"
        except BaseException as exc:  # noqa: BLE001 - raised again after the block
            errors.append(exc)
            if isinstance(dialog, QDialog) and dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(0, act)
    yield
    if errors:
        raise errors[0]
