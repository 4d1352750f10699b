"""Revealing (or copying) a secret in the Vault window is written to the audit log, as
`tokendesk vault show --reveal` writes it."""

from __future__ import annotations

import pytest

from tests.helpers.named import named
from tests.helpers.vault_ui import add_client, add_credential

pytestmark = pytest.mark.integration


@pytest.fixture
def vault_window(make_window, keyring_store_factory, qtbot):
    win = make_window(store_factory=keyring_store_factory, tab="vault_view")
    qtbot.waitUntil(lambda: "keyring" in win.vault_view.where.text(), timeout=5000)
    return win


def _revealed(window) -> list:
    return [e for e in window.vault_controller.vault.index.audit_log("dora")
            if e.action == "revealed"]


def test_revealing_a_token_is_audited(vault_window):
    view = vault_window.vault_view
    add_client(vault_window)
    add_credential(vault_window)
    view.table.selectRow(0)
    assert _revealed(vault_window) == []
    named(view, "Reveal refresh token").click()
    entries = _revealed(vault_window)
    assert len(entries) == 1 and "refresh token" in entries[0].detail
    named(view, "Copy access token").click()
    assert len(_revealed(vault_window)) == 2
    vault_window.clipboard.clear_now()
