"""The encrypted file store: the lock around each change, the merge with other writers' changes,
reads that see other writers, and the bounded scrypt cost of a file (SECURITY.md 21a, 35)."""

from __future__ import annotations

import base64
import json
import os
import threading

import pytest

from tests.helpers.threads import run_at_once
from tokendesk.core.errors import VaultCorrupt, VaultError, VaultLocked, WrongPassphrase
from tokendesk.core.vault.filestore import FileStore
from tokendesk.core.vault.kdf import MAX_N, MAX_P, MAX_R, MIN_N, check_scrypt_params
from tokendesk.core.vault.locking import file_lock

PASSPHRASE = "correct horse battery"
SERVICE = "tokendesk/credential/u1"


class CheapStore(FileStore):
    """The lowest scrypt cost a file may ask for, so that each test opens stores quickly."""

    PARAMS = (MIN_N, 8, 1)


@pytest.fixture
def path(tmp_path):
    store = CheapStore(tmp_path / "secrets.enc")
    store.create(PASSPHRASE)
    return tmp_path / "secrets.enc"


def opened(path) -> FileStore:
    store = FileStore(path)
    store.unlock(PASSPHRASE)
    return store


def rewrite(path, **changes):
    doc = json.loads(path.read_bytes())
    doc.update(changes)
    path.write_text(json.dumps(doc))


# -- the merge under the lock ---------------------------------------------------------------

def test_two_stores_changing_two_secrets_keep_both(path):
    """The lost update of issue 12: each store had read the file before the other wrote."""
    app, script = opened(path), opened(path)
    app.set(SERVICE, "refresh_token@a", "rotated by the app")
    script.set(SERVICE, "refresh_token@b", "rotated by the script")
    fresh = opened(path)
    assert fresh.get(SERVICE, "refresh_token@a") == "rotated by the app"
    assert fresh.get(SERVICE, "refresh_token@b") == "rotated by the script"


def test_a_delete_keeps_what_another_store_wrote_meanwhile(path):
    first, second = opened(path), opened(path)
    first.set(SERVICE, "old", "1")
    second.set(SERVICE, "new", "2")
    first.delete(SERVICE, "old")  # first had never seen "new"
    fresh = opened(path)
    assert fresh.get(SERVICE, "old") is None
    assert fresh.get(SERVICE, "new") == "2"


def test_a_change_waits_for_the_lock_and_gives_up_clearly(path):
    store = opened(path)
    store.set(SERVICE, "k", "before")
    store.LOCK_TIMEOUT = 0.2
    with file_lock(store.lock_path, 1.0):  # another holder (its own open file, so its own lock)
        with pytest.raises(VaultError, match="kept secrets.enc locked"):
            store.set(SERVICE, "k", "during")
        with pytest.raises(VaultError, match="kept secrets.enc locked"):
            store.delete(SERVICE, "k")
    assert opened(path).get(SERVICE, "k") == "before"
    store.set(SERVICE, "k", "after")
    assert opened(path).get(SERVICE, "k") == "after"


def test_the_lock_file_sits_beside_the_secrets_and_holds_nothing(path):
    store = opened(path)
    store.set(SERVICE, "k", "a secret value")
    assert store.lock_path == path.with_name("secrets.enc.lock")
    assert store.lock_path.read_bytes() == b""


def test_many_threads_on_two_stores_lose_nothing(path):
    stores = [opened(path), opened(path)]
    counter = iter(range(1000))
    lock = threading.Lock()

    def work():
        with lock:
            n = next(counter)
        store = stores[n % 2]
        for i in range(10):
            store.set(SERVICE, f"t{n}-{i % 3}", f"value {n}/{i}")
            assert store.get(SERVICE, f"t{n}-{i % 3}") == f"value {n}/{i}"
        return n

    results, errors = run_at_once(work, 8)
    assert errors == []
    fresh = opened(path)
    for n in results:
        for key, i in ((0, 9), (1, 7), (2, 8)):
            assert fresh.get(SERVICE, f"t{n}-{key}") == f"value {n}/{i}"


# -- reads see other writers ------------------------------------------------------------------

def test_a_read_sees_another_stores_write_and_delete(path):
    reader, writer = opened(path), opened(path)
    assert reader.get(SERVICE, "k") is None
    writer.set(SERVICE, "k", "first")
    assert reader.get(SERVICE, "k") == "first"
    # the same length again, right away: the same size, maybe the same time stamp
    writer.set(SERVICE, "k", "again")
    assert reader.get(SERVICE, "k") == "again"
    writer.delete(SERVICE, "k")
    assert reader.get(SERVICE, "k") is None


def test_an_unchanged_file_is_not_read_again(path):
    """A file whose inode, mtime and size are the ones read last is served from memory: bytes
    changed behind the store's back with those three kept are not noticed, a changed size is."""
    store = opened(path)
    store.set(SERVICE, "k", "v")
    old = os.stat(path).st_mtime_ns - 3_000_000_000  # older than the re-read window
    os.utime(path, ns=(old, old))
    assert store.get(SERVICE, "k") == "v"  # read again once (the time changed)
    size = path.stat().st_size
    with open(path, "r+b") as handle:  # in place: same inode, same size
        handle.write(b"x" * size)
    os.utime(path, ns=(old, old))
    assert store.get(SERVICE, "k") == "v"  # served from memory
    with open(path, "ab") as handle:
        handle.write(b"x")
    os.utime(path, ns=(old, old))
    with pytest.raises(VaultCorrupt, match="damaged"):
        store.get(SERVICE, "k")


def test_an_altered_file_is_reported_not_taken_for_empty(path):
    store = opened(path)
    store.set(SERVICE, "k", "v")
    doc = json.loads(path.read_bytes())
    sealed = bytearray(base64.b64decode(doc["ciphertext"]))
    sealed[0] ^= 1
    rewrite(path, ciphertext=base64.b64encode(bytes(sealed)).decode())
    with pytest.raises(VaultCorrupt, match="was altered"):
        store.get(SERVICE, "k")
    with pytest.raises(VaultCorrupt, match="was altered"):
        store.set(SERVICE, "other", "v")


def test_a_file_created_anew_elsewhere_locks_the_store(path):
    store = opened(path)
    path.unlink()
    CheapStore(path).create("another passphrase")
    with pytest.raises(VaultLocked, match="replaced"):
        store.set(SERVICE, "k", "v")
    assert store.locked
    with pytest.raises(WrongPassphrase):
        store.unlock(PASSPHRASE)
    store.unlock("another passphrase")
    store.set(SERVICE, "k", "v")
    assert store.get(SERVICE, "k") == "v"


def test_a_removed_file_is_reported(path):
    store = opened(path)
    path.unlink()
    with pytest.raises(VaultError, match="was removed"):
        store.get(SERVICE, "k")
    with pytest.raises(VaultError, match="does not exist: create it first"):
        FileStore(path).unlock(PASSPHRASE)


# -- locked and unlocked, as before -------------------------------------------------------------

def test_locked_store_refuses_every_operation(path):
    store = FileStore(path)
    for call in (lambda: store.get(SERVICE, "k"), lambda: store.set(SERVICE, "k", "v"),
                 lambda: store.delete(SERVICE, "k")):
        with pytest.raises(VaultLocked, match="give the passphrase"):
            call()
    store.unlock(PASSPHRASE)
    store.set(SERVICE, "k", "v")
    store.lock()
    with pytest.raises(VaultLocked):
        store.get(SERVICE, "k")


def test_a_failed_unlock_keeps_an_unlocked_store_unlocked(path):
    store = opened(path)
    store.set(SERVICE, "k", "v")
    with pytest.raises(WrongPassphrase):
        store.unlock("not the passphrase")
    assert store.get(SERVICE, "k") == "v"


def test_create_refuses_an_existing_file(path):
    with pytest.raises(VaultError, match="already exists"):
        FileStore(path).create(PASSPHRASE)


def test_the_files_own_scrypt_cost_is_kept_when_it_is_rewritten(path):
    assert json.loads(path.read_bytes())["n"] == MIN_N
    store = opened(path)  # a FileStore whose own default is 2**15
    store.set(SERVICE, "k", "v")
    assert json.loads(path.read_bytes())["n"] == MIN_N
    assert opened(path).get(SERVICE, "k") == "v"


# -- the scrypt cost a file may ask for ---------------------------------------------------------

@pytest.mark.parametrize(("n", "r", "p", "message"), [
    (2**21, 8, 1, "n=2097152"),
    (2**40, 8, 1, "n=1099511627776"),
    (10**400, 8, 1, "1329-bit number"),
    (2**13, 8, 1, "n=8192"),
    (3 * 2**14, 8, 1, "power of two"),
    (0, 8, 1, "power of two"),
    (-(2**15), 8, 1, "power of two"),
    (2**15, 17, 1, "r=17"),
    (2**15, 0, 1, "r=0"),
    (2**15, 8, 5, "p=5"),
    (2**15, 8, 0, "p=0"),
    (True, 8, 1, "n is not a whole number"),
    (2.0**15, 8, 1, "n is not a whole number"),
    ("32768", 8, 1, "n is not a whole number"),
    (None, 8, 1, "n is not a whole number"),
    (2**15, float("inf"), 1, "r is not a whole number"),
    (2**15, 8, [1], "p is not a whole number"),
])
def test_scrypt_parameters_out_of_bounds_are_refused(n, r, p, message):
    with pytest.raises(VaultCorrupt, match=message):
        check_scrypt_params(n, r, p, what="the file")


def test_scrypt_parameters_at_the_bounds_are_accepted():
    assert check_scrypt_params(MIN_N, 1, 1, what="f") == (MIN_N, 1, 1)
    assert check_scrypt_params(MAX_N, MAX_R, MAX_P, what="f") == (2**20, 16, 4)


@pytest.mark.parametrize(("field", "value"), [
    ("n", 2**30), ("n", 2**62), ("r", 1 << 20), ("p", 1 << 16), ("n", "1e400"), ("n", 1e400),
])
def test_a_secrets_file_asking_for_a_huge_cost_is_refused_before_any_derivation(
        path, field, value):
    """Deriving with n=2**62 would never finish (or take all memory): the check comes first."""
    rewrite(path, **{field: value})
    with pytest.raises(VaultCorrupt, match="secrets.enc"):
        FileStore(path).unlock(PASSPHRASE)


def test_a_changed_cost_in_an_open_file_is_refused_too(path):
    store = opened(path)
    rewrite(path, n=2**40)
    with pytest.raises(VaultCorrupt, match="n=1099511627776"):
        store.get(SERVICE, "k")


def test_an_export_asking_for_a_huge_cost_is_refused_before_any_derivation(tmp_path):
    from tokendesk.core.vault import Vault
    from tokendesk.core.vault.export import export_vault, import_vault

    store = CheapStore(tmp_path / "secrets.enc")
    store.create(PASSPHRASE)
    vault = Vault(tmp_path, store)
    try:
        doc = json.loads(export_vault(vault, "export passphrase"))
        for field, value in (("n", 2**40), ("r", 64), ("p", 1000), ("n", "32768")):
            hostile = json.dumps({**doc, field: value}).encode()
            with pytest.raises(VaultCorrupt, match="the export"):
                import_vault(vault, hostile, "export passphrase")
        assert import_vault(vault, json.dumps(doc).encode(), "export passphrase") == []
    finally:
        vault.close()
