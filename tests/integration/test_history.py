"""Every operation is an exchange-history row with its outcome (issue 14): revoke, introspect,
userinfo, sign-in, device sign-in and client grants, successes and failures, against
panva/oidc-provider (refresh and the QA tools have their own tests)."""

from __future__ import annotations

import pytest

from tests.helpers.oidc_provider import CLIENTS, client_record
from tests.integration.test_signin import browser
from tokendesk.core.errors import MissingEndpoint, ProviderError
from tokendesk.core.oauth.exchange import Exchange
from tokendesk.core.oauth.http import HttpClient
from tokendesk.core.oauth.signin import sign_in
from tokendesk.core.vault import TokenSet

pytestmark = pytest.mark.integration


@pytest.fixture
def exchange(keyring_vault, oidc_provider):
    for client_id in ("tokendesk-basic", "tokendesk-public", "tokendesk-machine"):
        keyring_vault.add_client(client_record(oidc_provider, client_id), CLIENTS[client_id][0])
    with HttpClient(timeout=5) as http:
        yield Exchange(keyring_vault, http)


def _rows(exchange, name):
    return [(r["operation"], r["status"]) for r in exchange.vault.index.exchanges(name)][::-1]


def test_introspect_userinfo_revoke_each_leave_a_row(exchange, oidc_provider):
    exchange.vault.add_credential("alice", "tokendesk-basic",
                                  TokenSet(oidc_provider.mint("tokendesk-basic", sub="alice")))
    assert exchange.introspect("alice")["active"] is True
    assert exchange.userinfo("alice")["sub"] == "alice"  # refreshes first: its own row
    exchange.revoke("alice")
    assert exchange.introspect("alice")["active"] is False
    rows = _rows(exchange, "alice")
    assert [op for op, _ in rows] == ["introspect", "refresh", "userinfo", "revoke", "introspect"]
    assert rows[0][1] == "active" and rows[2][1] == "200 OK" and rows[4][1] == "inactive"
    assert rows[3][1].startswith("revoked: refresh token")
    history = exchange.vault.index.exchanges("alice")
    assert all(r["endpoint"].startswith(oidc_provider.issuer) for r in history)
    assert "alice" not in str([r["request"] for r in history]).replace("'alice'", "")


def test_failures_are_rows_too(exchange, oidc_provider):
    exchange.vault.add_credential("bob", "tokendesk-basic", TokenSet("not-a-real-token"))
    assert exchange.introspect("bob")["active"] is False
    exchange.revoke("bob")  # RFC 7009: 200 for an unknown token too
    from dataclasses import replace

    client = exchange.vault.client("tokendesk-basic")
    exchange.vault.update_client(replace(client, endpoints={
        "token_endpoint": oidc_provider.issuer + "/token",
        "jwks_uri": oidc_provider.issuer + "/jwks", "userinfo_endpoint": "",
        "authorization_endpoint": "", "revocation_endpoint": "",
        "introspection_endpoint": "", "device_authorization_endpoint": ""}))
    exchange.forget_clients()
    # discovery still fills the empty ones; a client with discovery off is tested elsewhere
    with pytest.raises(ProviderError):
        exchange.client_grant("tokendesk-public")  # a public client: unauthorized_client
    rows = _rows(exchange, "bob")
    assert [op for op, _ in rows] == ["introspect", "revoke"]
    grant = _rows(exchange, "tokendesk-public")
    assert grant[0][0] == "client grant" and "(HTTP 4" in grant[0][1]


def test_client_grant_and_sign_in_rows(exchange, oidc_provider):
    what, response = exchange.client_grant("tokendesk-machine")
    assert what == "client credentials" and response.access_token
    assert _rows(exchange, "tokendesk-machine")[0][0] == "client grant"
    assert _rows(exchange, "tokendesk-machine")[0][1].startswith("200 OK")
    cred = sign_in(exchange, "tokendesk-public", "carol", scope="openid offline_access",
                   open_browser=browser("carol"), timeout=30)
    assert _rows(exchange, "carol") == [("sign-in", "signed in")]
    assert exchange.vault.index.exchanges("carol")[0]["new_fp"] == cred.refresh_fp
    with pytest.raises(ProviderError):
        sign_in(exchange, "tokendesk-public", "dave", open_browser=browser(deny=True),
                timeout=30)
    assert _rows(exchange, "dave") == [("sign-in", "access_denied")]


def test_a_missing_endpoint_row_says_nothing_was_sent(exchange, oidc_provider, monkeypatch):
    exchange.vault.add_credential("erin", "tokendesk-basic",
                                  TokenSet(oidc_provider.mint("tokendesk-basic", sub="erin")))
    oauth = exchange.client_for("tokendesk-basic")
    from dataclasses import replace

    monkeypatch.setattr(oauth, "config", replace(oauth.config, revocation_endpoint=None))
    with pytest.raises(MissingEndpoint):
        exchange.revoke("erin")
    assert _rows(exchange, "erin") == [("revoke", "not sent: no revocation endpoint")]
