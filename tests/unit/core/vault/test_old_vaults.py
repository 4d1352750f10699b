"""Vaults written by older versions of Tokendesk open with today's code, with everything in them
(issue 16: migration tests load checked-in files written by older schema versions, not files the
current code produces). tests/fixtures/old_vaults/make.py says which commit wrote each."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.fixtures.old_vaults.make import ACCESS, CLIENT_SECRET, PASSPHRASE, REFRESH
from tokendesk.core.vault import TokenSet, open_vault
from tokendesk.core.vault.bindings import credential_dpop_jkt, dpop_key
from tokendesk.core.vault.schema import SCHEMA_VERSION
from tokendesk.core.vault.tokenset import ACCESS_TOKEN

OLD = Path(__file__).resolve().parents[3] / "fixtures" / "old_vaults"


@pytest.fixture(params=["v1", "v2", "v3", "v4"])
def old_home(request, tmp_path):
    home = tmp_path / request.param
    shutil.copytree(OLD / request.param, home)  # the checked-in files are never opened
    db = sqlite3.connect(home / "vault.sqlite3")
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == int(request.param[1:])
    finally:
        db.close()
    return home


def _secret_names(home: Path) -> list[str]:
    """The names of the secrets in the file (service NUL key), decrypted here."""
    import json

    from tokendesk.core.vault.kdf import derive_key, open_sealed, read_kdf

    doc = json.loads((home / "secrets.enc").read_bytes())
    salt, params = read_kdf(doc, what="secrets.enc")
    plain = open_sealed(derive_key(PASSPHRASE, salt, *params), doc, b"tokendesk-secrets",
                        what="secrets.enc")
    return sorted(json.loads(plain))


def _open(home: Path):
    vault = open_vault(home, prefer_file=True)
    vault.store.unlock(PASSPHRASE)
    return vault


def test_an_old_vault_opens_upgraded_with_its_clients_credentials_and_secrets(old_home):
    vault = _open(old_home)
    try:
        assert vault.index.version == SCHEMA_VERSION
        client = vault.client("dev")
        assert (client.issuer, client.client_id, client.scope, client.environment) == (
            "https://op.example/", "tokendesk-dev", "openid offline_access", "dev")
        assert vault.client_secret("dev") == CLIENT_SECRET
        cred = vault.credential("alice")
        assert (cred.client, cred.status, cred.notes) == ("dev", "active",
                                                          "made by an old version")
        assert vault.refresh_token("alice") == REFRESH
        assert vault.token("alice", ACCESS_TOKEN) == ACCESS
        assert [e.action for e in vault.index.audit_log("alice")][-1:] == ["added"]
        # what the later schemas added, at its defaults
        assert client.dpop_alg == "" and credential_dpop_jkt(vault, "alice") is None  # 5
        assert vault.index.pending_slots() == []  # 4: no rotation in flight
        assert (client.warn_minutes, client.clock_skew) == (5.0, 0.0)  # 3: preferences
        assert cred.auto_refresh is None
        vault.index.add_exchange("alice", "refresh", "200 OK",  # 2: exchange history
                                 request={"grant_type": "refresh_token"})
        assert vault.index.exchanges("alice")[0]["request"] == {"grant_type": "refresh_token"}
    finally:
        vault.close()


def test_an_old_vault_rotates_and_reopens_with_the_new_token(old_home):
    vault = _open(old_home)
    try:
        vault.store_tokens("alice", TokenSet("rt-after-upgrade", "at-after-upgrade"))
    finally:
        vault.close()
    again = _open(old_home)
    try:
        assert again.refresh_token("alice") == "rt-after-upgrade"
        assert again.token("alice", ACCESS_TOKEN) == "at-after-upgrade"
        assert again.credential("alice").rotation_count == 1
    finally:
        again.close()
    # the old layout's secrets went with the old slot (close waits for the deletion)
    left = [name.split("\0")[1] for name in _secret_names(old_home)]
    assert left.count("client_secret") == 1 and sum(n.startswith("refresh_token@")
                                                    for n in left) == 1
    assert not {"session", "access_token", "id_token"} & set(left)


def test_an_old_vault_takes_a_dpop_client_and_a_bound_credential_and_keeps_them(old_home):
    """Schema 5 (issue 18): a client's DPoP setting and the thumbprint of a credential's DPoP
    key (the key itself in the secret store) survive closing and reopening an upgraded
    vault."""
    from dataclasses import replace

    from tokendesk.core.tokens.dpop import generate_dpop_key, jkt
    from tokendesk.core.vault.bindings import bind_dpop_key

    key = generate_dpop_key("EdDSA")
    vault = _open(old_home)
    try:
        vault.update_client(replace(vault.client("dev"), dpop_alg="EdDSA"))
        assert bind_dpop_key(vault, "alice", key) == jkt(key)
    finally:
        vault.close()
    again = _open(old_home)
    try:
        assert again.client("dev").dpop_alg == "EdDSA"
        assert credential_dpop_jkt(again, "alice") == jkt(key)
        assert jkt(dpop_key(again, "alice")) == jkt(key)
        assert again.refresh_token("alice") == REFRESH
    finally:
        again.close()
