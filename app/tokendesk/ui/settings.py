"""Preferences and window state, persisted in ``settings.ini`` under ``TOKENDESK_HOME``."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from tokendesk.core.paths import home

__all__ = ["DEFAULTS", "Settings"]

DEFAULTS: dict[str, Any] = {
    "inspector/debounce_ms": 150,
    "inspector/leeway_s": 0,
    "inspector/show_local_time": True,
    "clipboard/clear_after_s": 20,
    "vault/auto_lock_min": 15,
    "network/timeout_s": 10,
    "network/ca_bundle": "",
    "app/welcomed": False,
}


class Settings:
    def __init__(self, path: str | None = None) -> None:
        self._qs = QSettings(path or str(home() / "settings.ini"), QSettings.Format.IniFormat)

    def get(self, key: str) -> Any:
        default = DEFAULTS.get(key)
        value = self._qs.value(key, default)
        if isinstance(default, bool):
            return value in (True, "true", "1", 1)
        if isinstance(default, int):
            try:
                return int(str(value))
            except (TypeError, ValueError):
                return default
        return value

    def set(self, key: str, value: Any) -> None:
        self._qs.setValue(key, value)

    def geometry(self, name: str) -> QByteArray | None:
        value = self._qs.value(f"window/{name}")
        return value if isinstance(value, QByteArray) else None

    def set_geometry(self, name: str, data: QByteArray) -> None:
        self._qs.setValue(f"window/{name}", data)

    def sync(self) -> None:
        self._qs.sync()

    @property
    def path(self) -> str:
        return self._qs.fileName()
