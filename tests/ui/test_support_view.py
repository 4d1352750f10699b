"""The Support view driven as a person would, against the fake Auth0 admin API on 127.0.0.1."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from tests.helpers.fake_admin import FakeAuth0, FakeOkta
from tests.helpers.named import named, on_dialog
from tests.helpers.qt import drive

pytestmark = pytest.mark.integration


@pytest.fixture
def fake():
    with FakeAuth0() as server:
        server.add_user("auth0|alice", "alice@example.com", "Alice Liddell")
        server.add_user("auth0|bob", "bob@example.com", "Bob Builder")
        server.add_refresh_tokens("auth0|alice", 2)
        server.add_session("auth0|alice", "sess_a1")
        server.add_grant("auth0|alice", "cgr_1")
        yield server


def _add_connection(vault, server, name="auth0-admin", provider="auth0"):
    from tokendesk.core.vault import Client

    vault.add_client(Client(name, server.url + "/", server.CLIENT_ID, "client_secret_post",
                            endpoints={"token_endpoint": server.url + server.TOKEN_PATH},
                            admin_provider=provider), server.CLIENT_SECRET)


@pytest.fixture
def support(make_window, keyring_store_factory, fake):
    win = make_window(store_factory=keyring_store_factory, tab="vault_view")
    _add_connection(win.vault_controller.vault, fake)
    win.tabs.setCurrentWidget(win.support_view)
    return win


def _answer(button):
    def act(box):
        assert isinstance(box, QMessageBox)
        act.text = box.text()
        box.button(button).click()
    act.text = ""
    return act


def test_find_a_user_open_their_page_and_see_tokens_sessions_and_grants(support, fake):
    view = support.support_view
    assert view.connection.currentText() == "auth0-admin (auth0)"
    view.search.setText("alice@example.com")
    view.find_button.click()
    assert view.users.rowCount() == 1  # one match: its page opens at once
    assert "Alice Liddell" in view.profile.text() and "2 refresh tokens" in view.profile.text()
    kinds = [view.items.record(i).kind for i in range(view.items.rowCount())]
    assert sorted(kinds) == ["grant", "refresh token", "refresh token", "session"]
    assert "read:users" in view.granted.text() and "delete:sessions" in view.granted.text()
    assert view.revoke_tokens.isEnabled()


def test_revoking_asks_first_names_the_user_and_shows_the_providers_answer(support, fake):
    view = support.support_view
    view.search.setText("alice@example.com")
    view.find_button.click()
    cancel = _answer(QMessageBox.StandardButton.Cancel)
    drive(cancel)
    view.end_sessions.click()
    assert "alice@example.com" in cancel.text and "Auth0" in cancel.text
    assert "What stops working" in cancel.text
    assert fake.sessions and "Nothing was revoked" in view.result.text()
    drive(_answer(QMessageBox.StandardButton.Yes))
    view.end_sessions.click()
    assert fake.sessions == []
    assert "done" in view.result.text() and "HTTP 202" in view.result.text()
    assert "support revoke" in view.audit.toPlainText()
    # the page was reloaded from the provider: the session is gone from the list
    assert "session" not in [view.items.record(i).kind for i in range(view.items.rowCount())]


def test_revoke_the_selected_refresh_token(support, fake):
    view = support.support_view
    view.search.setText("alice@example.com")
    view.find_button.click()
    row = next(i for i in range(view.items.rowCount())
               if view.items.record(i).kind == "refresh token")
    token_id = view.items.record(row).id
    view.items_table.selectRow(row)
    drive(_answer(QMessageBox.StandardButton.Yes))
    view.revoke_selected.click()
    assert token_id in fake.deleted
    assert token_id in view.result.text()


def test_errors_are_shown_in_the_view(support, fake):
    view = support.support_view
    view.search.setText("nobody@example.com")
    view.find_button.click()
    assert "No user matches" in view.progress.text()
    view.search.setText("")
    view.find_button.click()
    assert "Type an email" in view.progress.text()
    fake.throttle, fake.retry_after = 1, 3600
    view.search.setText("alice@example.com")
    view.find_button.click()
    assert "rate limiting" in view.result.text()
    assert FakeAuth0.CLIENT_SECRET not in view.result.text()


def test_a_missing_scope_is_named_in_the_view(make_window, keyring_store_factory):
    with FakeOkta(scopes=["okta.users.read"]) as okta:
        okta.add_user("00u1abcdefghijKLMN", "alice@example.com", "Alice", "Liddell")
        win = make_window(store_factory=keyring_store_factory, tab="vault_view")
        _add_connection(win.vault_controller.vault, okta, "okta-admin", "okta")
        win.tabs.setCurrentWidget(win.support_view)
        view = win.support_view
        view.search.setText("alice@example.com")
        view.find_button.click()
        assert view.user is not None
        drive(_answer(QMessageBox.StandardButton.Yes))
        view.end_sessions.click()
        assert "okta.users.manage" in view.result.text()
        assert okta.cleared_sessions == []


def test_without_an_admin_connection_find_waits_and_the_hint_is_shown_once(window, qtbot):
    view = window.support_view
    window.tabs.setCurrentWidget(view)
    empty = named(view, "No admin connection")
    assert empty.isVisible() and named(view, "Add admin connection").isVisible()
    assert not named(view, "Find").isEnabled() and not named(view, "Find user").isEnabled()
    before = {w.accessibleName(): w.geometry() for w in (empty, named(view, "Result"),
                                                         named(view, "Progress"))}
    # pressing what can be pressed changes nothing: no second hint, nothing moves
    qtbot.mouseClick(named(view, "Find"), Qt.MouseButton.LeftButton)
    qtbot.keyClick(named(view, "Find user"), Qt.Key.Key_Return)
    view.find_users()
    hint = "No admin connection yet"
    shown = [w for w in view.findChildren(QLabel) if hint in w.text()]
    assert len(shown) == 1 and shown[0].accessibleName() == "Setup hint"
    assert named(view, "Result").text() == "" and named(view, "Granted scopes").isHidden()
    assert {w.accessibleName(): w.geometry() for w in (
        empty, named(view, "Result"), named(view, "Progress"))} == before


def test_add_admin_connection_offers_the_admin_presets_and_then_finds_users(
        make_window, keyring_store_factory, fake, qtbot):
    win = make_window(store_factory=keyring_store_factory, tab="support_view")
    qtbot.waitUntil(lambda: win.vault_controller.vault is not None, timeout=10_000)
    view = win.support_view
    seen = {}

    def fill(dialog):
        provider = named(dialog, "Provider")
        seen["presets"] = [provider.itemData(i) for i in range(provider.count())]
        seen["auth0 api"] = named(dialog, "Admin connection").currentData()
        seen["auth0 auth"] = named(dialog, "Client authentication").currentData()
        seen["name"] = named(dialog, "Name").text()
        provider.setCurrentIndex(provider.findData("okta"))
        seen["okta auth"] = named(dialog, "Client authentication").currentData()
        seen["okta scope"] = named(dialog, "Scope").text()
        named(dialog, "Okta domain").setText("dev-123456.okta.com")
        seen["okta issuer"] = named(dialog, "Issuer").text()
        # the fake Auth0 tenant on 127.0.0.1: an issuer typed as is, the Management API
        provider.setCurrentIndex(provider.findData("generic"))
        api = named(dialog, "Admin connection")
        api.setCurrentIndex(api.findData("auth0"))
        named(dialog, "Issuer URL").setText(fake.url + "/")
        named(dialog, "Client ID").setText(fake.CLIENT_ID)
        named(dialog, "Client secret").setText(fake.CLIENT_SECRET)
        named(dialog, "Name").setText("auth0-admin")
        named(dialog, "Show advanced endpoints").click()
        named(dialog, "Token endpoint").setText(fake.url + fake.TOKEN_PATH)
        named(dialog, "Add connection").click()
    with on_dialog(fill):
        named(view, "Add admin connection").click()
    assert seen["presets"] == ["auth0", "okta", "keycloak", "generic"]
    assert (seen["auth0 api"], seen["auth0 auth"], seen["name"]) == (
        "auth0", "client_secret_post", "auth0-admin")
    assert seen["okta auth"] == "private_key_jwt"
    assert seen["okta scope"] == "okta.users.read okta.users.manage"
    assert seen["okta issuer"] == "https://dev-123456.okta.com"  # the org server
    assert view.connection.currentText() == "auth0-admin (auth0)"
    assert named(view, "Find").isEnabled() and not named(view, "No admin connection").isVisible()
    assert "Added the admin connection auth0-admin" in win.status_text.text()
    named(view, "Find user").setText("alice@example.com")
    qtbot.keyClick(named(view, "Find user"), Qt.Key.Key_Return)
    assert view.users.rowCount() == 1 and "Alice Liddell" in named(view, "User").text()
    assert fake.CLIENT_SECRET not in named(view, "Result").text()


def test_cancelling_add_admin_connection_keeps_the_empty_state(
        make_window, keyring_store_factory, qtbot):
    win = make_window(store_factory=keyring_store_factory, tab="support_view")
    qtbot.waitUntil(lambda: win.vault_controller.vault is not None, timeout=10_000)
    view = win.support_view

    def cancel(dialog):
        named(dialog, "Client ID").setText("half-typed")
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    with on_dialog(cancel):
        named(view, "Add admin connection").click()
    assert win.vault_controller.vault.clients() == []
    assert named(view, "No admin connection").isVisible()
    assert not named(view, "Find").isEnabled()


def test_an_admin_connection_added_in_the_vault_appears_in_support(
        make_window, keyring_store_factory, fake, qtbot):
    """Whichever form adds it (here the Vault's), Support follows without being reopened."""
    win = make_window(store_factory=keyring_store_factory, tab="support_view")
    qtbot.waitUntil(lambda: win.vault_controller.vault is not None, timeout=10_000)
    from tokendesk.core.vault import Client

    win.vault_controller.add_client(Client(
        "kc-admin", "http://127.0.0.1:9/realms/acme", "support-bot", "client_secret_basic",
        admin_provider="keycloak"), "kc-secret-123")
    view = win.support_view
    assert view.connection.currentText() == "kc-admin (keycloak)"
    assert named(view, "Find").isEnabled()


def test_export_the_audit_trail_as_csv(support, fake, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    view = support.support_view
    view.search.setText("alice@example.com")
    view.find_button.click()
    drive(_answer(QMessageBox.StandardButton.Yes))
    view.end_sessions.click()
    target = tmp_path / "ticket.csv"
    # the native file dialog cannot be driven offscreen: answer it with the path
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    view.export_audit.click()
    lines = target.read_text().splitlines()
    assert lines[0] == "time_utc,action,target,detail,actor"
    assert "support revoke" in lines[1] and "support:auth0:auth0|alice" in lines[1]
    assert FakeAuth0.CLIENT_SECRET not in target.read_text()
    assert "exported" in support.status_text.text()


def test_cancel_stops_a_long_listing(make_window, keyring_store_factory, fake, qtbot):
    """With the real thread pool, driven as a person does: a user with 40 pages of tokens is
    found and opened, and Cancel is pressed while the listing pages. The fake holds its third
    page until then, so the cancel lands mid-listing on every run, however slow the machine."""
    import threading

    fake.add_refresh_tokens("auth0|bob", 2000)
    plain = fake._rt_list
    served: list[object] = []
    third_page, release = threading.Event(), threading.Event()

    def held(req, uid):
        served.append(req)
        if len(served) == 3:
            third_page.set()
            release.wait(30)
        return plain(req, uid)
    fake._routes = [(m, p, held if h == plain else h) for m, p, h in fake._routes]
    win = make_window(threaded=True, store_factory=keyring_store_factory, tab="vault_view")
    qtbot.waitUntil(lambda: win.vault_controller.vault is not None, timeout=10_000)
    _add_connection(win.vault_controller.vault, fake)
    win.tabs.setCurrentWidget(win.support_view)
    view = win.support_view
    qtbot.waitUntil(lambda: view.connection.count() == 1, timeout=10_000)
    view.search.setText("bob@example.com")
    view.find_button.click()  # one user found: opened at once
    try:
        qtbot.waitUntil(third_page.is_set, timeout=20_000)
        assert view.cancel_button.isEnabled()  # offered while the listing runs
        view.cancel_button.click()
    finally:
        release.set()
    assert "Cancelled" in view.progress.text()
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=20_000)
    assert len(served) == 3  # no page was asked for after the cancel (2000 tokens: 40 pages)
    assert view.items.rowCount() == 0  # the cancelled result is not shown


def test_an_edited_connection_fetches_a_new_machine_token(support, fake, qtbot):
    """Its cached machine token belonged to the old settings: after an edit in the Vault's
    client form (here a wrong secret), the next search asks for a token again and says why
    it was refused."""
    view = support.support_view
    named(view, "Find user").setText("alice@example.com")
    named(view, "Find").click()
    assert view.users.rowCount() == 1
    tokens_before = len(fake.tokens)

    def wrong_secret(dialog):
        named(dialog, "Client secret").setText("not-the-admin-secret-42")
        named(dialog, "Save").click()
    support.tabs.setCurrentWidget(support.vault_view)
    support.vault_view.clients_table.selectRow(0)
    with on_dialog(wrong_secret):
        named(support.vault_view, "Edit client").click()
    support.tabs.setCurrentWidget(view)
    named(view, "Find").click()
    result = named(view, "Result").text()
    assert "could not get a machine token" in result and "HTTP 401" in result
    assert "not-the-admin-secret-42" not in result
    assert len(fake.tokens) == tokens_before and view.users.rowCount() == 1  # nothing new
