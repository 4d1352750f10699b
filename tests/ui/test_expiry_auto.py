"""Expiry automation: auto-refresh against the real provider, failures, skew, pins, tray."""

from __future__ import annotations

import time
from email.utils import formatdate

import jwt as pyjwt
import pytest

from tests.conftest import NOW
from tests.helpers.http_server import LocalServer, Reply
from tests.helpers.oidc_provider import CLIENTS, client_record

pytestmark = pytest.mark.integration


def _refreshes(vault, name, operation="auto-refresh"):
    """The refreshes in the exchange history (automatic ones are marked as such)."""
    return [e for e in vault.index.exchanges(name) if e["operation"] == operation]


@pytest.fixture
def provider_vault(oidc_provider):
    """Adds the provider's client and a credential (refresh token only) to a window's vault."""
    def add(win, name="alice"):
        from tokendesk.core.vault import TokenSet

        vault = win.vault_controller.vault
        if "tokendesk-basic" not in [c.name for c in vault.clients()]:
            vault.add_client(client_record(oidc_provider, "tokendesk-basic"),
                             CLIENTS["tokendesk-basic"][0])
        if name not in [c.name for c in vault.credentials()]:
            vault.add_credential(name, "tokendesk-basic", TokenSet(oidc_provider.mint()))
            vault.set_auto_refresh(name, 120)
        return vault
    return add


def test_auto_refresh_fires_once_then_again_a_set_time_before_expiry(
        make_window, keyring_store_factory, provider_vault, clock, qtbot):
    clock.t = time.time()
    win = make_window(threaded=True, store_factory=keyring_store_factory, tab="vault_view")
    qtbot.waitUntil(lambda: win.vault_controller.vault is not None, timeout=10_000)
    vault = provider_vault(win)
    view = win.expiry_view
    win.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.scheduler.scheduled == ["alice"], timeout=10_000)
    for _ in range(5):  # ticks while the first refresh is still in flight
        view.tick()
    qtbot.waitUntil(lambda: not win.tasks.busy and len(_refreshes(vault, "alice")) >= 1,
                    timeout=15_000)
    view.tick()
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=15_000)
    assert len(_refreshes(vault, "alice")) == 1
    cred = vault.credential("alice")
    assert cred.has_access_token and cred.rotation_count == 1
    assert "Auto-refreshed alice" in win.status_text.text()
    # the provider's access tokens live 300 s: 121 s before the end nothing happens, at 120 s
    # before it the second refresh runs
    clock.t = cred.access_expires_at - 121 - view.scheduler._entries["alice"].skew
    view.tick()
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=15_000)
    assert len(_refreshes(vault, "alice")) == 1
    clock.t += 2
    view.tick()
    qtbot.waitUntil(lambda: len(_refreshes(vault, "alice")) == 2 and not win.tasks.busy,
                    timeout=15_000)
    assert vault.credential("alice").rotation_count == 2


def test_two_windows_at_once_refresh_only_once(make_window, keyring_store_factory,
                                                provider_vault, clock, qtbot):
    clock.t = time.time()
    wins = [make_window(threaded=True, store_factory=keyring_store_factory, tab="vault_view")
            for _ in range(2)]
    for win in wins:
        qtbot.waitUntil(lambda w=win: w.vault_controller.vault is not None, timeout=10_000)
    vault = provider_vault(wins[0])
    views = [win.expiry_view for win in wins]
    for win, view in zip(wins, views, strict=True):
        win.tabs.setCurrentWidget(view)
        view.reload()
        qtbot.waitUntil(lambda v=view: v.scheduler.scheduled == ["alice"], timeout=10_000)
    for view in views:  # both decide at the same moment that a refresh is due
        view.tick()
    qtbot.waitUntil(lambda: not any(w.tasks.busy for w in wins), timeout=20_000)
    assert len(_refreshes(vault, "alice")) == 1
    cred = vault.credential("alice")
    assert cred.status == "active" and cred.rotation_count == 1  # no reuse detected


@pytest.fixture
def fault_window(make_window, keyring_store_factory):
    """A window whose credential 'bob' is due for auto-refresh at a fault server."""
    from tokendesk.core.vault import Client, TokenSet

    server = LocalServer().__enter__()
    win = make_window(store_factory=keyring_store_factory, tab="vault_view")
    vault = win.vault_controller.vault
    vault.add_client(Client("faulty", server.url + "/", "c", "client_secret_post",
                            endpoints={"token_endpoint": server.url + "/token"}), "s3cret-faulty")
    access = pyjwt.encode({"sub": "bob", "exp": NOW + 100}, "k" * 32, algorithm="HS256")
    vault.add_credential("bob", "faulty", TokenSet("rt-bob-1", access))
    vault.set_auto_refresh("bob", 120)
    win.tabs.setCurrentWidget(win.expiry_view)
    yield win, server
    server.__exit__(None, None, None)


def test_a_failed_scheduled_refresh_warns_backs_off_and_stops_on_invalid_grant(
        fault_window, clock):
    win, server = fault_window
    view = win.expiry_view
    warnings: list[str] = []
    view.warned.connect(warnings.append)
    server.route("/token", Reply(503, {"error": "temporarily_unavailable"},
                                 headers={"Retry-After": "90"}))
    view.tick()  # the token lives 100 s: its 120 s lead is capped at half that
    assert server.count("/token") == 0
    clock.t += 50
    view.tick()
    assert server.count("/token") == 1
    failed = [w for w in warnings if "Auto-refresh of bob failed" in w]
    assert failed and "90 s" in failed[0] and "rt-bob-1" not in failed[0]
    view.tick()
    clock.t += 60
    view.tick()
    assert server.count("/token") == 1  # backing off
    server.route("/token", Reply(400, {"error": "invalid_grant", "error_description": "revoked"}))
    clock.t += 31
    view.tick()
    assert server.count("/token") == 2
    assert any("Auto-refresh of bob stopped" in w and "sign in again" in w for w in warnings)
    assert win.vault_controller.vault.credential("bob").status == "needs-sign-in" or \
        win.vault_controller.vault.credential("bob").status.value == "needs sign-in"
    clock.t += 3600
    view.tick()
    assert server.count("/token") == 2  # stopped: no hammering
    assert all("rt-bob" not in w and "s3cret" not in w for w in warnings)


def test_skew_from_the_servers_date_header_is_shown_and_applied(fault_window, clock, qtbot):
    win, server = fault_window
    clock.t = NOW + 50  # the server's clock reads 5 minutes later
    server.route("/token", Reply(200, {"access_token": "opaque-at", "expires_in": 3600,
                                       "token_type": "Bearer"},
                                 headers={"Date": formatdate(NOW + 350, usegmt=True)}))
    view = win.expiry_view
    view.tick()
    vault = win.vault_controller.vault
    assert server.count("/token") == 1
    assert vault.client("faulty").clock_skew == pytest.approx(300, abs=2)
    # stored on the server's clock, shown on ours
    assert vault.credential("bob").access_expires_at == pytest.approx(NOW + 350 + 3600)
    view.reload()
    access = next(i for i in range(view.model.rowCount())
                  if view.model.row(i).kind == "access token")
    assert view.model.row(access).expires_at == pytest.approx(NOW + 50 + 3600)
    assert view.model.index(access, 3).data() == "1 h"
    assert view.skew_notice.isVisible() and "300 s ahead" in view.skew_notice.text()


def test_per_client_warning_minutes(make_window, keyring_store_factory, clock):
    from tokendesk.core.vault import Client, TokenSet

    win = make_window(store_factory=keyring_store_factory, tab="vault_view")
    vault = win.vault_controller.vault
    vault.add_client(Client("patient", "https://op.example/", "c", warn_minutes=15))
    access = pyjwt.encode({"sub": "u", "exp": NOW + 7200}, "k" * 32, algorithm="HS256")
    vault.add_credential("carol", "patient", TokenSet("rt-carol", access))
    warnings: list[str] = []
    win.expiry_view.warned.connect(warnings.append)
    win.tabs.setCurrentWidget(win.expiry_view)
    clock.t = NOW + 7200 - 1000
    win.expiry_view.tick()
    assert warnings == []  # 16 min 40 s left
    clock.t = NOW + 7200 - 800
    win.expiry_view.tick()
    assert warnings == ["The access token of carol expires in less than 15 min: refresh it in "
                        "the Exchange view."]


def test_pin_a_token_from_the_inspector(make_window, clock, tokendesk_home):
    win = make_window()
    token = pyjwt.encode({"sub": "pinned-user", "iat": NOW - 60, "exp": NOW + 60},
                         "k" * 32, algorithm="HS256")
    win.inspector.set_text(token)
    view = win.expiry_view
    warnings: list[str] = []
    view.warned.connect(warnings.append)
    win.pin_to_expiry()
    assert "Pinned pinned-user" in win.status_text.text()
    rows = [view.model.row(i) for i in range(view.model.rowCount())]
    assert [(r.credential, r.pinned) for r in rows] == [("pinned-user", True)]
    from tokendesk.ui.models.expiry_model import LIFETIME, LIFETIME_ROLE

    assert view.model.index(0, LIFETIME).data(LIFETIME_ROLE) == pytest.approx(0.5)
    assert view.model.index(0, LIFETIME).data() == "50% left"
    win.pin_to_expiry()
    assert "already pinned" in win.status_text.text()
    settings = (tokendesk_home / "settings.ini").read_text()
    assert token not in settings and token.split(".")[2] not in settings
    # a pinned token warns like any other, once
    view.tick()
    assert len(warnings) == 1 and "pinned-user" in warnings[0]
    # a new window still has the pin; unpinning removes it
    win2 = make_window(tab="expiry_view")
    assert win2.expiry_view.model.rowCount() == 1
    win2.expiry_view.unpin("pinned-user")
    assert win2.expiry_view.model.rowCount() == 0


def test_a_token_without_exp_cannot_be_pinned(window):
    window.inspector.set_text(pyjwt.encode({"sub": "x"}, "k" * 32, algorithm="HS256"))
    window.pin_to_expiry()
    assert "no exp claim" in window.status_text.text()
    window.inspector.set_text("")
    window.pin_to_expiry()
    assert "Paste a token" in window.status_text.text()


def test_the_context_menu_sets_auto_refresh(fault_window):
    win, _server = fault_window
    view = win.expiry_view
    row = next(view.model.row(i) for i in range(view.model.rowCount())
               if view.model.row(i).credential == "bob")

    def auto_actions():
        menu = view.menu_for(row)
        sub = next(a.menu() for a in menu.actions() if a.text() == "Auto-refresh")
        return {a.text(): a for a in sub.actions()}

    actions = auto_actions()
    assert actions["2 min before expiry"].isChecked() and not actions["Off"].isChecked()
    actions["Off"].trigger()
    assert win.vault_controller.vault.credential("bob").auto_refresh is None
    assert view.scheduler.scheduled == []
    assert auto_actions()["Off"].isChecked()
    auto_actions()["5 min before expiry"].trigger()
    assert win.vault_controller.vault.credential("bob").auto_refresh == 300
    assert view.scheduler.scheduled == ["bob"]
    model_row = next(i for i in range(view.model.rowCount())
                     if view.model.row(i).credential == "bob"
                     and view.model.row(i).kind == "access token")
    assert view.model.index(model_row, 1).data() == "access token (auto-refresh)"
