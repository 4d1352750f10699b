"""The sqlite index from several threads: one connection per thread, so one thread's
transaction is never joined by another's statements; sqlite's errors become the vault's own
(DESIGN.md "Threading", SECURITY.md 21a)."""

from __future__ import annotations

import gc
import sqlite3
import threading

import pytest

from tests.helpers.threads import run_at_once
from tokendesk.core.errors import VaultCorrupt, VaultError
from tokendesk.core.vault.index import MAX_SEARCH, MIGRATIONS, Index
from tokendesk.core.vault.model import Client, Credential
from tokendesk.core.vault.sqlite_errors import vault_error


@pytest.fixture
def index(tmp_path):
    index = Index(tmp_path / "vault.sqlite3")
    index.add_client(Client("dev", "https://op/", "c", uid="u1", created_at=1.0))
    for name in ("alice", "bob"):
        index.add_credential(Credential(name, "dev", f"k-{name}", slot="s0"), "u1")
    yield index
    index.close()


def in_thread(fn):
    """Run ``fn`` on a new thread; return its result or raise its error."""
    out: dict = {}

    def run():
        try:
            out["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["result"]


# -- one connection per thread --------------------------------------------------------------

def test_each_thread_has_its_own_connection(index):
    mine = index.db
    assert index.db is mine
    theirs = in_thread(lambda: index.db)
    assert theirs is not mine


def test_another_threads_write_does_not_join_an_open_transaction(tmp_path):
    """Thread B writes while thread A's transaction is open, then A rolls back. With one shared
    connection B's write joined A's transaction and vanished in the rollback; now B waits for
    A's write lock (here: too short a wait, so it is told the index is busy) and its retry after
    A is kept."""
    index = Index(tmp_path / "vault.sqlite3", busy_timeout=0.1)
    index.add_client(Client("dev", "https://op/", "c", uid="u1", created_at=1.0))
    index.add_credential(Credential("alice", "dev", "k1", slot="s0"), "u1")
    inside, b_done = threading.Event(), threading.Event()
    outcome: list[str] = []

    def a():
        with pytest.raises(RuntimeError), index.transaction() as db:
            db.execute("UPDATE credentials SET notes='from A' WHERE name='alice'")
            inside.set()
            b_done.wait()
            raise RuntimeError("A fails after B wrote")

    def b():
        inside.wait()
        try:
            index.audit("refreshed", "bob", "written by B")
            outcome.append("written inside A's transaction")
        except VaultError as exc:
            outcome.append(str(exc))
        finally:
            b_done.set()

    try:
        threads = [threading.Thread(target=a), threading.Thread(target=b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(outcome) == 1 and "is busy" in outcome[0]
        assert index.credential("alice").notes == ""  # A rolled back
        in_thread(lambda: index.audit("refreshed", "bob", "retried by B"))
        assert [e.detail for e in index.audit_log("bob")] == ["retried by B"]
    finally:
        index.close()


def test_a_thread_does_not_see_another_threads_uncommitted_change(index):
    inside, looked = threading.Event(), threading.Event()
    seen: list[str] = []

    def writer():
        with index.transaction() as db:
            db.execute("UPDATE credentials SET notes='uncommitted' WHERE name='alice'")
            inside.set()
            looked.wait()

    thread = threading.Thread(target=writer)
    thread.start()
    inside.wait()
    seen.append(index.credential("alice").notes)  # WAL: readers never wait for the writer
    looked.set()
    thread.join()
    assert seen == [""]
    assert index.credential("alice").notes == "uncommitted"


def test_two_threads_each_in_a_transaction_at_once_both_succeed(index):
    """'cannot start a transaction within a transaction' (seen in switch_slot after the server
    rotated) when two threads shared one connection."""
    names = iter(["alice", "bob"] * 4)
    lock = threading.Lock()

    def rotate():
        with lock:
            name = next(names)
        olds = []
        for i in range(20):
            olds.append(index.switch_slot(name, f"{name}-{threading.get_ident()}-{i}",
                                          f"sha256:{i}", True))
            with index.transaction() as db:
                db.execute("UPDATE credentials SET notes=? WHERE name=?", (str(i), name))
                index.audit("rotated", name, str(i))  # the same thread: inside the transaction
        return len(olds)

    results, errors = run_at_once(rotate, 8)
    assert errors == [] and results == [20] * 8
    assert index.credential("alice").rotation_count == 80
    assert index.credential("bob").rotation_count == 80
    assert len(index.audit_log()) == 160


def test_a_transaction_inside_a_transaction_of_the_same_thread_is_a_savepoint(index):
    with index.transaction():
        index.update_credential("alice", notes="outer")
        with pytest.raises(RuntimeError), index.transaction():
            index.update_credential("alice", notes="inner")
            raise RuntimeError("inner fails")
        assert index.credential("alice").notes == "outer"
        with index.transaction():
            index.update_credential("bob", notes="inner kept")
    assert index.credential("alice").notes == "outer"
    assert index.credential("bob").notes == "inner kept"


def test_migrations_run_once_on_the_first_connection(tmp_path):
    runs: list[str] = []

    def extra(db):
        runs.append(threading.current_thread().name)
        db.execute("CREATE TABLE extra (x)")

    index = Index(tmp_path / "vault.sqlite3", migrations=[*MIGRATIONS, extra])
    try:
        results, errors = run_at_once(lambda: index.version, 6)
        assert errors == [] and results == [len(MIGRATIONS) + 1] * 6
        assert runs == [threading.current_thread().name]
        in_thread(lambda: index.db.execute("INSERT INTO extra VALUES (1)"))
        assert index.db.execute("PRAGMA foreign_keys").fetchone() == (1,)
        assert in_thread(lambda: index.db.execute("PRAGMA foreign_keys").fetchone()) == (1,)
        assert in_thread(lambda: index.db.execute("PRAGMA journal_mode").fetchone()) == ("wal",)
    finally:
        index.close()


def test_close_closes_the_connections_of_every_thread(index):
    opened, release = threading.Barrier(4), threading.Event()
    connections: list[sqlite3.Connection] = []
    after_close: list[BaseException] = []

    def worker():
        connections.append(index.db)
        index.count()
        opened.wait()
        release.wait()
        try:
            index.count()
        except VaultError as exc:
            after_close.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    opened.wait()
    index.close()
    release.set()
    for t in threads:
        t.join()
    assert len(after_close) == 3 and all("is closed" in str(e) for e in after_close)
    for conn in [*connections, ]:
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            conn.execute("SELECT 1")
    with pytest.raises(VaultError, match="is closed"):
        index.clients()


def test_a_finished_threads_connection_is_closed(index):
    conn = in_thread(lambda: (index.count(), index.db)[1])
    gc.collect()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        conn.execute("SELECT 1")
    assert index.count() == 2  # this thread's connection is still open


# -- named columns ---------------------------------------------------------------------------

def test_clients_are_written_and_read_by_column_name(tmp_path):
    """A clients table whose columns lie in another order (rebuilt by some migration) still
    reads and writes every field in its place."""
    def reorder(db):
        db.execute("ALTER TABLE clients RENAME TO clients_old")
        db.execute("""CREATE TABLE clients (
            prefs TEXT NOT NULL DEFAULT '{}', created_at REAL NOT NULL,
            has_secret INTEGER NOT NULL DEFAULT 0, admin_provider TEXT NOT NULL DEFAULT '',
            environment TEXT NOT NULL DEFAULT '', extra_params TEXT NOT NULL DEFAULT '{}',
            endpoints TEXT NOT NULL DEFAULT '{}', discovery_url TEXT NOT NULL DEFAULT '',
            audience TEXT NOT NULL DEFAULT '', scope TEXT NOT NULL DEFAULT '',
            auth_method TEXT NOT NULL, client_id TEXT NOT NULL, issuer TEXT NOT NULL,
            name TEXT NOT NULL UNIQUE, uid TEXT PRIMARY KEY, color TEXT NOT NULL DEFAULT '',
            dpop_alg TEXT NOT NULL DEFAULT '')""")
        db.execute("DROP TABLE clients_old")

    index = Index(tmp_path / "vault.sqlite3", migrations=[*MIGRATIONS, reorder])
    try:
        client = Client("dev", "https://op/", "client-1", "client_secret_post", "read",
                        "api", "https://op/.well-known/openid-configuration",
                        {"token_endpoint": "https://op/token"}, {"resource": "x"}, "prod",
                        "keycloak", True, "u1", 12.5, warn_minutes=7.0, dpop_alg="EdDSA")
        index.add_client(client)
        assert index.client("dev") == client
        assert index.clients() == [client]
    finally:
        index.close()


# -- sqlite's errors become the vault's own --------------------------------------------------

def test_a_locked_index_is_a_clear_vault_error(tmp_path):
    index = Index(tmp_path / "vault.sqlite3", busy_timeout=0.05)
    other = sqlite3.connect(tmp_path / "vault.sqlite3", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process holding the write lock
        with pytest.raises(VaultError, match="is busy") as caught:
            index.audit("refreshed", "alice")
        assert type(caught.value) is VaultError
        with pytest.raises(VaultError, match="is busy"):
            with index.transaction():
                pass
        with pytest.raises(VaultError, match="is busy"):
            index.add_client(Client("dev", "https://op/", "c"))
        other.execute("ROLLBACK")
        index.audit("refreshed", "alice")  # free again
        assert len(index.audit_log()) == 1
    finally:
        other.close()
        index.close()


def test_a_damaged_index_page_is_vault_corrupt(tmp_path):
    path = tmp_path / "vault.sqlite3"
    index = Index(path)
    for i in range(200):
        index.audit("refreshed", f"cred-{i}", "x" * 200)
    index.close()
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 4 * page
    data[2 * page:] = b"\xff" * (len(data) - 2 * page)  # every page but the first two
    path.write_bytes(bytes(data))
    with pytest.raises(VaultCorrupt, match="damaged|cannot be read"):
        again = Index(path)
        try:
            again.audit_log()
        finally:
            again.close()


def test_a_100_kb_search_is_a_clear_vault_error(index):
    with pytest.raises(VaultError, match="search text is too long") as caught:
        index.credentials("%" * 100_000)
    assert "100,000 characters" in str(caught.value)
    with pytest.raises(VaultError, match="too long"):
        index.credentials("a" * (MAX_SEARCH + 1), summary=True)
    assert index.credentials("a" * MAX_SEARCH) == []
    assert [c.name for c in index.credentials("ali")] == ["alice"]


def test_sqlites_pattern_too_complex_is_mapped(tmp_path):
    db = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.OperationalError) as raw:
        db.execute("SELECT 'a' LIKE ?", ("%" * 100_000,))
    db.close()
    mapped = vault_error(raw.value, tmp_path / "vault.sqlite3")
    assert type(mapped) is VaultError and "search text is too long" in str(mapped)


@pytest.mark.parametrize(("error", "kind", "words"), [
    (sqlite3.OperationalError("database is locked"), VaultError, "is busy"),
    (sqlite3.OperationalError("disk I/O error"), VaultError, "could not be read or written"),
    (sqlite3.OperationalError("database or disk is full"), VaultError, "check the disk"),
    (sqlite3.OperationalError("attempt to write a readonly database"), VaultError,
     "permissions of TOKENDESK_HOME"),
    (sqlite3.DatabaseError("database disk image is malformed"), VaultCorrupt, "damaged"),
    (sqlite3.DatabaseError("file is not a database"), VaultCorrupt, "damaged"),
    (sqlite3.ProgrammingError("Cannot operate on a closed database."), VaultError, "closed"),
    (sqlite3.IntegrityError("UNIQUE constraint failed: clients.name"), VaultError,
     "conflicts"),
    (sqlite3.InterfaceError("bad parameter"), VaultError, "failed"),
])
def test_each_kind_of_sqlite_error_has_a_vault_error(tmp_path, error, kind, words):
    mapped = vault_error(error, tmp_path / "vault.sqlite3")
    assert type(mapped) is kind
    assert words in str(mapped) and "vault.sqlite3" in str(mapped)


def test_an_existing_name_is_still_already_exists(index):
    with pytest.raises(VaultError, match="a client named 'dev' already exists"):
        index.add_client(Client("dev", "https://op/", "c"))
    with pytest.raises(VaultError, match="a credential named 'alice' already exists"):
        index.add_credential(Credential("alice", "dev", "k-other", slot="s"), "u1")


def test_no_index_operation_lets_a_sqlite_error_out(index):
    index.db.execute("DROP TABLE audit")  # something sqlite itself will refuse below
    with pytest.raises(VaultError, match="no such table"):
        index.audit("refreshed", "alice")
    with pytest.raises(VaultError, match="no such table"):
        index.audit_log()
    with pytest.raises(VaultError, match="no such table"):
        in_thread(lambda: index.audit_log("alice"))
