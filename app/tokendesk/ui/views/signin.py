"""Sign-in dialogs: choose a client and a name; show a device code large, with a countdown."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..widgets.json_view import monospace_font

__all__ = ["ClientGrantDialog", "DeviceCodeDialog", "SignInDialog"]


class SignInDialog(QDialog):
    def __init__(self, clients: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in")
        form = QFormLayout(self)
        self.client = QComboBox()
        self.client.setAccessibleName("Client")
        self.client.addItems(clients)
        self.name = QLineEdit()
        self.name.setAccessibleName("Store as")
        self.name.setPlaceholderText("a name for the new credential")
        self.scope = QLineEdit()
        self.scope.setAccessibleName("Scope")
        self.scope.setPlaceholderText("default: the client's (openid offline_access)")
        self.device = QCheckBox("Use a code on another device (no browser here)")
        form.addRow("Client", self.client)
        form.addRow("Store as", self.name)
        form.addRow("Scope", self.scope)
        form.addRow(self.device)
        note = QLabel("Your browser opens the provider's sign-in page; Tokendesk receives the "
                      "answer on 127.0.0.1 and stores the refresh token in the vault.")
        note.setWordWrap(True)
        form.addRow(note)
        self.error = QLabel()
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        form.addRow(buttons)

    def _accept(self) -> None:
        if not self.client.currentText():
            self.error.setText("Add a client in the Vault first.")
        elif not self.name.text().strip():
            self.error.setText("Give the credential a name.")
        else:
            self.accept()


class DeviceCodeDialog(QDialog):
    """The user code, large, where to type it, and the time left."""

    cancelled = Signal()

    def __init__(self, device: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Device sign-in")
        self._deadline = time.monotonic() + float(device.expires_in)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"On any device, open\n{device.verification_uri}\n"
                                "and enter this code:"))
        self.code = QLabel(device.user_code)
        self.code.setAccessibleName("User code")
        font = QFont(monospace_font())
        font.setPointSizeF(font.pointSizeF() * 3)
        font.setBold(True)
        self.code.setFont(font)
        self.code.setTextInteractionFlags(self.code.textInteractionFlags().TextSelectableByMouse)
        layout.addWidget(self.code)
        self.countdown = QLabel()
        self.countdown.setAccessibleName("Time left")
        layout.addWidget(self.countdown)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self._cancel)
        layout.addWidget(cancel)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._tick()

    def _tick(self) -> None:
        from tokendesk.core.timefmt import human_duration

        left = self._deadline - time.monotonic()
        self.countdown.setText(f"The code expires in {human_duration(left)}" if left > 0
                               else "The code expired: start again")

    def _cancel(self) -> None:
        self.cancelled.emit()
        self.reject()


class ClientGrantDialog(QDialog):
    """Client credentials, or token exchange when a subject token is given."""

    def __init__(self, clients: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Client grant")
        form = QFormLayout(self)
        self.client = QComboBox()
        self.client.setAccessibleName("Client")
        self.client.addItems(clients)
        self.audience = QLineEdit()
        self.audience.setAccessibleName("Audience")
        self.audience.setPlaceholderText("e.g. https://tenant.auth0.com/api/v2/")
        self.scope = QLineEdit()
        self.scope.setAccessibleName("Scope")
        self.subject = QPlainTextEdit()
        self.subject.setAccessibleName("Subject token")
        self.subject.setPlaceholderText("leave empty for client credentials; a token here asks "
                                        "for a token exchange (RFC 8693)")
        self.subject.setMaximumHeight(80)
        form.addRow("Client", self.client)
        form.addRow("Audience", self.audience)
        form.addRow("Scope", self.scope)
        form.addRow("Subject token", self.subject)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
