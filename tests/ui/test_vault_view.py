"""The Vault view against a real Secret Service, driven through its dialogs."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit, QMessageBox

from tests.helpers.named import named, on_dialog
from tests.helpers.qt import drive
from tests.helpers.vault_ui import ACCESS, NOW, REFRESH, add_client, add_credential

pytestmark = pytest.mark.integration

@pytest.fixture
def vault_window(make_window, keyring_store_factory, qtbot):
    win = make_window(store_factory=keyring_store_factory, tab="vault_view")
    qtbot.waitUntil(lambda: "keyring" in win.vault_view.where.text(), timeout=5000)
    return win


def test_add_client_and_credential_then_see_them(vault_window):
    view = vault_window.vault_view
    add_client(vault_window)
    add_credential(vault_window)
    assert view.model.rowCount() == 1
    view.table.selectRow(0)
    assert view.fields["subject"].text() == "dora"
    assert view.fields["environment"].text() == "dev"
    assert view.secret_labels["refresh_token"].text() == "•" * 12
    assert "added" in view.audit_view.text()


def test_reveal_and_copy_a_secret(vault_window):
    view = vault_window.vault_view
    add_client(vault_window)
    add_credential(vault_window)
    view.table.selectRow(0)
    view.reveal_refresh_token.setChecked(True)
    assert view.secret_labels["refresh_token"].text() == REFRESH
    view.reveal_refresh_token.setChecked(False)
    assert REFRESH not in view.secret_labels["refresh_token"].text()
    view.copy_access_token.click()
    clipboard = QGuiApplication.clipboard()
    assert clipboard.text() == ACCESS
    assert bytes(clipboard.mimeData().data("x-kde-passwordManagerHint")) == b"secret"
    vault_window.clipboard.clear_now()
    assert clipboard.text() == ""


def test_search_and_environment_filter(vault_window):
    view = vault_window.vault_view
    add_client(vault_window)
    add_credential(vault_window, "dora")
    add_credential(vault_window, "eve", json.dumps({"refresh_token": "another-refresh-123"}))
    assert view.model.rowCount() == 2
    view.search.setText("eve")  # "ev" would match the client "dev" too
    view._apply_filter()
    assert [view.model.credential(i).name for i in range(view.model.rowCount())] == ["eve"]
    view.search.setText("")
    view.environment.setCurrentIndex(3)  # prod
    assert view.model.rowCount() == 0


def test_bad_input_in_the_credential_dialog_is_explained(vault_window):
    add_client(vault_window)
    messages = []

    def fill(d):
        d.name.setText("x")
        d.tokens.setText('{"access_token": "only an access token"}')
        d.buttons.accepted.emit()
        messages.append(d.error.text())
        d.reject()
    with on_dialog(fill):
        vault_window.vault_view.add_credential()
    assert "no refresh_token" in messages[0]
    assert vault_window.vault_view.model.rowCount() == 0


def test_delete_asks_first_and_offers_to_revoke(vault_window, monkeypatch):
    view = vault_window.vault_view
    add_client(vault_window)
    add_credential(vault_window)
    view.table.selectRow(0)
    texts = []

    def answer(button, revoke):
        def act(box):
            texts.append(box.text())
            box.checkBox().setChecked(revoke)
            box.button(button).click()
        drive(act)

    answer(QMessageBox.StandardButton.Cancel, True)
    view.delete_selected()
    assert view.model.rowCount() == 1 and "stays valid at its server" in texts[0]
    # revoking first, but the server cannot be reached (a closed port on 127.0.0.1):
    # the credential is kept, marked as owing a revocation
    from tests.helpers.http_server import LocalServer
    from tokendesk.core.vault import Client

    with LocalServer() as gone:
        url = gone.url
    vault = vault_window.vault_controller.vault
    vault.update_client(Client("dev", url, "client-1", "client_secret_basic",
                               endpoints={"token_endpoint": url + "/token",
                                          "revocation_endpoint": url + "/revoke"}))
    answer(QMessageBox.StandardButton.Yes, True)
    view.delete_selected()
    assert view.model.rowCount() == 1
    assert str(view.model.credential(0).status) == "revoke pending"
    assert "could not reach" in view.where.text()
    answer(QMessageBox.StandardButton.Yes, False)
    view.table.selectRow(0)
    view.delete_selected()
    assert view.model.rowCount() == 0
    assert "Deleted the local copy of dora" in vault_window.status_text.text()


def test_edit_a_client_and_notes(vault_window, monkeypatch):
    from dataclasses import replace

    from PySide6.QtWidgets import QInputDialog

    view = vault_window.vault_view
    add_client(vault_window)
    add_credential(vault_window)
    vault = vault_window.vault_controller.vault
    # what the form does not show must survive an edit
    vault.update_client(replace(vault.client("dev"),
                                endpoints={"token_endpoint": "https://op.example/t"}))
    vault.set_client_skew("dev", 12.0)
    vault_window.vault_controller.list()
    view.table.selectRow(0)

    def change(dialog):
        assert named(dialog, "Name").isReadOnly()
        assert named(dialog, "Issuer").text() == "https://op.example/"
        assert named(dialog, "Warn").value() == 5
        assert named(dialog, "Refresh-token lifetime").value() == 0
        named(dialog, "Scope").setText("openid offline_access api:read")
        named(dialog, "Client secret").setText("a-new-client-secret")
        named(dialog, "Warn").setValue(20)
        named(dialog, "Refresh-token lifetime").setValue(30)
        named(dialog, "Lifetime kind").setCurrentIndex(0)
        named(dialog, "Save").click()
    with on_dialog(change):
        view.edit_client()
    client = vault.client("dev")
    assert client.scope == "openid offline_access api:read"
    assert vault.client_secret("dev") == "a-new-client-secret"
    assert (client.warn_minutes, client.refresh_lifetime, client.refresh_lifetime_kind) == (
        20.0, 1800.0, "idle")
    assert client.endpoints == {"token_endpoint": "https://op.example/t"}
    assert client.clock_skew == 12.0
    monkeypatch.setattr(QInputDialog, "getMultiLineText",
                        lambda *a, **k: ("customer ticket 4711", True))
    view.edit_notes()
    assert vault.credential("dora").notes == "customer ticket 4711"


def test_a_response_pasted_in_the_inspector_goes_to_the_vault(vault_window):
    add_client(vault_window)
    vault_window.tabs.setCurrentWidget(vault_window.inspector)
    vault_window.inspector.set_text(json.dumps({"refresh_token": REFRESH, "access_token": ACCESS,
                                                "expires_in": 120}))
    seen = []

    def fill(d):
        seen.append(d.tokens.text())
        d.name.setText("from-inspector")
        d.buttons.accepted.emit()
    with on_dialog(fill):
        vault_window.send_to_vault()
    assert REFRESH in seen[0]
    assert vault_window.vault_view.model.credential(0).name == "from-inspector"


def test_credentials_model_passes_the_model_tester(qtmodeltester):
    from tokendesk.core.vault.model import Credential, Status
    from tokendesk.ui.models.credentials_model import CredentialsModel

    model = CredentialsModel()
    model.set_rows([Credential("a", "dev", "u1", Status.ACTIVE, access_expires_at=NOW + 5,
                               environment="dev"),
                    Credential("b", "dev", "u2", Status.REVOKED)], NOW)
    qtmodeltester.check(model, force_py=True)
    model.tick(NOW + 1, 0, 1)


def test_without_a_keyring_the_view_offers_the_encrypted_file(make_window, tokendesk_home):
    from tokendesk.core.vault import FileStore

    win = make_window(store_factory=lambda home: FileStore(home / "secrets.enc"),
                      tab="vault_view")
    view = win.vault_view
    assert view.unlock_button.isVisible()
    assert view.unlock_button.text() == "Create the encrypted file…"

    def fill(d):
        d.passphrase.setText("long enough passphrase")
        d.repeat.setText("long enough passphrase")
        d.buttons.accepted.emit()
    drive(fill)
    view.unlock()
    assert "encrypted file" in view.where.text() and not view.unlock_button.isVisible()
    assert (tokendesk_home / "secrets.enc").exists()


def test_the_encrypted_file_locks_itself_when_idle(make_window, clock, tokendesk_home):
    from tokendesk.core.vault import FileStore

    store = FileStore(tokendesk_home / "secrets.enc")
    tokendesk_home.mkdir(parents=True, exist_ok=True)
    store.create("long enough passphrase")
    store.lock()
    win = make_window(store_factory=lambda home: store, tab="vault_view")
    assert win.vault_view.unlock_button.text() == "Unlock…"

    def fill(d):
        d.passphrase.setText("long enough passphrase")
        d.buttons.accepted.emit()
    drive(fill)
    win.vault_view.unlock()
    controller = win.vault_controller
    assert controller.vault is not None and not store.locked
    clock.t += 14 * 60
    assert not controller.check_idle()
    controller.list()  # activity
    clock.t += 15 * 60
    assert controller.check_idle()
    assert store.locked and controller.vault is None
    assert win.vault_view.unlock_button.isVisible()
    assert "locked after 15 idle minutes" in win.status_text.text()


def test_the_client_dialog_shows_each_endpoints_source(vault_window, qtbot):
    """Issue 14: the edit dialog's advanced section lists each endpoint with "set by hand" or
    "from discovery" and what the issuer's documents publish (both of them, merged)."""
    from dataclasses import replace

    from tests.helpers.http_server import LocalServer, Reply

    with LocalServer() as server:
        server.route("/.well-known/openid-configuration", Reply(body={
            "issuer": server.url, "token_endpoint": server.url + "/token"}))
        server.route("/.well-known/oauth-authorization-server", Reply(body={
            "issuer": server.url, "revocation_endpoint": server.url + "/revoke"}))
        view = vault_window.vault_view
        add_client(vault_window)
        add_credential(vault_window)
        vault = vault_window.vault_controller.vault
        vault.update_client(replace(vault.client("dev"), issuer=server.url, endpoints={
            "device_authorization_endpoint": server.url + "/device"}))
        vault_window.vault_controller.list()
        view.table.selectRow(0)
        seen = {}

        def look(dialog):
            qtbot.waitUntil(lambda: "RFC 8414" in named(
                dialog, "Revocation endpoint source").text(), timeout=5000)
            for label in ("Device authorization", "Revocation", "Token", "Introspection"):
                seen[label] = named(dialog, f"{label} endpoint source").text()
                seen[label + " shown"] = named(dialog, f"{label} endpoint").placeholderText()
            named(dialog, "Userinfo endpoint").setText(server.url + "/me")
            named(dialog, "Save").click()
        with on_dialog(look):
            view.edit_client()
    assert seen["Device authorization"] == "set by hand"
    assert seen["Revocation"] == "from discovery (RFC 8414)"
    assert seen["Revocation shown"] == f"{server.url}/revoke"
    assert seen["Token"] == "from discovery (OpenID)"
    assert seen["Token shown"] == f"{server.url}/token"
    assert seen["Introspection"] == "not published"
    assert vault.client("dev").endpoints == {
        "device_authorization_endpoint": server.url + "/device",
        "userinfo_endpoint": server.url + "/me"}


# -- issue 15: the Clients list, the new entry selected, secrets masked, Reveal/Hide --------------
def test_store_refresh_token_is_masked_while_typed_and_the_new_credential_is_selected(
        vault_window, qtbot):
    view = vault_window.vault_view
    add_client(vault_window)
    add_credential(vault_window, "carol", json.dumps({"refresh_token": "rt-carol-1"}))
    view.search.setText("carol")  # a filter the next one does not match
    view._search_timer.timeout.emit()
    seen = {}

    def fill(d):
        field = named(d, "Refresh token or token response", QLineEdit)
        field.setFocus()
        qtbot.keyClicks(field, REFRESH)
        seen["masked"] = field.echoMode() == QLineEdit.EchoMode.Password
        seen["shown while typed"] = REFRESH in field.displayText()
        named(d, "Show token").click()
        seen["shown with the eye"] = field.displayText() == REFRESH
        named(d, "Name").setText("dora")
        d.buttons.accepted.emit()
    with on_dialog(fill):
        named(view, "Store refresh token").click()
    assert seen == {"masked": True, "shown while typed": False, "shown with the eye": True}
    assert view.selected_name() == "dora"  # the filter made way for it
    assert view.search.text() == ""
    detail = named(view, "Credential details")
    assert detail.isEnabled() and named(detail, "Name").text() == "dora"
    # the dialogs are gone once answered: no typed token waits in a hidden widget
    from PySide6.QtWidgets import QDialog

    qtbot.waitUntil(lambda: not view.findChildren(QDialog))


def test_reveal_becomes_hide_and_nothing_moves(vault_window, qtbot):
    view = vault_window.vault_view
    add_client(vault_window)
    long_token = "r" * 2000  # as long as some providers' refresh tokens
    add_credential(vault_window, "dora", json.dumps({"refresh_token": long_token,
                                                     "access_token": ACCESS}))
    reveal = named(view, "Reveal refresh token")
    value = named(view, "Refresh token", QLineEdit)
    panes = [w.geometry() for w in (named(view, "Credentials"), named(view, "Clients"),
                                    named(view, "Credential details"), reveal, value)]
    assert value.text() == "•" * 12 and reveal.text() == "Reveal"
    reveal.setFocus()
    qtbot.keyClick(reveal, Qt.Key.Key_Space)
    assert reveal.text() == "Hide" and value.text() == long_token
    qtbot.wait(0)
    assert [w.geometry() for w in (named(view, "Credentials"), named(view, "Clients"),
                                   named(view, "Credential details"), reveal, value)] == panes
    qtbot.keyClick(reveal, Qt.Key.Key_Space)
    assert reveal.text() == "Reveal" and value.text() == "•" * 12


def test_none_stored_is_said_where_nothing_is_stored(vault_window):
    view = vault_window.vault_view
    add_client(vault_window)
    add_credential(vault_window, "dora", json.dumps({"refresh_token": REFRESH}))
    for caption in ("Access token", "ID token"):
        assert named(view, caption, QLineEdit).text() == "none stored"
        assert not named(view, f"Reveal {caption.lower()}").isEnabled()
        assert not named(view, f"Copy {caption.lower()}").isEnabled()
    assert named(view, "Refresh token", QLineEdit).text() == "•" * 12
    assert named(view, "Reveal refresh token").isEnabled()


def test_the_passphrases_are_masked_with_an_eye(make_window, tokendesk_home):
    from tokendesk.core.vault import FileStore

    win = make_window(store_factory=lambda home: FileStore(home / "secrets.enc"),
                      tab="vault_view")
    seen = {}

    def fill(d):
        for name in ("Passphrase", "Repeat passphrase"):
            field = named(d, name, QLineEdit)
            field.setText("long enough passphrase")
            seen[name] = field.echoMode() == QLineEdit.EchoMode.Password
        named(d, "Show passphrase").click()
        seen["shown"] = named(d, "Passphrase", QLineEdit).echoMode()
        d.buttons.accepted.emit()
    with on_dialog(fill):
        win.vault_view.unlock_button.click()
    assert seen["Passphrase"] and seen["Repeat passphrase"]
    assert seen["shown"] == QLineEdit.EchoMode.Normal
    assert (tokendesk_home / "secrets.enc").exists()


def test_tab_walks_the_vault_in_the_order_it_reads(vault_window, qtbot):
    from PySide6.QtWidgets import QApplication

    view = vault_window.vault_view
    add_client(vault_window)
    add_credential(vault_window)
    vault_window.activateWindow()
    qtbot.waitUntil(vault_window.isActiveWindow)
    named(view, "Search credentials").setFocus()
    order = []
    for _ in range(17):
        widget = QApplication.focusWidget()
        order.append(widget.accessibleName())
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    assert order[:16] == [
        "Search credentials", "Environment filter", "Sort", "Add client", "Edit client",
        "Delete client", "Clients", "Store refresh token", "Edit notes", "Delete credential",
        "Credentials", "Refresh token", "Reveal refresh token", "Copy refresh token",
        "Access token", "Reveal access token"]
