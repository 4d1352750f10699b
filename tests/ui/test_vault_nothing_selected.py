"""With no credential selected the Vault says nothing of its tokens and offers nothing that
needs a selection; the Reveal button's accessible name follows its text."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from tests.helpers.named import named
from tests.helpers.vault_ui import REFRESH, add_client, add_credential

pytestmark = pytest.mark.integration


@pytest.fixture
def vault_window(make_window, keyring_store_factory, qtbot):
    win = make_window(store_factory=keyring_store_factory, tab="vault_view")
    qtbot.waitUntil(lambda: "keyring" in win.vault_view.where.text(), timeout=5000)
    return win


def _nothing_selected(view) -> None:
    for caption in ("Refresh token", "Access token", "ID token"):
        assert named(view, caption, QLineEdit).text() == "—", caption
    for name in ("Edit client", "Delete client", "Edit notes", "Delete credential"):
        assert not named(view, name).isEnabled(), name


def test_nothing_is_said_or_offered_until_a_credential_is_selected(vault_window):
    view = vault_window.vault_view
    _nothing_selected(view)
    add_client(vault_window)
    add_credential(vault_window)
    view.clients_table.clearSelection()
    view.table.clearSelection()
    _nothing_selected(view)
    view.table.selectRow(0)  # a credential: its client can be edited, it can be deleted
    for name in ("Edit client", "Edit notes", "Delete credential"):
        assert named(view, name).isEnabled(), name
    assert named(view, "Refresh token", QLineEdit).text() == "•" * 12
    assert named(view, "ID token", QLineEdit).text() == "none stored"


def test_the_reveal_button_is_named_as_it_reads(vault_window, qtbot):
    view = vault_window.vault_view
    add_client(vault_window)
    add_credential(vault_window)
    reveal = named(view, "Reveal refresh token")
    qtbot.keyClick(reveal, Qt.Key.Key_Space)
    assert reveal.text() == "Hide" and reveal.accessibleName() == "Hide refresh token"
    assert named(view, "Refresh token", QLineEdit).text() == REFRESH
    qtbot.keyClick(named(view, "Hide refresh token"), Qt.Key.Key_Space)
    assert reveal.text() == "Reveal" and reveal.accessibleName() == "Reveal refresh token"
