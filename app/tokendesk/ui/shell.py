"""The main window: navigation between the views, menus with shortcuts, status bar."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QByteArray, QTimer, Slot, qVersion
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QTabWidget, QWidget

from tokendesk import __version__

from .clipboard import SecretClipboard
from .controllers.exchange import ExchangeController
from .controllers.inspector import InspectorController
from .controllers.vault import VaultController
from .settings import Settings
from .tasks import Pool, TaskRunner
from .views.inspector import InspectorView

__all__ = ["MainWindow"]

VIEWS = ("Inspector", "Vault", "Exchange", "Expiry", "Support")


class MainWindow(QMainWindow):
    """The composition root of the GUI: builds the controllers and hands them to the views."""

    def __init__(self, *, settings: Settings | None = None, pool: Pool | None = None,
                 clock: Callable[[], float] = time.time,
                 store_factory: Callable[[Any], Any] | None = None,
                 defer_hidden_views: bool = False, session: Any = None) -> None:
        """``defer_hidden_views``: build the Vault and Exchange views (hidden tabs) only after
        the window's first paint, or when first shown (the app does; tests and
        ``create_main_window()`` get every view at once). The app then calls
        :meth:`start_background`: the vault opens and the expiry duties run from the start,
        whatever tab shows."""
        super().__init__()
        self.settings = settings or Settings()
        from tokendesk.core.session import NetworkSettings, Session

        self.session = session or Session(store_factory=store_factory, clock=clock,
                                          network=NetworkSettings(*self._network_settings()))
        self.setWindowTitle("Tokendesk")
        QTimer.singleShot(0, lambda: self.setWindowIcon(app_icon()))  # after the first paint
        self.tasks = TaskRunner(pool, self)
        self.clipboard = SecretClipboard(self.settings.get("clipboard/clear_after_s") * 1000, self)
        self.inspector_controller = InspectorController(
            self.tasks, clock=clock, debounce_ms=self.settings.get("inspector/debounce_ms"),
            network_timeout=float(self.settings.get("network/timeout_s")),
            ca_bundle=self.settings.get("network/ca_bundle") or None, parent=self)
        self.inspector = InspectorView(self.inspector_controller, clock)
        self.inspector.show_local_time = self.settings.get("inspector/show_local_time")
        self.inspector.verify_panel.leeway.setValue(self.settings.get("inspector/leeway_s"))

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.vault_controller = VaultController(self.tasks, self.session, clock=clock,
                                                parent=self)
        self.vault_controller.auto_lock_s = self.settings.get("vault/auto_lock_min") * 60
        self.tabs.addTab(self.inspector, "Inspector")
        self.exchange_controller = ExchangeController(self.tasks, self.vault_controller,
                                                      self.session, parent=self)
        self.expiry_controller: Any = None  # built with the first paint (finish_startup)
        self._vault_view: Any = None
        self._exchange_view: Any = None
        self.tabs.addTab(QWidget(), "Vault")
        self.tabs.addTab(QWidget(), "Exchange")
        self.tabs.addTab(QWidget(), "Expiry")
        self.tabs.addTab(QWidget(), "Support")
        self._clock = clock
        self._expiry_view: Any = None
        self._support_view: Any = None
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.setCentralWidget(self.tabs)

        self.status_text = QLabel("Ready. Nothing leaves this machine unless you ask.")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.hide()
        self.statusBar().addWidget(self.status_text, 1)
        self.statusBar().addPermanentWidget(self.busy)
        self.inspector.status_message.connect(self.show_status)
        self.inspector.status_retracted.connect(self.retract_status)
        self.vault_controller.clients_listed.connect(
            self.inspector_controller.set_vault_clients)  # their issuers are trusted
        self.tasks.busy_changed.connect(self.busy.setVisible)

        self._pending_shortcuts: list[tuple[QAction, Any]] = []
        self._build_menus()
        if not defer_hidden_views:
            self.finish_startup()
            self.build_hidden_views()
        self.resize(1280, 820)
        geometry = self.settings.geometry("main")
        if geometry is not None:
            self.restoreGeometry(geometry)
        splitter = self.settings.geometry("inspector_splitter")
        if splitter is not None:
            self.inspector.splitter.restoreState(splitter)

    # -- the views behind hidden tabs ---------------------------------------------------------
    def build_hidden_views(self) -> None:
        """Build the Vault and Exchange views (once)."""
        if self._vault_view is not None:
            return
        from .controllers.support import SupportController
        from .views.exchange import ExchangeView
        from .views.expiry import ExpiryView
        from .views.support import SupportView
        from .views.vault import VaultView

        current = self.tabs.currentIndex()
        self.tabs.blockSignals(True)
        self._vault_view = VaultView(self.vault_controller, self.clipboard)
        self._exchange_view = ExchangeView(self.exchange_controller)
        self._expiry_view = ExpiryView(self._ensure_expiry_controller())
        self.support_controller = SupportController(self.tasks, self.vault_controller,
                                                    self.exchange_controller, parent=self)
        self._support_view = SupportView(self.support_controller)
        for index, view, name in ((1, self._vault_view, "Vault"),
                                  (2, self._exchange_view, "Exchange"),
                                  (3, self._expiry_view, "Expiry"),
                                  (4, self._support_view, "Support")):
            placeholder = self.tabs.widget(index)
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, view, name)
            if placeholder is not None:
                placeholder.deleteLater()
        self.tabs.setCurrentIndex(current)
        self.tabs.blockSignals(False)
        self._vault_view.status_message.connect(self.show_status)
        self._exchange_view.status_message.connect(self.show_status)
        self._exchange_view.inspect_requested.connect(self._inspect_token)
        self._support_view.status_message.connect(self.show_status)
        self._ensure_tray()

    @property
    def vault_view(self) -> Any:
        self.build_hidden_views()
        return self._vault_view

    @property
    def exchange_view(self) -> Any:
        self.build_hidden_views()
        return self._exchange_view

    @property
    def expiry_view(self) -> Any:
        self.build_hidden_views()
        return self._expiry_view

    @property
    def support_view(self) -> Any:
        self.build_hidden_views()
        return self._support_view

    @Slot(str)
    def _warn(self, message: str) -> None:
        """A warning about a token's expiry: the status bar, and the desktop if it can."""
        self.show_status(message)
        tray = self._ensure_tray()
        if tray is not None:
            from PySide6.QtWidgets import QSystemTrayIcon

            tray.showMessage("Tokendesk", message, QSystemTrayIcon.MessageIcon.Warning, 10_000)

    def _ensure_tray(self) -> Any:
        """The tray icon (where the desktop has a tray): the warnings appear there."""
        from PySide6.QtWidgets import QMenu, QSystemTrayIcon

        if not QSystemTrayIcon.isSystemTrayAvailable():
            return None
        if getattr(self, "_tray", None) is None:
            self._tray = QSystemTrayIcon(app_icon(), self)
            self._tray.setToolTip("Tokendesk: token expiry warnings")
            menu = QMenu(self)
            menu.addAction("Show Tokendesk", self._raise_window)
            menu.addAction("Expiry", self._show_expiry)
            menu.addSeparator()
            menu.addAction("Quit", self.close)
            self._tray.setContextMenu(menu)
            self._tray.activated.connect(lambda _reason: self._raise_window())
            self._tray.show()
        return self._tray

    def _show_expiry(self) -> None:
        self._raise_window()
        self.tabs.setCurrentIndex(3)

    def _raise_window(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    @Slot(int)
    def _on_tab_changed(self, index: int) -> None:
        if index in (1, 2, 3, 4) and self._vault_view is None:
            self.build_hidden_views()
            self.tabs.setCurrentIndex(index)

    # -- menus ----------------------------------------------------------------------------------
    def _action(self, menu: object, text: str, slot: Callable[[], object],
                shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
                tip: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            # set after the first paint: building a QKeySequence makes PySide6 build its Qt
            # enum namespace (tens of ms), which the first paint must not wait for
            self._pending_shortcuts.append((action, shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)  # type: ignore[attr-defined]
        return action

    def finish_startup(self) -> None:
        """What waits for the first paint (the app calls this right after it; a window built
        with every view at once calls it at once): the Inspector's models, the shortcuts and
        the Expiry controller."""
        self._ensure_expiry_controller()
        self.inspector.finish_setup()
        for action, shortcut in self._pending_shortcuts:
            sequence = QKeySequence(shortcut)
            if sequence.isEmpty() and shortcut == QKeySequence.StandardKey.Preferences:
                sequence = QKeySequence("Ctrl+,")  # desktops without a standard one
            action.setShortcut(sequence)
        self._pending_shortcuts.clear()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&Paste and inspect", self.paste_and_inspect, "Ctrl+Shift+V",
                     "Replace the input with the clipboard and decode it")
        self._action(file_menu, "&Open file…", self.open_file, QKeySequence.StandardKey.Open)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        edit = bar.addMenu("&Edit")
        self._action(edit, "Copy &token", self.copy_token, "Ctrl+Shift+C",
                     "Copy the token (cleared from the clipboard after a while)")
        self._action(edit, "Copy &header JSON", self.copy_header)
        self._action(edit, "Copy &claims JSON", self.copy_claims)
        edit.addSeparator()
        self._action(edit, "&Find claim", self.find_claim, QKeySequence.StandardKey.Find)
        self._action(edit, "&Verify", self.inspector.verify_panel.verify_button.click,
                     "Ctrl+Return")
        self._action(edit, "&Store in the Vault…", self.send_to_vault, "Ctrl+S",
                     "Store the refresh token (or token response) shown in the Inspector")
        self._action(edit, "P&in to Expiry", self.pin_to_expiry, "Ctrl+Shift+P",
                     "Watch this token's expiry in the Expiry view (the token is not stored)")
        edit.addSeparator()
        self._action(edit, "&Preferences…", self.preferences, QKeySequence.StandardKey.Preferences)

        tools = bar.addMenu("&Tools")
        self._action(tools, "&Compare two tokens…", self.compare, "Ctrl+D")
        self._action(tools, "&Encode / edit and re-sign…", self.encode, "Ctrl+E")
        self._action(tools, "&Decrypt the JWE…", self.decrypt, "Ctrl+Shift+D",
                     "Decrypt the Inspector's encrypted token with your key; a nested signed "
                     "token then opens in the Inspector, ready to verify")

        view = bar.addMenu("&View")
        for i, name in enumerate(VIEWS):
            self._action(view, name, partial(self.tabs.setCurrentIndex, i), f"Ctrl+{i + 1}")

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Welcome and first client…", self.welcome)
        self._action(help_menu, "&About Tokendesk", self.about)

    # -- actions --------------------------------------------------------------------------------
    @Slot(str)
    def show_status(self, text: str) -> None:
        self.status_text.setText(text)

    @Slot(str)
    def retract_status(self, text: str) -> None:
        """A view's message no longer holds (its token changed): clear it if still shown."""
        if self.status_text.text() == text:
            self.status_text.setText("")

    def paste_and_inspect(self) -> None:
        text = QGuiApplication.clipboard().text()
        self.tabs.setCurrentWidget(self.inspector)
        if not text.strip():
            self.show_status("The clipboard holds no text.")
            return
        self.inspector.set_text(text)

    def open_file(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self, "Open a token or response", "",
                                              "Text (*.txt *.json *.jwt *.log);;All files (*)")
        if path:
            self.inspector.input.load_file(path)

    def copy_token(self) -> None:
        token = self.inspector.token
        if token is None or not token.text:
            self.show_status("Nothing to copy.")
            return
        self.clipboard.copy_secret(token.text)
        delay = self.clipboard.clear_after_ms // 1000
        self.show_status("Token copied" + (f"; the clipboard is cleared in {delay} s if it "
                                           "still holds it." if delay else "."))

    @Slot(str)
    def _inspect_token(self, token: str) -> None:
        self.tabs.setCurrentWidget(self.inspector)
        self.inspector.set_text(token)

    def send_to_vault(self) -> None:
        """Offer what the Inspector shows to the Vault: a whole token response if that is what
        was pasted, else the current token (as a refresh token)."""
        token = self.inspector.token
        if token is None or not token.text:
            self.show_status("Paste a refresh token or a token response first.")
            return
        pasted = self.inspector.input.toPlainText().strip()
        prefill = pasted if pasted.startswith("{") else token.text
        self.tabs.setCurrentWidget(self.vault_view)
        self.vault_view.add_credential(prefill)

    def pin_to_expiry(self) -> None:
        token = self.inspector.token
        if token is None or not token.text:
            self.show_status("Paste a token with an exp claim first.")
            return
        self.show_status(self.expiry_view.pin(token))

    def copy_header(self) -> None:
        text = self.inspector.header_json()
        if text is None:
            self.show_status("No header to copy.")
        else:
            self.clipboard.copy_plain(text)
            self.show_status("Header JSON copied.")

    def copy_claims(self) -> None:
        text = self.inspector.claims_json()
        if text is None:
            self.show_status("No claims to copy.")
        else:
            self.clipboard.copy_plain(text)
            self.show_status("Claims JSON copied.")

    def find_claim(self) -> None:
        self.tabs.setCurrentWidget(self.inspector)
        self.inspector.decoded_tabs.setCurrentIndex(0)
        self.inspector.find_field.setFocus()
        self.inspector.find_field.selectAll()

    def preferences(self) -> None:
        from .views.preferences import PreferencesDialog

        dialog = PreferencesDialog(self.settings, self)
        if dialog.exec():
            self.inspector_controller._debounce.setInterval(
                self.settings.get("inspector/debounce_ms"))
            self.inspector.claims_model.set_show_local(
                self.settings.get("inspector/show_local_time"))
            self.clipboard.clear_after_ms = self.settings.get("clipboard/clear_after_s") * 1000
            self.vault_controller.auto_lock_s = self.settings.get("vault/auto_lock_min") * 60
            from tokendesk.core.session import NetworkSettings

            # every later request (refresh, revoke, sign-in, support) uses the new settings
            self.session.configure_network(NetworkSettings(*self._network_settings()))
            self.inspector_controller.configure_network(*self._network_settings())
            self.show_status("Preferences saved.")

    def compare(self) -> None:
        from .views.compare import CompareDialog

        token = self.inspector.token
        CompareDialog(token.text if token else "", self).exec()

    def encode(self) -> None:
        from .views.encode import EncodeDialog

        token = self.inspector.token
        dialog = EncodeDialog(token.text if token and token.header else "", self)
        dialog.token_made.connect(self.inspector.set_text)
        dialog.exec()

    def decrypt(self, key_text: str | None = None) -> None:
        """Decrypt the Inspector's JWE (off the GUI thread); a nested JWT (a signed token
        inside) replaces it in the Inspector, so verifying it is the next step."""
        token = self.inspector.token
        if token is None or token.format != "jwe":
            self.show_status("Paste an encrypted token (JWE) first.")
            return
        if key_text is None:
            from PySide6.QtWidgets import QInputDialog

            key_text, ok = QInputDialog.getMultiLineText(
                self, "Decrypt the JWE", "Your private key (PEM or JWK), or the shared key "
                "as a JWK; it stays in this window:")
            if not ok or not key_text.strip():
                return
        text = token.text

        def work() -> Any:
            from tokendesk.core.tokens.jwe import decrypt, load_decryption_key

            return decrypt(text, load_decryption_key(key_text))

        def done(result: Any) -> None:
            inner = result.text
            if inner is not None and inner.strip().count(".") == 2:
                self.inspector.set_text(inner.strip())
                self.show_status("Decrypted: the signed token inside is shown; verify it with "
                                 "its signer's key.")
            else:
                self.show_status("Decrypted: " + (inner[:200] if inner is not None else
                                                  f"{len(result.plaintext)} bytes, not text"))

        def failed(exc: BaseException) -> None:
            from tokendesk.core.errors import TokendeskError

            self.show_status("Not decrypted: " + (exc.message if isinstance(exc, TokendeskError)
                                                  else type(exc).__name__))

        self.tasks.submit("decrypt", work, done, failed)

    def welcome(self) -> None:
        """The first-run welcome (also in Help): where things are stored, and a first client."""
        from .views.welcome import WelcomeDialog

        self.vault_controller.open()
        dialog = WelcomeDialog(self)
        dialog.client_added.connect(
            lambda name: self.show_status(f"Added the client {name}: sign in with it in the "
                                          "Exchange view, or store a token for it in the Vault."))
        dialog.exec()

    def about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(self, "About Tokendesk", about_text())

    # -- lifecycle ------------------------------------------------------------------------------
    def _ensure_expiry_controller(self) -> Any:
        if self.expiry_controller is None:
            from .controllers.expiry import ExpiryController

            self.expiry_controller = ExpiryController(
                self.vault_controller, self.exchange_controller, self.session, self._clock,
                self.settings, parent=self)
            self.expiry_controller.status_message.connect(self.show_status)
            self.expiry_controller.warned.connect(self._warn)
        return self.expiry_controller

    def start_background(self) -> None:
        """The app's background duties, from the start and whatever tab shows: open the vault
        (the Expiry rows load when it opens), then countdowns, warnings and auto-refresh."""
        self.finish_startup()
        self.expiry_controller.start()

    def _network_settings(self) -> tuple[float, str | None]:
        return (float(self.settings.get("network/timeout_s")),
                self.settings.get("network/ca_bundle") or None)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self.tasks.side_effects_running:
            # a refresh in flight: its answer may carry a rotated refresh token, which must be
            # stored before the vault closes (the server has already retired the old one)
            self.exchange_controller.cancel()  # a sign-in waiting for the browser gives up
            if self.expiry_controller is not None:
                self.expiry_controller.stop()  # and no new auto-refresh starts
            self.show_status("Closing once the exchanges still running have finished and "
                             "stored what the server answered…")
            if not getattr(self, "_closing", False):
                self._closing = True
                self.tasks.busy_changed.connect(self._close_when_done)
            event.ignore()
            return
        self.settings.set_geometry("main", self.saveGeometry())
        self.settings.set_geometry("inspector_splitter",
                                   QByteArray(self.inspector.splitter.saveState()))
        self.settings.sync()
        self.clipboard.clear_now()
        self.inspector_controller.shutdown()
        self.exchange_controller.shutdown()
        if self.expiry_controller is not None:
            self.expiry_controller.stop()
        self.tasks.finished_all.connect(self.session.close)  # once running work has reported
        self.tasks.close_when_idle()
        super().closeEvent(event)

    @Slot(bool)
    def _close_when_done(self, _busy: bool) -> None:
        if not self.tasks.side_effects_running:
            self.close()

    def prefetch(self) -> None:
        """After the first paint: load the verification modules in the background, so the
        first Verify click does not wait for cryptography to import."""

        def warm() -> None:
            import tokendesk.core  # noqa: F401
            import tokendesk.core.tokens.claims  # noqa: F401
            import tokendesk.core.tokens.verify  # noqa: F401

        self.tasks.submit("prefetch", warm, lambda _result: None, lambda _exc: None)


def app_icon() -> QIcon:
    from pathlib import Path

    icon = QIcon()
    here = Path(__file__).resolve()
    base = here.parent / "icons"  # installed copies
    if not base.is_dir():
        base = here.parents[3] / "resources" / "icons"  # running from the source tree
    for size in (16, 24, 32, 48, 64, 128, 256):
        png = base / f"tokendesk-{size}.png"
        if png.exists():
            icon.addFile(str(png))
    svg = base / "tokendesk.svg"
    if svg.exists():
        icon.addFile(str(svg))
    return icon


def about_text() -> str:
    import platform
    from importlib.metadata import PackageNotFoundError, version

    def ver(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    return (f"<h3>Tokendesk {__version__}</h3>"
            "<p>A workbench for OAuth and JWT tokens: inspect, verify, store, refresh and watch "
            "them expire. Nothing leaves this machine unless you ask for a network call.</p>"
            f"<p>Python {platform.python_version()} · Qt {qVersion()} · PySide6 {pyside_version}"
            f"<br>cryptography {ver('cryptography')} · PyJWT {ver('PyJWT')} · "
            f"httpx {ver('httpx')} · keyring {ver('keyring')}</p>"
            f"<p>{sys.platform}</p>")

