"""Token exchange (RFC 8693) and private_key_jwt (RFC 7523) against a small server of the
tests' own on 127.0.0.1 (the OpenID provider is not configured for token exchange), and
client credentials from the command line against panva/oidc-provider."""

from __future__ import annotations

import io
import json
import sys

import pytest

from tests.helpers.http_server import LocalServer, Reply
from tests.helpers.oidc_provider import CLIENTS
from tokendesk.cli import main
from tokendesk.core import load_keys, verify
from tokendesk.core.oauth.exchange import Exchange
from tokendesk.core.oauth.http import HttpClient
from tokendesk.core.tokens.encode import generate_key
from tokendesk.core.vault import Client, KeyringStore, Vault

pytestmark = pytest.mark.integration


@pytest.fixture
def env(tmp_path, monkeypatch, secret_service):
    import keyring

    keyring.set_keyring(secret_service.backend())
    home = tmp_path / "home"
    monkeypatch.setenv("TOKENDESK_HOME", str(home))
    return home


def test_token_exchange_sends_the_rfc_8693_form(env, capsys, monkeypatch):
    with LocalServer() as server:
        server.route("/token", Reply(body={
            "access_token": "delegated-token", "issued_token_type":
            "urn:ietf:params:oauth:token-type:access_token", "token_type": "Bearer"}))
        vault = Vault(env, KeyringStore(env))
        vault.add_client(Client("sts", server.url, "svc", "client_secret_post",
                                endpoints={"token_endpoint": server.url + "/token"}), "sts-secret")
        vault.close()
        monkeypatch.setattr(sys, "stdin", io.StringIO("the-subject-token"))
        assert main(["exchange", "sts", "--subject-token-stdin", "--audience", "orders-api",
                     "--scope", "orders:read"]) == 0
        assert capsys.readouterr().out.strip() == "delegated-token"
        form = server.hits[-1].form
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:token-exchange"
    assert form["subject_token"] == "the-subject-token"
    assert form["subject_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
    assert form["audience"] == "orders-api" and form["client_secret"] == "sts-secret"


def test_client_credentials_from_the_command_line(env, capsys, monkeypatch, oidc_provider):
    secret, method = CLIENTS["tokendesk-machine"]
    monkeypatch.setattr(sys, "stdin", io.StringIO(secret))
    assert main(["client", "add", "machine", "--issuer", oidc_provider.issuer, "--client-id",
                 "tokendesk-machine", "--client-secret-stdin"]) == 0
    capsys.readouterr()
    assert main(["exchange", "machine", "--client-credentials", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["access_token"] and doc["token_type"].lower() == "bearer"


def test_private_key_jwt_signs_a_client_assertion(env):
    key = generate_key("EC")
    with LocalServer() as server:
        server.route("/token", Reply(body={"access_token": "a", "token_type": "bearer"}))
        vault = Vault(env, KeyringStore(env))
        vault.add_client(Client("pkj", server.url, "client-pkj", "private_key_jwt",
                                endpoints={"token_endpoint": server.url + "/token"}),
                         private_key=key.private_pem())
        with HttpClient() as http:
            Exchange(vault, http).client_credentials("pkj")
        form = server.hits[-1].form
        vault.close()
    assert form["client_assertion_type"] == \
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    result = verify(form["client_assertion"], load_keys(key.public_pem()),
                    audience=server.url + "/token")
    assert result.valid, result.checks
    assert result.claims["iss"] == result.claims["sub"] == "client-pkj"
    assert "client_secret" not in form
