"""The Exchange result as a summary card (issue 15), against panva/oidc-provider and a real
Secret Service; the QA replay's verdicts; advice that never says "refresh" where a refresh
cannot help. Driven through accessible names and the keyboard."""

from __future__ import annotations

import re
import time

import jwt as pyjwt
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from tests.conftest import NOW
from tests.helpers.http_server import LocalServer, Reply
from tests.helpers.oidc_provider import CLIENTS, client_record
from tokendesk.ui.theme import current_theme

pytestmark = pytest.mark.integration

SECRET = CLIENTS["tokendesk-basic"][0]
#: An epoch time as a raw number (what the card must never show): 10 digits, maybe decimals.
EPOCH = re.compile(r"\b1[6-9]\d{8}(\.\d+)?\b")


def named(root, name: str) -> QWidget:
    found = [w for w in root.findChildren(QWidget) if w.accessibleName() == name]
    assert len(found) == 1, f"{len(found)} widgets named {name!r}"
    return found[0]


def press(qtbot, button) -> None:
    """Focus a button and press Space, as the keyboard does."""
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)


def card_value(card, label: str) -> str:
    """The text of the card row named ``label`` (facts and the request sent)."""
    return named(card, label).text()


@pytest.fixture
def window(make_window, keyring_store_factory, oidc_provider, clock):
    from tokendesk.core.vault import TokenSet

    clock.t = time.time()  # the provider's clock: lifetimes and auto-refresh read it
    win = make_window(store_factory=keyring_store_factory, tab="exchange_view")
    vault = win.vault_controller.vault
    vault.add_client(client_record(oidc_provider, "tokendesk-basic"), SECRET)
    vault.add_credential("alice", "tokendesk-basic", TokenSet(oidc_provider.mint()))
    win.vault_controller.list()
    return win


def refresh_button(window):
    return window.exchange_view.buttons["refresh"]


def test_a_refresh_reads_as_one_sentence_with_human_times(window, qtbot, oidc_provider):
    card = named(window, "Exchange result")
    before = window.vault_controller.vault.refresh_token("alice")
    press(qtbot, refresh_button(window))
    outcome = named(card, "Outcome").text()
    assert re.fullmatch(r"Refresh of alice by client tokendesk-basic at 127\.0\.0\.1:\d+: new "
                        r"refresh token issued; the old one may still be valid; took \d+ ms\.",
                        outcome), outcome
    assert named(card, "Result source").text().strip() == "Manual"
    access = card_value(card, "Access token")
    assert re.fullmatch(r"new, lives 5 min — until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", access)
    assert "not known" in card_value(card, "Refresh token")  # not claimed "rotated"
    # the first refresh: nothing stored before, said once, no claim listed as "added"
    changes = named(card, "Claim changes").text()
    assert changes.count("was stored before this refresh") == 1 and "added" not in changes
    said = window.exchange_view.card.text()
    assert not EPOCH.search(said) and said.count(" ms") == 1
    assert before not in said and SECRET not in said
    # the request sent, secrets redacted
    assert card_value(card, "Endpoint") == f"POST {oidc_provider.issuer}/token"
    assert card_value(card, "Grant").startswith("refresh_token")
    assert card_value(card, "Client authentication").startswith("client_secret_basic — ")
    assert card_value(card, "Headers") == "Authorization: Basic <not shown>"
    assert "refresh_token=<sha256:" in card_value(card, "Form")
    # the raw response is behind its toggle, redacted
    raw = named(card, "Raw response")
    assert not raw.isVisible()
    press(qtbot, named(card, "Raw response toggle"))
    assert raw.isVisible() and '"refresh_token": "<sha256:' in raw.toPlainText()
    assert before not in raw.toPlainText()


def test_a_later_refresh_lists_changes_in_human_time_only(window, qtbot):
    press(qtbot, refresh_button(window))
    second = int(time.time())  # the provider's iat has a one-second resolution: wait for the
    qtbot.waitUntil(lambda: int(time.time()) > second, timeout=5000)  # next second, no longer
    press(qtbot, refresh_button(window))
    card = named(window, "Exchange result")
    changes = named(card, "Claim changes").text()
    assert "was stored before" not in changes and "added" not in changes
    assert not EPOCH.search(changes)
    assert "ID token" in changes


def test_an_auto_refresh_replaces_an_older_manual_result(window, qtbot, clock):
    vault = window.vault_controller.vault
    vault.set_auto_refresh("alice", 120)
    press(qtbot, refresh_button(window))
    card = named(window, "Exchange result")
    assert named(card, "Result source").text().strip() == "Manual"
    manual = named(card, "Outcome").text()
    window.expiry_controller.reload()
    cred = vault.credential("alice")
    clock.t = cred.access_expires_at - 100 - vault.client("tokendesk-basic").clock_skew
    window.expiry_controller.tick()  # the scheduler's refresh, while the Exchange view shows
    qtbot.waitUntil(lambda: vault.credential("alice").rotation_count == 2, timeout=10_000)
    assert named(card, "Result source").text().strip() == "Auto-refresh"
    assert named(card, "Outcome").text().startswith("Auto-refresh of alice by client")
    assert named(card, "Outcome").text() != manual
    history = named(window, "Exchange history")
    assert history.topLevelItem(0).text(1) == "auto-refresh"


def test_a_refused_replay_is_a_pass_in_neutral_words_not_green(window, qtbot, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    press(qtbot, refresh_button(window))
    press(qtbot, window.exchange_view.buttons["replay"])
    outcome = named(named(window, "Exchange result"), "Outcome")
    assert outcome.text().startswith("✔ PASS — refused, as it should be")
    assert outcome.accessibleDescription() == "pass"
    theme = current_theme()
    assert theme.ok not in outcome.styleSheet() and theme.bad not in outcome.styleSheet()
    assert "not known" in card_value(named(window, "Exchange result"), "Not known")


def test_an_accepted_replay_is_the_problem(make_window, keyring_store_factory, qtbot,
                                           monkeypatch):
    from tokendesk.core.vault import Client, TokenSet

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with LocalServer() as server:  # a server without reuse detection: it accepts every token
        issued = iter(range(100))
        server.route("/token", lambda _request: Reply(200, {
            "access_token": f"at-{next(issued)}", "expires_in": 600, "token_type": "Bearer",
            "refresh_token": f"rt-new-{next(issued)}"}))
        win = make_window(store_factory=keyring_store_factory, tab="exchange_view")
        vault = win.vault_controller.vault
        vault.add_client(Client("lax", server.url + "/", "c", "client_secret_post",
                                endpoints={"token_endpoint": server.url + "/token"}), "s3cret")
        vault.add_credential("carol", "lax", TokenSet("rt-carol-1"))
        win.vault_controller.list()
        press(qtbot, win.exchange_view.buttons["refresh"])
        press(qtbot, win.exchange_view.buttons["replay"])
        outcome = named(named(win, "Exchange result"), "Outcome")
        assert outcome.text().startswith("✘ PROBLEM — the server accepted a refresh token")
        assert outcome.accessibleDescription() == "problem"
        assert f"color: {current_theme().bad}" in outcome.styleSheet()
        said = win.exchange_view.card.text()
        assert "rt-carol-1" not in said and "s3cret" not in said
        assert card_value(named(win, "Exchange result"), "Form").count("client_secret=<not "
                                                                        "shown>") == 1


def test_no_replay_advice_to_refresh_a_credential_that_needs_sign_in(window, qtbot):
    from tokendesk.core.vault.model import Status

    window.vault_controller.vault.set_status("alice", Status.NEEDS_SIGN_IN, "invalid_grant")
    press(qtbot, window.exchange_view.buttons["replay"])
    outcome = named(named(window, "Exchange result"), "Outcome").text()
    assert "needs sign-in" in outcome and "sign in again" in outcome
    assert "refresh it" not in outcome


def test_an_expiry_warning_after_a_refused_refresh_says_sign_in(make_window,
                                                                keyring_store_factory, clock,
                                                                qtbot):
    """The refresh fails with invalid_grant in the Exchange view: the Expiry warning that
    follows must not tell the user to refresh it there."""
    from tokendesk.core.vault import Client, TokenSet

    clock.t = NOW
    with LocalServer() as server:
        server.route("/token", Reply(400, {"error": "invalid_grant",
                                           "error_description": "grant revoked"}))
        win = make_window(store_factory=keyring_store_factory, tab="exchange_view")
        vault = win.vault_controller.vault
        vault.add_client(Client("op", server.url + "/", "c", "client_secret_post",
                                endpoints={"token_endpoint": server.url + "/token"}), "s3cret")
        access = pyjwt.encode({"sub": "dave", "exp": NOW + 400}, "k" * 32, algorithm="HS256")
        vault.add_credential("dave", "op", TokenSet("rt-dave-1", access))
        win.vault_controller.list()
        win.expiry_controller.reload()
        warnings: list[str] = []
        win.expiry_controller.warned.connect(warnings.append)
        press(qtbot, win.exchange_view.buttons["refresh"])
        assert "invalid_grant" in named(win, "Outcome").text()
        clock.t = NOW + 220  # inside the warning window of the access token
        win.expiry_controller.tick()
    access_warnings = [w for w in warnings if "access token of dave" in w]
    assert access_warnings, warnings
    assert "sign in again" in access_warnings[0]
    assert "refresh it" not in access_warnings[0]


def test_a_history_row_opens_as_a_card_from_history(window, qtbot):
    press(qtbot, refresh_button(window))
    history = named(window, "Exchange history")
    history.setFocus()
    qtbot.keyClick(history, Qt.Key.Key_Down)  # the newest row
    card = named(window, "Exchange result")
    assert named(card, "Result source").text().strip() == "From history"
    outcome = named(card, "Outcome").text()
    assert re.fullmatch(r"Refresh on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: 200 OK; new refresh "
                        r"token issued, \d+ ms\.", outcome), outcome
    assert card_value(card, "Form").startswith("grant_type=refresh_token, refresh_token=<sha256:")
