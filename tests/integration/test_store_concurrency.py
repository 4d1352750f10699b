"""Two real processes on one vault at once (SECURITY.md 21a): the encrypted file store keeps
every process's changes, and the sqlite index takes writes from threads of several processes
without losing one or raising a sqlite error. Each child is a fresh Python running the real
stores under the same TOKENDESK_HOME; the parent starts them together and checks the result."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tokendesk.core.errors import VaultError
from tokendesk.core.vault import Client, Credential, FileStore, open_store
from tokendesk.core.vault.index import Index

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
PASSPHRASE = "concurrency passphrase"
ROUNDS, KEYS = 100, 10

PRELUDE = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, sys.argv[1])
    from tokendesk.core.paths import home

    def wait_for_go():
        print("ready", flush=True)
        assert sys.stdin.readline().strip() == "go"
""")

SET_MANY = PRELUDE + textwrap.dedent("""
    from tokendesk.core.vault import open_store

    tag, rounds, keys = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    store = open_store(home(), prefer_file=True)
    store.unlock(os.environ["TOKENDESK_VAULT_PASSPHRASE"])
    other = "b" if tag == "a" else "a"
    wait_for_go()
    for i in range(rounds):
        service = f"tokendesk/credential/{tag}"
        store.set(service, f"k{i % keys}", f"{tag}-{i}")
        assert store.get(service, f"k{i % keys}") == f"{tag}-{i}", "own write not read back"
        store.get(f"tokendesk/credential/{other}", f"k{i % keys}")  # the other's, mid-flight
        if i % 10 == 0:  # a delete among the sets: it must not take anything else with it
            store.set(service, "scratch", "x")
            store.delete(service, "scratch")
    print("done", flush=True)
""")

HOLD_FILE_LOCK = PRELUDE + textwrap.dedent("""
    from tokendesk.core.vault import FileStore
    from tokendesk.core.vault.locking import file_lock

    with file_lock(FileStore(home() / "secrets.enc").lock_path, 5):
        wait_for_go()  # holds the lock until told to go
""")

INDEX_WRITERS = PRELUDE + textwrap.dedent("""
    import threading
    from tokendesk.core.vault.index import Index

    tag, threads, rounds = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    index = Index(home() / "vault.sqlite3")
    errors = []

    def work(t):
        name = f"{tag}-t{t}"
        try:
            for i in range(rounds):
                index.audit("refreshed", name, f"{name}/{i}")
                index.update_credential(name, notes=str(i), last_refreshed_at=float(i))
                index.switch_slot(name, f"{name}-slot-{i}", f"sha256:{i}", True)
                index.credentials("t", summary=True)
        except BaseException as exc:
            errors.append(f"{type(exc).__module__}.{type(exc).__name__}: {exc}")

    wait_for_go()
    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    index.close()
    print("errors:", errors, flush=True)
    sys.exit(1 if errors else 0)
""")


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "TOKENDESK_HOME": str(home), "TOKENDESK_VAULT_PASSPHRASE": PASSPHRASE}


def _start(script: str, home: Path, *args: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script, str(REPO / "app"), *map(str, args)],
                            env=_env(home), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _run_together(children: list[subprocess.Popen]) -> list[tuple[int, str, str]]:
    """Wait until every child is ready, release them at once, collect what they said."""
    try:
        for child in children:
            line = child.stdout.readline()
            assert line.strip() == "ready", child.stderr.read()
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        results = []
        for child in children:
            out, err = child.communicate(timeout=300)
            results.append((child.returncode, out, err))
        return results
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


def test_two_processes_setting_different_secrets_keep_every_last_value(home):
    store = FileStore(home / "secrets.enc")
    store.create(PASSPHRASE)
    store.set("tokendesk/client/shared", "client_secret", "written before the race")
    watcher = open_store(home, prefer_file=True)  # opened before the race, read after it
    watcher.unlock(PASSPHRASE)
    assert watcher.get("tokendesk/credential/a", "k0") is None

    results = _run_together([_start(SET_MANY, home, tag, ROUNDS, KEYS) for tag in "ab"])

    for code, out, err in results:
        assert code == 0 and out.strip().endswith("done"), err
    fresh = FileStore(home / "secrets.enc")
    fresh.unlock(PASSPHRASE)
    for reader in (fresh, watcher):  # the watcher's copy from before is not served stale
        for tag in "ab":
            for key in range(KEYS):
                last = max(i for i in range(ROUNDS) if i % KEYS == key)
                assert reader.get(f"tokendesk/credential/{tag}", f"k{key}") == f"{tag}-{last}"
            assert reader.get(f"tokendesk/credential/{tag}", "scratch") is None
        assert reader.get("tokendesk/client/shared", "client_secret") == \
            "written before the race"


def test_a_change_waits_for_another_process_holding_the_file_lock(home):
    store = FileStore(home / "secrets.enc")
    store.create(PASSPHRASE)
    store.set("tokendesk/test", "k", "before")
    holder = _start(HOLD_FILE_LOCK, home)
    try:
        assert holder.stdout.readline().strip() == "ready", holder.stderr.read()
        store.LOCK_TIMEOUT = 0.2
        with pytest.raises(VaultError, match="another Tokendesk process kept secrets.enc locked"):
            store.set("tokendesk/test", "k", "while another process holds the lock")
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.wait(60) == 0
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        for stream in (holder.stdin, holder.stdout, holder.stderr):
            stream.close()
    store.LOCK_TIMEOUT = 30.0
    store.set("tokendesk/test", "k", "after")
    assert store.get("tokendesk/test", "k") == "after"


def test_index_writes_from_threads_of_two_processes_all_land(home):
    threads, rounds = 4, 25  # 2 processes x 4 threads x 25 = 200 audit entries
    index = Index(home / "vault.sqlite3")
    index.add_client(Client("dev", "https://op/", "c", uid="u1", created_at=1.0))
    names = [f"{tag}-t{t}" for tag in "ab" for t in range(threads)]
    for name in names:
        index.add_credential(Credential(name, "dev", f"uid-{name}", slot="s0"), "u1")

    results = _run_together([_start(INDEX_WRITERS, home, tag, threads, rounds) for tag in "ab"])

    for code, out, err in results:
        assert code == 0 and "errors: []" in out, out + err
        assert "sqlite3" not in err
    entries = index.audit_log()
    assert len(entries) == 2 * threads * rounds == 200
    assert sorted(e.detail for e in entries) == sorted(
        f"{name}/{i}" for name in names for i in range(rounds))
    for name in names:
        cred = index.credential(name)
        assert cred.notes == str(rounds - 1) and cred.last_refreshed_at == rounds - 1
        assert cred.slot == f"{name}-slot-{rounds - 1}" and cred.rotation_count == rounds
    stale = {name: slot for name, _, slot in index.stale_slots()}
    assert stale == {name: f"{name}-slot-{rounds - 2}" for name in names}
    index.close()
