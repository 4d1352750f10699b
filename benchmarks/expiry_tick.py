"""Expiry benchmarks: the tick with 10,000 and 100,000 rows, memory, and no growth over time.

    python -m benchmarks.expiry_tick

Three tables are built offscreen, as the Expiry view builds its own: ours with 10,000 rows,
ours with 100,000 rows, and a reference — Qt itself (a C++ QStandardItemModel and Qt's own
delegate) updating the same visible cells. Their ticks are run in interleaved blocks, so that
the machine's drift (it is shared and noisy) falls on all three alike; read the ratios.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any


def rss_mb() -> float:
    """This process's resident memory now, in MB (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return 0.0


def _rows(count: int, now: float) -> list[Any]:
    from tokendesk.core.expiry import ExpiryRow

    # soonest first, as the view sorts them; every row with a known start (a lifetime bar)
    expiries = sorted(now + (i * 13) % 86400 for i in range(count))
    return [ExpiryRow(f"user-{i:06d}", f"client-{i % 7}", ("dev", "staging", "prod")[i % 3],
                      ("access token", "refresh token")[i % 2], at, "", now - 600)
            for i, at in enumerate(expiries)]


def _ours(count: int, now: float) -> tuple[Any, Callable[[int], None]]:
    from PySide6.QtWidgets import QTableView

    from tokendesk.ui.models.expiry_model import ExpiryModel
    from tokendesk.ui.views.expiry import install_delegates

    model = ExpiryModel()
    view = QTableView()
    view.setModel(model)
    install_delegates(view, model)  # as the Expiry view does
    model.set_rows(_rows(count, now), now)
    view.resize(1200, 800)
    view.show()

    def tick(i: int) -> None:
        at = now + i + 1
        model.tick(at, view.rowAt(0), view.rowAt(view.viewport().height() - 1))
        model.counts(at)  # what the view's warning check adds to each tick
        list(model.warning_window(at))

    return view, tick


def _reference() -> tuple[Any, Callable[[int], None]]:
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QTableView

    model = QStandardItemModel(10_000, 7)
    for r in range(80):
        for c in range(7):
            model.setItem(r, c, QStandardItem(f"cell {r}-{c}"))
    view = QTableView()
    view.setModel(model)
    view.resize(1200, 800)
    view.show()

    def tick(i: int) -> None:
        for r in range(view.rowAt(0), view.rowAt(view.viewport().height() - 1) + 1):
            model.item(r, 3).setText(f"{i // 60} min {(i + r) % 60} s")
            model.item(r, 4).setText("fresh" if (i + r) % 7 else "expiring soon")

    return view, tick


def run(rounds: int = 30, block: int = 20) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    import tokendesk.ui.views.expiry  # noqa: F401 - imported before memory is measured

    app = QApplication.instance() or QApplication(sys.argv[:1])
    now = time.time()
    before = rss_mb()
    small_view, small_tick = _ours(10_000, now)
    app.processEvents()
    added = rss_mb() - before
    large_view, large_tick = _ours(100_000, now)
    ref_view, ref_tick = _reference()
    app.processEvents()
    times: dict[str, list[float]] = {"10k": [], "100k": [], "qt": []}
    rss: list[float] = []
    i = 0
    for _ in range(rounds):  # 30 rounds × 20 ticks = 600 ticks each: ten minutes of ticking
        for name, tick in (("10k", small_tick), ("100k", large_tick), ("qt", ref_tick)):
            for _ in range(block):
                i += 1
                t = time.perf_counter()
                tick(i)
                app.processEvents()  # the repaint of the visible cells
                times[name].append(time.perf_counter() - t)
        rss.append(rss_mb())
    for view in (small_view, large_view, ref_view):
        view.close()
    half = len(rss) // 2

    def stats(name: str) -> tuple[float, float]:
        values = sorted(times[name])
        return statistics.median(values) * 1e3, values[int(len(values) * 0.99) - 1] * 1e3

    return {"10k": stats("10k"), "100k": stats("100k"), "qt": stats("qt"), "added": added,
            "grown": (rss[half - 1] - rss[0], rss[-1] - rss[half - 1])}


def main() -> int:
    r = run()
    (small, small99), (large, large99), (qt, qt99) = r["10k"], r["100k"], r["qt"]
    print(f"10,000 rows: tick median {small:.2f} ms, p99 {small99:.2f} ms (goal ≤ 2 / ≤ 5); "
          f"memory added {r['added']:.1f} MB (goal ≤ 30); grown over the first 5 min of "
          f"ticks {r['grown'][0]:.1f} MB (caches filling), over the next 5 min "
          f"{r['grown'][1]:.1f} MB")
    print(f"100,000 rows: tick median {large:.2f} ms, p99 {large99:.2f} ms = "
          f"{large / small:.2f}× the 10,000-row median (goal ≤ 1.2×)")
    print(f"Qt itself (C++ model and delegate) updating the same visible cells: median "
          f"{qt:.2f} ms, p99 {qt99:.2f} ms; the 10,000-row tick is {small / qt:.2f}× that")
    return 0


if __name__ == "__main__":
    sys.exit(main())
