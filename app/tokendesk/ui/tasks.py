"""The one seam between the GUI thread and blocking work (network, keyring, key parsing).

A :class:`Task` is a ``QRunnable`` that calls a plain function (usually the synchronous core)
on a ``QThreadPool`` and reports through a companion ``QObject`` whose signals are delivered on
the GUI thread. :class:`TaskRunner` adds what views need: keys that name a resource, latest-wins
for pure reads, every outcome delivered for work with side effects, cancellation of reads, and
a pool that tests can replace with :class:`InlinePool`, which runs each task at once on the
calling thread.

Results of a cancelled or superseded read are dropped; side effects always report.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

__all__ = ["InlinePool", "Pool", "Task", "TaskRunner"]

log = logging.getLogger(__name__)

#: Tasks that may run at once (most wait on the network or the keyring, not the CPU).
MAX_THREADS = 16


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

    Keys name a resource (``refresh:alice``, ``vault-list``), not an operation. Two kinds of
    task (DESIGN.md "Threading"):

    * ``submit(key, fn, on_done, on_error)``: a pure read (decode, verify, a listing): a newer
      task with the same key supersedes an older one, whose result is dropped (latest wins);
    * ``submit(..., keep=True)``: work with side effects at a server or in the vault: never
      superseded, never dropped; every such task's outcome is delivered, in the order the
      tasks finish, even when several run under one key.
    """

    busy_changed = Signal(bool)
    finished_all = Signal()  # after close_when_idle(): nothing is running any more

    def __init__(self, pool: Pool | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if pool is None:
            # its own pool, sized for waiting rather than computing: a sign-in waits minutes
            # for the browser and a refresh up to its timeout, and the global pool has one
            # thread per core (two here), which two such waits would fill
            own = QThreadPool(self)
            own.setMaxThreadCount(MAX_THREADS)
            pool = own
        self._pool: Pool = pool
        self._ids = itertools.count(1)
        self._latest: dict[str, int] = {}  # the one live latest-wins task per key
        self._callbacks: dict[int, tuple[str, Callable[[Any], None],
                                         Callable[[BaseException], None] | None]] = {}
        self._kept: dict[str, set[int]] = {}  # the side-effect tasks running per key
        self._tasks: dict[int, Task] = {}

    @property
    def busy(self) -> bool:
        return bool(self._callbacks)

    @property
    def settled(self) -> bool:
        """No task is left on a thread, not even one whose result will be dropped (a cancelled
        or superseded read): what a test waits for before saying "nothing was shown"."""
        return not self._tasks

    @property
    def side_effects_running(self) -> bool:
        """Whether a task with side effects (``keep=True``) is still running."""
        return bool(self._kept)

    def submit(
        self,
        key: str,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
        *,
        keep: bool = False,
    ) -> int:
        task_id = next(self._ids)
        was_busy = self.busy
        if keep:
            self._kept.setdefault(key, set()).add(task_id)
        else:
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
        try:
            self._pool.start(task)
        except RuntimeError:  # the pool is gone (the window is being torn down)
            self._take(task_id)
            self._after()
            raise
        return task_id

    def cancel(self, key: str) -> bool:
        """Forget the running latest-wins task for ``key``: its result will not be delivered.
        (A task with side effects cannot be forgotten: its outcome always arrives.)"""
        task_id = self._latest.pop(key, None)
        if task_id is None or self._callbacks.pop(task_id, None) is None:
            return False
        self._after()
        return True

    def is_running(self, key: str) -> bool:
        task_id = self._latest.get(key)
        return (task_id is not None and task_id in self._callbacks) or bool(self._kept.get(key))

    def _take(self, task_id: int) -> tuple[Callable[[Any], None],
                                            Callable[[BaseException], None] | None] | None:
        self._tasks.pop(task_id, None)
        entry = self._callbacks.pop(task_id, None)
        if entry is None:
            return None
        key, on_done, on_error = entry
        if self._latest.get(key) == task_id:
            del self._latest[key]
        kept = self._kept.get(key)
        if kept is not None:
            kept.discard(task_id)
            if not kept:
                del self._kept[key]
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

    def close_when_idle(self) -> None:
        """Emit ``finished_all`` once no task is running (at once when none is)."""
        self._closing = True
        self._after()

    def _after(self) -> None:
        if not self.busy:
            self.busy_changed.emit(False)
            if getattr(self, "_closing", False):
                self._closing = False
                self.finished_all.emit()
