"""A light and a dark palette as the tests and screenshots use them (Fusion's own light one, and
a dark one like those desktops ship)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

DARK = {"Window": "#2b2b2b", "WindowText": "#e8e8e8", "Base": "#1e1e1e",
        "AlternateBase": "#262626", "ToolTipBase": "#353535", "ToolTipText": "#e8e8e8",
        "Text": "#e8e8e8", "Button": "#353535", "ButtonText": "#e8e8e8", "BrightText": "#ff5555",
        "Link": "#8ab4f8", "Highlight": "#2a82da", "HighlightedText": "#ffffff",
        "PlaceholderText": "#9a9a9a", "Mid": "#5a5a5a", "Dark": "#1a1a1a", "Light": "#4a4a4a",
        "Midlight": "#3a3a3a", "Shadow": "#000000"}
DARK_DISABLED = {"Text": "#7a7a7a", "WindowText": "#7a7a7a", "ButtonText": "#7a7a7a"}


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, color in DARK.items():
        palette.setColor(getattr(QPalette.ColorRole, role), QColor(color))
    for role, color in DARK_DISABLED.items():
        palette.setColor(QPalette.ColorGroup.Disabled, getattr(QPalette.ColorRole, role),
                         QColor(color))
    return palette


def light_palette() -> QPalette:
    from PySide6.QtWidgets import QStyleFactory

    style = QStyleFactory.create("Fusion")
    return style.standardPalette()
