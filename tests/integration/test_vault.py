"""The vault against a real Secret Service (gnome-keyring on a private D-Bus session)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import jwt as pyjwt
import pytest

from tests.conftest import NOW
from tokendesk.core.errors import (
    KeyringUnavailable,
    VaultCorrupt,
    VaultError,
    VaultLocked,
    WrongPassphrase,
)
from tokendesk.core.vault import (
    Client,
    FileStore,
    KeyringStore,
    SecretServiceStore,
    Status,
    TokenSet,
    Vault,
    fingerprint,
)
from tokendesk.core.vault.export import export_metadata, export_vault, import_vault
from tokendesk.core.vault.tokenset import ACCESS_TOKEN as ACCESS
from tokendesk.core.vault.tokenset import unpack_slot

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]

CLIENT_SECRET = "client-secret-9f8e7d6c5b4a"
REFRESH_1 = "refresh-token-one-0123456789abcdef"
REFRESH_2 = "refresh-token-two-fedcba9876543210"


def _access(exp=NOW + 300, **extra):
    return pyjwt.encode({"sub": "alice", "scope": "read", "exp": exp, **extra}, "k" * 32,
                        algorithm="HS256")


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


def _store(kind, home, secret_service):
    if kind == "keyring":
        return KeyringStore(home, secret_service.backend())
    return SecretServiceStore(home)


@pytest.fixture(params=["keyring", "secret-service"])
def vault(request, home, secret_service):
    """Each vault test runs on keyring's backend and on the direct Secret Service store."""
    v = Vault(home, _store(request.param, home, secret_service), clock=lambda: NOW)
    v.add_client(Client("dev", "https://op.example/", "client-1", environment="dev"),
                 CLIENT_SECRET)
    yield v
    v.close()


def test_the_two_keyring_stores_read_each_other(home, secret_service):
    via_keyring = KeyringStore(home, secret_service.backend())
    direct = SecretServiceStore(home)
    via_keyring.set("tokendesk/test", "a", "written by keyring")
    direct.set("tokendesk/test", "b", "written directly")
    assert direct.get("tokendesk/test", "a") == "written by keyring"
    assert via_keyring.get("tokendesk/test", "b") == "written directly"
    direct.delete("tokendesk/test", "a")
    via_keyring.delete("tokendesk/test", "b")
    assert via_keyring.get("tokendesk/test", "a") is None and direct.get("tokendesk/test", "b") is None
    direct.close()


def test_secrets_go_to_the_keyring_and_never_to_the_index(vault, home, secret_service):
    access = _access()
    vault.add_credential("alice", "dev", TokenSet(REFRESH_1, access, expires_in=300))
    assert vault.refresh_token("alice") == REFRESH_1
    assert vault.token("alice", "access_token") == access
    assert vault.client_secret("dev") == CLIENT_SECRET
    cred = vault.credential("alice")
    # the keyring really holds it, under the credential's own service name
    backend = secret_service.backend()
    # one secret per slot: the refresh token with the access token that came with it
    stored = backend.get_password(f"tokendesk/credential/{cred.uid}", f"refresh_token@{cred.slot}")
    assert unpack_slot(stored) == {"refresh_token": REFRESH_1, "access_token": access}
    assert cred.subject == "alice" and cred.access_expires_at == NOW + 300
    assert cred.refresh_fp.startswith("sha256:") and REFRESH_1 not in repr(cred)
    _assert_no_secret_in(home, [REFRESH_1, access, CLIENT_SECRET])


def _assert_no_secret_in(home: Path, secrets: list[str], extra_text: str = "") -> None:
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, f"a secret is in {path}"
    for secret in secrets:
        assert secret not in extra_text


def test_large_tokens_are_envelope_encrypted(vault, home):
    big = _access(blob="x" * 5000)  # over what Windows' credential store takes
    vault.add_credential("big", "dev", TokenSet(REFRESH_1, big))
    assert vault.token("big", "access_token") == big
    envelopes = list((home / "envelopes").glob("*.bin"))
    assert len(envelopes) == 1 and oct(envelopes[0].stat().st_mode & 0o777) == "0o600"
    _assert_no_secret_in(home, [big, REFRESH_1])
    envelopes[0].write_bytes(b"\0" * 100)
    reopened = Vault(home, vault.store)  # this vault holds what it wrote in memory
    with pytest.raises(VaultCorrupt, match="damaged"):
        reopened.token("big", "access_token")


def test_rotation_stores_the_new_token_and_deletes_the_old_slot(vault, secret_service):
    vault.add_credential("alice", "dev", TokenSet(REFRESH_1, _access()))
    before = vault.credential("alice")
    assert vault.store_tokens("alice", TokenSet(REFRESH_2, _access(NOW + 600)))
    after = vault.credential("alice")
    assert vault.refresh_token("alice") == REFRESH_2
    assert after.rotation_count == 1 and after.slot != before.slot
    assert after.access_expires_at == NOW + 600 and after.last_refreshed_at == NOW
    backend = secret_service.backend()
    service = f"tokendesk/credential/{before.uid}"
    assert backend.get_password(service, f"refresh_token@{before.slot}") is None
    actions = [e.action for e in vault.index.audit_log("alice")]
    assert actions[:2] == ["rotated", "added"]
    assert before.refresh_fp in vault.index.audit_log("alice")[0].detail


@pytest.mark.parametrize("new", [None, "", REFRESH_1])
def test_absent_empty_or_same_refresh_token_keeps_the_old(vault, new):
    vault.add_credential("alice", "dev", TokenSet(REFRESH_1, _access()))
    slot = vault.credential("alice").slot
    access = _access(NOW + 900)
    assert not vault.store_tokens("alice", TokenSet(new, access))
    cred = vault.credential("alice")
    assert vault.refresh_token("alice") == REFRESH_1
    assert cred.rotation_count == 0 and cred.refresh_fp == fingerprint(REFRESH_1)
    assert cred.access_expires_at == NOW + 900
    # the new access token went to a new slot beside the same refresh token, read afresh
    assert cred.slot != slot and Vault(vault.home, vault.store).token("alice", ACCESS) == access


def test_refresh_token_expiry_from_the_response(vault):
    vault.add_credential("a", "dev", TokenSet.from_response(
        {"refresh_token": REFRESH_1, "access_token": "opaque", "expires_in": 60,
         "refresh_expires_in": 1800}))
    cred = vault.credential("a")
    assert cred.refresh_expires_at == NOW + 1800
    assert "refresh_expires_in" in cred.refresh_expiry_kind
    assert cred.access_expires_at == NOW + 60


def test_remove_deletes_the_local_copy(vault, secret_service):
    vault.add_credential("alice", "dev", TokenSet(REFRESH_1, _access()))
    cred = vault.credential("alice")
    vault.remove_credential("alice")
    backend = secret_service.backend()
    assert backend.get_password(f"tokendesk/credential/{cred.uid}",
                                f"refresh_token@{cred.slot}") is None
    with pytest.raises(VaultError, match="no credential named 'alice'"):
        vault.credential("alice")
    assert vault.index.audit_log("alice")[0].action == "deleted"


def test_clients_with_credentials_cannot_be_removed(vault):
    vault.add_credential("alice", "dev", TokenSet(REFRESH_1))
    with pytest.raises(VaultError, match="still has credentials"):
        vault.remove_client("dev")


@pytest.mark.parametrize("change,message", [
    ({"auth_method": "magic"}, "unknown client authentication"),
    ({"client_id": " "}, "needs a name, an issuer and a client_id"),
])
def test_bad_clients_are_refused(vault, change, message):
    fields = {"name": "x", "issuer": "https://i/", "client_id": "c", **change}
    with pytest.raises(VaultError, match=message):
        vault.add_client(Client(**fields))


def test_duplicate_names_are_refused(vault):
    vault.add_credential("alice", "dev", TokenSet(REFRESH_1))
    with pytest.raises(VaultError, match="already exists"):
        vault.add_credential("alice", "dev", TokenSet(REFRESH_2))
    with pytest.raises(VaultError, match="already exists"):
        vault.add_client(Client("dev", "https://x/", "y"))
    with pytest.raises(VaultError, match="no refresh token"):
        vault.add_credential("bob", "dev", TokenSet(None, _access()))


def test_refresh_lock_is_single_flight_across_threads(vault):
    vault.add_credential("alice", "dev", TokenSet(REFRESH_1))
    inside, overlaps = [], []

    def worker():
        with vault.refresh_lock("alice"):
            inside.append(1)
            if len(inside) > 1:
                overlaps.append(1)
            time.sleep(0.05)
            inside.pop()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == []


HOLD_LOCK = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from tokendesk.core.vault import Vault, KeyringStore
    home = Path(sys.argv[2])
    vault = Vault(home, KeyringStore(home))
    with vault.refresh_lock("alice"):
        print("locked", flush=True)
        time.sleep(float(sys.argv[3]))
""")


def test_refresh_lock_excludes_other_processes(vault, home):
    vault.add_credential("alice", "dev", TokenSet(REFRESH_1))
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(REPO / "app"), str(home),
                               "3"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(VaultError, match="another Tokendesk process"):
            with vault.refresh_lock("alice", timeout=0.5):
                pass
    finally:
        holder.wait(10)
        holder.stdout.close()
    with vault.refresh_lock("alice", timeout=2):
        pass


KILL_AT = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from tokendesk.core.vault import Vault, KeyringStore, FileStore, SecretServiceStore, TokenSet
    home, step, kind = Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    if kind == "keyring":
        store = KeyringStore(home)
    elif kind == "secret-service":
        store = SecretServiceStore(home)
    else:
        store = FileStore(home / "secrets.enc")
        store.unlock("file-store-passphrase")
    vault = Vault(home, store)

    def on_step(name):
        if name == step:
            os.kill(os.getpid(), signal.SIGKILL)

    vault.store_tokens("alice", TokenSet(sys.argv[5]), on_step=on_step)
    print("finished")
""")


@pytest.mark.parametrize("kind", ["keyring", "secret-service", "file"])
@pytest.mark.parametrize("step", ["written", "read back", "switched", "deleted", "never"])
def test_a_kill_at_every_rotation_step_leaves_a_usable_token(home, secret_service, kind, step):
    if kind != "file":
        store = _store(kind, home, secret_service)
    else:
        store = FileStore(home / "secrets.enc")
        store.create("file-store-passphrase")
    vault = Vault(home, store)
    vault.add_client(Client("dev", "https://op.example/", "c"))
    vault.add_credential("alice", "dev", TokenSet(REFRESH_1))
    vault.close()
    result = subprocess.run([sys.executable, "-c", KILL_AT, str(REPO / "app"), str(home), step,
                             kind, REFRESH_2], capture_output=True, text=True, timeout=60)
    if step == "never":
        assert result.returncode == 0 and "finished" in result.stdout
    else:
        assert result.returncode == -signal.SIGKILL
    if kind == "file":
        store = FileStore(home / "secrets.enc")
        store.unlock("file-store-passphrase")
    else:
        store = _store(kind, home, secret_service)
    reopened = Vault(home, store)  # collects a stale slot left by the crash
    token = reopened.refresh_token("alice")
    # the new token was written (or not) before the kill: once written it is the one to keep
    # (a server has already retired the old one), switched to when the vault opens again
    assert token == REFRESH_2
    assert reopened.index.stale_slots() == [] and reopened.index.pending_slots() == []
    reopened.close()


def test_refused_keyring_backends():
    from keyring.backends import fail, null

    from tokendesk.core.vault.secrets import check_backend

    with pytest.raises(KeyringUnavailable, match="'fail' backend"):
        check_backend(fail.Keyring())
    with pytest.raises(KeyringUnavailable, match="'null' backend"):
        check_backend(null.Keyring())
    # keyrings.alt must never be installed (it would become the default), so its plaintext
    # backend is represented by a class with its module and name.
    plaintext = type("PlaintextKeyring", (), {"__module__": "keyrings.alt.file"})
    with pytest.raises(KeyringUnavailable, match="plain text"):
        check_backend(plaintext())


def test_a_locked_keyring_is_reported_not_taken_for_no_token(tmp_path, monkeypatch):
    from tests.helpers.secret_service import SecretService

    locked = SecretService(unlock=False).start()
    try:
        for key, value in locked.env.items():
            monkeypatch.setenv(key, value)
        store = KeyringStore(tmp_path, locked.backend())
        with pytest.raises(VaultLocked, match="locked"):
            store.set("tokendesk/test", "k", "v")
    finally:
        locked.stop()


def test_file_store_without_a_keyring(tmp_path):
    store = FileStore(tmp_path / "secrets.enc")
    with pytest.raises(VaultError, match="at least 8"):
        store.create("short")
    store.create("a long passphrase")
    vault = Vault(tmp_path, store)
    vault.add_client(Client("dev", "https://op/", "c"), CLIENT_SECRET)
    vault.add_credential("alice", "dev", TokenSet(REFRESH_1))
    store.lock()
    with pytest.raises(VaultLocked, match="give the passphrase"):
        vault.refresh_token("alice")
    again = FileStore(tmp_path / "secrets.enc")
    with pytest.raises(WrongPassphrase):
        again.unlock("not the passphrase")
    again.unlock("a long passphrase")
    assert Vault(tmp_path, again).refresh_token("alice") == REFRESH_1
    assert oct((tmp_path / "secrets.enc").stat().st_mode & 0o777) == "0o600"
    _assert_no_secret_in(tmp_path, [REFRESH_1, CLIENT_SECRET, "a long passphrase"])


def test_open_store_falls_back_to_the_file_store_without_a_keyring(tmp_path):
    from keyring.backends import fail

    from tokendesk.core.vault import open_store

    store = open_store(tmp_path, backend=fail.Keyring())
    assert isinstance(store, FileStore) and store.locked


def test_encrypted_export_and_import(vault, tmp_path, secret_service):
    access = _access()
    vault.add_credential("alice", "dev", TokenSet(REFRESH_1, access), notes="QA account")
    blob = export_vault(vault, "export passphrase")
    for secret in (REFRESH_1, access, CLIENT_SECRET):
        assert secret.encode() not in blob
    other_home = tmp_path / "other"
    other = Vault(other_home, KeyringStore(other_home, secret_service.backend()))
    with pytest.raises(WrongPassphrase):
        import_vault(other, blob, "wrong passphrase")
    assert import_vault(other, blob, "export passphrase") == ["client dev", "alice"]
    assert other.refresh_token("alice") == REFRESH_1
    assert other.client_secret("dev") == CLIENT_SECRET
    assert other.credential("alice").notes == "QA account"
    assert import_vault(other, blob, "export passphrase") == []  # nothing twice
    with pytest.raises(VaultCorrupt):
        import_vault(other, b"not json", "x" * 8)


def test_an_import_keeps_each_credentials_state_and_stated_expiry(vault, tmp_path,
                                                                  secret_service):
    """A pending revocation is still to be sent after a move to another machine; a refresh
    token's expiry as the server stated it, and an opaque access token's, are not lost."""
    from tokendesk.core.vault import Status

    vault.add_credential("bob", "dev", TokenSet(REFRESH_1, "opaque-access-bob", expires_in=600,
                                                refresh_expires_in=86_400))
    vault.add_credential("carol", "dev", TokenSet("refresh-carol-2"))
    vault.set_status("bob", Status.REVOKE_PENDING, "the server was down")
    vault.set_status("carol", Status.NEEDS_SIGN_IN, "invalid_grant")
    before = vault.credential("bob")
    other_home = tmp_path / "other"
    other = Vault(other_home, KeyringStore(other_home, secret_service.backend()))
    import_vault(other, export_vault(vault, "export passphrase"), "export passphrase")
    bob, carol = other.credential("bob"), other.credential("carol")
    assert (bob.status, carol.status) == (Status.REVOKE_PENDING, Status.NEEDS_SIGN_IN)
    assert bob.access_expires_at == before.access_expires_at is not None
    assert bob.refresh_expires_at == before.refresh_expires_at is not None
    assert "as it was in the export" in other.index.audit_log("bob")[0].detail


def test_metadata_export_has_no_secrets(vault):
    access = _access()
    vault.add_credential("alice", "dev", TokenSet(REFRESH_1, access))
    text = json.dumps(export_metadata(vault))
    for secret in (REFRESH_1, access, CLIENT_SECRET):
        assert secret not in text
    assert '"alice"' in text and "https://op.example/" in text


def test_status_changes_are_audited(vault):
    vault.add_credential("alice", "dev", TokenSet(REFRESH_1))
    vault.set_status("alice", Status.REUSE_DETECTED, "the server revoked the family")
    assert vault.credential("alice").status is Status.REUSE_DETECTED
    assert vault.index.audit_log("alice")[0].action == "status reuse detected"


def test_the_keyring_tests_use_the_private_bus_only(secret_service):
    """With the Secret Service fixture, this process and its subprocesses talk to the private
    bus in the fixture's temporary folder, never a user's real session bus or keyring."""
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    assert address is not None and address == secret_service.env["DBUS_SESSION_BUS_ADDRESS"]
    assert f"unix:path={secret_service.root}/bus" in address
    assert os.environ["HOME"].startswith(secret_service.root)
    assert os.environ["XDG_RUNTIME_DIR"].startswith(secret_service.root)
