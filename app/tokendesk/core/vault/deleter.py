"""Old slots deleted off the answer's path: one long-lived thread deletes them in order, and a
rotation (or a close) waits for the deletion of that credential's previous slot first."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

__all__ = ["SlotDeleter"]

_Job = tuple[Callable[[], None], threading.Event]


class SlotDeleter:
    """A thread per rotation cost a millisecond to start, and a new sqlite connection each: one
    worker, started on first use, runs the deletions; ``wait`` and ``finish`` wait for them."""

    def __init__(self) -> None:
        self._deleting: dict[str, threading.Event] = {}
        self._jobs: queue.SimpleQueue[_Job | None] | None = None

    def submit(self, uid: str, delete: Callable[[], None]) -> None:
        done = threading.Event()
        self._deleting[uid] = done
        self._worker().put((delete, done))

    def wait(self, uid: str) -> None:
        done = self._deleting.pop(uid, None)
        if done is not None:
            done.wait(30)

    def finish(self) -> None:
        """Wait for every deletion still running."""
        for uid in list(self._deleting):
            self.wait(uid)

    def close(self) -> None:
        self.finish()
        if self._jobs is not None:
            self._jobs.put(None)  # the worker ends
            self._jobs = None

    def _worker(self) -> queue.SimpleQueue[_Job | None]:
        if self._jobs is None:
            jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()

            def work() -> None:
                while (job := jobs.get()) is not None:
                    try:
                        job[0]()
                    finally:
                        job[1].set()

            threading.Thread(target=work, name="tokendesk-slot-deleter", daemon=True).start()
            self._jobs = jobs
        return self._jobs
