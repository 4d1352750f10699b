"""The Vault view: credentials in a searchable table, details, secrets masked until revealed."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
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

from ..clipboard import SecretClipboard
from ..controllers.vault import VaultController
from ..models.credentials_model import CredentialsModel
from ..widgets.panes import split
from .vault_dialogs import AddClientDialog, AddCredentialDialog, PassphraseDialog

__all__ = ["VaultView"]

MASK = "•" * 12
SECRET_KINDS = (("refresh_token", "Refresh token"), ("access_token", "Access token"),
                ("id_token", "ID token"))


class VaultView(QWidget):
    status_message = Signal(str)

    def __init__(self, controller: VaultController, clipboard: SecretClipboard,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.clipboard = clipboard
        self._pending_copy: set[tuple[str, str]] = set()
        self._clients: list[Any] = []

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
        for env_label, env_value in (("All environments", None), ("dev", "dev"),
                                     ("staging", "staging"), ("prod", "prod"),
                                     ("unlabelled", "")):
            self.environment.addItem(env_label, env_value)
        self.environment.currentIndexChanged.connect(self._apply_filter)
        self.sort = QComboBox()
        self.sort.setAccessibleName("Sort")
        for sort_label, sort_value in (("Soonest expiry first", "expiry"), ("By name", "name"),
                                       ("By client", "client")):
            self.sort.addItem(sort_label, sort_value)
        self.sort.currentIndexChanged.connect(self._apply_filter)
        self.add_client_button = QPushButton("Add client…")
        self.add_client_button.clicked.connect(self.add_client)
        self.add_button = QPushButton("Store refresh token…")
        self.add_button.clicked.connect(lambda: self.add_credential())
        self.edit_client_button = QPushButton("Edit client…")
        self.edit_client_button.clicked.connect(self.edit_client)
        self.notes_button = QPushButton("Notes…")
        self.notes_button.clicked.connect(self.edit_notes)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(self.delete_selected)
        bar = QHBoxLayout()
        bar.addWidget(self.search, 2)
        bar.addWidget(self.environment)
        bar.addWidget(self.sort)
        actions = QHBoxLayout()
        for button in (self.add_client_button, self.add_button, self.edit_client_button,
                       self.notes_button, self.delete_button):
            actions.addWidget(button)
        actions.addStretch(1)

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

        self.detail = QWidget()
        self.detail.setAccessibleName("Credential details")
        form = QFormLayout(self.detail)
        self.fields: dict[str, QLabel] = {}
        for key in ("name", "client", "status", "environment", "subject", "scope", "expiry",
                    "refresh expiry", "fingerprints", "rotations", "notes"):
            label = QLabel()
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = label
            form.addRow(key.capitalize(), label)
        self.secret_labels: dict[str, QLabel] = {}
        for kind, caption in SECRET_KINDS:
            row = QHBoxLayout()
            value = QLabel(MASK)
            value.setAccessibleName(caption)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            reveal = QPushButton("Reveal")
            reveal.setCheckable(True)
            reveal.toggled.connect(lambda on, k=kind: self._reveal(k, on))
            copy = QPushButton("Copy")
            copy.clicked.connect(lambda _=False, k=kind: self._copy(k))
            row.addWidget(value, 1)
            row.addWidget(reveal)
            row.addWidget(copy)
            self.secret_labels[kind] = value
            setattr(self, f"reveal_{kind}", reveal)
            setattr(self, f"copy_{kind}", copy)
            form.addRow(caption, row)
        self.audit_view = QLabel()
        self.audit_view.setWordWrap(True)
        self.audit_view.setAccessibleName("History")
        form.addRow("History", self.audit_view)
        self.detail.setEnabled(False)

        self.where = QLabel("Opening the vault…")
        self.where.setAccessibleName("Vault location")
        splitter = split(self.table, self.detail, [760, 480])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(actions)
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
        controller.clients_listed.connect(self._on_clients)
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
        for widget in (self.add_client_button, self.add_button, self.delete_button):
            widget.setEnabled(True)

    @Slot()
    def _apply_filter(self) -> None:
        self.controller.search = self.search.text().strip()
        self.controller.environment = self.environment.currentData()
        self.controller.order = str(self.sort.currentData())
        self.controller.list()

    @Slot(object)
    def _on_listed(self, rows: list[Any]) -> None:
        selected = self.selected_name()
        self.model.set_rows(rows, self.controller.clock())
        row = self.model.row_of(selected) if selected else -1
        if row >= 0:
            self.table.selectRow(row)
        else:
            self._show_detail(None)

    @Slot(object)
    def _on_clients(self, clients: list[Any]) -> None:
        self._clients = clients

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
        if name is None:
            self._show_detail(None)
        else:
            self.controller.detail(name)

    @Slot(object, object)
    def _on_detail(self, cred: Any, entries: list[Any]) -> None:
        if cred.name != self.selected_name():
            return  # the selection moved on meanwhile
        self._show_detail(cred)
        from tokendesk.core.timefmt import format_utc

        self.audit_view.setText("\n".join(f"{format_utc(e.at)}  {e.action}  {e.detail}"
                                          for e in entries[:8]))

    def _show_detail(self, cred: Any) -> None:
        for kind, label in self.secret_labels.items():
            label.setText(MASK)
            button = getattr(self, f"reveal_{kind}")
            button.blockSignals(True)
            button.setChecked(False)
            button.blockSignals(False)
        self.detail.setEnabled(cred is not None)
        if cred is None:
            for label in self.fields.values():
                label.setText("")
            self.audit_view.setText("")
            return
        from tokendesk.core.timefmt import format_utc

        def when(epoch: float | None) -> str:
            return format_utc(epoch) if epoch else "not known"

        doc = cred.to_dict()
        values = {
            "name": cred.name, "client": cred.client, "status": str(cred.status),
            "environment": cred.environment or "—", "subject": cred.subject or "—",
            "scope": cred.scope or "—",
            "expiry": f"access {when(cred.access_expires_at)}; ID {when(cred.id_expires_at)}",
            "refresh expiry": (f"{when(cred.refresh_expires_at)} — {cred.refresh_expiry_kind}"
                               if cred.refresh_expires_at else
                               "not known (the server did not say)"),
            "fingerprints": ", ".join(f"{k.split('_')[0]} {v}" for k, v in
                                      doc["fingerprints"].items() if v),
            "rotations": f"{cred.rotation_count}; last refreshed "
                         + (format_utc(cred.last_refreshed_at) if cred.last_refreshed_at
                            else "never"),
            "notes": cred.notes or "—",
        }
        for key, label in self.fields.items():
            label.setText(values[key])

    def _reveal(self, kind: str, on: bool) -> None:
        name = self.selected_name()
        if not name:
            return
        if on:
            self.controller.reveal(name, kind)
        else:
            self.secret_labels[kind].setText(MASK)

    def _copy(self, kind: str) -> None:
        name = self.selected_name()
        if name:
            self._pending_copy.add((name, kind))
            self.controller.reveal(name, kind)

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
        button = getattr(self, f"reveal_{kind}")
        if name == self.selected_name() and button.isChecked():
            self.secret_labels[kind].setText(value or "(none stored)")

    # -- changes ------------------------------------------------------------------------------
    def add_client(self) -> None:
        dialog = AddClientDialog(self)
        if dialog.exec():
            self.controller.add_client(dialog.client(), dialog.client_secret())

    def add_credential(self, prefill: str = "") -> None:
        dialog = AddCredentialDialog([c.name for c in self._clients], prefill, self)
        if dialog.exec():
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

    def edit_client(self) -> None:
        name = self.selected_name()
        cred = self.model.credential(self.model.row_of(name)) if name else None
        client = next((c for c in self._clients if cred and c.name == cred.client), None)
        if client is None and self._clients:
            client = self._clients[0]
        if client is None:
            self.status_message.emit("Add a client first.")
            return
        dialog = AddClientDialog(self, client)
        # beside each endpoint left to discovery: what the issuer publishes now
        dialog.advanced.client_name = client.name
        self.controller.endpoints_found.connect(dialog.advanced.on_discovered)
        try:
            self.controller.discover_endpoints(client)
            accepted = dialog.exec()
        finally:
            self.controller.endpoints_found.disconnect(dialog.advanced.on_discovered)
        if accepted:
            self.controller.update_client(dialog.client(), dialog.client_secret())

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
        if dialog.exec():
            self.unlock_button.hide()
            self.controller.unlock(dialog.passphrase.text(), create=self._creating)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.where.setText(f"⚠ {message}")
        self.status_message.emit(message)

