"""Qt helpers for tests: act on a modal dialog the way a person would, while it runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def drive(action: Callable[[Any], None]) -> None:
    """Run ``action(dialog)`` on the modal dialog that is about to open."""
    def act() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, act)
            return
        action(dialog)
    QTimer.singleShot(0, act)
