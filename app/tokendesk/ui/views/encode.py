"""Encode, or edit and re-sign, a token — for QA, behind a warning banner."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tokendesk.core import decode

from ..theme import current_theme
from ..widgets.json_view import monospace_font

__all__ = ["EncodeDialog"]

WARNING = ("Testing only: tokens signed here are real. Anyone holding the key can mint tokens "
           "that a server trusting it will accept. Never paste a production signing key.")
_KEY_CHOICES = (("Generate an RSA key (RS256)", ("RSA", None)),
                ("Generate an EC P-256 key (ES256)", ("EC", None)),
                ("Generate an Ed25519 key (EdDSA)", ("Ed25519", None)),
                ("Generate an HMAC secret (HS256)", ("HMAC", None)),
                ("Use the private key below", ("paste", None)),
                ("Unsecured (alg none — verifiers refuse it)", ("none", None)))


class EncodeDialog(QDialog):
    token_made = Signal(str)  # send the result to the Inspector

    def __init__(self, source_token: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Encode / edit and re-sign")
        self.resize(760, 680)
        theme = current_theme()
        layout = QVBoxLayout(self)
        banner = QLabel(WARNING)
        banner.setWordWrap(True)
        banner.setAccessibleName("Warning")
        banner.setStyleSheet(f"background: {theme.warn}; color: black; padding: 8px; "
                             "border-radius: 4px; font-weight: 600;")
        layout.addWidget(banner)
        form = QFormLayout()
        self.header = QPlainTextEdit()
        self.header.setAccessibleName("Header JSON")
        self.claims = QPlainTextEdit()
        self.claims.setAccessibleName("Claims JSON")
        for box in (self.header, self.claims):
            box.setFont(monospace_font())
        decoded = decode(source_token) if source_token.strip() else None
        header = {k: v for k, v in (decoded.header or {}).items() if k not in ("alg", "kid")} \
            if decoded else {"typ": "JWT"}
        self.header.setPlainText(json.dumps(header, indent=2))
        claims: Any = decoded.payload if decoded and decoded.payload is not None else {
            "sub": "qa-user", "scope": "read"}
        self.claims.setPlainText(json.dumps(claims, indent=2, ensure_ascii=False))
        self.header.setMaximumHeight(110)
        form.addRow("Extra header", self.header)
        form.addRow("Claims", self.claims)
        self.key_choice = QComboBox()
        self.key_choice.setAccessibleName("Signing key")
        for label, data in _KEY_CHOICES:
            self.key_choice.addItem(label, data[0])
        form.addRow("Sign with", self.key_choice)
        self.private_key = QPlainTextEdit()
        self.private_key.setAccessibleName("Private key")
        self.private_key.setPlaceholderText("PEM private key or private JWK (for 'Use the "
                                            "private key below'); it stays in this window")
        self.private_key.setMaximumHeight(90)
        form.addRow("Private key", self.private_key)
        self.recipient = QPlainTextEdit()
        self.recipient.setAccessibleName("Encrypt for")
        self.recipient.setPlaceholderText("Optional: the recipient's public key (JWK, JWKS or "
                                          "PEM) — the signed token is then encrypted for it, a "
                                          "nested JWT (cty JWT)")
        self.recipient.setMaximumHeight(70)
        form.addRow("Encrypt for", self.recipient)
        layout.addLayout(form)
        self.sign_button = QPushButton("Sign")
        self.sign_button.clicked.connect(self.sign)
        layout.addWidget(self.sign_button)
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setAccessibleName("Encoded token")
        self.output.setFont(monospace_font())
        layout.addWidget(self.output)
        self.public_key = QPlainTextEdit()
        self.public_key.setReadOnly(True)
        self.public_key.setAccessibleName("Public key to verify with")
        self.public_key.setMaximumHeight(120)
        self.public_key.setFont(monospace_font())
        layout.addWidget(self.public_key)
        self.error = QLabel()
        self.error.setAccessibleName("Error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.bad};")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.inspect_button = buttons.addButton("Open in Inspector",
                                                QDialogButtonBox.ButtonRole.AcceptRole)
        self.inspect_button.setEnabled(False)
        self.inspect_button.clicked.connect(self._send)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def sign(self) -> None:
        from tokendesk.core.errors import TokendeskError
        from tokendesk.core.tokens.encode import encode, generate_key, load_signing_key

        self.error.setText("")
        try:
            header = json.loads(self.header.toPlainText() or "{}")
            claims = json.loads(self.claims.toPlainText())
        except ValueError as exc:
            self.error.setText(f"Not valid JSON: {exc}")
            return
        if not isinstance(header, dict):
            self.error.setText("The header must be a JSON object.")
            return
        choice = self.key_choice.currentData()
        public = ""
        try:
            if choice == "none":
                key = None
            elif choice == "paste":
                key = load_signing_key(self.private_key.toPlainText())
            else:
                key = generate_key(str(choice))
            token = encode(claims, key, header=header)
            recipient = self.recipient.toPlainText().strip()
            if recipient:  # sign, then encrypt: a nested JWT (RFC 7519 §5.2)
                from tokendesk.core.tokens.jwe_encrypt import encrypt, load_encryption_key

                wrap = load_encryption_key(recipient)
                token = encrypt(token.encode("utf-8"), wrap, header={
                    "cty": "JWT", **({"kid": wrap.kid} if wrap.kid else {})})
            if key is not None and choice != "HMAC" and not isinstance(key.private, bytes):
                public = json.dumps({"keys": [key.public_jwk()]}, indent=2)
            elif key is not None:
                public = "(shared secret: copy it from a private JWK export — not shown here)"
        except TokendeskError as exc:
            self.error.setText(exc.message)
            return
        self.output.setPlainText(token)
        self.public_key.setPlainText(public)
        self.inspect_button.setEnabled(True)

    def _send(self) -> None:
        token = self.output.toPlainText()
        if token:
            self.token_made.emit(token)
            self.accept()
