"""The Exchange view: pick a credential, run an exchange, see what was sent and answered."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..controllers.exchange import ExchangeController
from ..widgets.panes import split
from .exchange_card import ExchangeResultCard

__all__ = ["ExchangeView"]

REPLAY_WARNING = ("This sends the refresh token from before the last refresh again — what a "
                  "thief would do. A server with reuse detection will refuse it and may revoke "
                  "the whole token family, so this credential would need a new sign-in.\n\n"
                  "Replay it?")
TWICE_WARNING = ("This sends the current refresh token twice at the same moment. A server that "
                 "rotates tokens may treat the second use as theft and revoke the whole token "
                 "family, so this credential would need a new sign-in.\n\nSend it twice?")


class ExchangeView(QWidget):
    status_message = Signal(str)
    inspect_requested = Signal(str)  # a token to show in the Inspector

    def __init__(self, controller: ExchangeController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.credential = QComboBox()
        self.credential.setAccessibleName("Credential")
        self.credential.setMinimumWidth(260)
        self.credential.currentTextChanged.connect(self._load_history)
        self.scope = QLineEdit()
        self.scope.setAccessibleName("Narrower scope")
        self.scope.setPlaceholderText("narrower scope (optional)")
        top = QHBoxLayout()
        top.addWidget(QLabel("Credential"))
        top.addWidget(self.credential, 1)
        top.addWidget(self.scope, 1)

        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for key, label, slot in (("refresh", "Refresh", self.refresh),
                                 ("introspect", "Introspect", self.introspect),
                                 ("userinfo", "Userinfo", self.userinfo),
                                 ("revoke", "Revoke…", self.revoke)):
            button = QPushButton(label)
            button.clicked.connect(slot)
            self.buttons[key] = button
            row.addWidget(button)
        qa = QGroupBox("QA")
        qa_row = QHBoxLayout(qa)
        for key, label, slot in (("replay", "Replay the previous refresh token…",
                                  self.replay),
                                 ("twice", "Refresh twice at once…", self.twice)):
            button = QPushButton(label)
            button.clicked.connect(slot)
            self.buttons[key] = button
            qa_row.addWidget(button)
        self.sign_in_button = QPushButton("Sign in…")
        self.sign_in_button.setToolTip("Get a new refresh token: sign in with the browser or a "
                                       "device code")
        self.sign_in_button.clicked.connect(self.sign_in)
        second = QHBoxLayout()
        second.addWidget(self.sign_in_button)
        self.grant_button = QPushButton("Client grant…")
        self.grant_button.setToolTip("Client credentials (a machine token) or token exchange "
                                     "(RFC 8693) for a client")
        self.grant_button.clicked.connect(self.client_grant)
        second.addWidget(self.grant_button)
        self.inspect_button = QPushButton("Open the access token in the Inspector")
        self.inspect_button.clicked.connect(self._inspect_access_token)
        second.addWidget(self.inspect_button)
        from .dpop_headers import copy_dpop_headers_button  # issue 18: DPoP-bound tokens

        self.dpop_button = copy_dpop_headers_button(self)  # issue 18
        second.addWidget(self.dpop_button)  # issue 18
        second.addStretch(1)
        row.addStretch(1)
        qa_line = QHBoxLayout()
        qa_line.addWidget(qa)
        qa_line.addStretch(1)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumHeight(10)
        self.progress_label = QLabel()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.controller.cancel)
        self.cancel_button.hide()
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_label)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        self.progress.hide()

        # The newest result as a summary card (its headline is the "Outcome"); the redacted
        # raw response is behind its toggle.
        self.card = ExchangeResultCard()
        self.outcome = self.card.headline
        self.result = self.card.raw
        self.history = QTreeWidget()
        self.history.setAccessibleName("Exchange history")
        # "New RT", not "Rotated": a new refresh token says nothing of whether the old one was
        # retired (the QA replay tells), as the card says
        self.history.setHeaderLabels(["When (UTC)", "Operation", "Status", "ms", "New RT",
                                      "Refresh token"])
        self.history.setRootIsDecorated(False)
        for column, width in enumerate((150, 80, 150, 50, 60)):
            self.history.setColumnWidth(column, width)
        self.history.currentItemChanged.connect(self._show_history_item)
        splitter = split(self.card, self.history, [620, 620])

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(row)
        layout.addLayout(second)
        layout.addLayout(qa_line)
        layout.addLayout(progress_row)
        layout.addWidget(splitter, 1)

        controller.started.connect(self._on_started)
        controller.finished.connect(self._on_finished)
        controller.failed.connect(self._on_failed)
        controller.history_ready.connect(self._on_history)
        controller.vault.names_listed.connect(self._on_listed)  # not the Vault's search
        controller.vault.clients_listed.connect(self._on_clients)
        controller.device_started.connect(self._on_device)
        controller.auto_refreshed.connect(self._on_auto_refreshed)
        self._clients: list[str] = []
        self._device_dialog: Any = None
        self._issued: str | None = None  # the token a client grant issued, for the Inspector

    # -- credentials --------------------------------------------------------------------------
    @Slot(object)
    def _on_listed(self, names: list[str]) -> None:
        current = self.credential.currentText()
        self.credential.blockSignals(True)
        self.credential.clear()
        self.credential.addItems(names)
        if current in names:
            self.credential.setCurrentText(current)
        self.credential.blockSignals(False)
        self._load_history(self.credential.currentText())

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.controller.vault.open()  # the credentials come from the Vault

    @Slot(object)
    def _on_clients(self, clients: list[Any]) -> None:
        self._clients = [c.name for c in clients]

    @Slot(str)
    def _load_history(self, name: str) -> None:
        if name != getattr(self, "_shown_for", name):
            # another credential: the last one's result is not this one's
            self.card.clear()
        self._shown_for = name
        if name:
            self.controller.history(name)

    # -- operations ---------------------------------------------------------------------------
    def _name(self) -> str | None:
        name = self.credential.currentText()
        if not name:
            self.status_message.emit("Pick a credential (store one in the Vault first).")
            return None
        return name

    def refresh(self) -> None:
        if name := self._name():
            self.controller.refresh(name, self.scope.text().strip() or None)

    def introspect(self) -> None:
        if name := self._name():
            self.controller.introspect(name)

    def userinfo(self) -> None:
        if name := self._name():
            self.controller.userinfo(name)

    def revoke(self) -> None:
        name = self._name()
        if name and self._confirm("Revoke", f"Revoke the refresh and access tokens of "
                                            f"“{name}” at the server? They stop working for "
                                            "whoever holds them."):
            self.controller.revoke(name)

    def replay(self) -> None:
        name = self._name()
        if name and not self.controller.can_replay(name):
            self.controller.explain_no_replay(name)  # refresh first, or sign in again
            return
        if name and self._confirm("Replay a used refresh token", REPLAY_WARNING):
            self.controller.replay_previous(name)

    def twice(self) -> None:
        name = self._name()
        if name and self._confirm("Refresh twice at once", TWICE_WARNING):
            self.controller.refresh_twice_at_once(name)

    def sign_in(self) -> None:
        from .signin import SignInDialog

        dialog = SignInDialog(self._clients, self)
        if dialog.exec():
            client, name = dialog.client.currentText(), dialog.name.text().strip()
            scope = dialog.scope.text().strip() or None
            if dialog.device.isChecked():
                self.controller.start_device(client, name, scope)
            else:
                self.controller.sign_in(client, name, scope)

    def client_grant(self) -> None:
        from .signin import ClientGrantDialog

        dialog = ClientGrantDialog(self._clients, self)
        if dialog.exec():
            self.controller.client_grant(
                dialog.client.currentText(),
                subject_token=dialog.subject.toPlainText().strip() or None,
                audience=dialog.audience.text().strip() or None,
                scope=dialog.scope.text().strip() or None)

    @Slot(object)
    def _on_device(self, device: Any) -> None:
        from .signin import DeviceCodeDialog

        self._device_dialog = DeviceCodeDialog(device, self)
        self._device_dialog.cancelled.connect(self.controller.cancel)
        self._device_dialog.show()

    def _inspect_access_token(self) -> None:
        issued = self._issued
        if issued:  # the token a client grant just issued
            self._issued = None
            self.inspect_requested.emit(issued)
            return
        name = self._name()
        vault = self.controller.vault.vault
        if not name or vault is None:
            return
        self.controller.tasks.submit(
            "exchange-inspect", lambda: vault.token(name, "access_token"),
            lambda token: self.inspect_requested.emit(token) if token else
            self.status_message.emit(f"{name} has no access token yet: refresh first"),
            lambda _e: self.status_message.emit("the access token could not be read"))

    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text, QMessageBox.StandardButton.Yes
                                      | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    # -- results ------------------------------------------------------------------------------
    @Slot(str)
    def _on_started(self, what: str) -> None:
        self.progress_label.setText(what)
        self.progress.show()
        self.cancel_button.setVisible("sign-in" in what.lower() or "approval" in what.lower())
        for button in self.buttons.values():
            button.setEnabled(False)

    def _done(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        if self._device_dialog is not None:
            self._device_dialog.accept()
            self._device_dialog = None
        self.progress_label.setText("")
        for button in self.buttons.values():
            button.setEnabled(True)

    @Slot(str, object)
    def _on_finished(self, operation: str, result: dict[str, Any]) -> None:
        self._done()
        summary = result.get("summary")
        if summary is None:
            summary = self._plain_summary(operation, result)
        self.card.show_summary(summary)
        self.status_message.emit(summary.headline)
        self.controller.vault.list()

    def _plain_summary(self, operation: str, result: dict[str, Any]) -> Any:
        """An exchange without a summary of its own: one sentence, the raw answer below."""
        from tokendesk.core.oauth.summary import INFO, OK, PROBLEM, Summary

        words = {"revoke": "Revoked", "introspect": "Introspected",
                 "userinfo": "Userinfo answered", "sign-in": "Signed in",
                 "device sign-in": "Signed in", "client grant": "Issued",
                 "refresh": "Refreshed", "replay": "Replayed",
                 "twice": "Refreshed twice"}[operation]
        detail, verdict, raw = "", OK, None
        if operation == "introspect":
            active = result["introspection"]["active"]
            detail = ": active" if active else ": INACTIVE — the server no longer accepts it"
            verdict, raw = (OK if active else PROBLEM), result["introspection"]
        elif operation == "revoke":
            detail, raw = ": " + "; ".join(result["report"]), result["report"]
        elif operation == "userinfo":
            raw = result["userinfo"]
        elif operation == "client grant":
            detail = f" by {result['grant']}: {result['response'].get('access_token')}"
            self._issued = self.controller.last_issued
            raw = result["response"]
        elif "signed_in" in result:
            signed = result["signed_in"]
            detail = f" as {signed['subject'] or '?'}; stored {signed['name']}"
            raw = signed
        else:
            verdict, raw = INFO, result
        return Summary(operation, "manual", verdict, words + detail, raw=raw,
                       name=self.credential.currentText())

    @Slot(object)
    def _on_auto_refreshed(self, summary: Any) -> None:
        """An auto-refresh ran: for the credential shown it is the newest result, so it
        replaces whatever the card showed (labelled "Auto-refresh")."""
        if summary.name == self.credential.currentText():
            self.card.show_summary(summary, source="auto")
            self.controller.history(summary.name)

    @Slot(str, str)
    def _on_failed(self, operation: str, message: str) -> None:
        self._done()
        self.card.show_failure(operation, message)
        self.status_message.emit(message)
        self.controller.vault.list()

    @Slot(str, object)
    def _on_history(self, name: str, rows: list[dict[str, Any]]) -> None:
        if name != self.credential.currentText():
            return
        from tokendesk.core.timefmt import format_utc

        self.history.clear()
        for row in rows:
            item = QTreeWidgetItem([
                format_utc(row["at"]).replace(" UTC", ""), row["operation"], row["status"],
                f"{row['duration_ms']:.0f}" if row["duration_ms"] is not None else "",
                "new" if row["rotated"] else "", f"{row['old_fp'] or ''} → {row['new_fp'] or ''}"
            ])
            item.setData(0, 256, json.dumps(row, default=str))
            self.history.addTopLevelItem(item)

    def _show_history_item(self, item: QTreeWidgetItem | None, _previous: Any) -> None:
        if item is not None:
            from tokendesk.core.oauth.summary import summarize_history

            self.card.show_summary(summarize_history(json.loads(item.data(0, 256))),
                                   source="history")
