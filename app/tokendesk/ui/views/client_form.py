"""One client form for the welcome, the Vault's "Add client"/"Edit client" and Support's admin
connections.

Top to bottom: a provider preset and what it asks for (a tenant, a domain, a realm URL), which
gives the issuer; the client ID, its secret (or private key, masked with an eye toggle) and how
the client authenticates; the scope; the name in Tokendesk; "Fetch endpoints" (discovery, on
the task pool) and its result; then two collapsible sections: every endpoint (set by hand or
from discovery, with its source) and the rest (environment, audience, expiry warning, refresh
token lifetime, admin connection). The fields scroll rather than outgrow a small screen.

In admin mode (Support's "Add admin connection…") the presets are the providers whose admin
API Support speaks, and the admin connection is a main field.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from tokendesk.core.presets import PRESETS, PresetError, issuer_for, preset

from ..controllers.vault import Discovered, VaultController
from ..theme import current_theme
from .client_parts import (
    ADMIN_DEFAULTS,
    ADMIN_PROVIDERS,
    AUTH_METHODS,
    FormScroll,
    MoreSection,
    sentence,
)
from .endpoint_section import ENDPOINT_LABELS, EndpointSection
from .secret_field import SecretField

__all__ = ["ClientForm"]

NOT_FETCHED = ("Not fetched: endpoints are looked up when first needed, or now if you ask.")


class ClientForm(QWidget):
    """``client`` given: edit it (its name stays; an empty secret keeps the stored one)."""

    saved = Signal(str)  # the client's name, once the vault has it
    busy_changed = Signal(bool)  # saving or not
    resized = Signal()  # a section opened or closed: the window may fit itself again

    def __init__(self, vault: VaultController, *, client: Any = None, admin: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.admin_mode = admin
        self._original = client
        self._auto = {"name": "", "scope": "", "auth": ""}
        self._auth_touched = client is not None
        self._tag = ""
        self._asked = 0
        self._fetched_issuer = ""
        self._saving: str | None = None
        inner = QWidget()
        form = QFormLayout(inner)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.provider = QComboBox()
        self.provider.setAccessibleName("Provider")
        for p in PRESETS:
            if not admin or p.admin_provider or p.key == "generic":
                self.provider.addItem(p.name, p.key)
        self.where_label = QLabel()
        self.where = QLineEdit()
        self.issuer = QLineEdit()  # read-only: a long issuer scrolls instead of widening
        self.issuer.setAccessibleName("Issuer")
        self.issuer.setReadOnly(True)
        self.issuer.setFrame(False)
        self.issuer.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.issuer.setStyleSheet("QLineEdit { background: transparent; }")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.note.setStyleSheet(f"color: {current_theme().muted};")
        self.client_id = QLineEdit()
        self.client_id.setAccessibleName("Client ID")
        self.secret_label = QLabel("Client secret")
        self.secret = SecretField("Client secret", "Show secret")
        self.auth_method = QComboBox()
        self.auth_method.setAccessibleName("Client authentication")
        for value, sends in AUTH_METHODS:
            self.auth_method.addItem(value, value)
            self.auth_method.setItemData(self.auth_method.count() - 1, sends.capitalize(),
                                         Qt.ItemDataRole.ToolTipRole)
        self.scope = QLineEdit()
        self.scope.setAccessibleName("Scope")
        self.name = QLineEdit()
        self.name.setAccessibleName("Name")
        self.name.setPlaceholderText("e.g. auth0-dev")
        self.admin = QComboBox()
        self.admin.setAccessibleName("Admin connection")
        for value, text in ADMIN_PROVIDERS:
            self.admin.addItem(text, value)
        self.admin.setToolTip("An admin connection is offered in the Support view: its machine "
                              "token comes from the client credentials grant")
        self.fetch = QPushButton("Fetch endpoints")
        self.fetch.setAccessibleName("Fetch endpoints")
        self.fetch.setToolTip("Asks the issuer for its /.well-known/openid-configuration and "
                              "/.well-known/oauth-authorization-server (RFC 8414)")
        self.discovery = QLabel(NOT_FETCHED)
        self.discovery.setAccessibleName("Discovery result")
        self.discovery.setWordWrap(True)
        self.discovery.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # a long word (a URL in an error) wraps or is cut at the right, never widens the form
        self.discovery.setSizePolicy(QSizePolicy.Policy.Ignored,
                                     QSizePolicy.Policy.Preferred)
        self.endpoints = EndpointSection()
        self.endpoints.toggle.toggled.connect(self._section_toggled)

        form.addRow("Provider", self.provider)
        form.addRow(self.where_label, self.where)
        form.addRow("Issuer", self.issuer)
        form.addRow(self.note)
        if admin:
            form.addRow("Admin API", self.admin)
        form.addRow("Client ID", self.client_id)
        form.addRow(self.secret_label, self.secret)
        form.addRow("Authentication", self.auth_method)
        form.addRow("Scope", self.scope)
        form.addRow("Name in Tokendesk", self.name)
        fetch_row = QHBoxLayout()
        fetch_row.addWidget(self.fetch)
        fetch_row.addStretch(1)
        form.addRow("Endpoints", fetch_row)
        form.addRow(self.discovery)
        form.addRow(self.endpoints)
        self.more = MoreSection(self.admin if not admin else None)
        self.more.toggle.toggled.connect(self._section_toggled)
        form.addRow(self.more)
        more = self.more
        self.audience, self.environment = more.audience, more.environment
        self.warn_minutes, self.refresh_lifetime = more.warn_minutes, more.refresh_lifetime
        self.lifetime_kind, self.dpop = more.lifetime_kind, more.dpop
        self.environment.setCurrentText("" if admin else "dev")

        self.fields_area = FormScroll()
        self.fields_area.setWidget(inner)
        self.fields_area.setWidgetResizable(True)
        self.fields_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.fields_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.fields_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the fields
        self.error = QLabel()
        self.error.setAccessibleName("Error")
        self.error.setWordWrap(True)
        self.error.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.error.setStyleSheet(f"color: {current_theme().bad};")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.fields_area, 1)
        layout.addWidget(self.error)

        self.provider.currentIndexChanged.connect(self._on_provider)
        self.where.textChanged.connect(self._update_issuer)
        self.secret.text_changed.connect(self._follow_secret)
        self.auth_method.activated.connect(self._auth_chosen)
        self.auth_method.currentIndexChanged.connect(self._on_auth)
        self.fetch.clicked.connect(self.fetch_endpoints)
        if admin:
            self.admin.currentIndexChanged.connect(self._on_admin)
        vault.endpoints_found.connect(self._on_discovered)
        vault.client_saved.connect(self._on_saved)
        vault.client_save_failed.connect(self._on_save_failed)
        if client is not None:
            self._fill(client)
        else:
            self._on_provider()
            self._on_auth()

    # -- the fields follow the preset --------------------------------------------------------
    def _fill(self, client: Any) -> None:
        """An existing client: its issuer as typed (the generic preset), its settings."""
        self.provider.blockSignals(True)
        self.provider.setCurrentIndex(max(0, self.provider.findData("generic")))
        self.provider.blockSignals(False)
        self._on_provider()
        self.where.setText(client.issuer)
        self.name.setText(client.name)
        self.name.setReadOnly(True)
        self.client_id.setText(client.client_id)
        self.auth_method.setCurrentIndex(max(0, self.auth_method.findData(client.auth_method)))
        self.scope.setText(client.scope)
        self.audience.setText(client.audience)
        self.environment.setCurrentText(client.environment)
        self.dpop.setCurrentIndex(max(0, self.dpop.findData(client.dpop_alg)))
        self.warn_minutes.setValue(round(client.warn_minutes))
        self.refresh_lifetime.setValue(round((client.refresh_lifetime or 0) / 60))
        self.lifetime_kind.setCurrentIndex(1 if client.refresh_lifetime_kind == "absolute"
                                           else 0)
        self.admin.setCurrentIndex(max(0, self.admin.findData(client.admin_provider)))
        self.endpoints.set_endpoints(client.endpoints, client.discovery_url)
        self._on_auth()
        if client.has_secret:
            self.secret.setPlaceholderText("leave empty to keep the stored one")

    def _set_auto(self, key: str, widget: QLineEdit, value: str) -> None:
        """Fill ``widget`` with ``value`` unless the user typed something of their own."""
        if not widget.text() or widget.text() == self._auto[key]:
            widget.setText(value)
            self._auto[key] = value

    @Slot()
    def _on_provider(self) -> None:
        p = preset(self.provider.currentData())
        self.where_label.setText(p.ask)
        self.where.setAccessibleName(p.ask or "Tenant")
        self.where.setVisible(bool(p.ask))
        self.where_label.setVisible(bool(p.ask))
        self.where.setPlaceholderText(p.example)
        if not self.admin_mode:  # (admin mode: the admin API's note, from _on_admin)
            self.note.setText(p.note)
            self.note.setVisible(bool(p.note))
        if self._original is None:
            if self.admin_mode:
                self._set_auto("name", self.name, f"{p.key}-admin")
                if p.admin_provider:
                    self.admin.setCurrentIndex(max(0, self.admin.findData(p.admin_provider)))
                self._on_admin()
            else:
                self._set_auto("name", self.name, f"{p.key}-dev")
                self._set_auto("scope", self.scope, p.scope)
        self._update_issuer()

    @Slot()
    def _on_admin(self) -> None:
        """Admin mode: the admin API decides the machine token's authentication and scope."""
        if self._original is not None:
            return
        auth, scope, note = ADMIN_DEFAULTS.get(self.admin.currentData(),
                                               ("client_secret_basic", "", ""))
        self.note.setText(note)
        self.note.setVisible(bool(note))
        if not self._auth_touched:
            self._set_auth(auth)
        self._set_auto("scope", self.scope, scope)
        self._update_issuer()

    def current_issuer(self) -> str:
        """The issuer the preset and the typed value give (raises PresetError)."""
        issuer = issuer_for(self.provider.currentData(), self.where.text())
        if self.admin_mode and self.admin.currentData() == "okta" and "/oauth2/" in issuer:
            issuer = issuer.split("/oauth2/", 1)[0]  # the org authorization server
        return issuer

    @Slot()
    def _update_issuer(self) -> None:
        try:
            issuer = self.current_issuer()
        except PresetError as exc:
            issuer = ""
            self.issuer.setText("—")
            if self.where.text().strip():
                self.error.setText(sentence(exc.message))
        else:
            self.issuer.setText(issuer)
            self.issuer.setCursorPosition(0)
            self.error.setText("")
        if self._fetched_issuer and issuer != self._fetched_issuer:
            self._fetched_issuer = ""  # what was found belongs to another issuer
            self._tag = ""
            self.fetch.setEnabled(True)
            self.endpoints.forget_discovered()
            self.discovery.setText(NOT_FETCHED)

    def _set_auth(self, method: str) -> None:
        self.auth_method.setCurrentIndex(max(0, self.auth_method.findData(method)))

    @Slot(int)
    def _auth_chosen(self, _index: int) -> None:
        self._auth_touched = True

    @Slot(str)
    def _follow_secret(self, text: str) -> None:
        """Until the user picks a method: a secret means client_secret_basic, none a public
        client."""
        if self._auth_touched:
            return
        current = self.auth_method.currentData()
        if text and current == "none":
            self._set_auth("client_secret_basic")
        elif not text and current in ("client_secret_basic", "client_secret_post"):
            self._set_auth("none")

    @Slot()
    def _on_auth(self) -> None:
        if self.auth_method.currentData() == "private_key_jwt":
            self.secret_label.setText("Private key")
            self.secret.edit.setAccessibleName("Private key")
            self.secret.setPlaceholderText("PEM or private JWK: kept in the keyring")
        else:
            self.secret_label.setText("Client secret")
            self.secret.edit.setAccessibleName("Client secret")
            self.secret.setPlaceholderText("kept in the keyring, never in a file"
                                           if self.auth_method.currentData() != "none" else
                                           "none for a public client; kept in the keyring")
        if self._original is not None and self._original.has_secret:
            self.secret.setPlaceholderText("leave empty to keep the stored one")

    @Slot(bool)
    def _section_toggled(self, _shown: bool) -> None:
        self.fields_area.updateGeometry()
        self.resized.emit()

    def height_wanted(self) -> int:
        """How much taller (or, negative, shorter) the fields want to be to show them all,
        within what the screen has."""
        return self.fields_area.sizeHint().height() - self.fields_area.height()

    # -- discovery ----------------------------------------------------------------------------
    @Slot()
    def fetch_endpoints(self) -> None:
        """Ask the issuer for its endpoints, off the GUI thread; the answer fills the
        endpoints section (nothing is stored: empty fields follow the provider)."""
        try:
            issuer = self.current_issuer()
        except PresetError as exc:
            self.discovery.setText(sentence(exc.message))
            return
        problem = self.endpoints.validate()
        if problem:
            self.discovery.setText(problem)
            return
        self._asked += 1
        self._tag = f"form-{id(self):x}-{self._asked}"
        self._fetched_issuer = issuer
        self.discovery.setText(f"Asking {issuer} for its endpoints…")
        self.fetch.setEnabled(False)
        self.vault.discover(self._tag, issuer, self.endpoints.discovery_url.text().strip())

    @Slot(str, object)
    def _on_discovered(self, tag: str, found: object) -> None:
        if tag != self._tag:
            return  # another form's, or an issuer since changed
        self.fetch.setEnabled(True)
        if not isinstance(found, Discovered):
            self.endpoints.forget_discovered()
            self.discovery.setText(f"Discovery failed: {found}. You can still save the "
                                   "client; its endpoints are looked up when needed.")
            return
        self.endpoints.set_discovered(found.endpoints, found.documents)
        count = len(found.endpoints)
        if not count:
            self.discovery.setText("The issuer's documents publish no endpoints: set them "
                                   "by hand under Endpoints.")
        else:
            oauth = sum(1 for d in found.documents.values() if d == "RFC 8414")
            self.discovery.setText(
                f"Found {count} endpoint{'s' if count != 1 else ''} ("
                + (f"{count - oauth} in the OpenID document, {oauth} only in the RFC 8414 one"
                   if oauth else "from the OpenID document")
                + "), shown under Endpoints. Fields left empty follow the provider.")
        self.endpoints.toggle.setChecked(True)

    # -- the client ---------------------------------------------------------------------------
    def secret_text(self) -> str | None:
        if self.auth_method.currentData() == "private_key_jwt":
            return None
        return self.secret.text() or None

    def private_key(self) -> str | None:
        if self.auth_method.currentData() != "private_key_jwt":
            return None
        return self.secret.text().strip() or None

    def validate(self) -> str | None:
        try:
            self.current_issuer()
        except PresetError as exc:
            return sentence(exc.message)
        if not self.client_id.text().strip():
            return "Give the client ID your provider shows for the application."
        if not self.name.text().strip():
            return "Give the client a name."
        method = self.auth_method.currentData()
        stored = self._original is not None and self._original.has_secret
        if method == "none" and self.secret.text():
            return ("A public client (none) sends no secret: clear the secret or choose how "
                    "the client authenticates with it.")
        if method in ("client_secret_basic", "client_secret_post") and not (
                self.secret.text() or stored):
            return f"{method} needs the client secret."
        if method == "private_key_jwt":
            key = self.secret.text().strip()
            if self._original is not None and key:
                return ("A stored client's private key cannot be replaced here: delete the "
                        "client and add it again with the new key.")
            if not key and not stored:
                return "private_key_jwt needs the client's private key (PEM or JWK)."
            if key and not key.startswith(("-----BEGIN", "{")):
                return "The private key must be PEM (-----BEGIN …) or a JWK ({…})."
        return self.endpoints.validate()

    def client(self) -> Any:
        """The client as the form says; when editing, what the form does not show (extra
        parameters, the admin API URL, the measured clock skew) is kept."""
        from tokendesk.core.vault.model import Client

        lifetime = self.refresh_lifetime.value() * 60
        fields: dict[str, Any] = dict(
            issuer=self.current_issuer(), client_id=self.client_id.text().strip(),
            auth_method=self.auth_method.currentData(), scope=self.scope.text().strip(),
            audience=self.audience.text().strip(), environment=self.environment.currentText(),
            warn_minutes=float(self.warn_minutes.value()),
            refresh_lifetime=float(lifetime) if lifetime else None,
            refresh_lifetime_kind=self.lifetime_kind.currentData() if lifetime else "",
            admin_provider=self.admin.currentData(), dpop_alg=self.dpop.currentData(),
            discovery_url=self.endpoints.discovery_url.text().strip())
        others = {k: v for k, v in (self._original.endpoints if self._original else {}).items()
                  if k not in ENDPOINT_LABELS}  # admin_api and the like: kept as they were
        fields["endpoints"] = {**others, **self.endpoints.endpoints()}
        if self._original is not None:
            return replace(self._original, **fields)
        extra = dict(preset(self.provider.currentData()).extra_params)
        return Client(self.name.text().strip(), extra_params=extra, **fields)

    @Slot()
    def save(self) -> None:
        """Check the form and store the client; ``saved`` follows, or the reason is shown."""
        problem = self.validate()
        if problem:
            self.error.setText(problem)
            return
        client = self.client()
        self.error.setText("")
        self._saving = client.name
        self.busy_changed.emit(True)
        if self._original is None:
            self.vault.add_client(client, self.secret_text(), self.private_key())
        else:
            self.vault.update_client(client, self.secret_text())

    @Slot(str)
    def _on_saved(self, name: str) -> None:
        if name == self._saving:
            self._saving = None
            self.busy_changed.emit(False)
            self.saved.emit(name)

    @Slot(str, str)
    def _on_save_failed(self, name: str, message: str) -> None:
        if name == self._saving:
            self._saving = None
            self.busy_changed.emit(False)
            self.error.setText(sentence(message))
