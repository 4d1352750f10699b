"""The Support view: find a customer at the provider and end their tokens, sessions and grants.

A connection picker (vault clients marked as admin), the machine token's granted scopes, a
search box, the users found, and a user page: profile, refresh tokens / sessions / grants with
their times and clients, revoke actions (each behind a confirmation naming the user, the
provider and what stops working), the provider's answer, and this user's audit trail.

With no admin connection yet, the view says what one is and offers "Add admin connection…"
(the one client form, with the admin providers' presets); Find waits until one exists.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tokendesk.core.timefmt import format_utc, format_utc_or_dash

from ..controllers.support import SupportController
from ..models.support_model import ItemsModel, UsersModel
from ..widgets.panes import split

__all__ = ["SupportView"]

_HOW_TO = ("<b>No admin connection yet.</b><br>Support finds a customer at your provider and "
           "ends their refresh tokens, sessions and grants through the provider's admin API "
           "(Auth0, Keycloak or Okta). An admin connection is a client of that API: its secret "
           "stays in the keyring, and its machine token comes from the client credentials "
           "grant when you search.")


_CLOSED = ("<b>The vault is locked.</b><br>Its admin connections are listed here once it is "
           "open: unlock it in the Vault view (Ctrl+2).")
_CLOSED_NEW = ("<b>There is no vault yet.</b><br>Create the encrypted file in the Vault view "
               "(Ctrl+2), then add an admin connection here.")


class SupportView(QWidget):
    status_message = Signal(str)

    def __init__(self, controller: SupportController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.user: Any = None
        self._choose = ""  # a connection just added: chosen once listed
        self.connection = QComboBox()
        self.connection.setAccessibleName("Connection")
        self.connection.setMinimumWidth(220)
        self.granted = QLabel()
        self.granted.setAccessibleName("Granted scopes")
        self.granted.setWordWrap(True)
        self.search = QLineEdit()
        self.search.setAccessibleName("Find user")
        self.search.setPlaceholderText("email, user id or name — Enter to search")
        self.find_button = QPushButton("Find")
        self.find_button.setAccessibleName("Find")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        top = QHBoxLayout()
        for w in (QLabel("Connection"), self.connection, self.search, self.find_button,
                  self.cancel_button):
            top.addWidget(w)
        top.setStretch(2, 1)

        self.users = UsersModel(self)
        self.users_table = QTableView()
        self.users_table.setAccessibleName("Users")
        self.users_table.setModel(self.users)
        self.users_table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.users_table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.users_table.verticalHeader().hide()
        self.users_table.horizontalHeader().setStretchLastSection(True)
        self.users_table.setWordWrap(False)
        for column, width in enumerate((280, 220, 180, 170)):
            self.users_table.setColumnWidth(column, width)

        self.profile = QLabel("Find a user, then pick them to see their tokens and sessions.")
        self.profile.setAccessibleName("User")
        self.profile.setWordWrap(True)
        self.profile.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.items = ItemsModel(self)
        self.items_table = QTableView()
        self.items_table.setAccessibleName("Tokens and sessions")
        self.items_table.setModel(self.items)
        self.items_table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.items_table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.items_table.verticalHeader().hide()
        self.items_table.horizontalHeader().setStretchLastSection(True)
        self.items_table.setWordWrap(False)
        for column, width in enumerate((120, 260, 110, 170, 170, 170)):
            self.items_table.setColumnWidth(column, width)
        self.revoke_selected = QPushButton("Revoke selected…")
        self.revoke_tokens = QPushButton("Revoke all refresh tokens…")
        self.end_sessions = QPushButton("End all sessions…")
        self.export_audit = QPushButton("Export audit trail (CSV)…")
        actions = QHBoxLayout()
        for b in (self.revoke_selected, self.revoke_tokens, self.end_sessions):
            actions.addWidget(b)
        actions.addStretch(1)
        actions.addWidget(self.export_audit)
        self.result = QLabel()
        self.result.setAccessibleName("Result")
        self.result.setWordWrap(True)
        self.audit = QPlainTextEdit()
        self.audit.setAccessibleName("Audit trail")
        self.audit.setReadOnly(True)
        self.audit.setMaximumHeight(120)
        self.audit.setPlaceholderText("This user's support actions from this machine appear here.")

        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        page_layout.addWidget(self.profile)
        page_layout.addWidget(self.items_table, 1)
        page_layout.addLayout(actions)
        page_layout.addWidget(self.result)
        page_layout.addWidget(QLabel("Audit trail"))
        page_layout.addWidget(self.audit)
        splitter = split(self.users_table, page, [180, 520], vertical=True)
        self.progress = QLabel()
        self.progress.setAccessibleName("Progress")
        self.pages = QStackedWidget()
        self.pages.addWidget(self._empty_state())
        self.pages.addWidget(splitter)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.granted)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.progress)
        self._has_connections(False)
        self._set_user_actions(False)

        self.search.returnPressed.connect(self.find_users)
        self.find_button.clicked.connect(self.find_users)
        self.cancel_button.clicked.connect(self.cancel)
        self.connection.currentIndexChanged.connect(self._on_connection)
        self.users_table.selectionModel().selectionChanged.connect(self._on_user_selected)
        self.revoke_selected.clicked.connect(self.revoke_selected_item)
        self.revoke_tokens.clicked.connect(lambda: self.revoke("all-tokens"))
        self.end_sessions.clicked.connect(lambda: self.revoke("all-sessions"))
        self.export_audit.clicked.connect(self.export_audit_csv)
        c = controller
        c.connections_ready.connect(self._on_connections)
        c.vault.needs_passphrase.connect(self._on_vault_closed)
        c.granted_ready.connect(self._on_granted)
        c.users_ready.connect(self._on_users)
        c.user_ready.connect(self._on_user)
        c.revoked.connect(self._on_revoked)
        c.failed.connect(self._on_failed)
        c.progress.connect(self.progress.setText)

    def _empty_state(self) -> QWidget:
        empty = QWidget()
        empty.setAccessibleName("No admin connection")
        self.how_to = QLabel(_HOW_TO)
        self.how_to.setAccessibleName("Setup hint")
        self.how_to.setWordWrap(True)
        self.how_to.setTextFormat(Qt.TextFormat.RichText)
        self.how_to.setMaximumWidth(640)
        self.add_connection = QPushButton("Add admin connection…")
        self.add_connection.setAccessibleName("Add admin connection")
        self.add_connection.clicked.connect(self.add_admin_connection)
        row = QHBoxLayout()
        row.addWidget(self.add_connection)
        row.addStretch(1)
        column = QVBoxLayout(empty)
        column.setContentsMargins(24, 24, 24, 24)
        column.setSpacing(12)
        column.addWidget(self.how_to)
        column.addLayout(row)
        column.addStretch(1)
        return empty

    def _has_connections(self, has: bool) -> None:
        """Searching needs a connection: until one exists the empty state stands in for the
        users and their page, and Find and the search box wait."""
        self.pages.setCurrentIndex(1 if has else 0)
        for widget in (self.connection, self.search, self.find_button):
            widget.setEnabled(has)
        self.granted.setVisible(has)

    @Slot()
    def add_admin_connection(self) -> None:
        """The client form with the admin providers' presets; the new connection is chosen."""
        from .client_dialog import ClientDialog

        dialog = ClientDialog(self.controller.vault, self, admin=True)
        accepted = dialog.exec()
        dialog.deleteLater()  # once its answer is read: no typed secret lingers
        if accepted and dialog.saved_name:
            self._choose = dialog.saved_name
            self.controller.load_connections()
            self.status_message.emit(f"Added the admin connection {dialog.saved_name}.")

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.controller.vault.open()
        self.controller.load_connections()

    # -- work ---------------------------------------------------------------------------------------
    def _busy(self, text: str) -> None:
        self.progress.setText(text)
        self.cancel_button.setEnabled(True)

    def _idle(self, text: str = "") -> None:
        self.progress.setText(text)
        self.cancel_button.setEnabled(False)

    @Slot()
    def find_users(self) -> None:
        name = self.connection.currentData()
        query = self.search.text().strip()
        if not name:
            return  # no connection: Find is disabled, and the empty state says why
        if not query:
            self.progress.setText("Type an email, a user id or a name first.")
            return
        self._busy(f"Searching {name} for {query}…")
        self.controller.find(name, query)

    @Slot()
    def cancel(self) -> None:
        self.controller.cancel()
        self._idle("Cancelled: nothing more is asked of the provider.")

    def _set_user_actions(self, on: bool) -> None:
        for b in (self.revoke_selected, self.revoke_tokens, self.end_sessions, self.export_audit):
            b.setEnabled(on)

    def selected_item(self) -> Any:
        rows = self.items_table.selectionModel().selectedRows()
        return self.items.record(rows[0].row()) if rows else None

    def revoke_selected_item(self) -> None:
        item = self.selected_item()
        if item is None:
            self.result.setText("Select a refresh token, session or grant first.")
            return
        action = {"refresh token": "token", "device credential": "token",
                  "offline session": "token", "session": "session", "grant": "grant"}[item.kind]
        self.revoke(action, item)

    def revoke(self, action: str, item: Any = None) -> None:
        name = self.connection.currentData()
        if not name or self.user is None:
            return
        console = self.controller.console()
        unsupported = console.connection(name).UNSUPPORTED.get(action)
        if unsupported:
            self.result.setText(unsupported + ".")
            return
        text = console.confirmation(name, self.user, action, item)
        box = QMessageBox(QMessageBox.Icon.Warning, "Confirm revocation", text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Revoke")
        if box.exec() != QMessageBox.StandardButton.Yes:
            self.result.setText("Nothing was revoked.")
            return
        self._busy(f"Asking {console.connection(name).provider} to "
                   f"{text.split(' for ')[0].lower()}…")
        self.controller.revoke(name, self.user.id, action, item.id if item else None)

    def export_audit_csv(self) -> None:
        name = self.connection.currentData()
        if not name or self.user is None:
            return
        console = self.controller.console()
        provider = console.connection(name).provider
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the audit trail", f"tokendesk-support-{self.user.id.replace('|', '_')}"
            ".csv", "CSV (*.csv)")
        if not path:
            return
        try:
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(console.audit_csv(provider, self.user.id))
        except OSError as exc:
            self.result.setText(f"Could not write {path}: {exc.strerror}.")
            return
        self.status_message.emit(f"Audit trail of {self.user.id} exported to {path}.")

    # -- answers --------------------------------------------------------------------------------------
    @Slot(bool)
    def _on_vault_closed(self, creating: bool) -> None:
        """The vault is a locked (or not yet made) encrypted file: its admin connections are
        not known yet, so the empty state must not say there are none."""
        self.how_to.setText(_CLOSED_NEW if creating else _CLOSED)
        self.add_connection.hide()
        self._has_connections(False)

    def _on_connections(self, clients: list[Any]) -> None:
        self.how_to.setText(_HOW_TO)  # the vault is open: what it holds is known
        self.add_connection.show()
        current = self._choose or self.connection.currentData()
        self.connection.blockSignals(True)
        self.connection.clear()
        for c in clients:
            self.connection.addItem(f"{c.name} ({c.admin_provider})", c.name)
        index = self.connection.findData(current)
        self.connection.setCurrentIndex(max(0, index))
        self.connection.blockSignals(False)
        if index >= 0:
            self._choose = ""
        self._has_connections(bool(clients))
        if not clients:
            self.granted.setText("")
        elif self.connection.currentData() != current or not self.granted.text():
            self._on_connection()

    def _on_connection(self) -> None:
        name = self.connection.currentData()
        if name:
            self.granted.setText(f"{name}: granted scopes are shown after the first call "
                                 "(the machine token is fetched when you search).")

    def _on_granted(self, connection: str, scopes: list[str]) -> None:
        self.granted.setText(f"{connection} is granted: {', '.join(scopes) or 'not stated'}")

    def _on_users(self, users: list[Any]) -> None:
        self.users.set_records(users)
        self._idle(f"{len(users)} user{'s' if len(users) != 1 else ''} found." if users
                   else "No user matches.")
        name = self.connection.currentData()
        if name:
            self.controller.granted(name)  # the token is cached: no extra request
        if len(users) == 1:
            self.users_table.selectRow(0)

    def _on_user_selected(self) -> None:
        rows = self.users_table.selectionModel().selectedRows()
        name = self.connection.currentData()
        if not rows or not name:
            return
        user = self.users.record(rows[0].row())
        self._busy(f"Loading the tokens and sessions of {user.email or user.id}…")
        self.controller.open_user(name, user.id)

    def _on_user(self, user: Any, items: list[Any], audit: list[Any]) -> None:
        self.user = user
        counts = {k: sum(1 for i in items if i.kind == k) for k in
                  ("refresh token", "device credential", "session", "offline session", "grant")}
        summary = ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in counts.items() if n)
        self.profile.setText(
            f"<b>{user.name or user.email or user.id}</b> · {user.email or 'no email'} · "
            f"id {user.id}" + (" · <b>blocked</b>" if user.blocked else "")
            + f"<br>created {format_utc_or_dash(user.created_at)} · last "
            f"login {format_utc_or_dash(user.last_login)}<br>"
            + (summary or "no refresh tokens, sessions or grants"))
        self.items.set_records(items)
        self._show_audit(audit)
        self._set_user_actions(True)
        self._idle(f"{len(items)} item{'s' if len(items) != 1 else ''} listed.")

    def _show_audit(self, audit: list[Any]) -> None:
        self.audit.setPlainText("\n".join(f"{format_utc(e.at)}  {e.actor}  {e.action}: "
                                          f"{e.detail}" for e in audit))

    def _on_revoked(self, revocation: Any, audit: list[Any]) -> None:
        lines = [revocation.summary()] + [f"{'✔' if o.ok else '✘'} {o.target}: {o.message}"
                                          for o in revocation.outcomes]
        self.result.setText("\n".join(lines))
        self._show_audit(audit)
        self._idle()
        self.status_message.emit(revocation.summary())
        if self.user is not None:  # show what the provider now lists
            self.controller.open_user(self.connection.currentData(), self.user.id)

    def _on_failed(self, message: str) -> None:
        self._idle()
        self.result.setText(message[:1].upper() + message[1:] + ("" if message.endswith(".")
                                                                 else "."))
        self.status_message.emit(message)
