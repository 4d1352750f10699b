"""Dialogs of the Vault view: add a client, add a credential, give the file-store passphrase."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from ..theme import current_theme
from .endpoint_section import ENDPOINT_LABELS, EndpointSection

__all__ = ["AddClientDialog", "AddCredentialDialog", "PassphraseDialog"]

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none", "private_key_jwt")


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


class AddClientDialog(_Form):
    """Add a client, or (given ``client``) edit one: its name stays, an empty secret keeps
    the stored one."""

    def __init__(self, parent: QWidget | None = None, client: Any = None) -> None:
        super().__init__("Add an OAuth client" if client is None
                         else f"Edit the client {client.name}", parent)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. auth0-dev")
        self.issuer = QLineEdit()
        self.issuer.setPlaceholderText("https://tenant.eu.auth0.com/")
        self.client_id = QLineEdit()
        self.auth_method = QComboBox()
        self.auth_method.addItems(AUTH_METHODS)
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setAccessibleName("Client secret")
        self.secret.setPlaceholderText("kept in the keyring, never in a file")
        self.scope = QLineEdit()
        self.scope.setPlaceholderText("openid profile offline_access")
        self.audience = QLineEdit()
        self.environment = QComboBox()
        self.environment.addItems(["", "dev", "staging", "prod"])
        self.warn_minutes = QSpinBox()
        self.warn_minutes.setRange(1, 1440)
        self.warn_minutes.setValue(5)
        self.warn_minutes.setSuffix(" min before expiry")
        self.refresh_lifetime = QSpinBox()
        self.refresh_lifetime.setRange(0, 525_600)
        self.refresh_lifetime.setSuffix(" min")
        self.refresh_lifetime.setSpecialValueText("not known (the server says, or nobody does)")
        self.refresh_lifetime.setToolTip(
            "Used only when the server does not say when a refresh token expires")
        self.lifetime_kind = QComboBox()
        self.lifetime_kind.addItem("idle: restarts at each refresh", "idle")
        self.lifetime_kind.addItem("absolute: counted from the sign-in", "absolute")
        self.admin = QComboBox()
        self.admin.setAccessibleName("Admin connection")
        for label, value in (("no (a client for tokens)", ""),
                             ("Auth0 Management API", "auth0"),
                             ("Keycloak Admin REST API", "keycloak"), ("Okta Users API", "okta")):
            self.admin.addItem(label, value)
        self.admin.setToolTip("Mark the client as an admin connection for the Support view: its "
                              "machine token comes from the client credentials grant")
        self._original = client
        for label, widget in (("Name", self.name), ("Issuer", self.issuer),
                              ("Client ID", self.client_id), ("Authentication", self.auth_method),
                              ("Client secret", self.secret), ("Default scope", self.scope),
                              ("Audience / resource", self.audience),
                              ("Environment", self.environment),
                              ("Warn", self.warn_minutes),
                              ("Refresh-token lifetime", self.refresh_lifetime),
                              ("Lifetime kind", self.lifetime_kind),
                              ("Admin connection", self.admin)):
            if not widget.accessibleName():
                widget.setAccessibleName(label)
            self.form.addRow(label, widget)
        self.advanced = EndpointSection()
        self.form.addRow(self.advanced)
        if client is not None:
            self.advanced.set_endpoints(client.endpoints, client.discovery_url)
            self.name.setText(client.name)
            self.name.setReadOnly(True)
            self.issuer.setText(client.issuer)
            self.client_id.setText(client.client_id)
            self.auth_method.setCurrentText(client.auth_method)
            self.scope.setText(client.scope)
            self.audience.setText(client.audience)
            self.environment.setCurrentText(client.environment)
            self.warn_minutes.setValue(round(client.warn_minutes))
            self.refresh_lifetime.setValue(round((client.refresh_lifetime or 0) / 60))
            self.lifetime_kind.setCurrentIndex(
                1 if client.refresh_lifetime_kind == "absolute" else 0)
            self.admin.setCurrentIndex(max(0, self.admin.findData(client.admin_provider)))
            self.secret.setPlaceholderText("leave empty to keep the stored secret")
        self.finish()

    def validate(self) -> str | None:
        if not self.name.text().strip():
            return "Give the client a name."
        issuer = self.issuer.text().strip()
        if not issuer.startswith(("https://", "http://127.", "http://localhost")):
            return "The issuer must be an https:// URL (http only for localhost)."
        if not self.client_id.text().strip():
            return "Give the client_id."
        return self.advanced.validate()

    def client(self) -> Any:
        """The client as the form says; when editing, what the form does not show (extra
        parameters, the admin API URL, the measured clock skew) is kept."""
        from dataclasses import replace

        from tokendesk.core.vault.model import Client

        lifetime = self.refresh_lifetime.value() * 60
        fields: dict[str, Any] = dict(
            issuer=self.issuer.text().strip(), client_id=self.client_id.text().strip(),
            auth_method=self.auth_method.currentText(), scope=self.scope.text().strip(),
            audience=self.audience.text().strip(), environment=self.environment.currentText(),
            warn_minutes=float(self.warn_minutes.value()),
            refresh_lifetime=float(lifetime) if lifetime else None,
            refresh_lifetime_kind=self.lifetime_kind.currentData() if lifetime else "",
            admin_provider=self.admin.currentData(),
            discovery_url=self.advanced.discovery_url.text().strip())
        others = {k: v for k, v in (self._original.endpoints if self._original else {}).items()
                  if k not in ENDPOINT_LABELS}  # admin_api and the like: kept as they were
        fields["endpoints"] = {**others, **self.advanced.endpoints()}
        if self._original is not None:
            return replace(self._original, **fields)
        return Client(self.name.text().strip(), **fields)

    def client_secret(self) -> str | None:
        return self.secret.text() or None


class AddCredentialDialog(_Form):
    def __init__(self, clients: list[str], prefill: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__("Store a refresh token", parent)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. alice-dev")
        self.client = QComboBox()
        self.client.addItems(clients)
        self.tokens = QPlainTextEdit()
        self.tokens.setAccessibleName("Refresh token or token response")
        self.tokens.setPlaceholderText("Paste a refresh token, or a whole JSON token response "
                                       "(its access and ID tokens are kept too)")
        self.tokens.setPlainText(prefill)
        self.notes = QLineEdit()
        for label, widget in (("Name", self.name), ("Client", self.client),
                              ("Tokens", self.tokens), ("Notes", self.notes)):
            if not widget.accessibleName():
                widget.setAccessibleName(label)
            self.form.addRow(label, widget)
        if not clients:
            self.error.setText("Add a client first: a refresh token belongs to one.")
        self.finish()

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
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.form.addRow("Passphrase", self.passphrase)
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat.setAccessibleName("Repeat passphrase")
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
