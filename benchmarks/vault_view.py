"""Vault benchmarks: 10,000 credentials, index only (no keyring call).

    python -m benchmarks.vault_view

Prints: listing and filtering the index (goal ≤ 100 ms), opening the Vault view with 10,000
rows offscreen (goal ≤ 300 ms), and the memory those rows add (goal ≤ 30 MB).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.expiry_tick import rss_mb as _rss_mb

COUNT = 10_000


def build_index(home: Path, count: int = COUNT) -> None:
    from tokendesk.core.vault.index import Index
    from tokendesk.core.vault.model import Client, Credential, Status

    index = Index(home / "vault.sqlite3")
    now = time.time()
    envs = ("dev", "staging", "prod", "")
    with index.transaction():
        for i, env in enumerate(envs):
            index.add_client(Client(f"client-{i}", f"https://issuer-{i}.example/", f"c{i}",
                                    uid=f"cu{i}", environment=env, created_at=now))
        for n in range(count):
            index.add_credential(Credential(
                f"user-{n:05d}", f"client-{n % 4}", f"u{n}", Status.ACTIVE, subject=f"sub-{n}",
                refresh_fp=f"sha256:{n:012x}", access_expires_at=now + (n * 37) % 86400,
                refresh_expires_at=now + 30 * 86400, created_at=now, slot="s"), f"cu{n % 4}")
    index.close()


def bench_index(home: Path, rounds: int = 15) -> list[str]:
    from tokendesk.core.vault.index import Index

    index = Index(home / "vault.sqlite3")
    cases: dict[str, Callable[[], list[Any]]] = {
        "list all, sorted by expiry": lambda: index.credentials(order="expiry", summary=True),
        "search 'user-04'": lambda: index.credentials("user-04", summary=True),
        "filter environment 'prod'": lambda: index.credentials(environment="prod", summary=True),
    }
    lines = []
    for fn in cases.values():  # warm sqlite's page cache, as a running app has it
        fn()
    for name, fn in cases.items():
        times = []
        rows = 0
        for _ in range(rounds):
            start = time.perf_counter()
            rows = len(fn())
            times.append(time.perf_counter() - start)
        lines.append(f"index, {name}: {statistics.median(times) * 1e3:.1f} ms for {rows:,} rows "
                     "(goal ≤ 100 ms)")
    index.close()
    return lines


def bench_view(home: Path) -> list[str]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from tokendesk.core.vault import FileStore
    from tokendesk.ui.clipboard import SecretClipboard
    from tokendesk.ui.controllers.vault import VaultController
    from tokendesk.ui.tasks import InlinePool, TaskRunner
    from tokendesk.ui.views.vault import VaultView

    app = QApplication.instance() or QApplication(sys.argv[:1])
    store = FileStore(home / "secrets.enc")
    store.create("benchmark passphrase")
    before = _rss_mb()
    start = time.perf_counter()
    from tokendesk.core.session import Session

    controller = VaultController(TaskRunner(InlinePool()),
                                 Session(home, store_factory=lambda _h: store))
    view = VaultView(controller, SecretClipboard())
    view.resize(1280, 800)
    view.show()  # opens the vault and lists the credentials
    app.processEvents()  # and paints them
    elapsed = time.perf_counter() - start
    rows = view.model.rowCount()
    added = _rss_mb() - before
    times = []
    for _ in range(30):  # one tick of the relative times: visible rows only
        t = time.perf_counter()
        view._tick()
        app.processEvents()
        times.append(time.perf_counter() - t)
    view.close()
    return [f"Vault view opened with {rows:,} rows in {elapsed * 1e3:.0f} ms (goal ≤ 300 ms)",
            f"memory added by the view and its {rows:,} rows: {added:.1f} MB (goal ≤ 30 MB)",
            f"a countdown tick (visible rows only): {statistics.median(times) * 1e3:.2f} ms"]


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="tokendesk-vault-bench-"))
    os.environ["TOKENDESK_HOME"] = str(home)
    start = time.perf_counter()
    build_index(home)
    print(f"built an index of {COUNT:,} credentials in {time.perf_counter() - start:.1f} s")
    for line in bench_index(home) + bench_view(home):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
