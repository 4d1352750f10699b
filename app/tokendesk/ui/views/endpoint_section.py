"""The client dialog's advanced section: every endpoint, set by hand or from discovery.

Each endpoint has a field and, beside it, where its URL comes from: "set by hand" when the
field has one, "from discovery" otherwise (with the discovered URL when the view knows it).
An empty field goes back to discovery.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

__all__ = ["ENDPOINT_LABELS", "EndpointSection"]

#: member -> label, in the order shown (the core's discovery.ENDPOINTS, kept Qt-side to avoid
#: importing the HTTP stack before the dialog paints)
ENDPOINT_LABELS = {
    "authorization_endpoint": "Authorization",
    "token_endpoint": "Token",
    "revocation_endpoint": "Revocation",
    "introspection_endpoint": "Introspection",
    "userinfo_endpoint": "Userinfo",
    "device_authorization_endpoint": "Device authorization",
    "jwks_uri": "JWKS",
}
BY_HAND = "set by hand"
FROM_DISCOVERY = "from discovery"


class EndpointSection(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.toggle = QToolButton()
        self.toggle.setText("Advanced: endpoints and discovery ▸")
        self.toggle.setCheckable(True)
        self.toggle.setAccessibleName("Show advanced endpoints")
        self.toggle.toggled.connect(self._toggled)
        layout.addWidget(self.toggle)
        self.box = QGroupBox("Endpoints")
        self.box.setAccessibleName("Endpoints")
        form = QFormLayout(self.box)
        self.discovery_url = QLineEdit()
        self.discovery_url.setAccessibleName("Discovery URL")
        self.discovery_url.setPlaceholderText(
            "the issuer's /.well-known/openid-configuration and oauth-authorization-server")
        form.addRow("Discovery URL", self.discovery_url)
        self.fields: dict[str, QLineEdit] = {}
        self.sources: dict[str, QLabel] = {}
        self._discovered: dict[str, str] = {}
        for member, label in ENDPOINT_LABELS.items():
            edit = QLineEdit()
            edit.setAccessibleName(f"{label} endpoint")
            edit.setPlaceholderText(FROM_DISCOVERY)
            source = QLabel(FROM_DISCOVERY)
            source.setAccessibleName(f"{label} endpoint source")
            edit.textChanged.connect(self._update)
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(source)
            form.addRow(label, row)
            self.fields[member] = edit
            self.sources[member] = source
        self.discovery_note = QLabel()
        self.discovery_note.setWordWrap(True)
        self.discovery_note.setAccessibleName("Discovery note")
        form.addRow(self.discovery_note)
        #: the client whose discovered endpoints :meth:`on_discovered` accepts
        self.client_name = ""
        self.box.setVisible(False)
        layout.addWidget(self.box)

    @Slot(bool)
    def _toggled(self, shown: bool) -> None:
        self.box.setVisible(shown)
        self.toggle.setText("Advanced: endpoints and discovery " + ("▾" if shown else "▸"))

    @Slot()
    def _update(self) -> None:
        for member, edit in self.fields.items():
            if edit.text().strip():
                self.sources[member].setText(BY_HAND)
            else:
                found = self._discovered.get(member)
                self.sources[member].setText(FROM_DISCOVERY if not found
                                             else f"{FROM_DISCOVERY}: {found}")

    def set_endpoints(self, endpoints: dict[str, str], discovery_url: str = "") -> None:
        for member, edit in self.fields.items():
            edit.setText(endpoints.get(member, ""))
        self.discovery_url.setText(discovery_url)
        if any(endpoints.get(m) for m in self.fields) or discovery_url:
            self.toggle.setChecked(True)
        self._update()

    @Slot(str, object)
    def on_discovered(self, name: str, found: object) -> None:
        """The controller's answer for ``client_name``: the URLs, or why discovery failed."""
        if name != self.client_name:
            return
        if isinstance(found, dict):
            self.discovery_note.setText("")
            self.set_discovered(found)
        else:
            self.discovery_note.setText(f"Discovery failed: {found}. Endpoints left empty are "
                                        "looked up when needed.")

    def set_discovered(self, discovered: dict[str, str]) -> None:
        """What discovery found (shown beside the fields left empty)."""
        self._discovered = dict(discovered)
        self._update()

    def endpoints(self) -> dict[str, str]:
        """The endpoints set by hand (empty fields are left to discovery)."""
        return {m: e.text().strip() for m, e in self.fields.items() if e.text().strip()}

    def source(self, member: str) -> str:
        return self.sources[member].text()

    def validate(self) -> str | None:
        for member, edit in self.fields.items():
            url = edit.text().strip()
            if url and not url.startswith(("https://", "http://127.", "http://localhost",
                                           "http://[::1]")):
                return (f"The {ENDPOINT_LABELS[member]} endpoint must be an https:// URL "
                        "(http only for localhost).")
        url = self.discovery_url.text().strip()
        if url and not url.startswith(("https://", "http://127.", "http://localhost")):
            return "The discovery URL must be an https:// URL (http only for localhost)."
        return None
