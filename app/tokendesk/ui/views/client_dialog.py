"""The client form as a dialog: the Vault's "Add client…"/"Edit client…" and Support's
"Add admin connection…". It closes once the vault has stored the client; a refusal (a name
already taken, no vault open) is shown in the dialog, which stays open."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from ..controllers.vault import VaultController
from .client_form import ClientForm
from .client_parts import grow_on_screen

__all__ = ["ClientDialog"]


class ClientDialog(QDialog):
    def __init__(self, vault: VaultController, parent: QWidget | None = None, *,
                 client: Any = None, admin: bool = False) -> None:
        super().__init__(parent)
        if client is not None:
            title = f"Edit the client {client.name}"
        else:
            title = "Add an admin connection" if admin else "Add an OAuth client"
        self.setWindowTitle(title)
        self.setMinimumWidth(720)  # an endpoint URL of ~60 characters shows whole
        self.form = ClientForm(vault, client=client, admin=admin)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setText("Save" if client is not None else
                     "Add connection" if admin else "Add client")
        save.setAccessibleName(save.text())
        save.setDefault(True)
        self.save_button = save
        self.buttons.accepted.connect(self.form.save)
        self.buttons.rejected.connect(self.reject)
        self.form.saved.connect(self._saved)
        self.form.busy_changed.connect(self._busy)
        self.form.resized.connect(self._fit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form, 1)
        layout.addWidget(self.buttons)
        self.saved_name = ""
        if client is not None:
            # beside each endpoint left to discovery: what the issuer publishes now
            self.form.fetch_endpoints()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        layout = self.layout()
        if layout is not None:
            layout.activate()
        self._fit()  # now that the fields know their width, wrapped notes their height

    @Slot(str)
    def _saved(self, name: str) -> None:
        self.saved_name = name
        self.accept()

    @Slot(bool)
    def _busy(self, busy: bool) -> None:
        self.save_button.setEnabled(not busy)

    @Slot()
    def _fit(self) -> None:
        """A section opened or closed: as tall as the fields want, as far as the screen goes."""
        grow_on_screen(self, self.form.height_wanted())
