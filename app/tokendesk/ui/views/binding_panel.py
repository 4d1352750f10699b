"""The Inspector's "Binding" tab (issue 18): what the token shown is bound to, and checks.

* For any token: its ``cnf`` in words ("bound to DPoP key thumbprint …", "bound to client
  certificate thumbprint …", "not bound: a bearer token"), and a box to compare it with a DPoP
  proof, a key (JWK or PEM) or a certificate (PEM).
* For a DPoP proof: the request it should go with (method, URL), the access token sent beside
  it and the server's nonce (both optional), and the proof checked on its own against them
  with the Inspector's clock (RFC 9449 §4.3).

The checks are the core's (``tokens.dpop_check``, ``tokens.binding``): pure, offline, a few
milliseconds, so they run on the GUI thread when a button is pressed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from tokendesk.core import DecodedToken

__all__ = ["BindingPanel"]

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def _label(name: str) -> QLabel:
    label = QLabel()
    label.setAccessibleName(name)
    label.setWordWrap(True)
    label.setProperty("textInteractionFlags", 1)  # selectable by mouse
    return label


def _lines(verdict: str, reason: str, checks: Any) -> str:
    rows = [f"{verdict}: {reason}"]
    for check in checks:
        mark = "—" if not check.checked else "✔" if check.passed else "✘"
        rows.append(f"{mark} {check.name}: {check.reason}")
    return "\n".join(rows)


class BindingPanel(QWidget):
    def __init__(self, clock: Callable[[], float] = time.time,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Binding")
        self.clock = clock
        self._text = ""
        self.summary = _label("Bound to")

        # -- a DPoP proof, checked on its own --
        self.proof_box = QWidget()
        form = QFormLayout(self.proof_box)
        form.setContentsMargins(0, 0, 0, 0)
        self.method = QComboBox()
        self.method.setEditable(True)
        self.method.addItems(_METHODS)
        self.method.setAccessibleName("Proof method")
        self.url = QLineEdit()
        self.url.setAccessibleName("Proof URL")
        self.url.setPlaceholderText("https://api.example/resource (the request's URL)")
        self.access_token = QLineEdit()
        self.access_token.setAccessibleName("Proof access token")
        self.access_token.setEchoMode(QLineEdit.EchoMode.Password)
        self.access_token.setPlaceholderText("the access token sent with it (optional: ath)")
        self.nonce = QLineEdit()
        self.nonce.setAccessibleName("Proof nonce")
        self.nonce.setPlaceholderText("the server's DPoP-Nonce (optional)")
        self.check_button = QPushButton("Check the proof")
        self.check_button.setAccessibleName("Check proof")
        self.check_button.clicked.connect(self.check_proof)
        self.proof_verdict = _label("Proof verdict")
        form.addRow("Method", self.method)
        form.addRow("URL", self.url)
        form.addRow("Access token", self.access_token)
        form.addRow("Nonce", self.nonce)
        form.addRow(self.check_button)
        form.addRow(self.proof_verdict)

        # -- the token's cnf against a proof, key or certificate --
        self.compare_with = QPlainTextEdit()
        self.compare_with.setAccessibleName("Compare with")
        self.compare_with.setPlaceholderText("Paste a DPoP proof, a public key (JWK or PEM) or "
                                             "a client certificate (PEM)")
        self.compare_with.setMaximumHeight(110)
        self.compare_button = QPushButton("Compare the token's binding")
        self.compare_button.setAccessibleName("Compare binding")
        self.compare_button.clicked.connect(self.compare)
        self.binding_verdict = _label("Binding verdict")
        row = QHBoxLayout()
        row.addWidget(self.compare_button)
        row.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.proof_box)
        layout.addWidget(QLabel("Compare the token's cnf with"))
        layout.addWidget(self.compare_with)
        layout.addLayout(row)
        layout.addWidget(self.binding_verdict)
        layout.addStretch(1)
        self.set_token(None)

    @Slot(object)
    def set_token(self, token: DecodedToken | None) -> None:
        """Follow the Inspector's token (the controller's ``decoded`` signal)."""
        text = token.text if token is not None else ""
        if text == self._text:
            return
        self._text = text
        self.proof_verdict.setText("")
        self.binding_verdict.setText("")
        if token is None or not text or token.claims is None:
            self.summary.setText("Paste a token: what it is bound to (its cnf) shows here.")
            self.proof_box.hide()
            return
        from tokendesk.core.tokens.model import TokenKind

        is_proof = token.kind is TokenKind.DPOP_PROOF
        self.proof_box.setVisible(is_proof)
        if is_proof:
            from tokendesk.core.errors import TokendeskError
            from tokendesk.core.tokens.binding import jwk_thumbprint

            jwk = (token.header or {}).get("jwk")
            try:
                jkt = jwk_thumbprint(jwk) if isinstance(jwk, dict) else None
            except TokendeskError:
                jkt = None
            htu = token.claims.get("htu")
            if isinstance(htu, str) and not self.url.text():
                self.url.setText(htu)
            htm = token.claims.get("htm")
            if isinstance(htm, str):
                self.method.setCurrentText(htm)
            self.summary.setText("A DPoP proof" + (f", made with key thumbprint {jkt}" if jkt
                                                   else " whose key cannot be read")
                                 + ": check it against the request it came with.")
            return
        from tokendesk.core.tokens.binding import confirmation

        words = confirmation(token.claims).describe()
        self.summary.setText(words[:1].upper() + words[1:])

    @Slot()
    def check_proof(self) -> None:
        from tokendesk.core.errors import TokendeskError
        from tokendesk.core.tokens.dpop_check import check_proof

        if not self._text:
            return
        try:
            result = check_proof(self._text, method=self.method.currentText(),
                                 url=self.url.text().strip(), now=self.clock(),
                                 access_token=self.access_token.text().strip() or None,
                                 nonce=self.nonce.text().strip() or None)
        except TokendeskError as exc:  # pragma: no cover - check_proof never raises
            self.proof_verdict.setText(exc.message)
            return
        self.proof_verdict.setText(_lines(result.verdict, result.reason, result.checks))

    @Slot()
    def compare(self) -> None:
        from tokendesk.core.tokens.binding import check_binding

        given = self.compare_with.toPlainText().strip()
        if not self._text or not given:
            self.binding_verdict.setText("Paste a proof, a key or a certificate first.")
            return
        if "BEGIN CERTIFICATE" in given:
            result = check_binding(self._text, certificate=given)
        elif given.count(".") == 2 and not given.startswith(("{", "-")):
            result = check_binding(self._text, proof=given)
        else:
            result = check_binding(self._text, key=given)
        self.binding_verdict.setText(_lines(result.verdict, result.reason, result.checks))
