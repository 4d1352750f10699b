"""The Exchange view's "Copy DPoP headers…" (issue 18): for the credential shown, the two
headers of a request to an API with its DPoP-bound access token, ``Authorization: DPoP …`` and
``DPoP: <proof with ath>``, for the method and URL the person gives, copied as a secret (marked
concealed for clipboard managers, cleared after a while if still there).

The work (maybe a refresh first, a keyring read, a signature) runs on the task pool under the
credential's own key: work with side effects is never dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from ..clipboard import SecretClipboard

if TYPE_CHECKING:
    from .exchange import ExchangeView

__all__ = ["DpopHeadersDialog", "copy_dpop_headers_button"]

#: Seconds a copied proof stays on the clipboard: a proof is for one request, made now.
CLEAR_AFTER_S = 60


class DpopHeadersDialog(QDialog):
    """Which request the proof is for."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"DPoP headers for {name}")
        self.method = QComboBox()
        self.method.setEditable(True)
        self.method.addItems(["GET", "POST", "PUT", "PATCH", "DELETE"])
        self.method.setAccessibleName("Method")
        self.url = QLineEdit()
        self.url.setAccessibleName("URL")
        self.url.setPlaceholderText("https://api.example/me")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Method", self.method)
        form.addRow("URL", self.url)
        form.addRow(self.buttons)


def copy_dpop_headers_button(view: ExchangeView) -> QPushButton:
    """The button (added by the Exchange view next to its other actions)."""
    button = QPushButton("Copy DPoP headers…")
    button.setAccessibleName("Copy DPoP headers")
    button.setToolTip("The Authorization and DPoP headers of a request to your API with this "
                      "credential's DPoP-bound access token (a proof for that request only)")
    clipboard = SecretClipboard(CLEAR_AFTER_S * 1000, view)
    button.clicked.connect(lambda: _copy(view, clipboard))
    return button


def _copy(view: ExchangeView, clipboard: SecretClipboard) -> None:
    name = view.credential.currentText()
    if not name:
        view.status_message.emit("Pick a credential (store one in the Vault first).")
        return
    dialog = DpopHeadersDialog(name, view)
    if not dialog.exec():
        return
    method, url = dialog.method.currentText().strip().upper(), dialog.url.text().strip()
    if not url:
        view.status_message.emit("Give the URL the request goes to: the proof is for it only.")
        return
    controller = view.controller

    def work() -> dict[str, str]:
        from tokendesk.core.oauth.senders import resource_headers

        headers: dict[str, str] = resource_headers(controller.exchange(), name, method, url,
                                                   margin=60.0)
        return headers

    def done(headers: dict[str, str]) -> None:
        clipboard.copy_secret("".join(f"{k}: {v}\n" for k, v in headers.items()))
        view.status_message.emit(f"Copied the DPoP headers of {name} for {method} {url} "
                                 f"(cleared from the clipboard in {CLEAR_AFTER_S} s)")

    def failed(exc: BaseException) -> None:
        message: Any = getattr(exc, "message", None) or type(exc).__name__
        view.status_message.emit(f"No DPoP headers for {name}: {message}")

    controller.tasks.submit(f"dpop-headers:{name}", work, done, failed, keep=True)
