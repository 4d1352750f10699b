"""GUI benchmarks, measured side by side in one run.

    python -m benchmarks.first_paint [--rounds N]

* first paint of ``tokendesk gui --smoke-test`` against a bare PySide6 window with a tab widget
  (both as whole processes, rounds interleaved, wall time from spawn to the first paint);
* peak memory (max RSS) of each at first paint;
* decode-and-render after a keystroke for a 2 KB token, in one offscreen window.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

BARE = """
import sys, time, resource
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget, QWidget
app = QApplication(sys.argv[:1])
win = QMainWindow()
tabs = QTabWidget()
for name in ("Inspector", "Vault", "Exchange", "Expiry", "Support"):
    tabs.addTab(QWidget(), name)
win.setCentralWidget(tabs)
class Paint(QObject):
    done = False
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and not self.done:
            self.done = True
            def report():
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print("first-paint", flush=True)
                print(f"peak-rss-mb {rss:.1f}", flush=True)
                app.quit()
            QTimer.singleShot(0, report)
        return False
watcher = Paint()
win.installEventFilter(watcher)
win.resize(1280, 820)
win.show()
app.exec()
"""


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=env)
    assert proc.stdout is not None
    painted = 0.0
    rss = 0.0
    for line in proc.stdout:
        if line.startswith("first-paint") and not painted:
            painted = time.perf_counter() - start
        if line.startswith("peak-rss-mb"):
            rss = float(line.split()[1])
    proc.wait(60)
    if not painted:
        raise RuntimeError(f"{cmd[0]} never painted")
    return painted, rss


def bench_first_paint(rounds: int) -> list[str]:
    import compileall
    import shutil

    import tokendesk

    compileall.compile_dir(os.path.dirname(tokendesk.__file__), quiet=1)
    env = {**os.environ, "TOKENDESK_HOME": tempfile.mkdtemp(prefix="tokendesk-bench-")}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    script = shutil.which("tokendesk", path=os.path.dirname(sys.executable))
    ours_cmd = ([script] if script else [sys.executable, "-m", "tokendesk"]) + [
        "gui", "--smoke-test"]
    bare_cmd = [sys.executable, "-c", BARE]
    samples: dict[str, list[tuple[float, float]]] = {"bare": [], "tokendesk": []}
    _timed(bare_cmd, env)  # warm the disk cache for both
    _timed(ours_cmd, env)
    for _ in range(rounds):
        samples["bare"].append(_timed(bare_cmd, env))
        samples["tokendesk"].append(_timed(ours_cmd, env))
    bare = statistics.median(t for t, _ in samples["bare"])
    ours = statistics.median(t for t, _ in samples["tokendesk"])
    bare_rss = statistics.median(r for _, r in samples["bare"])
    ours_rss = statistics.median(r for _, r in samples["tokendesk"])
    return [
        f"first paint ({env['QT_QPA_PLATFORM']}): bare PySide6 window with tabs "
        f"{bare * 1e3:.0f} ms, tokendesk gui {ours * 1e3:.0f} ms = {ours / bare:.2f}× "
        "(goal ≤ 1.5×)",
        f"peak memory at first paint: bare {bare_rss:.0f} MB, tokendesk {ours_rss:.0f} MB "
        "(goal ≤ 100 MB)",
    ]


def bench_keystroke(samples: int) -> list[str]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("TOKENDESK_HOME", tempfile.mkdtemp(prefix="tokendesk-bench-"))
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from tokendesk.core.tokens.encode import encode, generate_key
    from tokendesk.ui.settings import Settings
    from tokendesk.ui.shell import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(settings=Settings(os.path.join(os.environ["TOKENDESK_HOME"], "b.ini")))
    window.show()
    claims = {"iss": "https://login.example.com/", "sub": "user-1", "aud": ["api", "web"],
              "iat": int(time.time()), "exp": int(time.time()) + 3600, "scope": "openid email",
              "roles": ["reader", "writer"], "note": "x" * 1100}
    token = encode(claims, generate_key("RSA"))
    field = window.inspector.input
    window.resize(1280, 820)
    window.inspector.set_text(token)
    app.processEvents()
    payload_middle = token.index(".") + (token.index(".", token.index(".") + 1)
                                         - token.index(".")) // 2
    lines = []
    for where, position in (("in the signature", len(token)),
                            ("in the payload (claims change)", payload_middle)):
        times = []
        for i in range(samples):
            cursor = field.textCursor()
            cursor.setPosition(position if i % 2 == 0 else position + 1)
            field.setTextCursor(cursor)
            key = Qt.Key.Key_Backspace if i % 2 else Qt.Key.Key_A
            start = time.perf_counter()
            QTest.keyClick(field, key)  # the keystroke
            window.inspector_controller.decode_now()  # the debounce elapsing
            app.processEvents()  # layout and paint whatever changed, as the event loop does
            times.append(time.perf_counter() - start)
        times.sort()
        lines.append(f"decode-and-render after a keystroke {where}, {len(token)}-character "
                     f"token: median {statistics.median(times) * 1e3:.1f} ms, "
                     f"p95 {times[int(len(times) * 0.95) - 1] * 1e3:.1f} ms (goal ≤ 16 ms)")
    window.close()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.first_paint")
    parser.add_argument("--rounds", type=int, default=11)
    args = parser.parse_args(argv)
    for line in bench_first_paint(args.rounds) + bench_keystroke(101):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
