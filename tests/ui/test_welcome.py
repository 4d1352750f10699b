"""The first-run welcome: where things are stored, skipping, and a first client from a preset
with endpoints fetched from the real test provider when asked."""

from __future__ import annotations

import pytest

from tests.helpers.named import named, on_dialog
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
        named(dialog, "Add a first client").click()
        provider = named(dialog, "Provider")
        provider.setCurrentIndex(provider.findData("generic"))
        named(dialog, "Issuer URL").setText(oidc_provider.issuer)
        assert named(dialog, "Issuer").text() == oidc_provider.issuer
        named(dialog, "Fetch endpoints").click()  # the window's tasks run inline here
        seen["result"] = named(dialog, "Discovery result").text()
        seen["token"] = named(dialog, "Token endpoint source").text()
        seen["token shown"] = named(dialog, "Token endpoint").placeholderText()
        seen["section open"] = named(dialog, "Token endpoint").isVisible()
        named(dialog, "Client ID").setText("tokendesk-public")
        named(dialog, "Name").setText("local-op")
        named(dialog, "Add client").click()
    with on_dialog(act):
        win.welcome()
    assert seen["result"].startswith("Found ") and "OpenID document" in seen["result"]
    assert seen["token"] == "from discovery (OpenID)" and seen["section open"]
    assert seen["token shown"].startswith(oidc_provider.issuer.rstrip("/"))
    client = win.vault_controller.vault.client("local-op")
    assert client.issuer == oidc_provider.issuer and client.auth_method == "none"
    assert client.endpoints == {}  # discovered endpoints follow the provider: not pinned
    assert "offline_access" in client.scope and client.environment == "dev"
    assert "Added the client local-op" in win.status_text.text()


def test_presets_fill_the_issuer_and_bad_input_is_explained(win):
    seen = {}

    def act(dialog):
        named(dialog, "Add a first client").click()
        provider = named(dialog, "Provider")
        provider.setCurrentIndex(provider.findData("auth0"))
        named(dialog, "Tenant domain").setText("dev-abc.eu.auth0.com")
        seen["auth0"] = named(dialog, "Issuer").text()
        seen["name"] = named(dialog, "Name").text()
        provider.setCurrentIndex(provider.findData("keycloak"))
        named(dialog, "Realm URL").setText("https://sso.example.com")
        seen["bad"] = named(dialog, "Error").text()
        provider.setCurrentIndex(provider.findData("google"))
        seen["google_field_hidden"] = dialog.where.isHidden()
        seen["google"] = named(dialog, "Issuer").text()
        seen["google scope"] = named(dialog, "Scope").text()
        named(dialog, "Client ID").setText("")
        named(dialog, "Add client").click()
        seen["no_id"] = named(dialog, "Error").text()
        dialog.later.click()
    with on_dialog(act):
        win.welcome()
    assert seen["auth0"] == "https://dev-abc.eu.auth0.com/" and seen["name"] == "auth0-dev"
    assert "realm's URL" in seen["bad"]
    assert seen["google_field_hidden"] and seen["google"] == "https://accounts.google.com"
    assert seen["google scope"] == "openid email profile"
    assert "client ID" in seen["no_id"]
    assert win.vault_controller.vault.clients() == []


def test_discovery_failure_is_explained_and_the_client_can_still_be_added(win, qtbot):
    from tests.helpers.http_server import LocalServer

    with LocalServer() as server:
        closed = server.url
    seen = {}

    def act(dialog):
        named(dialog, "Add a first client").click()
        provider = named(dialog, "Provider")
        provider.setCurrentIndex(provider.findData("generic"))
        named(dialog, "Issuer URL").setText(closed)
        named(dialog, "Fetch endpoints").click()
        seen["result"] = named(dialog, "Discovery result").text()
        seen["fetch again"] = named(dialog, "Fetch endpoints").isEnabled()
        named(dialog, "Client ID").setText("c")
        named(dialog, "Client secret").setText("welcome-secret-123")
        named(dialog, "Add client").click()
    with on_dialog(act):
        win.welcome()
    assert "Discovery failed" in seen["result"] and "could not reach" in seen["result"]
    assert seen["fetch again"]
    assert "welcome-secret-123" not in seen["result"]
    client = win.vault_controller.vault.client("generic-dev")
    assert client.auth_method == "client_secret_basic" and client.has_secret
    from tokendesk.ui.views.welcome import WelcomeDialog

    qtbot.waitUntil(lambda: not win.findChildren(WelcomeDialog))  # the typed secret with it


def test_the_welcome_form_fits_a_1024_by_700_screen(win):
    """The welcome's client form, the same as the Vault's and Support's, stays on a small
    screen: the fields scroll inside it when both sections are open."""
    seen = {}

    def act(dialog):
        named(dialog, "Add a first client").click()
        seen["closed"] = dialog.size()
        named(dialog, "Show advanced endpoints").click()
        named(dialog, "Show more settings").click()
        seen["open"] = dialog.size()
        seen["room"] = dialog.screen().availableGeometry().height()
        dialog.later.click()
    with on_dialog(act):
        win.welcome()
    assert seen["closed"].width() <= 1024 and seen["closed"].height() <= 700
    assert seen["open"].height() > seen["closed"].height()  # it grew for the sections...
    assert seen["open"].height() <= min(700, seen["room"])  # ...but not past the screen


def test_no_first_client_is_offered_when_the_vault_already_has_clients(win):
    """Clients made with the CLI before the first start: the welcome names them instead."""
    from tokendesk.core.vault import Client

    win.vault_controller.vault.add_client(Client("from-cli", "https://op.example/", "c-1"),
                                          "cli-secret-1")
    seen = {}

    def act(dialog):
        seen["offered"] = named(dialog, "Add a first client").isVisible()
        seen["existing"] = named(dialog, "Existing clients").text()
        seen["shown"] = named(dialog, "Existing clients").isVisible()
        named(dialog, "Open the Vault").click()
    win.tabs.setCurrentWidget(win.inspector)
    with on_dialog(act):
        win.welcome()
    assert not seen["offered"]
    assert seen["shown"] and "from-cli" in seen["existing"]
    assert win.settings.get("app/welcomed") is True
    assert win.tabs.currentWidget() is win.vault_view
