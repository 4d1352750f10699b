"""The window with the keyboard only: Tab walks every view and dialog in reading order, leaves
every text input and table, Shift+Tab walks back; Ctrl+Tab never switches the tab behind the
text being edited; the focus is visible; dialogs remember where they were."""

from __future__ import annotations

import jwt as pyjwt
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QDialog, QPlainTextEdit, QTableView

from tests.conftest import NOW
from tests.helpers.named import named, on_dialog
from tests.ui.keyboard_walk import describe, menu_action, out_of_order, text_inputs, walk

TOKEN = pyjwt.encode({"sub": "kbd", "exp": NOW + 600}, "k" * 32, algorithm="HS256")
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def kb_window(make_window, tokendesk_home, qtbot):
    """A window with a credential in the Vault and a pinned token in Expiry, active."""
    from tokendesk.core.vault import Client, FileStore, TokenSet

    store = FileStore(tokendesk_home / "secrets.enc")
    store.create("keyboard passphrase")
    win = make_window(store_factory=lambda _home: store)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    vault = win.vault_controller
    vault.open()
    qtbot.waitUntil(lambda: vault.vault is not None)
    vault.vault.add_client(Client("dev", "https://op.example/", "client-1", environment="dev"),
                           "secret")
    vault.vault.add_credential("dora", "dev", TokenSet("refresh-kbd", TOKEN))
    vault.list()
    win.inspector.set_text(TOKEN)
    win.pin_to_expiry()
    return win


def show(window, qtbot, number: int) -> None:
    """Ctrl+<number>, as a person switches views."""
    qtbot.keyClick(QApplication.focusWidget() or window, getattr(Qt.Key, f"Key_{number}"), CTRL)


def check_walk(qtbot, root, start) -> list:
    """Walk ``root`` forwards from ``start`` and back; both ways in reading order, every text
    input reached and left."""
    forward = walk(qtbot, start)
    missed = [describe(w) for w in text_inputs(root) if w not in forward]
    assert missed == [], f"Tab never reaches {missed}"
    assert out_of_order(forward[1:]) == []
    backward = walk(qtbot, start, backwards=True)
    assert backward[1:] == forward[1:][::-1], "Shift+Tab does not retrace Tab"
    return forward


@pytest.mark.parametrize("number,name", [(1, "Inspector"), (2, "Vault"), (3, "Exchange"),
                                         (4, "Expiry"), (5, "Support")])
def test_tab_walks_each_view_in_reading_order_and_back(kb_window, qtbot, number, name):
    show(kb_window, qtbot, number)
    assert kb_window.tabs.tabText(kb_window.tabs.currentIndex()) == name
    view = kb_window.tabs.currentWidget()
    if name == "Vault":
        named(view, "Credentials", QTableView).selectRow(0)  # the details pane: its buttons
    forward = check_walk(qtbot, view, kb_window.tabs.tabBar())
    assert len(forward) >= 2  # Support without a connection offers one button
    for table in view.findChildren(QTableView):
        if table.isVisible():
            assert table in forward  # a table is a stop of its own, and Tab leaves it


def test_tab_leaves_a_table_with_rows_instead_of_moving_between_its_cells(kb_window, qtbot):
    show(kb_window, qtbot, 4)
    table = named(kb_window.tabs.currentWidget(), "Expiry", QTableView)
    qtbot.waitUntil(lambda: table.model().rowCount() > 0)
    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 0))
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not table
    assert table.currentIndex().column() == 0


def test_in_the_verify_panel_leeway_comes_right_after_algorithm_both_ways(kb_window, qtbot):
    panel = kb_window.inspector
    forward = walk(qtbot, named(panel, "Algorithm"))
    names = [w.accessibleName() for w in forward]
    assert names[:3] == ["Algorithm", "Leeway", "Expected issuer"]
    backward = [w.accessibleName() for w in walk(qtbot, named(panel, "Expected kind"),
                                                  backwards=True)]
    assert backward[:3] == ["Expected kind", "Expected nonce", "Expected audience"]
    assert backward.index("Leeway") == backward.index("Expected issuer") + 1


@pytest.mark.parametrize("menu,entry", [
    ("Edit", "Preferences…"), ("Tools", "Compare two tokens…"),
    ("Tools", "Encode / edit and re-sign…"), ("Help", "Keyboard shortcuts"),
    ("Help", "Welcome and first client…"), ("Vault", "Add client…"),
    ("Vault", "Store refresh token…"),
])
def test_tab_walks_each_dialog_in_reading_order_and_back(kb_window, qtbot, menu, entry):
    walked: list = []

    def walk_dialog(dialog: QDialog) -> None:
        qtbot.waitUntil(lambda: QApplication.focusWidget() is not None
                        and dialog.isAncestorOf(QApplication.focusWidget()))
        walked.extend(check_walk(qtbot, dialog, QApplication.focusWidget()))
        dialog.reject()

    with on_dialog(walk_dialog):
        menu_action(kb_window, menu, entry).trigger()
    assert len(walked) >= 2


def _passphrase(window):
    from tokendesk.ui.views.vault_dialogs import PassphraseDialog

    return PassphraseDialog(True, window)


def _sign_in(window):
    from tokendesk.ui.views.signin import SignInDialog

    return SignInDialog(["dev"], window)


def _client_grant(window):
    from tokendesk.ui.views.signin import ClientGrantDialog

    return ClientGrantDialog(["dev"], window)


@pytest.mark.parametrize("make", [_passphrase, _sign_in, _client_grant],
                         ids=["passphrase", "sign-in", "client grant"])
def test_tab_walks_the_other_dialogs_in_reading_order_and_back(kb_window, qtbot, make):
    dialog = make(kb_window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None
                    and dialog.isAncestorOf(QApplication.focusWidget()))
    assert len(check_walk(qtbot, dialog, QApplication.focusWidget())) >= 2


def test_ctrl_tab_in_the_token_input_neither_types_nor_switches_the_view(kb_window, qtbot):
    show(kb_window, qtbot, 1)
    token_input = named(kb_window.inspector, "Token input", QPlainTextEdit)
    token_input.setFocus()
    before = token_input.toPlainText()
    qtbot.keyClick(token_input, Qt.Key.Key_Tab, CTRL)
    qtbot.keyClick(token_input, Qt.Key.Key_Backtab, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert token_input.toPlainText() == before
    assert kb_window.tabs.currentWidget() is kb_window.inspector
    assert QApplication.focusWidget() is token_input


def test_ctrl_tab_in_a_one_line_field_does_not_switch_the_view(kb_window, qtbot):
    show(kb_window, qtbot, 3)
    view = kb_window.tabs.currentWidget()
    field = named(view, "Narrower scope")
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_Tab, CTRL)
    assert kb_window.tabs.currentWidget() is view and field.text() == ""


def test_ctrl_tab_inserts_a_tab_in_free_text_such_as_notes(kb_window, qtbot):
    show(kb_window, qtbot, 2)
    named(kb_window.tabs.currentWidget(), "Credentials", QTableView).selectRow(0)
    typed: list[str] = []

    def write_notes(dialog: QDialog) -> None:
        notes = dialog.findChild(QPlainTextEdit)
        notes.setFocus()
        qtbot.keyClicks(notes, "a")
        qtbot.keyClick(notes, Qt.Key.Key_Tab, CTRL)
        qtbot.keyClicks(notes, "b")
        qtbot.keyClick(notes, Qt.Key.Key_Tab)  # plain Tab moves on
        typed.append(notes.toPlainText())
        typed.append(describe(QApplication.focusWidget()))
        dialog.reject()

    with on_dialog(write_notes):
        menu_action(kb_window, "Vault", "Notes…").trigger()
    assert typed[0] == "a\tb"
    assert "QPlainTextEdit" not in typed[1]


def test_a_focused_text_area_shows_a_ring_in_the_palettes_highlight(kb_window, qtbot):
    token_input = named(kb_window.inspector, "Token input", QPlainTextEdit)
    highlight = token_input.palette().color(QPalette.ColorRole.Highlight)

    def edge() -> QColor:
        image = token_input.grab().toImage()
        return image.pixelColor(0, image.height() // 2)

    named(kb_window.inspector, "Find claim").setFocus()
    qtbot.waitUntil(lambda: not token_input.hasFocus())
    assert edge() != highlight
    token_input.setFocus()
    qtbot.waitUntil(token_input.hasFocus)
    assert edge() == highlight


def test_a_dialog_opens_again_where_and_as_large_as_it_was_left(kb_window, qtbot):
    sizes: list[tuple[int, int]] = []

    def resize_and_close(dialog: QDialog) -> None:
        dialog.resize(dialog.width() + 37, dialog.height() + 23)
        sizes.append((dialog.width(), dialog.height()))
        QTimer.singleShot(0, dialog.reject)
        qtbot.waitUntil(lambda: not dialog.isVisible())

    def measure(dialog: QDialog) -> None:
        sizes.append((dialog.width(), dialog.height()))
        dialog.reject()

    with on_dialog(resize_and_close):
        menu_action(kb_window, "Help", "Keyboard shortcuts").trigger()
    with on_dialog(measure):
        menu_action(kb_window, "Help", "Keyboard shortcuts").trigger()
    assert sizes[1] == sizes[0]
    assert kb_window.settings.geometry("dialog/ShortcutsDialog") is not None


def test_ctrl_tab_indents_the_json_of_the_encode_dialog(kb_window, qtbot):
    seen: list[str] = []

    def indent(dialog: QDialog) -> None:
        claims = named(dialog, "Claims JSON", QPlainTextEdit)
        claims.setFocus()
        claims.setPlainText("{\n}")
        cursor = claims.textCursor()
        cursor.setPosition(2)
        claims.setTextCursor(cursor)
        qtbot.keyClick(claims, Qt.Key.Key_Tab, CTRL)
        seen.append(claims.toPlainText())
        dialog.reject()

    with on_dialog(indent):
        menu_action(kb_window, "Tools", "Encode / edit and re-sign…").trigger()
    assert seen == ["{\n\t}"]


def test_only_tokendesks_own_dialogs_remember_their_geometry(kb_window, qtbot):
    """A message box or a file picker is Qt's, placed by Qt each time: nothing is kept."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Information, "Note", "Nothing kept", parent=kb_window)
    box.show()
    qtbot.waitUntil(box.isVisible)
    box.hide()
    assert kb_window.settings.geometry("dialog/QMessageBox") is None


def test_a_ring_for_tables_and_text_areas_not_for_a_combo_boxs_list_or_a_label(qtbot):
    from PySide6.QtWidgets import QComboBox, QLabel

    from tokendesk.ui.keyboard import focus_ring

    combo = QComboBox()
    qtbot.addWidget(combo)
    combo.addItem("dev")
    table, text, label = QTableView(), QPlainTextEdit(), QLabel("not focusable")
    for widget in (table, text, label):
        qtbot.addWidget(widget)
    assert focus_ring(combo.view()) is None  # its popup draws the frame
    assert focus_ring(label) is None
    assert "QTableView:focus" in focus_ring(table) and "palette(highlight)" in focus_ring(table)
    assert "QPlainTextEdit:focus" in focus_ring(text)
