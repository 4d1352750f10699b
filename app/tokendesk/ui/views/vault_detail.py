"""The Vault's detail pane: one credential's record, its secrets and its recent history.

Each secret (refresh, access, ID token) sits in a read-only one-line field: masked while
stored and hidden, its value once revealed, "none stored" when there is nothing to reveal (read
from the credential's fingerprints, without touching the keyring), "—" while no credential is
selected. Reveal becomes Hide (its accessible name too); the field and the button keep their
size, so revealing a 2 KB token never moves the panes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

__all__ = ["MASK", "NONE_STORED", "NOTHING_SELECTED", "SECRET_KINDS", "CredentialDetail", "SecretRow"]

MASK = "•" * 12
NONE_STORED = "none stored"
NOTHING_SELECTED = "—"  # no credential selected: nothing to say of its secrets
SECRET_KINDS = (("refresh_token", "Refresh token"), ("access_token", "Access token"),
                ("id_token", "ID token"))
FIELDS = ("name", "client", "status", "environment", "subject", "scope", "expiry",
          "refresh expiry", "fingerprints", "rotations", "notes")


class SecretRow(QWidget):
    """A secret's field, its Reveal/Hide button and its Copy button."""

    reveal_toggled = Signal(str, bool)  # kind, shown
    copy_requested = Signal(str)  # kind

    def __init__(self, kind: str, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.caption = caption
        self.value = QLineEdit(NOTHING_SELECTED)
        self.value.setReadOnly(True)
        self.value.setAccessibleName(caption)
        self.reveal = QPushButton("Reveal")
        self.reveal.setCheckable(True)
        self.reveal.setAccessibleName(f"Reveal {caption.lower()}")
        width = max(self.reveal.fontMetrics().horizontalAdvance(t) for t in ("Reveal", "Hide"))
        self.reveal.setFixedWidth(max(self.reveal.sizeHint().width(), width + 24))
        self.copy = QPushButton("Copy")
        self.copy.setAccessibleName(f"Copy {caption.lower()}")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.value, 1)
        layout.addWidget(self.reveal)
        layout.addWidget(self.copy)
        self.reveal.toggled.connect(self._toggled)
        self.copy.clicked.connect(lambda: self.copy_requested.emit(self.kind))
        self.clear()

    def _name_reveal(self, shown: bool) -> None:
        """The button's text, and its accessible name with it ("Hide refresh token")."""
        text = "Hide" if shown else "Reveal"
        self.reveal.setText(text)
        self.reveal.setAccessibleName(f"{text} {self.caption.lower()}")

    @Slot(bool)
    def _toggled(self, shown: bool) -> None:
        self._name_reveal(shown)
        if not shown:
            self.value.setText(MASK if self.stored else NONE_STORED)
        self.reveal_toggled.emit(self.kind, shown)

    def set_stored(self, stored: bool) -> None:
        """Masked (or "none stored"), Reveal unchecked; without a secret nothing to press."""
        self.stored = stored
        self.reveal.blockSignals(True)
        self.reveal.setChecked(False)
        self._name_reveal(False)
        self.reveal.blockSignals(False)
        self.value.setText(MASK if stored else NONE_STORED)
        self.reveal.setEnabled(stored)
        self.copy.setEnabled(stored)

    def clear(self) -> None:
        """No credential selected: no value, nothing to press."""
        self.set_stored(False)
        self.value.setText(NOTHING_SELECTED)

    def show_value(self, value: str | None) -> None:
        """The revealed value (shown only while Hide is offered)."""
        if self.reveal.isChecked():
            self.value.setText(value or NONE_STORED)
            self.value.setCursorPosition(0)


class CredentialDetail(QWidget):
    """The fields of one credential, or nothing (disabled) when none is selected."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Credential details")
        form = QFormLayout(self)
        self.fields: dict[str, QLabel] = {}
        for key in FIELDS:
            label = QLabel()
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setAccessibleName(key.capitalize())
            self.fields[key] = label
            form.addRow(key.capitalize(), label)
        self.rows: dict[str, SecretRow] = {}
        for kind, caption in SECRET_KINDS:
            row = SecretRow(kind, caption)
            self.rows[kind] = row
            form.addRow(caption, row)
        self.audit_view = QLabel()
        self.audit_view.setWordWrap(True)
        self.audit_view.setAccessibleName("History")
        form.addRow("History", self.audit_view)
        self.setEnabled(False)

    def show_credential(self, cred: Any) -> None:
        if cred is None:
            for row in self.rows.values():
                row.clear()
            for label in self.fields.values():
                label.setText("")
            self.audit_view.setText("")
            self.setEnabled(False)
            return
        from tokendesk.core.timefmt import format_utc

        def when(epoch: float | None) -> str:
            return format_utc(epoch) if epoch else "not known"

        doc = cred.to_dict()
        stored = doc["fingerprints"]
        for kind, row in self.rows.items():
            row.set_stored(bool(stored.get(kind)))
        values = {
            "name": cred.name, "client": cred.client, "status": str(cred.status),
            "environment": cred.environment or "—", "subject": cred.subject or "—",
            "scope": cred.scope or "—",
            "expiry": f"access {when(cred.access_expires_at)}; ID {when(cred.id_expires_at)}",
            "refresh expiry": (f"{when(cred.refresh_expires_at)} — {cred.refresh_expiry_kind}"
                               if cred.refresh_expires_at else
                               "not known (the server did not say)"),
            "fingerprints": ", ".join(f"{k.split('_')[0]} {v}" for k, v in stored.items() if v)
                            or NONE_STORED,
            "rotations": f"{cred.rotation_count}; last refreshed "
                         + (format_utc(cred.last_refreshed_at) if cred.last_refreshed_at
                            else "never"),
            "notes": cred.notes or "—",
        }
        for key, label in self.fields.items():
            label.setText(values[key])
        self.setEnabled(True)

    def show_history(self, entries: list[Any]) -> None:
        from tokendesk.core.timefmt import format_utc

        self.audit_view.setText("\n".join(f"{format_utc(e.at)}  {e.action}  {e.detail}"
                                          for e in entries[:8]))
