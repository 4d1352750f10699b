"""Colors that follow the system palette (light or dark), for segments, badges and verdicts."""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette

__all__ = ["Theme", "current_theme"]


class Theme:
    def __init__(self, dark: bool) -> None:
        self.dark = dark
        if dark:
            self.segments = {"header": "#ff7b8a", "payload": "#d9a6ff", "signature": "#5cc8ff",
                             "encrypted_key": "#ffb86c", "iv": "#f1fa8c", "ciphertext": "#d9a6ff",
                             "tag": "#5cc8ff"}
            self.ok, self.bad, self.warn, self.muted = "#5fd38d", "#ff6b6b", "#ffcc66", "#9aa0a6"
            self.json = {"key": "#8ab4f8", "string": "#a8dba8", "number": "#f4b183",
                         "literal": "#d7a8ff"}
        else:
            self.segments = {"header": "#c2185b", "payload": "#7b1fa2", "signature": "#0277bd",
                             "encrypted_key": "#e65100", "iv": "#827717", "ciphertext": "#7b1fa2",
                             "tag": "#0277bd"}
            self.ok, self.bad, self.warn, self.muted = "#1b7f3b", "#c62828", "#a15c00", "#5f6368"
            self.json = {"key": "#1a57c4", "string": "#137333", "number": "#b45309",
                         "literal": "#8430ce"}

    def color(self, name: str) -> QColor:
        return QColor(getattr(self, name))

    def badge_colors(self, kind: str) -> tuple[str, str]:
        """(background, text) of the kind badge."""
        palette = {
            "id_token": "#2e7d32", "access_token": "#1565c0", "refresh_token": "#6a1b9a",
            "encrypted": "#37474f", "opaque": "#5d4037", "unsecured": "#c62828",
            "logout_token": "#00695c", "dpop_proof": "#00838f", "client_assertion": "#4527a0",
        }
        return palette.get(kind, "#455a64"), "#ffffff"


def current_theme() -> Theme:
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return Theme(dark=False)
    window = app.palette().color(QPalette.ColorRole.Window)
    return Theme(dark=window.lightness() < 128)
