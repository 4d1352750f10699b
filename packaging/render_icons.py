"""Render resources/icons/tokendesk.svg to the PNG sizes desktops and bundles need, and the
.ico (Windows) and .icns (macOS) files the bundles use.

    .venv/bin/python packaging/render_icons.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    icons = Path(__file__).resolve().parent.parent / "resources" / "icons"
    renderer = QSvgRenderer(str(icons / "tokendesk.svg"))
    if not renderer.isValid():
        print("the SVG could not be read", file=sys.stderr)
        return 1
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        image.save(str(icons / f"tokendesk-{size}.png"))
    # the Windows and macOS bundles' icons (Qt's ico and icns image plugins write them)
    big = QImage(str(icons / "tokendesk-256.png"))
    if not big.save(str(icons / "tokendesk.ico"), "ICO"):
        print("could not write tokendesk.ico", file=sys.stderr)
    if not QImage(str(icons / "tokendesk-512.png")).save(str(icons / "tokendesk.icns"), "ICNS"):
        print("could not write tokendesk.icns", file=sys.stderr)
    del app
    print(f"rendered {len(SIZES)} sizes into {icons}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
