"""The Expiry view: every stored token's time left, soonest first, with a warning before the end.

One timer drives all countdowns; each tick repaints only the rows on screen. A warning fires once
per token when it enters its warning window (it says which credential and what to do, never the
token).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTableView, QVBoxLayout, QWidget

from tokendesk.core.expiry import State, expiry_rows

from ..controllers.vault import VaultController
from ..models.expiry_model import ExpiryModel

__all__ = ["ExpiryView"]


class ExpiryView(QWidget):
    status_message = Signal(str)
    warned = Signal(str)  # a warning for a person: which credential, what to do

    def __init__(self, vault: VaultController, clock: Callable[[], float],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.clock = clock
        self._warned: set[tuple[str, str]] = set()
        self.environment = QComboBox()
        self.environment.setAccessibleName("Environment filter")
        for label, value in (("All environments", None), ("dev", "dev"), ("staging", "staging"),
                             ("prod", "prod")):
            self.environment.addItem(label, value)
        self.client = QComboBox()
        self.client.setAccessibleName("Client filter")
        self.client.addItem("All clients", None)
        self.environment.currentIndexChanged.connect(self.reload)
        self.client.currentIndexChanged.connect(self.reload)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show"))
        bar.addWidget(self.environment)
        bar.addWidget(self.client)
        bar.addStretch(1)
        self.model = ExpiryModel(self)
        self.table = QTableView()
        self.table.setAccessibleName("Expiry")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((200, 110, 70, 160, 120)):
            self.table.setColumnWidth(column, width)
        self.summary = QLabel()
        self.summary.setAccessibleName("Expiry summary")
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        vault.changed.connect(lambda _m: self.reload())

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.vault.open()
        self.reload()

    @Slot()
    def reload(self) -> None:
        vault = self.vault.vault
        if vault is None:
            return
        env, client = self.environment.currentData(), self.client.currentData()
        self.vault.tasks.submit(
            "expiry-list",
            lambda: (vault.credentials(environment=env, client=client), vault.clients()),
            self._on_loaded, lambda _e: None)

    def _on_loaded(self, result: tuple[list[Any], list[Any]]) -> None:
        credentials, clients = result
        self.model.set_rows(expiry_rows(credentials), self.clock())
        names = [c.name for c in clients]
        current = self.client.currentData()
        self.client.blockSignals(True)
        self.client.clear()
        self.client.addItem("All clients", None)
        for name in names:
            self.client.addItem(name, name)
        if current in names:
            self.client.setCurrentIndex(names.index(current) + 1)
        self.client.blockSignals(False)
        self.check_warnings()

    @Slot()
    def tick(self) -> None:
        now = self.clock()
        if self.isVisible() and self.model.rowCount():
            first = self.table.rowAt(0)
            last = self.table.rowAt(self.table.viewport().height() - 1)
            self.model.tick(now, first, last if last >= 0 else self.model.rowCount() - 1)
        else:
            self.model.now = now
        self.check_warnings()

    def check_warnings(self) -> None:
        """Warn once per token when it enters its warning window (or has expired)."""
        now = self.clock()
        counts = self.model.counts(now)  # bisection: the cost does not grow with the rows
        for i in self.model.warning_window(now):
            row = self.model.row(i)
            if row.kind != "ID token" and (row.credential, row.kind) not in self._warned:
                self._warned.add((row.credential, row.kind))
                action = ("refresh it in the Exchange view" if row.kind == "access token"
                          else "sign in again before it ends")
                self.warned.emit(f"The {row.kind} of {row.credential} expires in less than "
                                 f"{int(self.model.warn_before // 60)} min: {action}.")
        self.summary.setText(f"{counts[State.EXPIRING]} expiring soon · {counts[State.EXPIRED]} "
                             f"expired · {counts[State.FRESH]} fresh · {counts[State.UNKNOWN]} "
                             "unknown")
