"""Run the same function on several threads at once, collecting results and errors."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def run_at_once(fn: Callable[[], Any], count: int) -> tuple[list[Any], list[BaseException]]:
    """Start ``count`` threads that call ``fn`` together (a barrier releases them at the same
    moment), wait for all, and return (results, errors)."""
    barrier = threading.Barrier(count)
    results: list[Any] = []
    errors: list[BaseException] = []

    def worker() -> None:
        barrier.wait()
        try:
            results.append(fn())
        except Exception as exc:  # noqa: BLE001 - collected for the caller's assertions
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
