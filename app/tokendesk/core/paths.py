"""Where Tokendesk keeps its files: ``TOKENDESK_HOME``, or the platform's user data directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["home"]


def home() -> Path:
    """The data directory (index, settings, logs), created with mode 0700 if missing."""
    configured = os.environ.get("TOKENDESK_HOME")
    if configured:
        path = Path(configured).expanduser()
    elif sys.platform.startswith("linux"):
        # platformdirs' rule for Linux (XDG Base Directory), without its ~10 ms import
        xdg = os.environ.get("XDG_DATA_HOME", "").strip()
        path = Path(xdg if xdg else os.path.expanduser("~/.local/share")) / "tokendesk"
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("tokendesk", appauthor=False))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
