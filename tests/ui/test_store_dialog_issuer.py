"""Inspector ▸ Store (Ctrl+S) of a pasted token response: the "Store a refresh token" dialog
never offers an admin connection, and chooses the client of the pasted token's issuer (or says
that no client has it)."""

from __future__ import annotations

import json

import jwt as pyjwt
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel

from tests.helpers.named import named, on_dialog
from tests.helpers.vault_ui import NOW, REFRESH

pytestmark = pytest.mark.integration


@pytest.fixture
def vault_window(make_window, keyring_store_factory, qtbot):
    from tokendesk.core.vault import Client

    win = make_window(store_factory=keyring_store_factory, tab="vault_view")
    qtbot.waitUntil(lambda: "keyring" in win.vault_view.where.text(), timeout=5000)
    vault = win.vault_controller.vault
    # the admin connection comes first alphabetically, as in the trial
    vault.add_client(Client("aaa-admin", "https://admin.example/", "admin-1",
                            "client_secret_post", admin_provider="auth0"), "admin-secret-1")
    vault.add_client(Client("bbb", "https://b.example/", "b-1"), "b-secret-1")
    vault.add_client(Client("ccc", "https://c.example/", "c-1"), "c-secret-1")
    win.vault_controller.list()
    return win


def _response(iss: str) -> str:
    access = pyjwt.encode({"sub": "dora", "iss": iss, "exp": NOW + 120}, "a" * 32,
                          algorithm="HS256")
    return json.dumps({"refresh_token": REFRESH, "access_token": access, "expires_in": 120})


def _store_from_inspector(window, qtbot, pasted: str) -> dict:
    window.tabs.setCurrentWidget(window.inspector)
    window.inspector.set_text(pasted)
    seen: dict = {}

    def look(d):
        combo = named(d, "Client", QComboBox)
        warning = named(d, "Issuer warning", QLabel)
        seen.update(offered=[combo.itemText(i) for i in range(combo.count())],
                    chosen=combo.currentText(), warned=warning.isVisible(),
                    warning=warning.text())
        d.reject()
    with on_dialog(look):
        qtbot.keyClick(window, "s", modifier=Qt.KeyboardModifier.ControlModifier)
    return seen


def test_the_client_of_the_tokens_issuer_is_chosen_and_admin_connections_never(
        vault_window, qtbot):
    seen = _store_from_inspector(vault_window, qtbot, _response("https://c.example"))
    assert seen["offered"] == ["bbb", "ccc"]
    assert seen["chosen"] == "ccc" and not seen["warned"]


def test_an_issuer_no_client_has_is_said(vault_window, qtbot):
    seen = _store_from_inspector(vault_window, qtbot, _response("https://elsewhere.example/"))
    assert "aaa-admin" not in seen["offered"]
    assert seen["warned"] and "https://elsewhere.example/" in seen["warning"]
