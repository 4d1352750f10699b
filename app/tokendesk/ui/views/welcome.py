"""The first-run welcome: what is stored where, that nothing is sent without the user, and a
first client in the one client form (views/client_form.py): a provider preset, endpoints
fetched by discovery only when asked.

Skippable at every step; Help ▸ Welcome… opens it again. When the vault already holds clients
(made with the CLI, say), no first client is offered: the welcome names them instead.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .client_form import ClientForm
from .client_parts import grow_on_screen

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
        # closed, it goes: a client secret typed into it does not wait in a hidden widget
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(720)  # as the client dialog: endpoint URLs show whole
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
        self.existing = QLabel()
        self.existing.setAccessibleName("Existing clients")
        self.existing.setWordWrap(True)
        self.existing.hide()
        intro_layout.addWidget(self.existing)
        intro_layout.addStretch(1)
        self.skip = QPushButton("Skip")
        self.next = QPushButton("Add a first client…")
        self.next.setAccessibleName("Add a first client")
        self.next.setDefault(True)
        self.to_vault = QPushButton("Open the Vault")  # offered when there are clients already
        self.to_vault.setAccessibleName("Open the Vault")
        self.to_vault.hide()
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.skip)
        row.addWidget(self.to_vault)
        row.addWidget(self.next)
        intro_layout.addLayout(row)
        # page 2: a first client: the one client form, as the Vault and Support show it
        client_page = QWidget()
        page_layout = QVBoxLayout(client_page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        self.form = ClientForm(window.vault_controller)
        form = self.form
        # the fields tests and the screenshot script reach through the dialog
        self.provider, self.where, self.issuer = form.provider, form.where, form.issuer
        self.client_id, self.secret, self.name = form.client_id, form.secret, form.name
        self.fetch, self.message = form.fetch, form.error
        self.back = QPushButton("Back")
        self.later = QPushButton("Not now")
        self.add = QPushButton("Add client")
        self.add.setAccessibleName("Add client")
        self.add.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back)
        buttons.addStretch(1)
        buttons.addWidget(self.later)
        buttons.addWidget(self.add)
        page_layout.addWidget(form, 1)
        page_layout.addLayout(buttons)
        self.pages.addWidget(intro)
        self.pages.addWidget(client_page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

        self.skip.clicked.connect(self.finish)
        self.later.clicked.connect(self.finish)
        self.next.clicked.connect(self._to_form)
        self.to_vault.clicked.connect(self._open_vault)
        self.back.clicked.connect(lambda: self.pages.setCurrentIndex(0))
        self.add.clicked.connect(form.save)
        form.busy_changed.connect(lambda busy: self.add.setEnabled(not busy))
        form.saved.connect(self._added)
        form.resized.connect(self._fit)
        # the clients are listed on the task pool, now or once the vault has opened
        window.vault_controller.clients_listed.connect(self._on_clients)
        if vault is not None:
            window.vault_controller.list()

    @property
    def endpoints(self) -> QLabel:
        """What "Fetch endpoints" found, in words (each endpoint is in the form's section)."""
        return self.form.discovery

    @Slot(object)
    def _on_clients(self, clients: list[Any]) -> None:
        """The vault already has clients: no first client to add; say where they are."""
        if not clients or self.pages.currentIndex() != 0:
            return
        names = sorted(c.name for c in clients)
        shown = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
        count = len(names)
        self.existing.setText(f"<p>The vault already holds {count} client"
                              f"{'s' if count != 1 else ''} ({shown}): find "
                              f"{'them' if count != 1 else 'it'} in the <b>Vault</b> view, "
                              "with <b>Add client…</b> for more.</p>")
        self.existing.show()
        self.next.hide()
        self.next.setDefault(False)
        self.to_vault.show()
        self.skip.setText("Get started")
        self.skip.setDefault(True)

    @Slot()
    def _open_vault(self) -> None:
        self.finish()
        self.window_.show_view("Vault")

    @Slot()
    def _to_form(self) -> None:
        self.pages.setCurrentIndex(1)
        layout = self.layout()
        if layout is not None:
            layout.activate()
        self._fit()
        self.form.client_id.setFocus()

    @Slot()
    def _fit(self) -> None:
        """As tall as the form wants, as far as the screen goes (the intro page is shorter)."""
        grow_on_screen(self, self.form.height_wanted())

    @Slot(str)
    def _added(self, name: str) -> None:
        self.client_added.emit(name)
        self.finish()

    def finish(self) -> None:
        self.window_.settings.set("app/welcomed", True)
        self.window_.settings.sync()
        self.accept()
