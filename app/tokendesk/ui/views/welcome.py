"""The first-run welcome: what is stored where, that nothing is sent without the user, and a
first client from a provider preset (endpoints fetched by discovery only when asked).

Skippable at every step; Help ▸ Welcome… opens it again.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tokendesk.core.presets import PRESETS, PresetError, issuer_for, preset

__all__ = ["WelcomeDialog"]


def _where_text(store: str, index: str, settings: str) -> str:
    return (
        "<h2>Welcome to Tokendesk</h2>"
        "<p>A workbench for OAuth and JWT tokens: inspect and verify them, keep refresh tokens "
        "safe, refresh and revoke them, and see when each one expires.</p>"
        "<p><b>What is stored where</b></p><ul>"
        f"<li><b>Secrets</b> — refresh tokens, access tokens, client secrets — go to "
        f"{store}, never into a plain file.</li>"
        f"<li><b>The index</b> — names, issuers, expiry times, fingerprints (short hashes, not "
        f"tokens) and the history of what you did — is <code>{index}</code>.</li>"
        f"<li><b>Preferences</b> are in <code>{settings}</code>.</li></ul>"
        "<p><b>Nothing is sent anywhere unless you start it</b>: fetching an issuer's keys or "
        "endpoints, signing in, refreshing or revoking. Decoding a pasted token never leaves "
        "this machine.</p>")


class WelcomeDialog(QDialog):
    client_added = Signal(str)

    def __init__(self, window: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.window_ = window
        self.setWindowTitle("Welcome to Tokendesk")
        self.setMinimumWidth(620)
        from tokendesk.core.paths import home

        vault = window.vault_controller.vault
        store = vault.store.description if vault is not None else "the system keyring"
        self.pages = QStackedWidget()
        # page 1: where things are
        intro = QWidget()
        intro_layout = QVBoxLayout(intro)
        self.intro = QLabel(_where_text(store, str(home() / "vault.sqlite3"),
                                        window.settings.path))
        self.intro.setAccessibleName("Welcome")
        self.intro.setWordWrap(True)
        self.intro.setTextFormat(Qt.TextFormat.RichText)
        intro_layout.addWidget(self.intro)
        intro_layout.addStretch(1)
        self.skip = QPushButton("Skip")
        self.next = QPushButton("Add a first client…")
        self.next.setDefault(True)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.skip)
        row.addWidget(self.next)
        intro_layout.addLayout(row)
        # page 2: a first client from a preset
        client_page = QWidget()
        form = QFormLayout(client_page)
        self.provider = QComboBox()
        self.provider.setAccessibleName("Provider")
        for p in PRESETS:
            self.provider.addItem(p.name, p.key)
        self.where = QLineEdit()
        self.where.setAccessibleName("Tenant")
        self.where_label = QLabel()
        self.name = QLineEdit()
        self.name.setAccessibleName("Name")
        self.client_id = QLineEdit()
        self.client_id.setAccessibleName("Client ID")
        self.secret = QLineEdit()
        self.secret.setAccessibleName("Client secret")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setPlaceholderText("optional: kept in the keyring, never in a file")
        self.issuer = QLabel()
        self.issuer.setAccessibleName("Issuer")
        self.issuer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setEnabled(False)
        self.fetch = QPushButton("Fetch endpoints (discovery)")
        self.fetch.setToolTip("Asks the issuer for its /.well-known/openid-configuration and "
                              "/.well-known/oauth-authorization-server (RFC 8414)")
        self.endpoints = QLabel("Not fetched: endpoints are looked up when first needed, or now "
                                "if you ask.")
        self.endpoints.setAccessibleName("Endpoints")
        self.endpoints.setWordWrap(True)
        self.message = QLabel()
        self.message.setAccessibleName("Message")
        self.message.setWordWrap(True)
        form.addRow("Provider", self.provider)
        form.addRow(self.where_label, self.where)
        form.addRow("Issuer", self.issuer)
        form.addRow("", self.note)
        form.addRow("Client ID", self.client_id)
        form.addRow("Client secret", self.secret)
        form.addRow("Name in Tokendesk", self.name)
        form.addRow(self.fetch, self.endpoints)
        form.addRow(self.message)
        self.back = QPushButton("Back")
        self.later = QPushButton("Not now")
        self.add = QPushButton("Add client")
        self.add.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back)
        buttons.addStretch(1)
        buttons.addWidget(self.later)
        buttons.addWidget(self.add)
        form.addRow(buttons)
        self.pages.addWidget(intro)
        self.pages.addWidget(client_page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

        self.skip.clicked.connect(self.finish)
        self.later.clicked.connect(self.finish)
        self.next.clicked.connect(lambda: self.pages.setCurrentIndex(1))
        self.back.clicked.connect(lambda: self.pages.setCurrentIndex(0))
        self.provider.currentIndexChanged.connect(self._on_provider)
        self.where.textChanged.connect(self._update_issuer)
        self.fetch.clicked.connect(self.fetch_endpoints)
        self.add.clicked.connect(self.add_client)
        self._on_provider()

    # -- the form ---------------------------------------------------------------------------------
    def _on_provider(self) -> None:
        p = preset(self.provider.currentData())
        self.where_label.setText(p.ask or "")
        self.where.setVisible(bool(p.ask))
        self.where_label.setVisible(bool(p.ask))
        self.where.setPlaceholderText(p.example)
        self.note.setText(p.note)
        if not self.name.text() or self.name.text().endswith("-dev"):
            self.name.setText(f"{p.key}-dev")
        self._update_issuer()

    def current_issuer(self) -> str:
        return issuer_for(self.provider.currentData(), self.where.text())

    def _update_issuer(self) -> None:
        try:
            self.issuer.setText(self.current_issuer())
            self.message.setText("")
        except PresetError as exc:
            self.issuer.setText("—")
            if self.where.text().strip():
                self.message.setText(exc.message[:1].upper() + exc.message[1:] + ".")

    def fetch_endpoints(self) -> None:
        try:
            issuer = self.current_issuer()
        except PresetError as exc:
            self.message.setText(exc.message[:1].upper() + exc.message[1:] + ".")
            return
        self.endpoints.setText(f"Asking {issuer} for its endpoints…")
        self.fetch.setEnabled(False)

        def work() -> dict[str, str]:
            from tokendesk.core.oauth.discovery import ENDPOINTS, OAUTH, Discovery
            from tokendesk.core.oauth.http import HttpClient

            with HttpClient(timeout=float(self.window_.settings.get("network/timeout_s"))) as h:
                meta = Discovery(h).get(issuer)
            return {n: f"{meta.endpoint(n)} (from discovery, "
                       f"{'RFC 8414' if meta.source(n) == OAUTH else 'OpenID'} document)"
                    for n in ENDPOINTS if meta.endpoint(n)}

        def done(found: dict[str, str]) -> None:
            self.fetch.setEnabled(True)
            # shown, not stored: endpoints from discovery follow the provider; only endpoints
            # set by hand (the client dialog's advanced section) are kept with the client
            self.endpoints.setText("\n".join(f"{k}: {v}" for k, v in found.items())
                                   or "The issuer publishes no endpoints.")

        def failed(exc: BaseException) -> None:
            from tokendesk.core.errors import TokendeskError

            self.fetch.setEnabled(True)
            self.endpoints.setText("Discovery failed: " + (
                exc.message if isinstance(exc, TokendeskError) else type(exc).__name__)
                + ". You can still add the client; endpoints are looked up when needed.")

        self.window_.tasks.submit("welcome-discovery", work, done, failed)

    def add_client(self) -> None:
        from tokendesk.core.vault.model import Client

        try:
            issuer = self.current_issuer()
        except PresetError as exc:
            self.message.setText(exc.message[:1].upper() + exc.message[1:] + ".")
            return
        if not self.client_id.text().strip():
            self.message.setText("Give the client ID your provider shows for the application.")
            return
        if not self.name.text().strip():
            self.message.setText("Give the client a name.")
            return
        p = preset(self.provider.currentData())
        secret = self.secret.text() or None
        client = Client(self.name.text().strip(), issuer, self.client_id.text().strip(),
                        "client_secret_basic" if secret else "none", p.scope,
                        extra_params=dict(p.extra_params), environment="dev")
        vault = self.window_.vault_controller
        if vault.vault is None:
            self.message.setText("The vault is not open yet (or is locked): open the Vault view "
                                 "first, then add the client there.")
            return
        expected = f"Added the client {client.name}."

        def on_changed(message: str) -> None:
            if message == expected:
                disconnect()
                self.client_added.emit(client.name)
                self.finish()

        def on_failed(message: str) -> None:
            disconnect()
            self.add.setEnabled(True)
            self.message.setText(message[:1].upper() + message[1:] + ".")

        def disconnect() -> None:
            vault.changed.disconnect(on_changed)
            vault.failed.disconnect(on_failed)

        vault.changed.connect(on_changed)
        vault.failed.connect(on_failed)
        self.add.setEnabled(False)
        vault.add_client(client, secret)

    def finish(self) -> None:
        self.window_.settings.set("app/welcomed", True)
        self.window_.settings.sync()
        self.accept()
