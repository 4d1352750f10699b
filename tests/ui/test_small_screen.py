"""At 1024×700 every view's main table fits its width: no horizontal scroll bar, no clipped
header; columns the user hides stay hidden in the next window."""

from __future__ import annotations

import jwt as pyjwt
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QMenu, QTableView

from tests.conftest import NOW
from tests.helpers.named import named
from tests.ui.keyboard_walk import menu_action

TOKEN = pyjwt.encode({"sub": "small", "exp": NOW + 600}, "s" * 32, algorithm="HS256")
#: The main table(s) of each view, by accessible name.
MAIN_TABLES = {"Vault": ("Credentials",), "Exchange": ("Exchange history",),
               "Expiry": ("Expiry",), "Support": ("Users", "Tokens and sessions")}


@pytest.fixture
def filled_window(make_window, tokendesk_home, qtbot):
    """A window with credentials (long names), an admin connection and a pinned token."""
    from tokendesk.core.vault import Client, FileStore, TokenSet

    store = FileStore(tokendesk_home / "secrets.enc")
    store.create("small screen passphrase")
    win = make_window(store_factory=lambda _home: store)
    vault = win.vault_controller
    vault.open()
    qtbot.waitUntil(lambda: vault.vault is not None)
    vault.vault.add_client(Client("keycloak-staging-with-a-long-name",
                                  "https://sso.staging.example/realms/qa", "qa-client",
                                  environment="staging"), "secret")
    vault.vault.add_client(Client("auth0-support", "https://tenant.eu.auth0.com/", "admin-id",
                                  "client_secret_post", admin_provider="auth0",
                                  environment="prod"), "secret")
    for i in range(3):
        vault.vault.add_credential(f"support-case-4711-customer-{i}-long-name",
                                   "keycloak-staging-with-a-long-name",
                                   TokenSet(f"refresh-{i}", TOKEN, refresh_expires_in=86400))
    vault.list()
    win.inspector.set_text(TOKEN)
    win.pin_to_expiry()
    return win


def header_fits(header: QHeaderView, column: int) -> bool:
    """The section holds its text as Qt measures it (bold, as a selected row draws it)."""
    return header.sectionSize(column) >= header.sectionSizeFromContents(column).width()


@pytest.mark.parametrize("view_name", sorted(MAIN_TABLES))
def test_at_1024_by_700_the_main_tables_need_no_horizontal_scrolling(filled_window, qtbot,
                                                                      view_name):
    window = filled_window
    window.resize(1024, 700)
    view = window.show_view(view_name)
    qtbot.waitUntil(lambda: window.width() == 1024 and view.isVisible())
    QApplication.processEvents()
    for name in MAIN_TABLES[view_name]:
        table = named(view, name, QAbstractItemView)
        header = table.horizontalHeader() if isinstance(table, QTableView) else table.header()
        qtbot.waitUntil(lambda t=table: t.isVisible())
        scroll = table.horizontalScrollBar()
        assert not scroll.isVisible(), f"{name} scrolls sideways ({scroll.maximum()} px)"
        clipped = [str(header.model().headerData(c, header.orientation()))
                   for c in range(header.count())
                   if not header.isSectionHidden(c) and not header_fits(header, c)]
        assert clipped == [], f"{name}: clipped headers {clipped}"
        assert header.length() <= header.width() + 1


# a popup menu on the offscreen platform: it cannot raise it or grab the keyboard
@pytest.mark.qt_log_ignore("This plugin does not support raise",
                           "This plugin does not support grabbing the keyboard")
def test_a_column_hidden_from_view_columns_stays_hidden_in_the_next_window(filled_window,
                                                                          make_window, qtbot):
    window = filled_window
    view = window.show_view("Vault")
    table = named(view, "Credentials", QTableView)
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    labels = [table.model().headerData(c, table.horizontalHeader().orientation())
              for c in range(table.model().columnCount())]
    env = labels.index("Env")
    entries: list[str] = []

    def untick_env() -> None:
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):
            QTimer.singleShot(20, untick_env)
            return
        entries.extend(a.text() for a in menu.actions())
        next(a for a in menu.actions() if a.text() == "Env").trigger()
        menu.close()

    QTimer.singleShot(0, untick_env)
    menu_action(window, "View", "Columns…").trigger()
    assert entries == labels
    assert table.horizontalHeader().isSectionHidden(env)
    window.close()
    again = make_window()
    table = named(again.show_view("Vault"), "Credentials", QTableView)
    assert table.horizontalHeader().isSectionHidden(env)
    assert not table.horizontalHeader().isSectionHidden(0)


def test_the_first_column_cannot_be_hidden(filled_window):
    from tokendesk.ui.widgets.columns import fitter_of

    table = named(filled_window.show_view("Vault"), "Credentials", QTableView)
    fitter = fitter_of(table)
    menu = fitter.menu()
    first = menu.actions()[0]
    assert first.isChecked() and not first.isEnabled()
    fitter.set_hidden(0, True)
    assert not table.horizontalHeader().isSectionHidden(0)


def test_view_columns_says_so_in_a_view_without_a_table(filled_window):
    window = filled_window
    window.show_view("Inspector")
    window.inspector.setFocus()
    menu_action(window, "View", "Columns…").trigger()
    assert "no table" in window.status_text.text()


def test_at_1024_by_700_the_verify_form_rows_are_not_squashed(filled_window, qtbot):
    """The Verify panel's fields get their full height, and its verdict all its lines (a
    longer verdict scrolls the pane instead of squashing the rows)."""
    from PySide6.QtWidgets import QLabel

    window = filled_window
    window.resize(1024, 700)
    view = window.show_view("Inspector")
    qtbot.waitUntil(lambda: window.width() == 1024 and window.height() == 700
                    and view.isVisible())
    panel = view.verify_panel

    def laid_out() -> bool:
        QApplication.processEvents()
        verdict = named(panel, "Verification verdict", QLabel)
        return verdict.height() >= verdict.heightForWidth(verdict.width())

    for verdict in (None, "the keys could not be fetched: the issuer's discovery document "
                    "names no jwks_uri, and no key was pasted; " * 3):
        if verdict is not None:
            panel.show_error(verdict)
        qtbot.waitUntil(laid_out)
        for name in ("JWKS URL", "Algorithm", "Leeway", "Expected issuer", "Expected audience",
                     "Expected nonce", "Expected kind"):
            field = named(panel, name)
            assert field.height() >= field.sizeHint().height(), (
                f"{name}: {field.height()} px of {field.sizeHint().height()}")
        checks = named(panel, "Verification result")
        assert checks.height() >= checks.minimumSizeHint().height()
    assert window.height() == 700
