"""The one seam between the GUI thread and blocking work (network, keyring, key parsing).

A :class:`Task` is a ``QRunnable`` that calls a plain function (usually the synchronous core)
on a ``QThreadPool`` and reports through a companion ``QObject`` whose signals are delivered on
the GUI thread. :class:`TaskRunner` adds what views need: a single-flight key (a second request
with the same key cancels the first's result), cancellation, and a pool that tests can replace
with :class:`InlinePool`, which runs each task at once on the calling thread.

Results of a cancelled or superseded task are dropped, never delivered.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

__all__ = ["InlinePool", "Pool", "Task", "TaskRunner"]

log = logging.getLogger(__name__)


class Pool(Protocol):
    def start(self, runnable: QRunnable) -> None: ...


class InlinePool:
    """A pool that runs each task immediately on the calling thread (for tests)."""

    def start(self, runnable: QRunnable) -> None:
        runnable.run()


class _TaskSignals(QObject):
    finished = Signal(int, object)  # task id, result
    failed = Signal(int, object)  # task id, exception


class Task(QRunnable):
    def __init__(self, task_id: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.task_id = task_id
        self.fn = fn
        self.signals = _TaskSignals()
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # noqa: BLE001 - reported to the GUI, never swallowed
            self.signals.failed.emit(self.task_id, exc)
        else:
            self.signals.finished.emit(self.task_id, result)


class TaskRunner(QObject):
    """Runs functions off the GUI thread and calls back on it.

    ``submit(key, fn, on_done, on_error)`` returns a task id. With the same ``key`` a newer
    task supersedes an older one: the older result is discarded (single-flight per key).
    """

    busy_changed = Signal(bool)

    def __init__(self, pool: Pool | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool: Pool = pool if pool is not None else QThreadPool.globalInstance()
        self._ids = itertools.count(1)
        self._latest: dict[str, int] = {}
        self._callbacks: dict[int, tuple[str, Callable[[Any], None],
                                         Callable[[BaseException], None] | None]] = {}
        self._tasks: dict[int, Task] = {}

    @property
    def busy(self) -> bool:
        return bool(self._callbacks)

    def submit(
        self,
        key: str,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> int:
        task_id = next(self._ids)
        was_busy = self.busy
        previous = self._latest.get(key)
        if previous is not None:
            self._callbacks.pop(previous, None)
        self._latest[key] = task_id
        self._callbacks[task_id] = (key, on_done, on_error)
        task = Task(task_id, fn)
        task.signals.finished.connect(self._on_finished)
        task.signals.failed.connect(self._on_failed)
        self._tasks[task_id] = task  # keep the signals object alive until it reports
        if not was_busy:
            self.busy_changed.emit(True)
        self._pool.start(task)
        return task_id

    def cancel(self, key: str) -> bool:
        """Forget the running task for ``key``: its result will not be delivered."""
        task_id = self._latest.pop(key, None)
        if task_id is None or self._callbacks.pop(task_id, None) is None:
            return False
        self._after()
        return True

    def is_running(self, key: str) -> bool:
        task_id = self._latest.get(key)
        return task_id is not None and task_id in self._callbacks

    def _take(self, task_id: int) -> tuple[Callable[[Any], None],
                                            Callable[[BaseException], None] | None] | None:
        self._tasks.pop(task_id, None)
        entry = self._callbacks.pop(task_id, None)
        if entry is None:
            return None
        key, on_done, on_error = entry
        if self._latest.get(key) == task_id:
            del self._latest[key]
        return on_done, on_error

    @Slot(int, object)
    def _on_finished(self, task_id: int, result: object) -> None:
        entry = self._take(task_id)
        if entry is not None:
            entry[0](result)
        self._after()

    @Slot(int, object)
    def _on_failed(self, task_id: int, exc: object) -> None:
        entry = self._take(task_id)
        if entry is not None:
            on_error = entry[1]
            if on_error is not None and isinstance(exc, BaseException):
                on_error(exc)
            else:
                log.error("background task failed: %s", type(exc).__name__)
        self._after()

    def _after(self) -> None:
        if not self.busy:
            self.busy_changed.emit(False)
