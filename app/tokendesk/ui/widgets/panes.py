"""Two panes side by side (or one above the other), as every view lays them out."""

from __future__ import annotations

from PySide6.QtWidgets import QSplitter, QWidget

__all__ = ["split"]

#: Qt.Orientation.Vertical, given as a plain int through Qt's property system: the Inspector
#: builds its panes before the first paint, when nothing may touch PySide6's Qt enum namespace
#: (it costs tens of ms to build; see views/inspector.py).
_VERTICAL = 2


def split(first: QWidget, second: QWidget, sizes: list[int], *, vertical: bool = False,
          equal_stretch: bool = False) -> QSplitter:
    """A splitter holding ``first`` and ``second`` at ``sizes``; with ``equal_stretch`` both
    panes share the space the window gains."""
    splitter = QSplitter()  # horizontal
    if vertical:
        splitter.setProperty("orientation", _VERTICAL)
    for pane in (first, second):
        splitter.addWidget(pane)
    if equal_stretch:
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
    splitter.setSizes(sizes)
    return splitter
