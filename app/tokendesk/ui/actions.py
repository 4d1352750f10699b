"""The menus: every command of the window, each with a menu entry and a shortcut.

Commands are rows of a table (:data:`MENUS`). A row names what it runs on the window, or, for a
view's own commands, which of the view's buttons it presses (so the view's rules — enabled or
not, confirmations — stay the view's) and shortcuts that work only while that view has the
focus: Ctrl+R refreshes in the Exchange view and the selected row in the Expiry view. Help ▸
Keyboard shortcuts lists the actions built here, so the list cannot drift from them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QMenu

from tokendesk.core._record import NamedTuple

from .navigation import VIEWS

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from .shell import MainWindow

__all__ = ["MENUS", "Command", "MenuBuilder", "ViewCommand"]

#: QKeySequence.StandardKey names, resolved after the first paint (see MenuBuilder.finish),
#: and the key for desktops that define none.
_STANDARD = {"Open": "Ctrl+O", "Quit": "Ctrl+Q", "Find": "Ctrl+F", "Preferences": "Ctrl+,"}


class Command(NamedTuple):
    """A window command: ``run`` names a method of the window."""

    text: str
    run: str
    shortcut: str
    tip: str = ""


class ViewCommand(NamedTuple):
    """A command of one view: presses the view's button (``button`` finds it in the view; a
    field found there instead gets the focus) or calls the view's method ``method``; its
    shortcut works while that view has the focus."""

    text: str
    view: str
    shortcut: str
    button: Callable[[Any], QWidget] | None = None
    method: str = ""
    tip: str = ""
    #: Say nothing when the button is disabled (Escape: pressed often, mostly idle).
    quiet: bool = False


Entry = Command | ViewCommand | None  # None: a separator


def _button(name: str) -> Callable[[Any], QWidget]:
    return lambda view: getattr(view, name)


def _delete_in_vault(view: Any) -> QWidget:
    """Delete the client when the Clients table has the focus, else the credential."""
    clients = getattr(view, "clients_table", None)
    button: QWidget = (view.delete_client_button if clients is not None and clients.hasFocus()
                       else view.delete_button)
    return button


def _exchange(key: str) -> Callable[[Any], QWidget]:
    return lambda view: view.buttons[key]


MENUS: tuple[tuple[str, tuple[Entry, ...]], ...] = (
    ("&File", (
        Command("&Paste and inspect", "paste_and_inspect", "Ctrl+Shift+V",
                "Replace the input with the clipboard and decode it"),
        Command("&Open file…", "open_file", "Open"),
        None,
        Command("&Quit", "close", "Quit"),
    )),
    ("&Edit", (
        Command("Copy &token", "copy_token", "Ctrl+Shift+C",
                "Copy the token (cleared from the clipboard after a while)"),
        Command("Copy &header JSON", "copy_header", "Ctrl+Shift+H"),
        Command("Copy &claims JSON", "copy_claims", "Ctrl+Shift+J"),
        None,
        Command("&Find claim", "find_claim", "Find"),
        Command("&Verify", "verify", "Ctrl+Return"),
        Command("&Store in the Vault…", "send_to_vault", "Ctrl+S",
                "Store the refresh token (or token response) shown in the Inspector"),
        Command("P&in to Expiry", "pin_to_expiry", "Ctrl+Shift+P",
                "Watch this token's expiry in the Expiry view (the token is not stored)"),
        None,
        Command("&Preferences…", "preferences", "Preferences"),
    )),
    ("&View", ()),  # one entry per view (navigation.VIEWS), then next and previous
    ("V&ault", (
        ViewCommand("&Store refresh token…", "Vault", "Ctrl+N", _button("add_button")),
        ViewCommand("&Add client…", "Vault", "Ctrl+Shift+N", _button("add_client_button")),
        ViewCommand("&Edit client…", "Vault", "Ctrl+Shift+E", _button("edit_client_button")),
        ViewCommand("&Notes…", "Vault", "Ctrl+Shift+M", _button("notes_button")),
        ViewCommand("&Delete…", "Vault", "Delete", _delete_in_vault,
                    tip="The selected credential, or client when the Clients table has the "
                        "focus"),
        ViewCommand("Delete &client…", "Vault", "Ctrl+Shift+Delete",
                    _button("delete_client_button")),
        None,
        ViewCommand("&Reveal or hide the refresh token", "Vault", "Alt+1",
                    _button("reveal_refresh_token")),
        ViewCommand("Reveal or hide the a&ccess token", "Vault", "Alt+2",
                    _button("reveal_access_token")),
        ViewCommand("Reveal or hide the I&D token", "Vault", "Alt+3",
                    _button("reveal_id_token")),
        ViewCommand("C&opy the refresh token", "Vault", "Ctrl+Alt+1",
                    _button("copy_refresh_token"),
                    tip="Cleared from the clipboard after a while if unchanged"),
        ViewCommand("Copy the access &token", "Vault", "Ctrl+Alt+2", _button("copy_access_token")),
        ViewCommand("Copy the ID to&ken", "Vault", "Ctrl+Alt+3", _button("copy_id_token")),
    )),
    ("E&xchange", (
        ViewCommand("&Refresh", "Exchange", "Ctrl+R", _exchange("refresh")),
        ViewCommand("&Introspect", "Exchange", "Ctrl+I", _exchange("introspect")),
        ViewCommand("&Userinfo", "Exchange", "Ctrl+U", _exchange("userinfo")),
        ViewCommand("Re&voke…", "Exchange", "Ctrl+Shift+R", _exchange("revoke")),
        None,
        ViewCommand("&Sign in…", "Exchange", "Ctrl+L", _button("sign_in_button")),
        ViewCommand("&Client grant…", "Exchange", "Ctrl+G", _button("grant_button")),
        ViewCommand("&Open the access token in the Inspector", "Exchange", "Ctrl+Shift+I",
                    _button("inspect_button")),
        None,
        ViewCommand("Re&play the previous refresh token…", "Exchange", "Ctrl+Alt+R",
                    _exchange("replay")),
        ViewCommand("Refresh &twice at once…", "Exchange", "Ctrl+Alt+W", _exchange("twice")),
    )),
    ("Ex&piry", (
        ViewCommand("&Refresh now", "Expiry", "Ctrl+R", method="refresh_selected",
                    tip="Refresh the selected credential"),
        ViewCommand("Row &actions…", "Expiry", "Shift+F10", method="show_row_menu",
                    tip="Refresh, auto-refresh or unpin the selected row"),
        ViewCommand("&Unpin", "Expiry", "Delete", method="unpin_selected",
                    tip="Stop watching the selected pinned token"),
    )),
    ("&Support", (
        ViewCommand("&Find user", "Support", "Ctrl+Shift+F", _button("search"),
                    tip="Type an email, user id or name, then Enter"),
        ViewCommand("&Cancel", "Support", "Escape", _button("cancel_button"), quiet=True),
        None,
        ViewCommand("Revoke &selected…", "Support", "Delete", _button("revoke_selected")),
        ViewCommand("Revoke all &refresh tokens…", "Support", "Ctrl+Shift+R",
                    _button("revoke_tokens")),
        ViewCommand("&End all sessions…", "Support", "Ctrl+Shift+L", _button("end_sessions")),
        ViewCommand("E&xport audit trail (CSV)…", "Support", "Ctrl+Shift+S",
                    _button("export_audit")),
    )),
    ("&Tools", (
        Command("&Compare two tokens…", "compare", "Ctrl+D"),
        Command("&Encode / edit and re-sign…", "encode", "Ctrl+E"),
        Command("&Decrypt the JWE…", "decrypt", "Ctrl+Shift+D",
                "Decrypt the Inspector's encrypted token with your key; a nested signed token "
                "then opens in the Inspector, ready to verify"),
    )),
    ("&Help", (
        Command("&Keyboard shortcuts", "show_shortcuts", "F1"),
        Command("&Welcome and first client…", "welcome", "Shift+F1"),
        Command("&About Tokendesk", "about", "Ctrl+F1"),
    )),
)


class MenuBuilder:
    """Builds the menu bar of ``window`` from :data:`MENUS`: the menus' titles at once, their
    entries and shortcuts in :meth:`finish`, after the first paint (building a QKeySequence
    makes PySide6 build its Qt enum namespace, tens of ms, which the first paint must not wait
    for; the entries themselves are a millisecond or two more)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self._pending: list[tuple[QAction, str]] = []
        #: The actions of each view's commands (added to the view when it is built).
        self.view_actions: dict[str, list[QAction]] = {spec.name: [] for spec in VIEWS}
        self._entries: dict[QAction, ViewCommand] = {}
        self._finished = False
        bar = window.menuBar()
        self._menus = [(bar.addMenu(title), title, entries) for title, entries in MENUS]

    def _populate(self) -> None:
        for menu, title, entries in self._menus:
            if title == "&View":
                self._view_menu(menu)
            for entry in entries:
                if entry is None:
                    menu.addSeparator()
                elif isinstance(entry, Command):
                    self._add(menu, entry.text, getattr(self.window, entry.run), entry.shortcut,
                              entry.tip)
                else:
                    action = self._add(menu, entry.text, partial(self._run, entry),
                                       entry.shortcut, entry.tip)
                    self._entries[action] = entry
                    action.setProperty("tokendeskScope", entry.view)
                    self.view_actions[entry.view].append(action)
            if any(isinstance(e, ViewCommand) for e in entries):
                menu.aboutToShow.connect(partial(self._update_enabled, menu))

    def _view_menu(self, menu: QMenu) -> None:
        for i, spec in enumerate(VIEWS):
            self._add(menu, spec.name, partial(self.window.show_view, spec.name), f"Ctrl+{i + 1}")
        menu.addSeparator()
        self._add(menu, "&Next view", partial(self.window.step_view, 1), "Ctrl+PgDown")
        self._add(menu, "P&revious view", partial(self.window.step_view, -1), "Ctrl+PgUp")
        menu.addSeparator()
        self._add(menu, "&Columns…", self.window.choose_columns, "Ctrl+Shift+K",
                  "Show or hide the columns of this view's table")

    def _add(self, menu: QMenu, text: str, slot: Callable[[], object], shortcut: str,
             tip: str = "") -> QAction:
        action = QAction(text, self.window)
        self._pending.append((action, shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # -- view commands ------------------------------------------------------------------------
    def _run(self, entry: ViewCommand) -> None:
        view = self.window.show_view(entry.view)
        if entry.button is not None:
            button = entry.button(view)
            if not isinstance(button, QAbstractButton):  # a field: go there
                button.setFocus()
                if hasattr(button, "selectAll"):
                    button.selectAll()
            elif button.isEnabled() and not button.isHidden():
                button.click()
            elif not entry.quiet:
                self.window.show_status(f"{_plain(entry.text)}: not available now.")
        else:
            getattr(view, entry.method)()

    def _update_enabled(self, menu: QMenu) -> None:
        """A view's entry is enabled as its button is (a view not built yet: enabled)."""
        for action in menu.actions():
            entry = self._entries.get(action)
            view = self.window.views.get(entry.view) if entry is not None else None
            if entry is not None and entry.button is not None and view is not None:
                button = entry.button(view)
                action.setEnabled(button.isEnabled() and not button.isHidden())

    def attach(self, name: str, view: QWidget) -> None:
        """Give ``view`` its commands' shortcuts (active while the focus is inside it); a view
        built before :meth:`finish` gets them there."""
        for action in self.view_actions.get(name, []):
            view.addAction(action)

    def _scope(self, name: str) -> None:
        from PySide6.QtCore import Qt

        for action in self.view_actions.get(name, []):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def finish(self) -> None:
        """Fill the menus and set the shortcuts (after the first paint). Idempotent."""
        from PySide6.QtGui import QKeySequence

        if not self._finished:
            self._populate()
            for name, view in self.window.views.items():
                if view is not None:
                    self.attach(name, view)
        for action, shortcut in self._pending:
            if shortcut in _STANDARD:
                sequence = QKeySequence(getattr(QKeySequence.StandardKey, shortcut))
                if sequence.isEmpty():  # a desktop without a standard one
                    sequence = QKeySequence(_STANDARD[shortcut])
            else:
                sequence = QKeySequence(shortcut)
            action.setShortcut(sequence)
        self._pending.clear()
        if not self._finished:
            self._finished = True
            for name in self.view_actions:
                self._scope(name)

    def actions(self) -> list[tuple[str, QAction]]:
        """(menu title, action) for every entry of the menu bar, in menu order."""
        out: list[tuple[str, QAction]] = []
        for top in self.window.menuBar().actions():
            menu = top.menu()
            if not isinstance(menu, QMenu):
                continue
            title = _plain(top.text())
            out.extend((title, a) for a in menu.actions() if not a.isSeparator())
        return out


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")

