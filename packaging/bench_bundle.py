"""Bundle against venv, side by side: start to first paint of `tokendesk gui --smoke-test`.

    packaging/build.sh && .venv/bin/python packaging/bench_bundle.py [ROUNDS]

Runs the two commands alternately (these machines are shared and noisy), offscreen, each with a
fresh TOKENDESK_HOME, and prints the medians of the first paint each reports (from process
start) and of the whole run, their ratio, and the bundle's size.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "dist" / "tokendesk"


def run(command: list[str]) -> tuple[float, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "TOKENDESK_HOME": tempfile.mkdtemp(prefix="td-bench-")}
    started = time.perf_counter()
    out = subprocess.run(command + ["gui", "--smoke-test"], capture_output=True, text=True,
                         env=env, timeout=120, check=True).stdout
    wall = (time.perf_counter() - started) * 1000
    paint = next(float(line.split()[1]) for line in out.splitlines()
                 if line.startswith("first-paint-ms"))
    return paint, wall


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    exe = BUNDLE / "tokendesk"
    if not exe.exists():
        print("no bundle: run packaging/build.sh first", file=sys.stderr)
        return 2
    contenders = {"bundle": [str(exe)], "venv": [str(ROOT / ".venv" / "bin" / "tokendesk")]}
    for command in contenders.values():  # warm the page cache for both
        run(command)
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, command in contenders.items():
            results[name].append(run(command))
    med = {name: (statistics.median(p for p, _ in r), statistics.median(w for _, w in r))
           for name, r in results.items()}
    size = sum(f.stat().st_size for f in BUNDLE.rglob("*") if f.is_file() and not f.is_symlink())
    print(f"bundle size: {size / 2**20:.0f} MB (goal ≤ 150 MB)")
    for name, (paint, wall) in med.items():
        print(f"{name:6}: first paint {paint:.0f} ms, whole smoke run {wall:.0f} ms "
              f"(median of {rounds})")
    print(f"bundle / venv: first paint {med['bundle'][0] / med['venv'][0]:.2f}×, whole run "
          f"{med['bundle'][1] / med['venv'][1]:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
