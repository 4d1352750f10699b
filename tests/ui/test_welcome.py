"""The first-run welcome: where things are stored, skipping, and a first client from a preset
with endpoints fetched from the real test provider when asked."""

from __future__ import annotations

import pytest

from tests.helpers.qt import drive

pytestmark = pytest.mark.integration


@pytest.fixture
def win(make_window, keyring_store_factory, qtbot):
    w = make_window(store_factory=keyring_store_factory, tab="vault_view")
    qtbot.waitUntil(lambda: w.vault_controller.vault is not None, timeout=10_000)
    return w


def test_the_welcome_says_where_things_are_and_can_be_skipped(win, tokendesk_home):
    seen = {}

    def act(dialog):
        seen["text"] = dialog.intro.text()
        dialog.skip.click()
    drive(act)
    win.welcome()
    assert "keyring" in seen["text"] and "vault.sqlite3" in seen["text"]
    assert "Nothing is sent anywhere unless you start it" in seen["text"]
    assert win.settings.get("app/welcomed") is True
    assert "welcomed=true" in (tokendesk_home / "settings.ini").read_text()


def test_a_first_client_from_a_preset_with_discovery(win, oidc_provider, qtbot):
    seen = {}

    def act(dialog):
        dialog.next.click()
        dialog.provider.setCurrentIndex(dialog.provider.findData("generic"))
        dialog.where.setText(oidc_provider.issuer)
        assert dialog.issuer.text() == oidc_provider.issuer
        dialog.fetch.click()  # the window's tasks run inline here
        seen["endpoints"] = dialog.endpoints.text()
        dialog.client_id.setText("tokendesk-public")
        dialog.name.setText("local-op")
        dialog.add.click()
    drive(act)
    win.welcome()
    assert "token_endpoint" in seen["endpoints"]
    client = win.vault_controller.vault.client("local-op")
    assert client.issuer == oidc_provider.issuer and client.auth_method == "none"
    assert "(from discovery, OpenID document)" in seen["endpoints"]
    assert client.endpoints == {}  # discovered endpoints follow the provider: not pinned
    assert "offline_access" in client.scope
    assert "Added the client local-op" in win.status_text.text()


def test_presets_fill_the_issuer_and_bad_input_is_explained(win):
    seen = {}

    def act(dialog):
        dialog.next.click()
        dialog.provider.setCurrentIndex(dialog.provider.findData("auth0"))
        dialog.where.setText("dev-abc.eu.auth0.com")
        seen["auth0"] = dialog.issuer.text()
        dialog.provider.setCurrentIndex(dialog.provider.findData("keycloak"))
        dialog.where.setText("https://sso.example.com")
        seen["bad"] = dialog.message.text()
        dialog.provider.setCurrentIndex(dialog.provider.findData("google"))
        seen["google_field_hidden"] = dialog.where.isHidden()
        seen["google"] = dialog.issuer.text()
        dialog.client_id.setText("")
        dialog.add.click()
        seen["no_id"] = dialog.message.text()
        dialog.later.click()
    drive(act)
    win.welcome()
    assert seen["auth0"] == "https://dev-abc.eu.auth0.com/"
    assert "realm's URL" in seen["bad"]
    assert seen["google_field_hidden"] and seen["google"] == "https://accounts.google.com"
    assert "client ID" in seen["no_id"]
    assert win.vault_controller.vault.clients() == []


def test_discovery_failure_is_explained_and_the_client_can_still_be_added(win):
    from tests.helpers.http_server import LocalServer

    with LocalServer() as server:
        closed = server.url
    seen = {}

    def act(dialog):
        dialog.next.click()
        dialog.provider.setCurrentIndex(dialog.provider.findData("generic"))
        dialog.where.setText(closed)
        dialog.fetch.click()
        seen["endpoints"] = dialog.endpoints.text()
        dialog.client_id.setText("c")
        dialog.secret.setText("welcome-secret-123")
        dialog.add.click()
    drive(act)
    win.welcome()
    assert "Discovery failed" in seen["endpoints"] and "could not reach" in seen["endpoints"]
    client = win.vault_controller.vault.client("generic-dev")
    assert client.auth_method == "client_secret_basic" and client.has_secret
