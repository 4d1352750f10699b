"""The Vault's Clients list (issue 15): a client just added is selected; Edit; Delete names the
credentials that use the client and deletes their local copies only when confirmed."""

from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.helpers.named import named, on_dialog
from tests.helpers.vault_ui import SECRET, add_client, add_credential, fill_client

pytestmark = pytest.mark.integration


@pytest.fixture
def vault_window(make_window, keyring_store_factory, qtbot):
    win = make_window(store_factory=keyring_store_factory, tab="vault_view")
    qtbot.waitUntil(lambda: "keyring" in win.vault_view.where.text(), timeout=5000)
    return win


def test_a_client_just_added_is_listed_and_selected(vault_window):
    view = vault_window.vault_view
    add_client(vault_window, "first")
    add_client(vault_window, "second")
    clients = named(view, "Clients")
    rows = clients.selectionModel().selectedRows()
    assert [view.clients_model.client(r.row()).name for r in rows] == ["second"]
    assert view.clients_model.rowCount() == 2
    assert view.clients_model.data(view.clients_model.index(1, 3)) == "nothing yet"
    assert named(view, "Delete client").isEnabled() and named(view, "Edit client").isEnabled()


def test_deleting_a_client_nobody_uses_asks_first(vault_window):
    view = vault_window.vault_view
    add_client(vault_window, "unused")
    texts = []

    def answer(button):
        def act(box):
            texts.append(box.text())
            box.button(button).click()
        return act

    with on_dialog(answer(QMessageBox.StandardButton.Cancel), expect=QMessageBox):
        named(view, "Delete client").click()
    assert "No credential uses it" in texts[0]
    assert vault_window.vault_controller.vault.client("unused")
    assert "Nothing was deleted" in vault_window.status_text.text()
    with on_dialog(answer(QMessageBox.StandardButton.Yes), expect=QMessageBox):
        named(view, "Delete client").click()
    assert vault_window.vault_controller.vault.clients() == []
    assert view.clients_model.rowCount() == 0
    assert "Deleted the client unused" in vault_window.status_text.text()


def test_deleting_a_client_in_use_names_its_credentials_and_deletes_them_only_if_confirmed(
        vault_window, secret_service):
    view = vault_window.vault_view
    vault = vault_window.vault_controller.vault
    add_client(vault_window)
    add_credential(vault_window, "dora")
    add_credential(vault_window, "eve", json.dumps({"refresh_token": "eve-refresh-token-9"}))
    view.clients_table.selectRow(0)
    seen = {}

    def answer(button):
        def act(box):
            seen["text"] = box.text()
            seen["yes"] = box.button(QMessageBox.StandardButton.Yes).text()
            box.button(button).click()
        return act

    with on_dialog(answer(QMessageBox.StandardButton.Cancel), expect=QMessageBox):
        named(view, "Delete client").click()
    assert "“dora”, “eve”" in seen["text"] and "stay valid at the server" in seen["text"]
    assert seen["yes"] == "Delete client and 2 credentials"
    assert [c.name for c in vault.credentials()] == ["dora", "eve"]
    backend = secret_service.backend()
    slots = [(f"tokendesk/credential/{c.uid}", f"refresh_token@{c.slot}")
             for c in (vault.credential(n) for n in ("dora", "eve"))]
    assert all(backend.get_password(*slot) for slot in slots)
    with on_dialog(answer(QMessageBox.StandardButton.Yes), expect=QMessageBox):
        named(view, "Delete client").click()
    assert vault.clients() == [] and vault.credentials() == []
    assert view.model.rowCount() == 0 and view.clients_model.rowCount() == 0
    assert not any(backend.get_password(*slot) for slot in slots)  # gone from the keyring
    assert "Deleted the client dev and the local copies of dora, eve" in (
        vault_window.status_text.text())


def test_a_credential_stored_while_confirming_keeps_the_client(vault_window):
    """The user confirmed deleting dora with the client; eve arrived meanwhile (a script):
    dora goes as confirmed, but the vault refuses to orphan eve, and says so."""
    from tokendesk.core.vault import TokenSet

    view = vault_window.vault_view
    vault = vault_window.vault_controller.vault
    add_client(vault_window)
    add_credential(vault_window, "dora")
    view.clients_table.selectRow(0)

    def confirm(box):
        vault.add_credential("eve", "dev", TokenSet("eve-refresh-token-9"))
        box.button(QMessageBox.StandardButton.Yes).click()
    with on_dialog(confirm, expect=QMessageBox):
        named(view, "Delete client").click()
    assert vault.client("dev") and [c.name for c in vault.credentials()] == ["eve"]
    assert "still has credentials" in named(view, "Vault location").text()
    assert view.clients_model.data(view.clients_model.index(0, 3)) == "1 credential: eve"


def test_a_client_name_already_taken_is_refused_and_the_dialog_stays_open(vault_window):
    add_client(vault_window, "dev")
    seen = {}

    def fill(d):
        fill_client(d, "dev")
        named(d, "Add client").click()
        seen["open"] = d.isVisible()
        seen["error"] = named(d, "Error").text()
        d.reject()
    with on_dialog(fill):
        named(vault_window.vault_view, "Add client").click()
    assert seen["open"] and "dev" in seen["error"]
    assert SECRET not in seen["error"]
    assert len(vault_window.vault_controller.vault.clients()) == 1


def test_edit_the_client_chosen_in_the_clients_list(vault_window):
    view = vault_window.vault_view
    add_client(vault_window, "alpha")
    add_client(vault_window, "beta")
    view.clients_table.selectRow(0)  # alpha; beta (just added) was selected
    seen = {}

    def change(d):
        seen["title"] = d.windowTitle()
        named(d, "Scope").setText("openid api:alpha")
        named(d, "Save").click()
    with on_dialog(change):
        named(view, "Edit client").click()
    assert seen["title"] == "Edit the client alpha"
    assert vault_window.vault_controller.vault.client("alpha").scope == "openid api:alpha"
    assert view.selected_client_name() == "alpha"
