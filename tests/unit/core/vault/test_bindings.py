"""What binds tokens, kept in the vault (issue 18): a credential's DPoP key, a client's own DPoP
key and its mutual-TLS certificate, in the secret store (an encrypted file store here, cheap to
open), never in the index; every damaged or refused value is a clear vault error."""

from __future__ import annotations

import json

import pytest

from tests.conftest import certificate_pem, private_pem
from tests.unit.core.vault.test_file_store import PASSPHRASE, CheapStore
from tokendesk.core.errors import UnusableKey, VaultCorrupt, VaultError
from tokendesk.core.tokens.dpop import generate_dpop_key, jkt
from tokendesk.core.vault import Client, TokenSet, Vault
from tokendesk.core.vault.bindings import (
    DPOP_KEY,
    TLS_CLIENT,
    bind_dpop_key,
    client_certificate,
    client_dpop_key,
    credential_dpop_jkt,
    dpop_key,
    set_client_certificate,
)


@pytest.fixture
def vault(tmp_path):
    store = CheapStore(tmp_path / "secrets.enc")
    store.create(PASSPHRASE)
    v = Vault(tmp_path, store)
    v.add_client(Client("dev", "https://op.example/", "c1", "none", dpop_alg="EdDSA"))
    v.add_credential("alice", "dev", TokenSet("rt-alice-1"))
    yield v
    v.close()


def _service(vault, kind, name):
    record = vault.client(name) if kind == "client" else vault.credential(name)
    return f"tokendesk/{kind}/{record.uid}"


def test_a_bound_key_is_in_the_store_and_only_its_thumbprint_in_the_index(vault, tmp_path):
    key = generate_dpop_key("RS256")
    assert bind_dpop_key(vault, "alice", key) == jkt(key)
    assert credential_dpop_jkt(vault, "alice") == jkt(key)
    assert jkt(dpop_key(vault, "alice")) == jkt(key)
    index = b"".join(p.read_bytes() for p in tmp_path.glob("vault.sqlite3*"))  # (WAL too)
    assert key.private_jwk()["d"].encode() not in index and jkt(key).encode() in index
    assert [e.action for e in vault.index.audit_log("alice")][0] == "DPoP key"
    service = _service(vault, "credential", "alice")
    vault.remove_credential("alice")  # the key goes with the credential
    assert vault.store.get(service, DPOP_KEY) is None


def test_a_key_the_store_does_not_give_back_is_not_recorded(vault, monkeypatch):
    real_get = vault.store.get
    monkeypatch.setattr(vault.store, "get", lambda service, key: "something else"
                        if key == DPOP_KEY else real_get(service, key))
    with pytest.raises(VaultCorrupt, match="did not return the DPoP key"):
        bind_dpop_key(vault, "alice", generate_dpop_key())
    monkeypatch.undo()
    assert credential_dpop_jkt(vault, "alice") is None
    assert vault.store.get(_service(vault, "credential", "alice"), DPOP_KEY) is None


def test_a_clients_own_key_is_made_once_and_a_damaged_one_is_named(vault):
    first = client_dpop_key(vault, "dev", "EdDSA")
    assert first.alg == "EdDSA" and jkt(client_dpop_key(vault, "dev", "ES256")) == jkt(first)
    vault.store.set(_service(vault, "client", "dev"), DPOP_KEY, "{not json")
    with pytest.raises(VaultCorrupt, match="DPoP key of the client 'dev' cannot be read"):
        client_dpop_key(vault, "dev", "EdDSA")


def test_a_client_certificate_round_trips_and_a_damaged_one_is_named(vault, ec_private,
                                                                     rsa_private):
    cert, key = certificate_pem(ec_private), private_pem(ec_private)
    rev = vault.client("dev").secret_rev
    thumb = set_client_certificate(vault, "dev", cert, key)
    stored = client_certificate(vault, "dev")
    assert stored.certificate == cert and stored.private_key == key and stored.thumbprint == thumb
    assert "BEGIN" not in repr(stored)
    assert vault.client("dev").secret_rev != rev  # a configured client is built again
    with pytest.raises(UnusableKey, match="do not belong together"):
        set_client_certificate(vault, "dev", cert, private_pem(rsa_private))
    vault.store.set(_service(vault, "client", "dev"), TLS_CLIENT, '{"certificate": 1}')
    with pytest.raises(VaultCorrupt, match="client certificate of 'dev' is damaged"):
        client_certificate(vault, "dev")


def test_an_export_with_a_damaged_dpop_key_is_refused(vault, tmp_path):
    from tokendesk.core.vault.export import FORMAT, VERSION, import_vault
    from tokendesk.core.vault.kdf import derive_key, new_salt, seal

    params = CheapStore.PARAMS
    client = {**vault.client("dev").to_dict(), "name": "imported-dev"}
    for damaged, error in (("{not json", VaultCorrupt), ('{"kty":"oct","k":"AAAA"}', VaultError),
                           (json.dumps(generate_dpop_key().private_jwk() | {"alg": "ES384"}),
                            VaultError)):
        payload = {"clients": [client], "credentials": [{
            "name": f"bob-{len(damaged)}", "client": "imported-dev",
            "refresh_token": "rt-bob", "dpop_key": damaged}]}
        salt = new_salt()
        sealed = seal(derive_key("export passphrase", salt, *params), salt, params,
                      json.dumps(payload).encode(), FORMAT.encode())
        blob = json.dumps({"format": FORMAT, "version": VERSION, **sealed}).encode()
        with pytest.raises((error, UnusableKey)):
            import_vault(vault, blob, "export passphrase")
