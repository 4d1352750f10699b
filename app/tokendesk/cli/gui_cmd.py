"""``tokendesk gui``: opens the desktop app (imports Qt only here)."""

from __future__ import annotations

from typing import Any


def run(args: Any) -> int:
    from tokendesk.ui.app import run_app

    return int(run_app(smoke_test=args.smoke_test))
