"""Preferences: a few settings, persisted at once."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from ..settings import Settings

__all__ = ["PreferencesDialog"]


class PreferencesDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Preferences")
        form = QFormLayout(self)
        self.debounce = QSpinBox()
        self.debounce.setRange(0, 2000)
        self.debounce.setSuffix(" ms")
        self.debounce.setValue(settings.get("inspector/debounce_ms"))
        form.addRow("Decode after typing pauses for", self.debounce)
        self.leeway = QSpinBox()
        self.leeway.setRange(0, 3600)
        self.leeway.setSuffix(" s")
        self.leeway.setValue(settings.get("inspector/leeway_s"))
        form.addRow("Default leeway for exp/nbf", self.leeway)
        self.local_time = QCheckBox("Show times in local time (UTC in the tooltip)")
        self.local_time.setChecked(settings.get("inspector/show_local_time"))
        form.addRow(self.local_time)
        self.clear_after = QSpinBox()
        self.clear_after.setRange(0, 600)
        self.clear_after.setSuffix(" s")
        self.clear_after.setSpecialValueText("never")
        self.clear_after.setValue(settings.get("clipboard/clear_after_s"))
        form.addRow("Clear copied tokens from the clipboard after", self.clear_after)
        self.auto_lock = QSpinBox()
        self.auto_lock.setRange(0, 24 * 60)
        self.auto_lock.setSuffix(" min")
        self.auto_lock.setSpecialValueText("never")
        self.auto_lock.setValue(settings.get("vault/auto_lock_min"))
        form.addRow("Lock the encrypted vault file when idle for", self.auto_lock)
        self.timeout = QSpinBox()
        self.timeout.setRange(1, 120)
        self.timeout.setSuffix(" s")
        self.timeout.setValue(settings.get("network/timeout_s"))
        form.addRow("Network timeout", self.timeout)
        self.ca_bundle = QLineEdit(str(settings.get("network/ca_bundle") or ""))
        self.ca_bundle.setPlaceholderText("system certificates")
        form.addRow("CA bundle file", self.ca_bundle)
        note = QLabel(f"Stored in {settings.path}")
        note.setWordWrap(True)
        form.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def save(self) -> None:
        import os

        bundle = self.ca_bundle.text().strip()
        if bundle and not os.path.isfile(bundle):
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.warning(self, "CA bundle", f"There is no file {bundle}. Give the path "
                                "of a PEM file of CA certificates, or leave it empty for the "
                                "system certificates.")
            self.ca_bundle.setFocus()
            return
        s = self.settings
        s.set("inspector/debounce_ms", self.debounce.value())
        s.set("inspector/leeway_s", self.leeway.value())
        s.set("inspector/show_local_time", self.local_time.isChecked())
        s.set("clipboard/clear_after_s", self.clear_after.value())
        s.set("network/timeout_s", self.timeout.value())
        s.set("vault/auto_lock_min", self.auto_lock.value())
        s.set("network/ca_bundle", self.ca_bundle.text().strip())
        s.sync()
        self.accept()
