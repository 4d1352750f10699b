"""With the vault a locked encrypted file, Support does not claim there is no admin connection
(a new user's trial: it said "No admin connection yet" while one existed): it says the vault is
locked, and lists the connections once it is unlocked."""

from __future__ import annotations

from tests.helpers.named import named, on_dialog

PASSPHRASE = "support-locked-passphrase"


def test_a_locked_vault_is_said_so_then_its_connections_listed(make_window, tokendesk_home,
                                                               qtbot):
    from tokendesk.core.vault import Client, FileStore, Vault

    store = FileStore(tokendesk_home / "secrets.enc")
    store.create(PASSPHRASE)
    vault = Vault(tokendesk_home, store)  # made earlier (as by the CLI), then locked
    vault.add_client(Client("kc-support", "https://sso.example/realms/demo", "c",
                            "client_secret_basic", admin_provider="keycloak"), "secret-1")
    vault.close()
    window = make_window(store_factory=lambda home: FileStore(home / "secrets.enc"))
    window.tabs.setCurrentWidget(window.support_view)
    hint = named(window.support_view, "Setup hint")
    qtbot.waitUntil(lambda: "vault is locked" in hint.text(), timeout=5000)
    assert "No admin connection" not in hint.text()
    assert not named(window.support_view, "Find").isEnabled()

    def unlock(dialog):
        dialog.passphrase.setText(PASSPHRASE)
        dialog.buttons.accepted.emit()
    with on_dialog(unlock):
        window.vault_view.unlock_button.click()
    connection = named(window.support_view, "Connection")
    qtbot.waitUntil(lambda: connection.count() == 1, timeout=5000)
    assert connection.itemData(0) == "kc-support"
