"""Copying secrets the way password managers do (SECURITY.md 31).

The value is put on the clipboard with ``x-kde-passwordManagerHint: secret`` (clipboard managers
that honour it keep it out of their history), and is cleared after a delay only if the clipboard
still holds that value, so nothing the user copied since is lost. Pending clears also run at quit.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QObject, QTimer, Slot
from PySide6.QtGui import QGuiApplication

__all__ = ["SecretClipboard"]

CONCEALED_MIME = "x-kde-passwordManagerHint"


class SecretClipboard(QObject):
    def __init__(self, clear_after_ms: int = 20_000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clear_after_ms = clear_after_ms
        self._pending: str | None = None  # a digest of what we put there, never the value
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear_now)

    @staticmethod
    def _digest(text: str) -> str:
        import hashlib

        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def copy_secret(self, text: str) -> None:
        mime = QMimeData()
        mime.setText(text)
        mime.setData(CONCEALED_MIME, b"secret")
        QGuiApplication.clipboard().setMimeData(mime)
        self._pending = self._digest(text)
        if self.clear_after_ms > 0:
            self._timer.start(self.clear_after_ms)

    def copy_plain(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)

    @property
    def pending(self) -> bool:
        return self._pending is not None

    @Slot()
    def clear_now(self) -> None:
        """Clear the clipboard if it still holds the secret we put there."""
        if self._pending is None:
            return
        clipboard = QGuiApplication.clipboard()
        if self._digest(clipboard.text()) == self._pending:
            clipboard.clear()
        self._pending = None
        self._timer.stop()
