"""What the window shows the desktop: its icon, the tray icon with expiry warnings, About."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtGui import QIcon

from tokendesk import __version__

if TYPE_CHECKING:
    from .shell import MainWindow

__all__ = ["about_text", "app_icon", "tray_for"]


def app_icon() -> QIcon:
    from pathlib import Path

    icon = QIcon()
    here = Path(__file__).resolve()
    base = here.parent / "icons"  # installed copies
    if not base.is_dir():
        base = here.parents[3] / "resources" / "icons"  # running from the source tree
    for size in (16, 24, 32, 48, 64, 128, 256):
        png = base / f"tokendesk-{size}.png"
        if png.exists():
            icon.addFile(str(png))
    svg = base / "tokendesk.svg"
    if svg.exists():
        icon.addFile(str(svg))
    return icon


def tray_for(window: MainWindow) -> Any:
    """The tray icon (where the desktop has a tray): the expiry warnings appear there."""
    from PySide6.QtWidgets import QMenu, QSystemTrayIcon

    if not QSystemTrayIcon.isSystemTrayAvailable():
        return None
    tray = getattr(window, "_tray", None)
    if tray is None:
        tray = QSystemTrayIcon(app_icon(), window)
        setattr(window, "_tray", tray)  # noqa: B010 - the window's, kept by the window
        tray.setToolTip("Tokendesk: token expiry warnings")

        def show_expiry() -> None:
            window.raise_window()
            window.show_view("Expiry")

        menu = QMenu(window)
        menu.addAction("Show Tokendesk", window.raise_window)
        menu.addAction("Expiry", show_expiry)
        menu.addSeparator()
        menu.addAction("Quit", window.close)
        tray.setContextMenu(menu)
        tray.activated.connect(lambda _reason: window.raise_window())
        tray.show()
    return tray


def about_text() -> str:
    import platform
    from importlib.metadata import PackageNotFoundError, version

    def ver(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    return (f"<h3>Tokendesk {__version__}</h3>"
            "<p>A workbench for OAuth and JWT tokens: inspect, verify, store, refresh and watch "
            "them expire. Nothing leaves this machine unless you ask for a network call.</p>"
            f"<p>Python {platform.python_version()} · Qt {qVersion()} · PySide6 {pyside_version}"
            f"<br>cryptography {ver('cryptography')} · PyJWT {ver('PyJWT')} · "
            f"httpx {ver('httpx')} · keyring {ver('keyring')}</p>"
            f"<p>{sys.platform}</p>")
