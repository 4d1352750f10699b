"""Everything Qt: the composition root (:mod:`.shell`), tasks, controllers, models, views."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .shell import MainWindow

__all__ = ["create_main_window"]


def create_main_window() -> MainWindow:
    """Build the main window (a QApplication must already exist)."""
    from .shell import MainWindow

    return MainWindow()
