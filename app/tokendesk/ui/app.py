"""Starting the GUI: the QApplication, the window, and the ``--smoke-test`` timing."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

__all__ = ["run_app"]

_STARTED = time.perf_counter()


def _process_age_ms() -> float:
    """Milliseconds since this process started (Linux), else since this module was imported."""
    try:
        with open("/proc/self/stat") as stat_file, open("/proc/uptime") as uptime_file:
            start_ticks = int(stat_file.read().rsplit(")", 1)[1].split()[19])
            uptime = float(uptime_file.read().split()[0])
        return (uptime - start_ticks / os.sysconf("SC_CLK_TCK")) * 1000
    except (OSError, ValueError, IndexError):
        return (time.perf_counter() - _STARTED) * 1000


def _peak_rss_mb() -> float:
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 1024 if sys.platform != "darwin" else peak / (1024 * 1024)
    except (ImportError, OSError):
        return 0.0


def run_app(*, smoke_test: bool = False, argv: list[str] | None = None) -> int:
    app, _window = launch(smoke_test=smoke_test, argv=argv)
    return int(app.exec())


def launch(*, smoke_test: bool = False, argv: list[str] | None = None,
           settings: Any = None) -> tuple[Any, Any]:
    """Build the QApplication and the window as ``tokendesk gui`` does, and show it; after its
    first paint the app's start-up runs (the hidden views, the vault, the expiry duties).
    Returns (app, window) without entering the event loop (journey tests drive it)."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from tokendesk import __version__

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Tokendesk")
    app.setOrganizationName("Tokendesk")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("io.github.tokendesk.Tokendesk")
    if "QT_STYLE_OVERRIDE" not in os.environ:
        app.setStyle("Fusion")  # follows the system palette (light or dark) everywhere

    from .shell import MainWindow

    window = MainWindow(defer_hidden_views=True, settings=settings)

    class FirstPaint(QObject):
        done = False

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and not self.done:
                self.done = True
                QTimer.singleShot(0, on_first_paint)
            return False

    def on_first_paint() -> None:
        elapsed = _process_age_ms()
        if smoke_test:
            heavy = [m for m in ("cryptography", "httpx", "keyring", "jwt") if m in sys.modules]
            print(f"first-paint-ms {elapsed:.0f}", flush=True)
            print(f"peak-rss-mb {_peak_rss_mb():.1f}", flush=True)
            print(f"heavy-imports-at-first-paint {' '.join(heavy) or 'none'}", flush=True)
            # PySide6 builds its whole Qt enum namespace (~25-50 ms) the first time Python
            # touches it; the first paint must not wait for that (views/inspector.py)
            import PySide6.QtCore as qtcore

            built = "Qt" in qtcore.__dict__
            print(f"qt-enum-namespace-at-first-paint {'built' if built else 'not built'}",
                  flush=True)
            window.close()
            app.quit()
        else:
            window.finish_startup()
            window.build_hidden_views()
            window.start_background()  # the vault and the expiry duties, whatever tab shows
            window.prefetch()
            if not window.settings.get("app/welcomed"):
                QTimer.singleShot(300, window.welcome)  # the first run only (Help reopens it)

    watcher = FirstPaint(window)
    window.installEventFilter(watcher)
    window.inspector.installEventFilter(watcher)
    window.show()
    if smoke_test:
        QTimer.singleShot(30_000, lambda: (print("no paint within 30 s", file=sys.stderr),
                                           app.exit(1)))
    return app, window
