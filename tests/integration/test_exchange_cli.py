"""The exchange commands as scripts use them, against panva/oidc-provider."""

from __future__ import annotations

import io
import json
import sys

import pytest

from tests.helpers.oidc_provider import CLIENTS
from tokendesk.cli import main

pytestmark = pytest.mark.integration


@pytest.fixture
def stored(tmp_path, monkeypatch, secret_service, oidc_provider):
    import keyring

    keyring.set_keyring(secret_service.backend())
    monkeypatch.setenv("TOKENDESK_HOME", str(tmp_path / "home"))
    secret, method = CLIENTS["tokendesk-basic"]
    monkeypatch.setattr(sys, "stdin", io.StringIO(secret))
    assert main(["client", "add", "op", "--issuer", oidc_provider.issuer, "--client-id",
                 "tokendesk-basic", "--client-secret-stdin", "--auth-method", method]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(oidc_provider.mint()))
    assert main(["vault", "add", "alice", "--client", "op", "--refresh-token-stdin"]) == 0
    return oidc_provider


def test_token_prints_a_valid_access_token_for_curl(stored, capsys):
    capsys.readouterr()
    assert main(["token", "alice"]) == 0
    token = capsys.readouterr().out.strip()
    assert token and "\n" not in token
    assert main(["token", "alice"]) == 0  # still valid: the same token, no refresh
    assert capsys.readouterr().out.strip() == token


def test_refresh_json_and_introspect(stored, capsys):
    capsys.readouterr()
    assert main(["refresh", "alice", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["rotated"] is True and doc["old_refresh_fp"] != doc["new_refresh_fp"]
    assert main(["introspect", "alice", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["active"] is True


def test_revoke_then_refresh_exits_1_and_rm_revoke(stored, capsys):
    assert main(["revoke", "alice"]) == 0
    assert main(["introspect", "alice"]) == 1  # inactive
    capsys.readouterr()
    assert main(["refresh", "alice"]) == 1
    assert "invalid_grant" in capsys.readouterr().err
    assert main(["vault", "rm", "alice", "--revoke", "--yes"]) == 0
    assert "deleted alice" in capsys.readouterr().out


def test_an_unreachable_server_exits_3(stored, capsys, monkeypatch):
    from tests.helpers.http_server import LocalServer

    with LocalServer() as gone:
        url = gone.url
    from tokendesk.core.paths import home
    from tokendesk.core.vault import Client, KeyringStore, TokenSet, Vault

    vault = Vault(home(), KeyringStore(home()))
    vault.add_client(Client("gone", url, "c", "none",
                            endpoints={"token_endpoint": url + "/token"}))
    vault.add_credential("zed", "gone", TokenSet("zed-refresh"))
    vault.close()
    capsys.readouterr()
    assert main(["refresh", "zed", "--timeout", "2"]) == 3
    assert "could not reach" in capsys.readouterr().err


def test_login_in_the_browser_stores_a_credential(stored, capsys, monkeypatch):
    import webbrowser

    from tests.integration.test_signin import browser

    monkeypatch.setattr(webbrowser, "open", browser("frank"))  # the person at the browser
    capsys.readouterr()
    assert main(["login", "op", "--name", "frank", "--wait", "30"]) == 0
    assert "signed in as frank" in capsys.readouterr().out
    assert main(["token", "frank"]) == 0


def test_revoke_with_json_prints_json(stored, capsys):
    assert main(["revoke", "alice", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["revoked"] is True and any("revoked" in line for line in doc["report"])
