"""The Vault view: the clients, the credentials in a searchable table, one credential's details
with its secrets masked until revealed.

Clients are listed above the credentials, with Add, Edit and Delete (the one client form of
views/client_form.py); a client just added, or a credential just stored, is selected.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelection, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tokendesk.core.choices import ENVIRONMENTS

from ..clipboard import SecretClipboard
from ..controllers.vault import VaultController
from ..models.clients_model import ClientsModel
from ..models.credentials_model import CredentialsModel
from ..widgets.panes import split
from .client_dialog import ClientDialog
from .vault_detail import MASK, NONE_STORED, SECRET_KINDS, CredentialDetail
from .vault_dialogs import AddCredentialDialog, PassphraseDialog, confirm_client_delete

__all__ = ["MASK", "NONE_STORED", "SECRET_KINDS", "VaultView"]


def _run(dialog: QDialog) -> bool:
    """Run a dialog; it is deleted once its answer has been read (when control returns to the
    event loop), so no secret typed into it lingers in a hidden widget."""
    try:
        return bool(dialog.exec())
    finally:
        dialog.deleteLater()


class VaultView(QWidget):
    status_message = Signal(str)

    def __init__(self, controller: VaultController, clipboard: SecretClipboard,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.clipboard = clipboard
        self._pending_copy: set[tuple[str, str]] = set()
        self._clients: list[Any] = []
        self._select_credential = ""  # just stored: selected once listed
        self._select_client = ""  # just added or edited: selected once listed

        self.search = QLineEdit()
        self.search.setAccessibleName("Search credentials")
        self.search.setPlaceholderText("Search by name, client, subject or notes")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(120)
        self._search_timer.timeout.connect(self._apply_filter)
        self.search.textChanged.connect(self._search_timer.start)
        self.environment = QComboBox()
        self.environment.setAccessibleName("Environment filter")
        for env_label, env_value in (("All environments", None),
                                     *((env, env) for env in ENVIRONMENTS), ("unlabelled", "")):
            self.environment.addItem(env_label, env_value)
        self.environment.currentIndexChanged.connect(self._apply_filter)
        self.sort = QComboBox()
        self.sort.setAccessibleName("Sort")
        for sort_label, sort_value in (("Soonest expiry first", "expiry"), ("By name", "name"),
                                       ("By client", "client")):
            self.sort.addItem(sort_label, sort_value)
        self.sort.currentIndexChanged.connect(self._apply_filter)
        def button(text: str, name: str, slot: Any) -> QPushButton:
            made = QPushButton(text)
            made.setAccessibleName(name)
            made.clicked.connect(slot)
            return made

        self.add_client_button = button("Add client…", "Add client", self.add_client)
        self.edit_client_button = button("Edit…", "Edit client", self.edit_client)
        self.delete_client_button = button("Delete…", "Delete client", self.delete_client)
        self.add_button = button("Store refresh token…", "Store refresh token",
                                 lambda: self.add_credential())
        self.notes_button = button("Notes…", "Edit notes", self.edit_notes)
        self.delete_button = button("Delete…", "Delete credential", self.delete_selected)
        for widget in (self.edit_client_button, self.delete_client_button, self.notes_button,
                       self.delete_button):
            widget.setEnabled(False)  # until something is selected
        bar = QHBoxLayout()
        bar.addWidget(self.search, 2)
        bar.addWidget(self.environment)
        bar.addWidget(self.sort)

        self.clients_model = ClientsModel(self)
        self.clients_table = QTableView()
        self.clients_table.setAccessibleName("Clients")
        self.clients_table.setModel(self.clients_model)
        self.clients_table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.clients_table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.clients_table.verticalHeader().hide()
        self.clients_table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((150, 200, 130)):
            self.clients_table.setColumnWidth(column, width)
        self.clients_table.setWordWrap(False)
        self.clients_table.doubleClicked.connect(self.edit_client)
        self.clients_table.selectionModel().selectionChanged.connect(self._on_client_selection)
        clients_pane = QWidget()
        clients_layout = QVBoxLayout(clients_pane)
        clients_layout.setContentsMargins(0, 0, 0, 0)
        clients_bar = QHBoxLayout()
        clients_bar.addWidget(QLabel("<b>Clients</b>"))
        clients_bar.addStretch(1)
        for widget in (self.add_client_button, self.edit_client_button,
                       self.delete_client_button):
            clients_bar.addWidget(widget)
        clients_layout.addLayout(clients_bar)
        clients_layout.addWidget(self.clients_table, 1)

        self.model = CredentialsModel(self)
        self.table = QTableView()
        self.table.setAccessibleName("Credentials")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((170, 140, 64, 110, 110, 110)):
            self.table.setColumnWidth(column, width)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        credentials_pane = QWidget()
        credentials_layout = QVBoxLayout(credentials_pane)
        credentials_layout.setContentsMargins(0, 0, 0, 0)
        credentials_bar = QHBoxLayout()
        credentials_bar.addWidget(QLabel("<b>Credentials</b>"))
        credentials_bar.addStretch(1)
        for widget in (self.add_button, self.notes_button, self.delete_button):
            credentials_bar.addWidget(widget)
        credentials_layout.addLayout(credentials_bar)
        credentials_layout.addWidget(self.table, 1)

        self.detail = CredentialDetail()
        self.fields = self.detail.fields
        self.audit_view = self.detail.audit_view
        self.secret_labels = {kind: row.value for kind, row in self.detail.rows.items()}
        for kind, row in self.detail.rows.items():
            setattr(self, f"reveal_{kind}", row.reveal)
            setattr(self, f"copy_{kind}", row.copy)
            row.reveal_toggled.connect(self._reveal)
            row.copy_requested.connect(self._copy)

        self.where = QLabel("Opening the vault…")
        self.where.setAccessibleName("Vault location")
        lists = split(clients_pane, credentials_pane, [150, 450], vertical=True)
        splitter = split(lists, self.detail, [760, 480])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        self.unlock_button = QPushButton("Unlock…")
        self.unlock_button.clicked.connect(self.unlock)
        self.unlock_button.hide()
        self._creating = False
        footer = QHBoxLayout()
        footer.addWidget(self.where, 1)
        footer.addWidget(self.unlock_button)
        layout.addLayout(footer)

        controller.opened.connect(self._on_opened)
        controller.listed.connect(self._on_listed)
        controller.clients_used.connect(self._on_clients)
        controller.credential_saved.connect(self._on_credential_saved)
        controller.client_saved.connect(self._on_client_saved)
        controller.changed.connect(self.status_message)
        controller.failed.connect(self._on_failed)
        controller.needs_passphrase.connect(self._ask_passphrase)
        controller.secret_ready.connect(self._on_secret)
        controller.detail_ready.connect(self._on_detail)
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self._ticker.timeout.connect(self.controller.check_idle)
        self._ticker.start()
        self._opened = False

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._opened:  # the keyring is touched only when the user opens the view
            self._opened = True
            self.controller.open()

    # -- listing ------------------------------------------------------------------------------
    @Slot(str)
    def _on_opened(self, where: str) -> None:
        self.where.setText(f"Secrets are kept in {where}; the index holds no secret.")
        for widget in (self.add_client_button, self.add_button):
            widget.setEnabled(True)
        self._update_buttons()

    @Slot()
    def _apply_filter(self) -> None:
        self.controller.search = self.search.text().strip()
        self.controller.environment = self.environment.currentData()
        self.controller.order = str(self.sort.currentData())
        self.controller.list()

    @Slot(object)
    def _on_listed(self, rows: list[Any]) -> None:
        selected = self._select_credential or self.selected_name()
        self.model.set_rows(rows, self.controller.clock())
        row = self.model.row_of(selected) if selected else -1
        if row >= 0:
            self._select_credential = ""
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
        elif self._select_credential and (self.search.text() or
                                          self.environment.currentIndex() > 0):
            # just stored but filtered out: show everything (listing again) to show it
            self.search.blockSignals(True)
            self.search.clear()
            self.search.blockSignals(False)
            self.environment.setCurrentIndex(0)  # lists again
            self._apply_filter()
        else:
            self._select_credential = ""
            self._show_detail(None)

    @Slot(str)
    def _on_credential_saved(self, name: str) -> None:
        self._select_credential = name

    @Slot(str)
    def _on_client_saved(self, name: str) -> None:
        self._select_client = name

    @Slot(object, object)
    def _on_clients(self, clients: list[Any], used: dict[str, list[str]]) -> None:
        self._clients = clients
        selected = self._select_client or self.selected_client_name()
        self.clients_model.set_clients(clients, used)
        row = self.clients_model.row_of(selected) if selected else -1
        if row >= 0:
            self.clients_table.selectRow(row)
            self.clients_table.scrollTo(self.clients_model.index(row, 0))
        self._select_client = ""
        self._on_client_selection()

    def selected_client_name(self) -> str | None:
        rows = self.clients_table.selectionModel().selectedRows()
        client = self.clients_model.client(rows[0].row()) if rows else None
        return client.name if client else None

    @Slot()
    def _on_client_selection(self, *_args: Any) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        """What acts on a selection is enabled only while there is one: Edit client (the
        chosen client, or the selected credential's), Delete client, Notes, Delete credential."""
        client = self.selected_client_name() is not None
        credential = self.selected_name() is not None
        self.edit_client_button.setEnabled(client or credential)
        self.delete_client_button.setEnabled(client)
        self.notes_button.setEnabled(credential)
        self.delete_button.setEnabled(credential)

    def _tick(self) -> None:
        if not self.isVisible() or not self.model.rowCount():
            return
        top = self.table.rowAt(0)
        bottom = self.table.rowAt(self.table.viewport().height() - 1)
        if top >= 0:
            self.model.tick(self.controller.clock(), top, bottom)

    # -- details ------------------------------------------------------------------------------
    def selected_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        cred = self.model.credential(rows[0].row()) if rows else None
        return cred.name if cred else None

    @Slot(QItemSelection, QItemSelection)
    def _on_selection(self, *_args: Any) -> None:
        name = self.selected_name()
        self._update_buttons()
        if name is None:
            self._show_detail(None)
        else:
            self.controller.detail(name)

    @Slot(object, object)
    def _on_detail(self, cred: Any, entries: list[Any]) -> None:
        if cred.name != self.selected_name():
            return  # the selection moved on meanwhile
        self._show_detail(cred)
        self.detail.show_history(entries)

    def _show_detail(self, cred: Any) -> None:
        self.detail.show_credential(cred)
        self._update_buttons()

    @Slot(str, bool)
    def _reveal(self, kind: str, on: bool) -> None:
        name = self.selected_name()
        if not name:
            return
        if on:
            self.controller.reveal(name, kind)

    @Slot(str)
    def _copy(self, kind: str) -> None:
        name = self.selected_name()
        if name:
            self._pending_copy.add((name, kind))
            self.controller.reveal(name, kind, copy=True)

    @Slot(str, str, object)
    def _on_secret(self, name: str, kind: str, value: Any) -> None:
        if (name, kind) in self._pending_copy:
            self._pending_copy.discard((name, kind))
            if value:
                self.clipboard.copy_secret(value)
                delay = self.clipboard.clear_after_ms // 1000
                self.status_message.emit(f"Copied the {kind.replace('_', ' ')} of {name}"
                                         + (f"; cleared in {delay} s if unchanged" if delay
                                            else ""))
            else:
                self.status_message.emit(f"{name} has no {kind.replace('_', ' ')} stored.")
            return
        if name == self.selected_name():
            self.detail.rows[kind].show_value(value)

    # -- changes ------------------------------------------------------------------------------
    def add_client(self) -> None:
        _run(ClientDialog(self.controller, self))

    def add_credential(self, prefill: str = "") -> None:
        client = self._client_to_edit()
        dialog = AddCredentialDialog(self._clients, prefill, self,
                                     preferred=client.name if client is not None else None)
        if _run(dialog):
            self.controller.add_credential(dialog.name.text().strip(),
                                           dialog.client.currentText(), dialog.token_set(),
                                           dialog.notes.text().strip())

    def delete_selected(self) -> None:
        name = self.selected_name()
        if not name:
            self.status_message.emit("Select a credential to delete.")
            return
        revoke, confirmed = self.confirm_delete(name)
        if confirmed:
            self.controller.remove(name, revoke=revoke)

    def confirm_delete(self, name: str) -> tuple[bool, bool]:
        """Ask before deleting; offers to revoke at the server first. (revoke, confirmed)."""
        from PySide6.QtWidgets import QCheckBox

        box = QMessageBox(QMessageBox.Icon.Question, "Delete credential",
                          f"Delete the local copy of “{name}”?\n\nWithout revocation the "
                          "refresh token stays valid at its server until it expires.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        check = QCheckBox("Revoke it at the server first")
        check.setChecked(True)
        box.setCheckBox(check)
        confirmed = box.exec() == QMessageBox.StandardButton.Yes
        return check.isChecked(), confirmed

    def _client_to_edit(self) -> Any:
        """The client chosen in the Clients list, else the selected credential's, else the
        only one there is."""
        name = self.selected_client_name()
        if name is None:
            cred_name = self.selected_name()
            cred = self.model.credential(self.model.row_of(cred_name)) if cred_name else None
            name = cred.client if cred else None
        client = next((c for c in self._clients if c.name == name), None)
        if client is None and len(self._clients) == 1:
            client = self._clients[0]
        return client

    def edit_client(self) -> None:
        client = self._client_to_edit()
        if client is None:
            self.status_message.emit("Select a client to edit." if self._clients
                                     else "Add a client first.")
            return
        _run(ClientDialog(self.controller, self, client=client))

    def delete_client(self) -> None:
        """Ask first, naming the credentials that use the client: their local copies go with
        it (their refresh tokens stay valid at the server)."""
        name = self.selected_client_name()
        if name is None:
            self.status_message.emit("Select a client in the Clients list to delete.")
            return
        credentials = self.clients_model.credentials_of(name)
        if confirm_client_delete(self, name, credentials):
            self.controller.remove_client(name, credentials)
        else:
            self.status_message.emit(f"Nothing was deleted: the client {name} is kept.")

    def edit_notes(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        name = self.selected_name()
        if not name:
            self.status_message.emit("Select a credential first.")
            return
        text, ok = QInputDialog.getMultiLineText(self, "Notes", f"Notes for {name}",
                                                 self.fields["notes"].text().replace("—", ""))
        if ok:
            self.controller.set_notes(name, text.strip())

    @Slot(bool)
    def _ask_passphrase(self, create: bool) -> None:
        """No keyring (or a locked file store): say so in the view, and offer the way out."""
        self._creating = create
        self.where.setText(
            "No usable system keyring: secrets can be kept in a file encrypted with a "
            "passphrase." if create else "The vault is an encrypted file, locked.")
        self.unlock_button.setText("Create the encrypted file…" if create else "Unlock…")
        self.unlock_button.show()

    def unlock(self) -> None:
        dialog = PassphraseDialog(self._creating, self)
        if _run(dialog):
            self.unlock_button.hide()
            self.controller.unlock(dialog.passphrase.text(), create=self._creating)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.where.setText(f"⚠ {message}")
        self.status_message.emit(message)

