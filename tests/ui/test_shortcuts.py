"""Every command has a menu entry and a shortcut; a view's shortcuts work in that view only;
Help ▸ Keyboard shortcuts lists the window's actions as they are."""

from __future__ import annotations

import jwt as pyjwt
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QTableView, QWidget

from tests.conftest import NOW
from tests.helpers.named import named, on_dialog
from tests.ui.keyboard_walk import menu_action

TOKEN = pyjwt.encode({"sub": "keys", "exp": NOW + 600}, "k" * 32, algorithm="HS256")


def entries(window):
    """(menu, action) for every entry of the menu bar."""
    return [(top.text().replace("&", ""), action) for top in window.menuBar().actions()
            for action in top.menu().actions() if not action.isSeparator()]


def scope(action) -> str:
    return str(action.property("tokendeskScope") or "")


def test_every_menu_entry_has_a_shortcut(window):
    missing = [f"{menu} ▸ {a.text()}" for menu, a in entries(window) if a.shortcut().isEmpty()]
    assert missing == []
    assert len(entries(window)) >= 45


def test_no_key_is_bound_twice_where_both_could_fire(window):
    """A view's keys may repeat another view's (Ctrl+R refreshes in Exchange and in Expiry),
    never a key that works everywhere, nor one of the same view."""
    bindings = [(scope(a), a.shortcut().toString(), f"{menu} ▸ {a.text()}")
                for menu, a in entries(window)]
    clashes = [f"{a[1]}: {a[2]} and {b[2]}" for i, a in enumerate(bindings)
               for b in bindings[i + 1:]
               if a[1] == b[1] and (a[0] == b[0] or not a[0] or not b[0])]
    assert clashes == []


def test_the_shortcuts_dialog_lists_the_actions_as_they_are(window, qtbot):
    action = menu_action(window, "Edit", "Copy claims JSON")
    action.setShortcut(QKeySequence("Ctrl+Alt+J"))  # whatever the action says, is listed
    listed: list[tuple[str, str, str]] = []

    def read(dialog: QDialog) -> None:
        listed.extend(dialog.rows())
        dialog.reject()

    with on_dialog(read):
        qtbot.keyClick(window, Qt.Key.Key_F1)
    native = QKeySequence.SequenceFormat.NativeText
    for _menu, a in entries(window):
        row = (a.text().replace("&", ""), a.shortcut().toString(native))
        assert row in [(text, keys) for text, keys, _where in listed], row
    assert ("Copy claims JSON", "Ctrl+Alt+J", "anywhere") in listed
    assert ("Refresh", "Ctrl+R", "in the Exchange view") in listed
    assert any(keys == "Tab" for _text, keys, _where in listed)


def test_the_shortcuts_dialog_filters_by_name_or_key(window, qtbot):
    shown: list[list[str]] = []

    def filter_(dialog: QDialog) -> None:
        named(dialog, "Filter shortcuts").setText("ctrl+shift+v")
        table = named(dialog, "Keyboard shortcuts")
        root = table.invisibleRootItem()
        shown.append([root.child(i).child(j).text(0) for i in range(root.childCount())
                      for j in range(root.child(i).childCount())
                      if not root.child(i).child(j).isHidden()])
        dialog.reject()

    with on_dialog(filter_):
        menu_action(window, "Help", "Keyboard shortcuts").trigger()
    assert shown == [["Paste and inspect"]]


def test_every_view_command_reaches_its_views_button(window):
    from tokendesk.ui.actions import MENUS, ViewCommand

    for _title, items in MENUS:
        for entry in items:
            if not isinstance(entry, ViewCommand):
                continue
            view = window.view(entry.view)
            if entry.button is not None:
                assert isinstance(entry.button(view), QWidget), entry.text
            else:
                assert callable(getattr(view, entry.method)), entry.text


def test_a_views_shortcut_works_in_that_view_only(window, qtbot):
    """Delete unpins the selected token in Expiry; in the Inspector it does nothing else."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.inspector.set_text(TOKEN)
    window.pin_to_expiry()
    opened: list[str] = []

    def no_dialog() -> None:  # a shortcut firing in the wrong view would open one
        modal = QApplication.activeModalWidget()
        if modal is not None:
            opened.append(type(modal).__name__)
            modal.close()

    QTimer.singleShot(0, no_dialog)
    qtbot.keyClick(window.inspector.input, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait(1)
    assert opened == [] and window.tabs.currentWidget() is window.inspector
    expiry = window.show_view("Expiry")
    table = named(expiry, "Expiry", QTableView)
    qtbot.waitUntil(lambda: table.model().rowCount() == 1)
    table.setFocus()
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: table.model().rowCount() == 0)


def test_ctrl_r_in_expiry_on_a_pinned_row_says_what_it_needs(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.inspector.set_text(TOKEN)
    window.pin_to_expiry()
    table = named(window.show_view("Expiry"), "Expiry", QTableView)
    qtbot.waitUntil(lambda: table.model().rowCount() == 1)
    table.setFocus()
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert "stored credential" in window.status_text.text()
    menu_action(window, "Expiry", "Unpin").trigger()
    qtbot.waitUntil(lambda: table.model().rowCount() == 0)
    menu_action(window, "Expiry", "Unpin").trigger()  # nothing selected now
    assert "pinned token" in window.status_text.text()


def test_a_command_whose_button_is_disabled_is_disabled_in_its_menu_and_says_so(window):
    support = window.view("Support")
    window.show_view("Support")
    from tokendesk.ui.actions import MENUS, ViewCommand

    revoke = next(e for _t, items in MENUS for e in items
                  if isinstance(e, ViewCommand) and e.text == "Revoke &selected…")
    button = revoke.button(support)
    assert isinstance(button, QAbstractButton) and not button.isEnabled()  # nobody selected
    action = menu_action(window, "Support", "Revoke selected…")
    action.trigger()
    assert window.status_text.text() == "Revoke selected…: not available now."
    menu = next(top.menu() for top in window.menuBar().actions()
                if top.text() == "&Support")
    menu.aboutToShow.emit()
    assert not action.isEnabled()


def test_escape_in_support_with_nothing_running_says_nothing(window):
    window.show_view("Support")
    window.show_status("before")
    menu_action(window, "Support", "Cancel").trigger()
    assert window.status_text.text() == "before"


@pytest.mark.parametrize("step,expected", [(1, "Vault"), (-1, "Support")])
def test_next_and_previous_view_go_round(window, qtbot, step, expected):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    key = Qt.Key.Key_PageDown if step > 0 else Qt.Key.Key_PageUp
    qtbot.keyClick(window.inspector.input, key, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.tabText(window.tabs.currentIndex()) == expected


# a popup menu on the offscreen platform: it cannot raise it or grab the keyboard
@pytest.mark.qt_log_ignore("This plugin does not support raise",
                           "This plugin does not support grabbing the keyboard")
def test_row_actions_opens_the_selected_rows_menu_under_it(window, qtbot):
    from PySide6.QtWidgets import QMenu

    window.inspector.set_text(TOKEN)
    window.pin_to_expiry()
    expiry = window.show_view("Expiry")
    table = named(expiry, "Expiry", QTableView)
    qtbot.waitUntil(lambda: table.model().rowCount() == 1)
    menu_action(window, "Expiry", "Row actions…").trigger()  # nothing selected yet
    assert "Select a row first" in window.status_text.text()
    table.selectRow(0)
    seen: list[list[str]] = []

    def read_menu() -> None:
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):
            QTimer.singleShot(20, read_menu)
            return
        seen.append([a.text() for a in menu.actions()])
        menu.close()

    QTimer.singleShot(0, read_menu)
    menu_action(window, "Expiry", "Row actions…").trigger()
    assert seen == [["Unpin"]]  # a pinned token's menu


def test_alt_1_reveals_and_hides_the_selected_credentials_refresh_token(make_window,
                                                                       tokendesk_home, qtbot):
    from tokendesk.core.vault import Client, FileStore, TokenSet

    store = FileStore(tokendesk_home / "secrets.enc")
    store.create("shortcut passphrase")
    window = make_window(store_factory=lambda _home: store)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    vault = window.vault_controller
    vault.open()
    qtbot.waitUntil(lambda: vault.vault is not None)
    vault.vault.add_client(Client("dev", "https://op.example/", "client-1"), "secret")
    vault.vault.add_credential("dora", "dev", TokenSet("refresh-shortcut", TOKEN))
    vault.list()
    view = window.show_view("Vault")
    table = named(view, "Credentials", QTableView)
    qtbot.waitUntil(lambda: table.model().rowCount() == 1)
    table.setFocus()
    table.selectRow(0)
    value = named(view, "Refresh token")
    qtbot.waitUntil(lambda: named(view, "Reveal refresh token").isEnabled())
    qtbot.keyClick(table, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: value.text() == "refresh-shortcut")
    qtbot.keyClick(table, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: value.text() != "refresh-shortcut")


def test_delete_in_the_vault_deletes_what_the_focused_table_lists(make_window, tokendesk_home,
                                                                  qtbot):
    """Delete in the Clients table asks about the client; in Credentials, the credential."""
    from tokendesk.core.vault import Client, FileStore, TokenSet

    store = FileStore(tokendesk_home / "secrets.enc")
    store.create("shortcut passphrase")
    window = make_window(store_factory=lambda _home: store)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    vault = window.vault_controller
    vault.open()
    qtbot.waitUntil(lambda: vault.vault is not None)
    vault.vault.add_client(Client("dev", "https://op.example/", "client-1"), "secret")
    vault.vault.add_credential("dora", "dev", TokenSet("refresh-delete", TOKEN))
    vault.list()
    view = window.show_view("Vault")
    asked: list[str] = []

    def answer_no(dialog) -> None:
        asked.append(dialog.text() if hasattr(dialog, "text") else dialog.windowTitle())
        dialog.reject()

    for name in ("Clients", "Credentials"):
        table = named(view, name, QTableView)
        qtbot.waitUntil(lambda t=table: t.model().rowCount() == 1)
        window.activateWindow()  # again, after the first question
        qtbot.waitUntil(window.isActiveWindow)
        table.setFocus()
        qtbot.waitUntil(table.hasFocus)
        table.selectRow(0)
        with on_dialog(answer_no):
            qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert len(asked) == 2
    assert "dev" in asked[0] and "dora" in asked[1]
