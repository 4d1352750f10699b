"""Encode, or edit and re-sign, a token — for QA, behind a warning banner.

Key generation (an RSA key takes tens to hundreds of milliseconds), signing and encrypting run
on the task pool: the dialog stays responsive and shows what it is doing meanwhile.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tokendesk.core import decode

from ..keyboard import allow_tab_insertion
from ..tasks import TaskRunner
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


_WHAT = {"RSA": "Generating an RSA key…", "EC": "Generating an EC P-256 key…",
         "Ed25519": "Generating an Ed25519 key…", "HMAC": "Generating an HMAC secret…"}


class EncodeDialog(QDialog):
    token_made = Signal(str)  # send the result to the Inspector
    #: The token was made and is shown (off the GUI thread; tests wait on it).
    signed = Signal(str)
    #: Signing failed: the message shown.
    sign_failed = Signal(str)

    def __init__(self, source_token: str = "", parent: QWidget | None = None, *,
                 tasks: TaskRunner | None = None) -> None:
        super().__init__(parent)
        if tasks is None:  # the window's runner when there is one, else one of our own
            window_tasks = getattr(parent, "tasks", None)
            tasks = window_tasks if isinstance(window_tasks, TaskRunner) else TaskRunner(
                parent=self)
        self.tasks = tasks
        self._key = f"encode:{id(self)}"
        self.finished.connect(lambda _result: self.tasks.cancel(self._key))
        self.setWindowTitle("Encode / edit and re-sign")
        self.resize(760, 680)
        theme = current_theme()
        layout = QVBoxLayout(self)
        banner = QLabel(WARNING)
        banner.setWordWrap(True)
        banner.setAccessibleName("Warning")
        banner.setStyleSheet(f"background: {theme.banner[0]}; color: {theme.banner[1]}; "
                             "padding: 8px; "
                             "border-radius: 4px; font-weight: 600;")
        layout.addWidget(banner)
        form = QFormLayout()
        self.header = QPlainTextEdit()
        self.header.setAccessibleName("Header JSON")
        self.claims = QPlainTextEdit()
        self.claims.setAccessibleName("Claims JSON")
        for editor in (self.header, self.claims):
            allow_tab_insertion(editor)  # Ctrl+Tab indents JSON; Tab moves on
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
        sign_row = QHBoxLayout()
        self.sign_button = QPushButton("Sign")
        self.sign_button.setAccessibleName("Sign")
        self.sign_button.clicked.connect(self.sign)
        sign_row.addWidget(self.sign_button)
        self.progress_label = QLabel()
        self.progress_label.setAccessibleName("Signing progress")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: how long a key takes is not known ahead
        self.progress.setMaximumHeight(10)
        self.progress.setAccessibleName("Working")
        self.progress.hide()
        sign_row.addWidget(self.progress_label)
        sign_row.addWidget(self.progress, 1)
        layout.addLayout(sign_row)
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setAccessibleName("Encoded token")
        self.output.setFont(monospace_font())
        self.output_label = QLabel("&Encoded token (signed, or encrypted when a recipient is "
                                   "given)")
        self.output_label.setBuddy(self.output)
        layout.addWidget(self.output_label)
        layout.addWidget(self.output)
        self.public_key = QPlainTextEdit()
        self.public_key.setReadOnly(True)
        self.public_key.setAccessibleName("Public key to verify with")
        self.public_key.setMaximumHeight(120)
        self.public_key.setFont(monospace_font())
        self.public_key_label = QLabel("&Public key to verify with (JWKS; generated keys "
                                       "only)")
        self.public_key_label.setBuddy(self.public_key)
        layout.addWidget(self.public_key_label)
        layout.addWidget(self.public_key)
        self.error = QLabel()
        self.error.setAccessibleName("Error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.bad};")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.inspect_button = buttons.addButton("Open in Inspector",
                                                QDialogButtonBox.ButtonRole.AcceptRole)
        self.inspect_button.setAccessibleName("Open in Inspector")
        self.inspect_button.setEnabled(False)
        self.inspect_button.clicked.connect(self._send)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def sign(self) -> None:
        """Read the inputs here, then generate, sign and encrypt on the task pool; the result
        (``signed``) or the error (``sign_failed``) comes back on the GUI thread."""
        self.error.setText("")
        try:
            header = json.loads(self.header.toPlainText() or "{}")
            claims = json.loads(self.claims.toPlainText())
        except ValueError as exc:
            self._failed(f"Not valid JSON: {exc}")
            return
        if not isinstance(header, dict):
            self._failed("The header must be a JSON object.")
            return
        choice = str(self.key_choice.currentData())
        private = self.private_key.toPlainText()
        recipient = self.recipient.toPlainText().strip()
        self._set_busy(_WHAT.get(choice, "Signing…"))
        self.tasks.submit(self._key, lambda: _make(claims, header, choice, private, recipient),
                          self._on_made, self._on_error)

    def _set_busy(self, what: str | None) -> None:
        busy = what is not None
        self.progress_label.setText(what or "")
        self.progress.setVisible(busy)
        self.sign_button.setEnabled(not busy)

    def _on_made(self, made: tuple[str, str]) -> None:
        token, public = made
        self._set_busy(None)
        self.output.setPlainText(token)
        self.public_key.setPlainText(public)
        self.inspect_button.setEnabled(True)
        self.signed.emit(token)

    def _on_error(self, exc: BaseException) -> None:
        from tokendesk.core.errors import TokendeskError

        self._set_busy(None)
        self._failed(exc.message if isinstance(exc, TokendeskError) else
                     f"Signing failed ({type(exc).__name__})")

    def _failed(self, message: str) -> None:
        self.error.setText(message)
        self.sign_failed.emit(message)

    def _send(self) -> None:
        token = self.output.toPlainText()
        if token:
            self.token_made.emit(token)
            self.accept()


def _make(claims: Any, header: dict[str, Any], choice: str, private: str,
          recipient: str) -> tuple[str, str]:
    """Runs on the task pool: the key (generated or read), the token, and its encryption for
    a recipient. Returns (token, the public key to verify with, or a note)."""
    from tokendesk.core.tokens.encode import encode, generate_key, load_signing_key

    if choice == "none":
        key = None
    elif choice == "paste":
        key = load_signing_key(private)
    else:
        key = generate_key(choice)
    token = encode(claims, key, header=header)
    if recipient:  # sign, then encrypt: a nested JWT (RFC 7519 §5.2)
        from tokendesk.core.tokens.jwe_encrypt import encrypt, load_encryption_key

        wrap = load_encryption_key(recipient)
        token = encrypt(token.encode("utf-8"), wrap, header={
            "cty": "JWT", **({"kid": wrap.kid} if wrap.kid else {})})
    public = ""
    if key is not None and choice != "HMAC" and not isinstance(key.private, bytes):
        public = json.dumps({"keys": [key.public_jwk()]}, indent=2)
    elif key is not None:
        public = "(shared secret: copy it from a private JWK export — not shown here)"
    return token, public
