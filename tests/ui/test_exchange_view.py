"""The Exchange view against panva/oidc-provider and a real Secret Service."""

from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.helpers.oidc_provider import CLIENTS, client_record
from tests.helpers.qt import drive

pytestmark = pytest.mark.integration


@pytest.fixture
def window(make_window, keyring_store_factory, oidc_provider):
    from tokendesk.core.vault import TokenSet

    win = make_window(store_factory=keyring_store_factory, tab="exchange_view")
    vault = win.vault_controller.vault
    vault.add_client(client_record(oidc_provider, "tokendesk-basic"),
                     CLIENTS["tokendesk-basic"][0])
    vault.add_credential("alice", "tokendesk-basic", TokenSet(oidc_provider.mint()))
    win.vault_controller.list()
    return win


def test_refresh_shows_the_rotation_the_redacted_response_and_the_history(window):
    view = window.exchange_view
    assert view.credential.currentText() == "alice"
    before = window.vault_controller.vault.refresh_token("alice")
    view.buttons["refresh"].click()
    assert view.outcome.text().startswith("Refresh of alice by client tokendesk-basic")
    assert "new refresh token issued" in view.outcome.text()
    shown = view.result.toPlainText()  # the raw response, behind its toggle
    assert before not in shown and "<sha256:" in shown and "id_token" in shown
    assert before not in view.card.text() and "ID token" in view.card.text()
    assert view.history.topLevelItemCount() == 1
    assert view.history.topLevelItem(0).text(2) == "200 OK"
    view.buttons["introspect"].click()
    assert view.outcome.text() == "Introspected: active"


def test_replay_asks_first_and_reports_reuse_detection(window, monkeypatch):
    view = window.exchange_view
    view.buttons["refresh"].click()
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or
                        QMessageBox.StandardButton.Yes)
    view.buttons["replay"].click()
    assert "revoke the whole token family" in asked[0]
    assert "refused, as it should be" in view.outcome.text()
    # what is known (the old token was refused) and what is not (the family) are both said,
    # and the credential's state changes at once instead of reading "active"
    assert "not known" in view.card.fact("Not known")
    assert window.vault_view.model.credential(0).status == "unknown"
    view.buttons["refresh"].click()  # the family is gone now
    assert "invalid_grant" in view.outcome.text()
    window.vault_controller.list()
    assert window.vault_view.model.credential(0).status == "needs sign-in"


def test_cancelled_confirmation_sends_nothing(window, monkeypatch):
    view = window.exchange_view
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k:
                        QMessageBox.StandardButton.Cancel)
    view.buttons["revoke"].click()
    view.buttons["twice"].click()
    assert view.history.topLevelItemCount() == 0
    assert window.vault_controller.vault.credential("alice").status == "active"


def test_refresh_twice_at_once_reports_both_outcomes(window, monkeypatch):
    view = window.exchange_view
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    before = window.vault_controller.vault.credential("alice").refresh_fp
    view.buttons["twice"].click()
    result = json.loads(view.result.toPlainText())  # the QA report, behind its toggle
    assert [o["request"] for o in result["outcomes"]] == [1, 2]
    accepted = [o for o in result["outcomes"] if o["result"] == "accepted"]
    # the provider accepts one and refuses the reuse; the accepted token is stored, not lost
    assert len(accepted) == 1 and accepted[0]["stored"]
    cred = window.vault_controller.vault.credential("alice")
    assert cred.refresh_fp == accepted[0]["issued_refresh_fp"] != before
    assert cred.status == "unknown" and "refresh to find out" in result["unknown"]
    assert len(window.vault_controller.vault.index.exchanges("alice")) == 2


def test_sign_in_with_the_browser_from_the_exchange_view(window, monkeypatch):
    import webbrowser

    from tests.integration.test_signin import browser

    monkeypatch.setattr(webbrowser, "open", browser("grace"))

    def fill(dialog):
        dialog.client.setCurrentText("tokendesk-basic")
        dialog.name.setText("grace")
        dialog.buttons.accepted.emit()
    drive(fill)
    window.exchange_view.sign_in()
    assert window.exchange_view.outcome.text() == "Signed in as grace; stored grace"
    assert window.vault_controller.vault.credential("grace").subject == "grace"


def test_device_sign_in_shows_the_code_and_can_be_cancelled(window, oidc_provider):
    import threading

    window.vault_controller.vault.add_client(client_record(oidc_provider, "tokendesk-public"))
    window.vault_controller.list()

    def fill(dialog):
        dialog.client.setCurrentText("tokendesk-public")
        dialog.name.setText("device-user")
        dialog.device.setChecked(True)
        dialog.buttons.accepted.emit()
    shown = []
    window.exchange_controller.device_started.connect(
        lambda device: (shown.append(device.user_code),
                        threading.Timer(0.3, window.exchange_controller.cancel).start()))
    drive(fill)
    window.exchange_view.sign_in()
    assert shown and window.exchange_view._device_dialog is None
    assert "cancelled" in window.exchange_view.outcome.text()


def test_the_access_token_opens_in_the_inspector(window):
    window.exchange_view.buttons["refresh"].click()
    window.exchange_view.inspect_button.click()
    assert window.tabs.currentWidget() is window.inspector
    assert window.inspector.token.text == window.vault_controller.vault.token("alice",
                                                                               "access_token")


def test_client_credentials_from_the_exchange_view(window, oidc_provider):
    window.vault_controller.vault.add_client(client_record(oidc_provider, "tokendesk-machine"),
                                             CLIENTS["tokendesk-machine"][0])
    window.vault_controller.list()

    def fill(dialog):
        dialog.client.setCurrentText("tokendesk-machine")
        dialog.buttons.accepted.emit()
    drive(fill)
    window.exchange_view.client_grant()
    assert window.exchange_view.outcome.text().startswith("Issued by client credentials: <sha256:")
    issued = window.exchange_controller.last_issued
    window.exchange_view.inspect_button.click()
    assert window.inspector.token.text == issued


def test_the_credential_list_ignores_the_vault_search_and_results_follow_the_credential(
        window, oidc_provider, monkeypatch):
    from tokendesk.core.vault import TokenSet

    vault = window.vault_controller.vault
    vault.add_credential("bob", "tokendesk-basic", TokenSet(oidc_provider.mint(sub="bob")))
    window.vault_controller.search = "alice"  # what the Vault view's search box does
    window.vault_controller.list()
    view = window.exchange_view
    names = [view.credential.itemText(i) for i in range(view.credential.count())]
    assert names == ["alice", "bob"]
    view.credential.setCurrentText("alice")
    view.buttons["refresh"].click()
    assert view.outcome.text().startswith("Refresh of alice")
    view.credential.setCurrentText("bob")  # alice's result is not bob's
    assert view.outcome.text() == "" and view.result.toPlainText() == ""
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or
                        QMessageBox.StandardButton.Yes)
    view.buttons["replay"].click()  # bob was never refreshed here: nothing to replay
    assert asked == [] and "bob: refresh it here first" in view.outcome.text()
