"""Expiry benchmarks: the tick with 10,000 and 100,000 rows, memory, and no growth over time.

    python -m tokendesk.ui.bench_expiry
"""

from __future__ import annotations

import os
import statistics
import sys
import time


def rss_mb() -> float:
    """This process's resident memory now, in MB (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return 0.0


def _rows(count: int, now: float) -> list[object]:
    from tokendesk.core.expiry import ExpiryRow

    return [ExpiryRow(f"user-{i:06d}", f"client-{i % 7}", ("dev", "staging", "prod")[i % 3],
                      ("access token", "refresh token")[i % 2], now + (i * 13) % 86400)
            for i in range(count)]


def bench(count: int, ticks: int = 300) -> tuple[float, float, float, tuple[float, float]]:
    """(median ms, p99 ms, MB added by the rows, MB grown over the first and second half of
    the ticks: caches fill in the first half; a leak would keep growing in the second)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QTableView

    from tokendesk.ui.models.expiry_model import ExpiryModel

    app = QApplication.instance() or QApplication(sys.argv[:1])
    now = time.time()
    before = rss_mb()
    rows = _rows(count, now)
    model = ExpiryModel()
    view = QTableView()
    view.setModel(model)
    model.set_rows(rows, now)  # type: ignore[arg-type]
    view.resize(1200, 800)
    view.show()
    app.processEvents()
    added = rss_mb() - before
    times = []
    start_rss = rss_mb()
    half_rss = start_rss
    for i in range(ticks):
        if i == ticks // 2:
            half_rss = rss_mb()
        t = time.perf_counter()
        first, last = view.rowAt(0), view.rowAt(view.viewport().height() - 1)
        model.tick(now + i + 1, first, last)
        model.counts(now + i + 1)  # what the view's warning check adds to each tick
        list(model.warning_window(now + i + 1))
        app.processEvents()  # the repaint of the visible cells
        times.append(time.perf_counter() - t)
    end_rss = rss_mb()
    grown = (half_rss - start_rss, end_rss - half_rss)
    view.close()
    times.sort()
    return (statistics.median(times) * 1e3, times[int(len(times) * 0.99) - 1] * 1e3, added,
            grown)


def main() -> int:
    small = bench(10_000, 600)  # 600 ticks: ten minutes at one tick a second
    large = bench(100_000, 300)
    print(f"10,000 rows: tick median {small[0]:.2f} ms, p99 {small[1]:.2f} ms (goal ≤ 2 / ≤ 5); "
          f"memory added {small[2]:.1f} MB (goal ≤ 30); grown over ticks 1–300 "
          f"{small[3][0]:.1f} MB (caches filling), over ticks 301–600 {small[3][1]:.1f} MB")
    print(f"100,000 rows: tick median {large[0]:.2f} ms, p99 {large[1]:.2f} ms = "
          f"{large[0] / small[0]:.2f}× the 10,000-row median (goal ≤ 1.2×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
