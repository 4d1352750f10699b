"""Dialogs of the Vault view: store a refresh token, give the file-store passphrase (the client
dialog is views/client_dialog.py). Secrets are masked while typed, with an eye to show them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from ..theme import current_theme
from .secret_field import SecretField

__all__ = ["AddCredentialDialog", "PassphraseDialog", "confirm_client_delete"]


def confirm_client_delete(parent: QWidget, name: str, credentials: list[str]) -> bool:
    """Ask before deleting a client, saying what becomes of the credentials that use it."""
    from PySide6.QtWidgets import QMessageBox

    count = len(credentials)
    if credentials:
        shown = ", ".join(f"“{c}”" for c in credentials[:8]) + (" …" if count > 8 else "")
        text = (f"Delete the client “{name}” and the {count} credential"
                f"{'s' if count != 1 else ''} that use{'s' if count == 1 else ''} it "
                f"({shown})?\n\nTheir local copies are deleted with the client; their refresh "
                "tokens stay valid at the server until they expire. To revoke them, delete "
                "each credential first (Delete credential offers to revoke it).")
        label = f"Delete client and {count} credential{'s' if count != 1 else ''}"
    else:
        text = (f"Delete the client “{name}”?\n\nNo credential uses it. Its secret is "
                "removed from the keyring.")
        label = "Delete client"
    box = QMessageBox(QMessageBox.Icon.Question, "Delete client", text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                      parent)
    box.button(QMessageBox.StandardButton.Yes).setText(label)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes


class _Form(QDialog):
    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.form = QFormLayout(self)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Error")
        self.error.setStyleSheet(f"color: {current_theme().bad};")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)

    def finish(self) -> None:
        self.form.addRow(self.error)
        self.form.addRow(self.buttons)

    def _accept(self) -> None:
        problem = self.validate()
        if problem:
            self.error.setText(problem)
        else:
            self.accept()

    def validate(self) -> str | None:
        return None


def _issuer_key(issuer: str) -> str:
    """An issuer as compared: one trailing slash ignored."""
    return issuer[:-1] if issuer.endswith("/") else issuer


class AddCredentialDialog(_Form):
    """``clients``: the vault's clients (or their names); admin connections (a client with
    ``admin_provider`` set) hold no refresh token and are never offered. The client whose
    issuer is the pasted token's ``iss`` is chosen, else ``preferred``."""

    def __init__(self, clients: Sequence[Any], prefill: str = "",
                 parent: QWidget | None = None, *, preferred: str | None = None) -> None:
        super().__init__("Store a refresh token", parent)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. alice-dev")
        offered = [c for c in clients if isinstance(c, str) or not c.admin_provider]
        self._issuers = {c: None for c in offered if isinstance(c, str)} | {
            c.name: _issuer_key(c.issuer) for c in offered if not isinstance(c, str)}
        self.client = QComboBox()
        self.client.addItems(list(self._issuers))
        if preferred is not None and preferred in self._issuers:
            self.client.setCurrentText(preferred)
        # one line, masked: a pasted JSON response keeps its line breaks inside it
        self.tokens = SecretField("Refresh token or token response", "Show token",
                                  placeholder="a refresh token, or a whole JSON token response "
                                              "(its access and ID tokens are kept too)")
        self.tokens.setText(prefill)
        self.notes = QLineEdit()
        self.issuer_warning = QLabel()
        self.issuer_warning.setWordWrap(True)
        self.issuer_warning.setAccessibleName("Issuer warning")
        self.issuer_warning.setStyleSheet(f"color: {current_theme().bad};")
        self.issuer_warning.hide()
        for label, widget in (("Name", self.name), ("Client", self.client),
                              ("Tokens", self.tokens), ("Notes", self.notes)):
            if not widget.accessibleName():
                widget.setAccessibleName(label)
            self.form.addRow(label, widget)
            if widget is self.client:
                self.form.addRow(self.issuer_warning)
        if not self._issuers:
            self.error.setText("Add a client first: a refresh token belongs to one.")
        self.finish()
        self.tokens.text_changed.connect(self._match_issuer)
        self._match_issuer()

    def pasted_issuer(self) -> str | None:
        """The ``iss`` of the pasted ID token, else of its access token (decoded, unverified)."""
        from tokendesk.core import decode
        from tokendesk.core.errors import InvalidInput

        try:
            tokens = self.token_set()
        except InvalidInput:
            return None
        for token in (tokens.id_token, tokens.access_token):
            if token:
                iss = (decode(token).claims or {}).get("iss")
                if isinstance(iss, str) and iss.strip():
                    return iss.strip()
        return None

    def _match_issuer(self, *_args: Any) -> None:
        """Choose the client of the pasted token's issuer; say so when no client has it."""
        iss = self.pasted_issuer()
        self.issuer_warning.hide()
        if iss is None:
            return
        match = next((name for name, issuer in self._issuers.items()
                      if issuer == _issuer_key(iss)), None)
        if match is not None:
            self.client.setCurrentText(match)
            return
        self.issuer_warning.setText(f"⚠ The pasted token was issued by {iss}, and no client "
                                    "here has that issuer: check the client before storing "
                                    "(its refresh token is sent to that client's server).")
        self.issuer_warning.show()

    def token_set(self) -> Any:
        """The pasted tokens, read as `tokendesk vault add` reads them (TokenSet.from_pasted);
        raises InvalidInput with the reason they cannot be stored."""
        from tokendesk.core.vault import TokenSet

        return TokenSet.from_pasted(self.tokens.text())

    def validate(self) -> str | None:
        if not self.client.currentText():
            return "Add a client first: a refresh token belongs to one."
        if not self.name.text().strip():
            return "Give the credential a name."
        from tokendesk.core.errors import InvalidInput

        if not self.tokens.text().strip():
            return "Paste a refresh token (one line) or a JSON token response."
        try:
            tokens = self.token_set()
        except InvalidInput as exc:
            return exc.message[:1].upper() + exc.message[1:] + "."
        if not tokens.refresh_token:
            return "This holds no refresh_token: the vault keeps refresh tokens."
        return None


class PassphraseDialog(_Form):
    def __init__(self, create: bool, parent: QWidget | None = None) -> None:
        super().__init__("Create the encrypted vault file" if create else "Unlock the vault",
                         parent)
        self.creating = create
        text = ("No usable system keyring was found. Tokendesk can keep secrets in a file "
                "encrypted with a passphrase (scrypt and AES-GCM) — never in plain text."
                if create else "The vault is an encrypted file. Give its passphrase.")
        intro = QLabel(text)
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.passphrase = SecretField("Passphrase", "Show passphrase")
        self.form.addRow("Passphrase", self.passphrase)
        self.repeat = SecretField("Repeat passphrase", "Show repeated passphrase")
        if create:
            self.form.addRow("Repeat", self.repeat)
        self.finish()

    def validate(self) -> str | None:
        from tokendesk.core.vault.kdf import MIN_PASSPHRASE

        if self.creating and len(self.passphrase.text()) < MIN_PASSPHRASE:
            return f"Use at least {MIN_PASSPHRASE} characters."
        if self.creating and self.passphrase.text() != self.repeat.text():
            return "The two passphrases differ."
        return None
