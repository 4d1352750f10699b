"""The Vault view against a real Secret Service, driven through its dialogs."""

from __future__ import annotations

import json

import jwt as pyjwt
import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from tests.conftest import NOW
from tests.helpers.qt import drive

pytestmark = pytest.mark.integration

SECRET = "gui-client-secret-77aa66bb"
REFRESH = "gui-refresh-token-0f1e2d3c4b5a"
ACCESS = pyjwt.encode({"sub": "dora", "exp": NOW + 120}, "a" * 32, algorithm="HS256")


@pytest.fixture
def vault_window(make_window, keyring_store_factory, qtbot):
    win = make_window(store_factory=keyring_store_factory, tab="vault_view")
    qtbot.waitUntil(lambda: "keyring" in win.vault_view.where.text(), timeout=5000)
    return win


def add_client(window):
    def fill(d):
        d.name.setText("dev")
        d.issuer.setText("https://op.example/")
        d.client_id.setText("client-1")
        d.secret.setText(SECRET)
        d.environment.setCurrentText("dev")
        d.buttons.accepted.emit()
    drive(fill)
    window.vault_view.add_client()


def add_credential(window, name="dora", tokens=None):
    def fill(d):
        d.name.setText(name)
        d.tokens.setPlainText(tokens or json.dumps({"refresh_token": REFRESH,
                                                    "access_token": ACCESS}))
        d.buttons.accepted.emit()
    drive(fill)
    window.vault_view.add_credential()


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
        d.tokens.setPlainText('{"access_token": "only an access token"}')
        d.buttons.accepted.emit()
        messages.append(d.error.text())
        d.reject()
    drive(fill)
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
        assert dialog.name.isReadOnly() and dialog.issuer.text() == "https://op.example/"
        assert dialog.warn_minutes.value() == 5 and dialog.refresh_lifetime.value() == 0
        dialog.scope.setText("openid offline_access api:read")
        dialog.secret.setText("a-new-client-secret")
        dialog.warn_minutes.setValue(20)
        dialog.refresh_lifetime.setValue(30)
        dialog.lifetime_kind.setCurrentIndex(0)
        dialog.buttons.accepted.emit()
    drive(change)
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
        seen.append(d.tokens.toPlainText())
        d.name.setText("from-inspector")
        d.buttons.accepted.emit()
    drive(fill)
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
            section = dialog.advanced
            qtbot.waitUntil(lambda: "/revoke" in section.source("revocation_endpoint"),
                            timeout=5000)
            seen.update({m: section.source(m) for m in section.fields})
            section.fields["userinfo_endpoint"].setText(server.url + "/me")
            dialog.buttons.accepted.emit()
        drive(look)
        view.edit_client()
    assert seen["device_authorization_endpoint"] == "set by hand"
    assert seen["revocation_endpoint"] == f"from discovery: {server.url}/revoke"
    assert seen["token_endpoint"] == f"from discovery: {server.url}/token"
    assert seen["introspection_endpoint"] == "from discovery"
    assert vault.client("dev").endpoints == {
        "device_authorization_endpoint": server.url + "/device",
        "userinfo_endpoint": server.url + "/me"}
