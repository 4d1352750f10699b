"""Refreshes under load and under kills, against panva/oidc-provider and the real stores.

* Issue 12's stress run: 200 refreshes (with an audit write after each) from 4 threads in each
  of 2 real processes on one TOKENDESK_HOME, over 8 credentials of one client, on the Secret
  Service and on the encrypted file store. Nothing may be lost: the provider granted exactly
  200 refreshes, the rotation counts add up to 200, every rotation continued the previous one
  (no token was sent twice), every credential still refreshes, all 200 audit rows are there and
  no old slot is left behind (SECURITY.md 19, 21, 21a).
* A process killed in the middle of a real refresh, at each step of the rotation protocol
  (SECURITY.md 29): what the vault holds afterwards, and what the provider then says to it.
* A vault opened by another process (the CLI beside the app) while a refresh is paused at a
  step of its rotation: the live rotation must be left alone (SECURITY.md 21).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers.oidc_provider import CLIENTS, client_record
from tokendesk.core.oauth.exchange import Exchange
from tokendesk.core.oauth.http import HttpClient
from tokendesk.core.vault import FileStore, SecretServiceStore, Status, TokenSet, Vault
from tokendesk.core.vault.index import Index

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
PASSPHRASE = "stress test passphrase"
CLIENT = "tokendesk-basic"
PROCESSES, THREADS, ROUNDS, CREDENTIALS = 2, 4, 25, 8
STORES = ["secret-service", "file"]

#: Opens the store and a Session on TOKENDESK_HOME the way the app does; argv[1] is the
#: source root, the store's kind comes in TOKENDESK_TEST_STORE.
PRELUDE = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, sys.argv[1])
    from tokendesk.core.paths import home
    from tokendesk.core.session import Session
    from tokendesk.core.vault import FileStore, SecretServiceStore

    def open_session():
        if os.environ["TOKENDESK_TEST_STORE"] == "file":
            store = FileStore(home() / "secrets.enc")
            store.unlock(os.environ["TOKENDESK_VAULT_PASSPHRASE"])
        else:
            store = SecretServiceStore(home())
        session = Session(home())
        session.open(store)
        return session
""")

#: argv: source root, tag, threads, rounds, credential names (comma-separated). Prints
#: "ready", waits for "go" on stdin, then one JSON line: every refresh's (name, old, new).
REFRESH_STORM = PRELUDE + textwrap.dedent("""
    import json, random, threading, traceback

    tag, threads, rounds = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    names = sys.argv[5].split(",")
    session = open_session()
    exchange, vault = session.exchange, session.vault
    start = threading.Barrier(threads)
    done, errors = [], []

    def work(t):
        rng = random.Random(f"{tag}-{t}")  # seeded: the same choices every run
        start.wait()
        try:
            for i in range(rounds):
                name = rng.choice(names)
                result = exchange.refresh(name)
                vault.audit("stress", name, f"{tag}-t{t}/{i}")
                done.append([name, result.old_fp, result.new_fp, result.rotated])
        except BaseException:
            errors.append(traceback.format_exc())

    print("ready", flush=True)
    assert sys.stdin.readline().strip() == "go"
    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    session.close()  # waits for the old slots still being deleted
    print(json.dumps({"done": done}), flush=True)
    for error in errors:
        print(error, file=sys.stderr)
    sys.exit(1 if errors else 0)
""")

#: argv: source root, count. Opens and closes the vault ``count`` times after "go", as CLI
#: commands run beside the app do (each opening finishes rotations a crash stopped, and
#: collects stale slots): a rotation in flight elsewhere must be left alone.
VAULT_OPENER = PRELUDE + textwrap.dedent("""
    count = int(sys.argv[2])
    print("ready", flush=True)
    assert sys.stdin.readline().strip() == "go"
    for _ in range(count):
        open_session().close()
    print(f"opened {count}", flush=True)
""")

#: argv: source root, step. Refreshes "alice" and is killed (SIGKILL) at that step of the
#: rotation (on the background thread for "deleted"); "never" runs to the end.
KILLED_REFRESH = PRELUDE + textwrap.dedent("""
    import signal

    step = sys.argv[2]
    session = open_session()
    vault, exchange = session.vault, session.exchange
    store_tokens = vault.store_tokens

    def kill_at(name):
        if name == step:
            os.kill(os.getpid(), signal.SIGKILL)

    def store_tokens_killed(name, tokens, **options):
        return store_tokens(name, tokens, on_step=kill_at, **options)

    vault.store_tokens = store_tokens_killed
    exchange.refresh("alice")
    session.close()  # the background delete ("deleted") has run by now
    print("finished", flush=True)
""")

#: argv: source root, step. Refreshes "alice", pausing at that step of the rotation (the main
#: thread holds the refresh lock there) until "go" comes on stdin; prints "paused" when there.
PAUSED_REFRESH = PRELUDE + textwrap.dedent("""
    step = sys.argv[2]
    session = open_session()
    vault, exchange = session.vault, session.exchange
    store_tokens = vault.store_tokens

    def pause_at(name):
        if name == step:
            print("paused", flush=True)
            assert sys.stdin.readline().strip() == "go"

    def store_tokens_paused(name, tokens, **options):
        return store_tokens(name, tokens, on_step=pause_at, **options)

    vault.store_tokens = store_tokens_paused
    exchange.refresh("alice")
    session.close()
    print("finished", flush=True)
""")


def _env(home: Path, kind: str) -> dict[str, str]:
    return {**os.environ, "TOKENDESK_HOME": str(home), "TOKENDESK_VAULT_PASSPHRASE": PASSPHRASE,
            "TOKENDESK_TEST_STORE": kind}


def _open_store(kind: str, home: Path, *, create: bool = False) -> SecretServiceStore | FileStore:
    if kind == "secret-service":
        return SecretServiceStore(home)
    store = FileStore(home / "secrets.enc")
    if create:
        store.create(PASSPHRASE)
    else:
        store.unlock(PASSPHRASE)
    return store


def _stored_slots(kind: str, store: SecretServiceStore | FileStore, uid: str) -> list[str]:
    """The keys the store itself holds for a credential (not what the index says)."""
    service = f"tokendesk/credential/{uid}"
    if isinstance(store, FileStore):
        store.get(service, "-")  # brings the copy in memory up to date with the file
        return sorted(k.split("\0", 1)[1] for k in store._values if k.startswith(service + "\0"))
    return sorted(item.get_attributes()["username"]
                  for item in store._collection.search_items({"service": service}))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture(params=STORES)
def kind(request: pytest.FixtureRequest, secret_service: object) -> str:
    return str(request.param)


def _setup(home: Path, kind: str, provider: object, names: list[str]) -> None:
    vault = Vault(home, _open_store(kind, home, create=True))
    vault.add_client(client_record(provider, CLIENT), CLIENTS[CLIENT][0])
    for name in names:
        vault.add_credential(name, CLIENT, TokenSet(provider.mint(CLIENT, sub=name)))
    vault.close()


def _run_together(children: list[subprocess.Popen]) -> list[tuple[int, str, str]]:
    """Wait until every child is ready, release them at once, collect what they said."""
    try:
        for child in children:
            line = child.stdout.readline()
            assert line.strip() == "ready", child.stderr.read()
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        outputs = [child.communicate(timeout=600) for child in children]
        return [(child.returncode, *output) for child, output in zip(children, outputs, strict=True)]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


def test_200_refreshes_from_threads_of_two_processes_lose_nothing(home, kind, oidc_provider):
    names = [f"user{i}" for i in range(CREDENTIALS)]
    _setup(home, kind, oidc_provider, names)
    granted_before = oidc_provider.granted(CLIENT)
    openings = 20 if kind == "secret-service" else 6  # (a file store's unlock takes a while)
    children = [subprocess.Popen(
        [sys.executable, "-c", REFRESH_STORM, str(REPO / "app"), tag, str(THREADS), str(ROUNDS),
         ",".join(names)], env=_env(home, kind), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True) for tag in ("p0", "p1")]
    children.append(subprocess.Popen(  # and a third process opening the vault meanwhile
        [sys.executable, "-c", VAULT_OPENER, str(REPO / "app"), str(openings)],
        env=_env(home, kind), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True))

    results = _run_together(children)

    refreshes = []
    for code, _out, err in results:
        assert code == 0, err
        assert "Traceback" not in err and "sqlite3" not in err, err
    for _code, out, _err in results[:PROCESSES]:
        refreshes += json.loads(out.strip().splitlines()[-1])["done"]
    assert results[-1][1].strip() == f"opened {openings}"
    total = PROCESSES * THREADS * ROUNDS
    assert len(refreshes) == total == 200
    assert all(rotated for *_, rotated in refreshes)
    # the server's own count: every refresh was granted once, none failed or was retried
    assert oidc_provider.granted(CLIENT) - granted_before == total

    # every rotation continued the one before it: each credential's fingerprints form one
    # chain from its first token to its current one, and no token was sent twice
    index = Index(home / "vault.sqlite3")  # before any Vault opens: it would collect leftovers
    assert index.stale_slots() == []
    creds = {c.name: c for c in index.credentials()}
    added = {e.target: e.detail.rsplit("refresh ", 1)[1] for e in index.audit_log()
             if e.action == "added"}
    for name in names:
        steps = {old: new for n, old, new, _ in refreshes if n == name}
        sent = [old for n, old, _, _ in refreshes if n == name]
        assert len(steps) == len(sent), f"{name}: a refresh token was sent twice"
        chain, fp = 0, added[name]
        while fp in steps:
            fp, chain = steps[fp], chain + 1
        assert (chain, fp) == (len(sent), creds[name].refresh_fp)
        assert creds[name].rotation_count == len(sent)
        assert creds[name].status is Status.ACTIVE
    assert sum(c.rotation_count for c in creds.values()) == total

    # every audit write landed, and every rotation's own entry too
    log = index.audit_log()
    assert sorted(e.detail for e in log if e.action == "stress") == sorted(
        f"{tag}-t{t}/{i}" for tag in ("p0", "p1") for t in range(THREADS) for i in range(ROUNDS))
    actions = Counter(e.action for e in log)
    assert actions["rotated"] == total and actions["recovered"] == 0  # no live rotation taken
    assert sum(len(index.exchanges(name)) for name in names) == total
    index.close()

    # reopened: nothing stale, one slot per credential in the store, and every credential
    # refreshes once more (a stale or reused token would be refused, its family revoked)
    store = _open_store(kind, home)
    vault = Vault(home, store)
    try:
        assert vault.index.stale_slots() == []
        for name in names:
            cred = vault.credential(name)
            assert _stored_slots(kind, store, cred.uid) == [f"refresh_token@{cred.slot}"]
        with HttpClient() as http:
            exchange = Exchange(vault, http)
            for name in names:
                assert exchange.refresh(name).rotated
                assert vault.credential(name).status is Status.ACTIVE
        assert oidc_provider.granted(CLIENT) - granted_before == total + CREDENTIALS
    finally:
        vault.close()


@pytest.mark.parametrize("step", ["written", "read back", "switched", "deleted", "never"])
def test_a_refresh_killed_at_each_rotation_step(home, kind, oidc_provider, step):
    _setup(home, kind, oidc_provider, ["alice"])
    store = _open_store(kind, home)
    vault = Vault(home, store)
    original = vault.refresh_token("alice")
    vault.close()
    granted = oidc_provider.granted(CLIENT)

    child = subprocess.run([sys.executable, "-c", KILLED_REFRESH, str(REPO / "app"), step],
                           env=_env(home, kind), capture_output=True, text=True, timeout=120)

    if step == "never":
        assert child.returncode == 0 and "finished" in child.stdout, child.stderr
    else:
        assert child.returncode == -signal.SIGKILL, child.stderr
    assert "Traceback" not in child.stderr
    assert oidc_provider.granted(CLIENT) == granted + 1  # the server rotated in every case

    store = _open_store(kind, home)
    vault = Vault(home, store)  # collects the old slot a kill after the switch left behind
    try:
        assert vault.index.stale_slots() == []
        cred = vault.credential("alice")
        with HttpClient() as http:
            exchange = Exchange(vault, http)
            # the new tokens were written before the kill (or the index already switched): the
            # vault opens on them, since the server has already retired the old token
            assert vault.index.pending_slots() == []
            assert vault.refresh_token("alice") != original
            assert cred.rotation_count == 1
            assert _stored_slots(kind, store, cred.uid) == [f"refresh_token@{cred.slot}"]
            assert exchange.refresh("alice").rotated
            assert vault.credential("alice").status is Status.ACTIVE
            assert oidc_provider.granted(CLIENT) == granted + 2
    finally:
        vault.close()


@pytest.mark.parametrize("step", ["written", "read back"])
def test_a_refresh_killed_before_the_switch_keeps_the_token_the_server_issued(
        home, kind, oidc_provider, step):
    _setup(home, kind, oidc_provider, ["alice"])
    child = subprocess.run([sys.executable, "-c", KILLED_REFRESH, str(REPO / "app"), step],
                           env=_env(home, kind), capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr
    store = _open_store(kind, home)
    vault = Vault(home, store)
    try:
        cred = vault.credential("alice")
        # the new tokens were in the slot the index named as pending: the vault switched to
        # them when it opened, and the old slot is gone
        assert _stored_slots(kind, store, cred.uid) == [f"refresh_token@{cred.slot}"]
        assert vault.index.pending_slots() == [] and cred.rotation_count == 1
        assert vault.index.audit_log("alice")[0].action == "recovered"
        with HttpClient() as http:  # the server accepts them: no reuse
            assert Exchange(vault, http).refresh("alice").rotated
    finally:
        vault.close()


@pytest.mark.parametrize("step", ["written", "read back", "switched"])
def test_a_vault_opened_while_another_process_rotates_leaves_that_rotation_alone(
        home, kind, oidc_provider, step):
    """The CLI opens the vault (and finishes rotations a crash stopped) while the app is in the
    middle of a refresh: a rotation whose process is alive is not a crashed one."""
    _setup(home, kind, oidc_provider, ["alice"])
    refresher = subprocess.Popen([sys.executable, "-c", PAUSED_REFRESH, str(REPO / "app"), step],
                                 env=_env(home, kind), stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert refresher.stdout.readline().strip() == "paused", refresher.stderr.read()
        Vault(home, _open_store(kind, home)).close()  # e.g. `tokendesk vault list` meanwhile
        out, err = refresher.communicate("go\n", timeout=120)
    finally:
        if refresher.poll() is None:
            refresher.kill()
            refresher.communicate()
    assert refresher.returncode == 0 and "finished" in out, err

    store = _open_store(kind, home)
    vault = Vault(home, store)
    try:
        cred = vault.credential("alice")
        assert _stored_slots(kind, store, cred.uid) == [f"refresh_token@{cred.slot}"]
        assert vault.index.pending_slots() == [] and vault.index.stale_slots() == []
        assert cred.rotation_count == 1 and cred.status is Status.ACTIVE
        with HttpClient() as http:
            assert Exchange(vault, http).refresh("alice").rotated
    finally:
        vault.close()
