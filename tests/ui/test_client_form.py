"""The one client form (welcome, Vault, Support): presets, a masked secret with an eye, the
client authentication following the secret, "Fetch endpoints" on the task pool against real
servers on 127.0.0.1 (answering, failing, slow), and saving or refusing to."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from tests.conftest import private_pem
from tests.helpers.http_server import LocalServer, Reply
from tests.helpers.named import named
from tokendesk.ui.views.client_dialog import ClientDialog

SECRET = "form-client-secret-5e6f7a"


def _both_documents(server: LocalServer) -> None:
    server.route("/.well-known/openid-configuration", Reply(body={
        "issuer": server.url, "authorization_endpoint": server.url + "/authorize",
        "token_endpoint": server.url + "/token", "jwks_uri": server.url + "/jwks"}))
    server.route("/.well-known/oauth-authorization-server", Reply(body={
        "issuer": server.url, "revocation_endpoint": server.url + "/revoke"}))


def _dialog(window, qtbot, **options) -> ClientDialog:
    dialog = ClientDialog(window.vault_controller, window, **options)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def _generic(dialog, issuer: str) -> None:
    provider = named(dialog, "Provider")
    provider.setCurrentIndex(provider.findData("generic"))
    named(dialog, "Issuer URL").setText(issuer)


def test_the_secret_is_masked_while_typed_and_the_eye_shows_it_from_the_keyboard(
        window, qtbot):
    dialog = _dialog(window, qtbot)
    secret = named(dialog, "Client secret", QLineEdit)
    secret.setFocus()
    qtbot.keyClicks(secret, SECRET)
    assert secret.text() == SECRET
    assert secret.echoMode() == QLineEdit.EchoMode.Password and SECRET not in (
        secret.displayText())
    qtbot.keyClick(secret, Qt.Key.Key_Tab)  # Tab leaves the field for its eye
    eye = named(dialog, "Show secret")
    assert QApplication.focusWidget() is eye
    qtbot.keyClick(eye, Qt.Key.Key_Space)
    assert eye.isChecked() and secret.displayText() == SECRET
    qtbot.keyClick(eye, Qt.Key.Key_Space)
    assert not eye.isChecked() and SECRET not in secret.displayText()


def test_the_authentication_follows_the_secret_until_the_user_chooses(window, qtbot):
    dialog = _dialog(window, qtbot)
    method = named(dialog, "Client authentication")
    assert method.currentData() == "none"  # no secret: a public client
    named(dialog, "Client secret").setText(SECRET)
    assert method.currentData() == "client_secret_basic"
    named(dialog, "Client secret").setText("")
    assert method.currentData() == "none"
    method.setFocus()
    qtbot.keyClick(method, Qt.Key.Key_Down)  # the user's own choice now stays
    chosen = method.currentData()
    named(dialog, "Client secret").setText(SECRET)
    assert method.currentData() == chosen
    _generic(dialog, "https://as.example")
    named(dialog, "Client ID").setText("id")
    method.setCurrentIndex(method.findData("none"))
    assert "public client" in (dialog.form.validate() or "")


def test_presets_give_the_issuer_scope_and_name_and_keep_what_was_typed(window, qtbot):
    dialog = _dialog(window, qtbot)
    provider = named(dialog, "Provider")
    provider.setCurrentIndex(provider.findData("okta"))
    named(dialog, "Okta domain").setText("dev-123456.okta.com")
    assert named(dialog, "Issuer").text() == "https://dev-123456.okta.com/oauth2/default"
    assert named(dialog, "Name").text() == "okta-dev"
    named(dialog, "Scope").setText("openid my:own")
    provider.setCurrentIndex(provider.findData("google"))
    assert named(dialog, "Name").text() == "google-dev"
    assert named(dialog, "Scope").text() == "openid my:own"  # typed by hand: kept
    assert not named(dialog, "Tenant").isVisible()  # Google asks for nothing
    named(dialog, "Client ID").setText("g-1")
    assert dialog.form.client().extra_params == {"access_type": "offline", "prompt": "consent"}


def test_fetch_endpoints_runs_off_the_gui_thread_and_shows_every_endpoint(
        threaded_window, qtbot):
    release = threading.Event()
    with LocalServer() as server:
        _both_documents(server)
        openid = server.routes["/.well-known/openid-configuration"]

        def slowly(request):  # the server holds the answer until the test lets it go
            release.wait(10)
            return openid(request) if callable(openid) else openid

        server.route("/.well-known/openid-configuration", slowly)
        dialog = _dialog(threaded_window, qtbot)
        _generic(dialog, server.url)
        named(dialog, "Fetch endpoints").click()
        # the window still answers while the issuer is silent: the GUI thread is not waiting
        assert not named(dialog, "Fetch endpoints").isEnabled()
        assert "Asking" in named(dialog, "Discovery result").text()
        qtbot.keyClicks(named(dialog, "Client ID"), "typed-meanwhile")
        assert named(dialog, "Client ID").text() == "typed-meanwhile"
        release.set()
        qtbot.waitUntil(lambda: named(dialog, "Fetch endpoints").isEnabled(), timeout=10_000)
    result = named(dialog, "Discovery result")
    assert result.text() == ("Found 4 endpoints (3 in the OpenID document, 1 only in the RFC "
                             "8414 one), shown under Endpoints. Fields left empty follow the "
                             "provider.")
    assert named(dialog, "Show advanced endpoints").isChecked()
    assert named(dialog, "Revocation endpoint source").text() == "from discovery (RFC 8414)"
    assert named(dialog, "Token endpoint").placeholderText() == server.url + "/token"
    assert named(dialog, "Userinfo endpoint source").text() == "not published"
    # the result is whole: as tall as its wrapped lines, inside the form's width
    assert result.height() >= result.heightForWidth(result.width())
    area = dialog.form.fields_area.viewport()
    left = result.mapTo(dialog.form.fields_area.widget(), result.rect().topLeft())
    assert left.x() >= 0 and left.x() + result.width() <= area.width()


@pytest.mark.parametrize("fault", ["500", "not json", "closed port"])
def test_discovery_against_a_faulty_server_says_why_and_the_form_stays_usable(
        window, qtbot, fault):
    with LocalServer() as server:
        url = server.url
        for path in ("/.well-known/openid-configuration",
                     "/.well-known/oauth-authorization-server"):
            server.route(path, Reply(500, {"error": "server_error"}) if fault == "500"
                         else Reply(200, "<html>maintenance</html>"))
        if fault != "closed port":
            dialog = _dialog(window, qtbot)
            _generic(dialog, url)
            named(dialog, "Fetch endpoints").click()
    if fault == "closed port":
        dialog = _dialog(window, qtbot)
        _generic(dialog, url)
        named(dialog, "Fetch endpoints").click()
    text = named(dialog, "Discovery result").text()
    assert text.startswith("Discovery failed: ") and "You can still save the client" in text
    assert named(dialog, "Fetch endpoints").isEnabled()
    assert named(dialog, "Token endpoint source").text() == "from discovery"


def test_a_changed_issuer_forgets_what_the_old_one_published(window, qtbot):
    with LocalServer() as server:
        _both_documents(server)
        dialog = _dialog(window, qtbot)
        _generic(dialog, server.url)
        named(dialog, "Fetch endpoints").click()
        assert named(dialog, "Token endpoint source").text() == "from discovery (OpenID)"
        named(dialog, "Issuer URL").setText("https://elsewhere.example")
    assert named(dialog, "Token endpoint source").text() == "from discovery"
    assert named(dialog, "Token endpoint").placeholderText() == "from discovery"
    assert named(dialog, "Discovery result").text().startswith("Not fetched")


def test_saving_without_an_open_vault_is_refused_in_the_dialog(window, qtbot):
    assert window.vault_controller.vault is None  # the Vault view was never shown
    dialog = _dialog(window, qtbot)
    _generic(dialog, "https://as.example")
    named(dialog, "Client ID").setText("id")
    named(dialog, "Add client").click()
    assert dialog.isVisible() and "vault is not open" in named(dialog, "Error").text()
    assert named(dialog, "Add client").isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # cancel from the keyboard
    assert not dialog.isVisible()


@pytest.mark.integration
def test_private_key_jwt_takes_a_private_key_kept_in_the_keyring(
        make_window, keyring_store_factory, qtbot, rsa_private):
    win = make_window(store_factory=keyring_store_factory, tab="vault_view")
    qtbot.waitUntil(lambda: win.vault_controller.vault is not None, timeout=10_000)
    dialog = _dialog(win, qtbot)
    _generic(dialog, "https://as.example")
    named(dialog, "Client ID").setText("signer")
    method = named(dialog, "Client authentication")
    method.setCurrentIndex(method.findData("private_key_jwt"))
    key = named(dialog, "Private key", QLineEdit)
    assert key.echoMode() == QLineEdit.EchoMode.Password
    named(dialog, "Add client").click()
    assert "needs the client's private key" in named(dialog, "Error").text()
    key.setText("not a key")
    named(dialog, "Add client").click()
    assert "PEM" in named(dialog, "Error").text() and dialog.isVisible()
    pem = private_pem(rsa_private)
    key.setText(pem)
    named(dialog, "Add client").click()
    assert not dialog.isVisible()
    vault = win.vault_controller.vault
    assert vault.client("generic-dev").auth_method == "private_key_jwt"
    assert vault.client_private_key("generic-dev") == pem.strip()
    assert vault.client_secret("generic-dev") is None


def _tab_walk(qtbot, start, presses: int) -> list[str]:
    """The accessible names (or texts) focus visits from ``start``, Tab by Tab."""
    start.setFocus()
    seen = []
    for _ in range(presses):
        widget = QApplication.focusWidget()
        seen.append(widget.accessibleName() or getattr(widget, "text", lambda: "")())
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    return seen


def test_tab_walks_the_form_in_the_order_it_reads(window, qtbot):
    dialog = _dialog(window, qtbot)
    order = _tab_walk(qtbot, named(dialog, "Provider"), 14)
    assert order == ["Provider", "Tenant domain", "Client ID", "Client secret", "Show secret",
                     "Client authentication", "Scope", "Name", "Fetch endpoints",
                     "Show advanced endpoints", "Show more settings", "Add client", "Cancel",
                     "Provider"]


def test_tab_walks_the_admin_form_with_its_admin_api_in_place(window, qtbot):
    dialog = _dialog(window, qtbot, admin=True)
    order = _tab_walk(qtbot, named(dialog, "Provider"), 5)
    assert order == ["Provider", "Tenant domain", "Admin connection", "Client ID",
                     "Client secret"]


def test_the_form_refuses_what_the_server_would_refuse(window, qtbot):
    dialog = _dialog(window, qtbot)
    _generic(dialog, "https://as.example")
    named(dialog, "Client ID").setText("id")
    method = named(dialog, "Client authentication")
    method.setCurrentIndex(method.findData("client_secret_post"))
    named(dialog, "Add client").click()
    assert named(dialog, "Error").text() == "client_secret_post needs the client secret."
    named(dialog, "Issuer URL").setText("http://as.example")  # plain http, not this machine
    named(dialog, "Add client").click()
    assert "https://" in named(dialog, "Error").text() and dialog.isVisible()


def test_a_stored_private_key_is_kept_not_replaced_when_editing(window, qtbot):
    from tokendesk.core.vault.model import Client

    client = Client("signer", "http://127.0.0.1:1/", "signer", "private_key_jwt",
                    has_secret=True)  # port 1: the edit dialog's discovery fails at once
    dialog = _dialog(window, qtbot, client=client)
    key = named(dialog, "Private key", QLineEdit)
    assert key.placeholderText() == "leave empty to keep the stored one"
    assert dialog.form.validate() is None and dialog.form.private_key() is None
    key.setText("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----")
    assert "cannot be replaced here" in (dialog.form.validate() or "")
