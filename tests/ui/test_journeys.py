"""Journeys: the app as people run it.

State is made by the CLI in other processes, against the real keyring (or the encrypted file
store) and the real provider; the window is started by the app's own start-up code
(``tokendesk.ui.app.launch``), with nothing pre-opened and the Inspector showing; then what a
person would see is observed. Counts are taken at the provider.
"""

from __future__ import annotations

import math
import subprocess
import sys
import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLineEdit

from tests.helpers.oidc_provider import CLIENTS, SHORT_TTL

pytestmark = pytest.mark.integration

PASSPHRASE = "journey-file-store-passphrase"


def _add_client(cli, provider, name, client_id, *extra):
    cli("client", "add", name, "--issuer", provider.issuer, "--client-id", client_id,
        "--client-secret-stdin", *extra, stdin=CLIENTS[client_id][0])


def _credentials_shown(win) -> set[str]:
    model = win.expiry_controller.model
    return {model.row(i).credential for i in range(model.rowCount())}


def test_a_fresh_app_lists_warns_and_auto_refreshes_what_the_cli_stored(
        cli, start_app, oidc_provider, qtbot):
    _add_client(cli, oidc_provider, "basic", "tokendesk-basic")
    _add_client(cli, oidc_provider, "short", "tokendesk-short")  # 20 s access tokens
    for name, client, client_id in (("alice", "basic", "tokendesk-basic"),
                                    ("warned", "short", "tokendesk-short"),
                                    ("auto", "short", "tokendesk-short")):
        cli("vault", "add", name, "--client", client, "--refresh-token-stdin",
            stdin=oidc_provider.mint(client_id, sub=name))
    # a lead far longer than the token's life (the storm once seen: a refresh a second)
    cli("vault", "auto-refresh", "auto", "--before", "300")
    cli("refresh", "warned")  # its 20 s access token warns from half its life on
    before = oidc_provider.granted("tokendesk-short")

    started = time.monotonic()
    win = start_app()
    warnings: list[str] = []
    win.expiry_controller.warned.connect(warnings.append)
    assert win.tabs.currentWidget() is win.inspector  # the Expiry tab is never opened
    qtbot.waitUntil(lambda: {"alice", "warned", "auto"} <= _credentials_shown(win),
                    timeout=15_000)
    qtbot.waitUntil(lambda: any("warned" in w for w in warnings), timeout=30_000)
    assert any("access token of warned expires" in w for w in warnings)
    assert "warned" in win.status_text.text() or any("warned" in w for w in warnings)

    # auto-refresh: wait for three refreshes at the provider, then compare with the time it
    # took: at most one per half lifetime (and one at once, the stored token having none)
    qtbot.waitUntil(lambda: oidc_provider.granted("tokendesk-short") - before >= 3,
                    timeout=60_000)
    elapsed = time.monotonic() - started
    count = oidc_provider.granted("tokendesk-short") - before
    assert count <= math.floor(elapsed / (SHORT_TTL / 2)) + 2, (count, elapsed)
    vault = win.vault_controller.vault
    # the provider counts a grant when it answers; the app stores it, then records the
    # history row, when the answer arrives: wait for the app's own account of each

    def autos() -> list[dict[str, object]]:
        return [e for e in vault.index.exchanges("auto") if e["operation"] == "auto-refresh"]
    qtbot.waitUntil(lambda: len(autos()) == vault.credential("auto").rotation_count >= 3,
                    timeout=30_000)
    assert vault.credential("auto").status == "active"
    assert not [e for e in vault.index.exchanges("warned") if e["operation"] == "auto-refresh"]
    # the menu says why the 300 s lead is not the one in force
    assert "shortened" in " ".join(a.text() for a in win.expiry_view.menu_for(
        next(win.expiry_controller.model.row(i) for i in range(
            win.expiry_controller.model.rowCount())
            if win.expiry_controller.model.row(i).credential == "auto")).actions())


def _unlock_when_asked(qtbot, win, passphrase: str) -> None:
    """Answer the app's passphrase dialog as a person would."""
    def answer():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, answer)
            return
        for field in dialog.findChildren(QLineEdit):
            if field.accessibleName() == "Passphrase":
                field.setText(passphrase)
        dialog.accept()

    view = win.vault_view
    qtbot.waitUntil(lambda: view.unlock_button.isVisible() or view.isHidden(), timeout=15_000)
    QTimer.singleShot(0, answer)
    view.unlock_button.click()


@pytest.mark.parametrize("store", ["keyring", "file"])
def test_the_app_and_scripts_refreshing_at_once_keep_every_rotation(
        store, cli, start_app, oidc_provider, qtbot):
    passphrase = PASSPHRASE if store == "file" else None
    if store == "file":
        cli("vault", "create-file-store", stdin=passphrase)
    cli("client", "add", "basic", "--issuer", oidc_provider.issuer, "--client-id",
        "tokendesk-basic", "--client-secret-stdin", stdin=CLIENTS["tokendesk-basic"][0],
        passphrase=passphrase)
    cli("vault", "add", "alice", "--client", "basic", "--refresh-token-stdin",
        stdin=oidc_provider.mint("tokendesk-basic", sub="alice"), passphrase=passphrase)
    before = oidc_provider.granted("tokendesk-basic")

    win = start_app()
    if store == "file":
        win.tabs.setCurrentWidget(win.vault_view)
        _unlock_when_asked(qtbot, win, PASSPHRASE)
    qtbot.waitUntil(lambda: win.vault_controller.vault is not None, timeout=30_000)
    outcomes: list[str] = []
    win.exchange_controller.finished.connect(lambda op, _r: outcomes.append(f"ok {op}"))
    win.exchange_controller.failed.connect(lambda op, msg: outcomes.append(f"failed {msg}"))
    scripts = [subprocess.Popen([sys.executable, "-m", "tokendesk", "refresh", "alice"],
                                env={**cli.env, **({"TOKENDESK_VAULT_PASSPHRASE": passphrase}
                                                   if passphrase else {})},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(3)]
    for _ in range(3):  # the Exchange view's Refresh, three times while the scripts run
        win.exchange_controller.refresh("alice")
    results = [p.communicate(timeout=120) for p in scripts]
    qtbot.waitUntil(lambda: len(outcomes) == 3, timeout=60_000)
    assert outcomes == ["ok refresh"] * 3
    assert all(p.returncode == 0 for p in scripts), results
    assert oidc_provider.granted("tokendesk-basic") - before == 6
    assert win.vault_controller.vault.credential("alice").rotation_count == 6
    # every rotation was kept: the token stored last is the live one (a reuse would have
    # revoked the whole family at this provider)
    cli("refresh", "alice", passphrase=passphrase)
    assert oidc_provider.granted("tokendesk-basic") - before == 7


def test_an_edited_client_secret_is_used_by_the_next_refresh_in_the_app(
        cli, start_app, oidc_provider, qtbot):
    _add_client(cli, oidc_provider, "basic", "tokendesk-basic")
    cli("vault", "add", "alice", "--client", "basic", "--refresh-token-stdin",
        stdin=oidc_provider.mint("tokendesk-basic", sub="alice"))
    win = start_app()
    qtbot.waitUntil(lambda: win.vault_controller.vault is not None, timeout=15_000)
    messages: list[str] = []
    win.exchange_controller.finished.connect(lambda op, _r: messages.append("ok"))
    win.exchange_controller.failed.connect(lambda op, msg: messages.append(msg))
    win.exchange_controller.refresh("alice")
    qtbot.waitUntil(lambda: messages == ["ok"], timeout=30_000)
    client = win.vault_controller.vault.client("basic")
    win.vault_controller.update_client(client, "not-the-secret-0123456789")  # the dialog's path
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=15_000)
    win.exchange_controller.refresh("alice")
    qtbot.waitUntil(lambda: len(messages) == 2, timeout=30_000)
    assert "invalid_client" in messages[1]
    win.vault_controller.update_client(client, CLIENTS["tokendesk-basic"][0])
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=15_000)
    win.exchange_controller.refresh("alice")
    qtbot.waitUntil(lambda: len(messages) == 3, timeout=30_000)
    assert messages[2] == "ok"


def test_quitting_during_a_refresh_waits_for_its_answer_and_keeps_the_new_token(
        cli, start_app, qtbot):
    """Ctrl+Q while a refresh is on the wire: the server rotates, so its answer must be stored
    before the vault closes."""
    from tests.helpers.http_server import LocalServer, Reply

    with LocalServer() as server:
        cli("client", "add", "slow", "--issuer", server.url + "/", "--client-id", "c",
            "--auth-method", "none", "--token-endpoint", server.url + "/token")
        cli("vault", "add", "bob", "--client", "slow", "--refresh-token-stdin", stdin="rt-bob-1")
        arrived = __import__("threading").Event()

        def slow(_request):
            arrived.set()
            return Reply(200, {"access_token": "at-2", "token_type": "Bearer",
                               "refresh_token": "rt-bob-2"}, delay=1.0)

        server.route("/token", slow)
        win = start_app()
        qtbot.waitUntil(lambda: win.vault_controller.vault is not None, timeout=15_000)
        win.exchange_controller.refresh("bob")
        assert arrived.wait(30)
        win.close()  # as Ctrl+Q does
        assert win.isVisible() and "Closing once" in win.status_text.text()
        qtbot.waitUntil(lambda: not win.isVisible(), timeout=30_000)
    shown = cli("vault", "show", "bob", "--reveal").stdout
    assert "rt-bob-2" in shown and "rt-bob-1" not in shown


def test_changes_made_by_a_script_appear_in_the_open_window(cli, start_app, oidc_provider,
                                                            qtbot):
    _add_client(cli, oidc_provider, "basic", "tokendesk-basic")
    win = start_app()
    qtbot.waitUntil(lambda: win.vault_controller.vault is not None, timeout=15_000)
    vault_rows = []
    win.vault_controller.listed.connect(lambda rows: vault_rows.append({c.name for c in rows}))
    cli("vault", "add", "carol", "--client", "basic", "--refresh-token-stdin",
        stdin=oidc_provider.mint("tokendesk-basic", sub="carol"))
    # nothing in the window was touched: the next ticks notice the index changed
    qtbot.waitUntil(lambda: "carol" in _credentials_shown(win), timeout=15_000)
    qtbot.waitUntil(lambda: bool(vault_rows) and "carol" in vault_rows[-1], timeout=15_000)
    # a credential the server stopped accepting does not look healthy
    cli("qa", "rotation", "carol", "--yes")  # the provider revokes the family on the replay
    model = win.expiry_controller.model
    qtbot.waitUntil(lambda: any(model.data(model.index(i, 1)) == "access token — needs sign-in"
                                for i in range(model.rowCount())), timeout=15_000)
