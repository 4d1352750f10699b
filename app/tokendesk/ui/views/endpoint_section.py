"""The client form's endpoints section: every endpoint, set by hand or from discovery.

Each endpoint has a field and, beside it, where its URL comes from: "set by hand" when the
field has one, "from discovery" otherwise. Once the issuer's documents were read, a field left
empty shows the discovered URL greyed inside it and the source names the document ("OpenID" or
"RFC 8414") or says the issuer publishes none. An empty field goes back to discovery. Sources
are short words, so a long URL never widens the form: it scrolls inside its field.
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
NOT_PUBLISHED = "not published"


class EndpointSection(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.toggle = QToolButton()
        self.toggle.setText(self._title(False))
        self.toggle.setCheckable(True)
        self.toggle.setAutoRaise(True)
        self.toggle.setAccessibleName("Show advanced endpoints")
        self.toggle.toggled.connect(self._toggled)
        layout.addWidget(self.toggle)
        self.box = QGroupBox()
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
        self._documents: dict[str, str] = {}
        self._fetched = False
        source_width = max(self.fontMetrics().horizontalAdvance(text) for text in (
            BY_HAND, NOT_PUBLISHED, f"{FROM_DISCOVERY} (RFC 8414)")) + 8
        for member, label in ENDPOINT_LABELS.items():
            edit = QLineEdit()
            edit.setAccessibleName(f"{label} endpoint")
            edit.setPlaceholderText(FROM_DISCOVERY)
            source = QLabel(FROM_DISCOVERY)
            source.setAccessibleName(f"{label} endpoint source")
            source.setFixedWidth(source_width)
            edit.textChanged.connect(self._update)
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(source)
            form.addRow(label, row)
            self.fields[member] = edit
            self.sources[member] = source
        self.box.setVisible(False)
        layout.addWidget(self.box)

    @staticmethod
    def _title(shown: bool) -> str:
        return "Endpoints: set by hand or from discovery " + ("▾" if shown else "▸")

    @Slot(bool)
    def _toggled(self, shown: bool) -> None:
        self.box.setVisible(shown)
        self.toggle.setText(self._title(shown))

    @Slot()
    def _update(self) -> None:
        for member, edit in self.fields.items():
            found = self._discovered.get(member)
            edit.setPlaceholderText(found or (NOT_PUBLISHED if self._fetched
                                              else FROM_DISCOVERY))
            edit.setToolTip(f"Discovered: {found}" if found else "")
            if edit.text().strip():
                text = BY_HAND
            elif found:
                text = f"{FROM_DISCOVERY} ({self._documents.get(member, 'OpenID')})"
            else:
                text = NOT_PUBLISHED if self._fetched else FROM_DISCOVERY
            self.sources[member].setText(text)

    def set_endpoints(self, endpoints: dict[str, str], discovery_url: str = "") -> None:
        for member, edit in self.fields.items():
            edit.setText(endpoints.get(member, ""))
        self.discovery_url.setText(discovery_url)
        if any(endpoints.get(m) for m in self.fields) or discovery_url:
            self.toggle.setChecked(True)
        self._update()

    def set_discovered(self, discovered: dict[str, str],
                       documents: dict[str, str] | None = None) -> None:
        """What discovery found (shown in the fields left empty), and which document gave
        each endpoint ("OpenID" or "RFC 8414")."""
        self._discovered = dict(discovered)
        self._documents = dict(documents or {})
        self._fetched = True
        self._update()

    def forget_discovered(self) -> None:
        """The issuer changed: what was discovered belongs to the old one."""
        self._discovered, self._documents, self._fetched = {}, {}, False
        self._update()

    def discovered(self, member: str) -> str:
        return self._discovered.get(member, "")

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
