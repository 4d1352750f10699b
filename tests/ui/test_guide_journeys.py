"""The user journeys of docs/guide.md, each driven as a person (or a screen reader) does: views
reached with their Ctrl+number keys, widgets found by accessible name, text typed or pasted,
buttons pressed from the keyboard, dialogs answered. No private attribute is touched, against a
real keyring, the real OpenID provider and the fake Auth0 admin API on 127.0.0.1."""

from __future__ import annotations

import json

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QPushButton, QTableView

from tests.conftest import NOW
from tests.helpers.fake_admin import FakeAuth0
from tests.helpers.named import named, on_dialog
from tests.helpers.oidc_provider import CLIENTS
from tokendesk.core.tokens.keys import jwk_from_public_key

pytestmark = pytest.mark.integration

CTRL = Qt.KeyboardModifier.ControlModifier


def _go(qtbot, window, number: int, name: str) -> None:
    """Ctrl+number, as the View menu lists it, pressed wherever the focus is."""
    from PySide6.QtWidgets import QApplication

    window.activateWindow()  # a person's window is the active one (offscreen, none is)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key(Qt.Key.Key_0 + number), CTRL)
    assert window.tabs.tabText(window.tabs.currentIndex()) == name


def _paste(qtbot, widget, text: str) -> None:
    """Focus the widget and paste (Ctrl+V), as from a browser."""
    QGuiApplication.clipboard().setText(text)
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_V, CTRL)


def _button(root, text: str) -> QPushButton:
    """The one visible button a screen reader calls ``text`` (its name, else its text)."""
    found = [b for b in root.findChildren(QPushButton)
             if (b.accessibleName() or b.text().replace("&", "")) == text and b.isVisible()]
    assert len(found) == 1, f"{len(found)} buttons {text!r}"
    return found[0]


def _press(qtbot, button: QPushButton) -> None:
    """Focus a button and press Space, as with the keyboard."""
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)


def test_inspect_and_verify(make_window, qtbot):
    window = make_window()
    key = ec.generate_private_key(ec.SECP256R1())
    token = pyjwt.encode({"iss": "https://login.example.com/", "sub": "ada", "aud": "demo",
                          "iat": NOW - 60, "exp": NOW + 252, "nonce": "n-1", "auth_time": NOW},
                         key, algorithm="ES256", headers={"kid": "k1"})
    jwks = json.dumps({"keys": [{**jwk_from_public_key(key.public_key()), "kid": "k1"}]})
    _go(qtbot, window, 1, "Inspector")
    _paste(qtbot, named(window, "Token input"), f"Authorization: Bearer {token}")
    qtbot.waitUntil(lambda: named(window, "Kind").text().strip() == "ID token", timeout=5000)
    assert named(window, "Expires").text() == "expires in 4 min 12 s"  # the tests' clock
    assert named(window, "Trust").text() == "NOT CHECKED"  # nothing verified it yet
    _paste(qtbot, named(window, "Verification key"), jwks)
    issuer = named(window, "Expected issuer")
    issuer.setFocus()
    qtbot.keyClicks(issuer, "https://login.example.com/")
    qtbot.keyClick(issuer, Qt.Key.Key_Tab)  # on to the audience, as the form reads
    qtbot.keyClicks(QGuiApplication.focusObject(), "demo")
    assert named(window, "Expected audience").text() == "demo"
    _press(qtbot, _button(window, "Verify"))
    qtbot.waitUntil(lambda: named(window, "Verification verdict").text().startswith("VALID"),
                    timeout=5000)
    assert named(window, "Trust").text() == "VERIFIED"
    # a changed expectation makes the verdict stale or re-runs it; never a silent old VALID
    qtbot.keyClicks(named(window, "Expected audience"), "-other")
    qtbot.waitUntil(lambda: named(window, "Verification verdict").text().startswith(
        ("INVALID", "STALE")), timeout=5000)


@pytest.fixture
def provider_window(make_window, keyring_store_factory, oidc_provider, cli, qtbot):
    """The client made first with the CLI (another process), then the window opened."""
    cli("client", "add", "op-dev", "--issuer", oidc_provider.issuer, "--client-id",
        "tokendesk-basic", "--client-secret-stdin", stdin=CLIENTS["tokendesk-basic"][0])
    window = make_window(store_factory=keyring_store_factory, tab="vault_view")
    qtbot.waitUntil(lambda: named(window, "Clients").model().rowCount() == 1, timeout=10_000)
    return window


def test_store_and_refresh(provider_window, oidc_provider, qtbot):
    window = provider_window
    refresh = oidc_provider.mint(sub="dora")
    before = oidc_provider.granted("tokendesk-basic")
    _go(qtbot, window, 2, "Vault")

    def store(dialog):
        named(dialog, "Name").setFocus()
        qtbot.keyClicks(named(dialog, "Name"), "dora-dev")
        field = named(dialog, "Refresh token or token response")
        field.setText(refresh)
        assert field.echoMode() != field.EchoMode.Normal  # masked while typed
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    with on_dialog(store):
        _press(qtbot, _button(window, "Store refresh token"))
    assert named(window, "Name").text() == "dora-dev"  # the new credential is selected
    assert named(window, "Refresh token").text() != refresh  # and its token masked

    _go(qtbot, window, 3, "Exchange")
    credential = named(window, "Credential")
    credential.setCurrentIndex(credential.findText("dora-dev", Qt.MatchFlag.MatchStartsWith))
    _press(qtbot, _button(window, "Refresh"))
    qtbot.waitUntil(lambda: "new refresh token issued" in named(window, "Outcome").text(),
                    timeout=10_000)
    assert oidc_provider.granted("tokendesk-basic") == before + 1
    assert refresh not in json.dumps(named(window, "Raw response").toPlainText())
    history = named(window, "Exchange history")
    assert history.topLevelItemCount() == 1 and history.topLevelItem(0).text(1) == "refresh"


def test_watch_expiry(make_window, keyring_store_factory, oidc_provider, cli, clock, qtbot):
    import time

    # stored by a script: an access token with 6 minutes left
    cli("client", "add", "op-dev", "--issuer", oidc_provider.issuer, "--client-id",
        "tokendesk-basic", "--client-secret-stdin", stdin=CLIENTS["tokendesk-basic"][0])
    cli("vault", "add", "eve-dev", "--client", "op-dev", "--refresh-token-stdin",
        stdin=json.dumps({"refresh_token": oidc_provider.mint(sub="eve"),
                          "access_token": "at-eve", "expires_in": 360}))
    clock.t = time.time()  # the window's clock, moved by hand below
    window = make_window(store_factory=keyring_store_factory)
    window.start_background()  # what the app does after its first paint
    _go(qtbot, window, 4, "Expiry")
    table = named(window.tabs.currentWidget(), "Expiry", QTableView)
    qtbot.waitUntil(lambda: table.model().rowCount() >= 1, timeout=10_000)
    summary = named(window, "Expiry summary")
    assert summary.text().startswith("0 expiring soon")
    clock.t += 90  # 4.5 minutes left: the warning is at most half the life (3 minutes) ahead
    qtbot.waitUntil(lambda: "1 fresh" in summary.text(), timeout=10_000)
    clock.t += 150  # 2 minutes left
    qtbot.waitUntil(lambda: summary.text().startswith("1 expiring soon"), timeout=10_000)
    clock.t += 200  # past its end
    qtbot.waitUntil(lambda: "1 expired" in summary.text(), timeout=10_000)


def test_revoke_for_support(make_window, keyring_store_factory, qtbot):
    from tokendesk.core.vault import Client

    with FakeAuth0() as fake:
        fake.add_user("auth0|ada", "ada@example.com", "Ada Lovelace")
        fake.add_refresh_tokens("auth0|ada", 3)
        window = make_window(store_factory=keyring_store_factory, tab="vault_view")
        qtbot.waitUntil(lambda: window.vault_controller.vault is not None, timeout=10_000)
        window.vault_controller.vault.add_client(
            Client("auth0-admin", fake.url + "/", fake.CLIENT_ID, "client_secret_post",
                   endpoints={"token_endpoint": fake.url + fake.TOKEN_PATH},
                   admin_provider="auth0"), fake.CLIENT_SECRET)
        _go(qtbot, window, 5, "Support")
        find = named(window, "Find user")
        qtbot.waitUntil(find.isEnabled, timeout=10_000)
        find.setFocus()
        qtbot.keyClicks(find, "ada@example.com")
        qtbot.keyClick(find, Qt.Key.Key_Return)
        items = named(window, "Tokens and sessions")
        qtbot.waitUntil(lambda: items.model().rowCount() == 3, timeout=10_000)

        def confirm(box):
            assert "ada@example.com" in box.text() or "auth0|ada" in box.text()
            box.button(QMessageBox.StandardButton.Yes).click()
        with on_dialog(confirm, expect=QMessageBox):
            _press(qtbot, _button(window, "Revoke all refresh tokens…"))
        qtbot.waitUntil(lambda: "done" in named(window, "Result").text(), timeout=10_000)
        assert fake.count_admin("DELETE", "/api/v2") >= 1
        assert "support revoke" in named(window, "Audit trail").toPlainText()
