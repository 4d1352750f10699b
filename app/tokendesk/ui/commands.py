"""What the window's menu entries do (the menus themselves are built by :mod:`.actions`).

A mixin of :class:`~tokendesk.ui.shell.MainWindow`: each method is a command a menu entry or a
test runs; the window provides the views, the controllers and the status bar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from .clipboard import SecretClipboard
    from .controllers.inspector import InspectorController
    from .controllers.vault import VaultController
    from .settings import Settings
    from .tasks import TaskRunner

__all__ = ["WindowCommands"]


class WindowCommands:
    """The Inspector's, the Tools' and the Help menu's commands."""

    if TYPE_CHECKING:  # provided by MainWindow
        inspector: Any
        settings: Settings
        clipboard: SecretClipboard
        tasks: TaskRunner
        session: Any
        inspector_controller: InspectorController
        vault_controller: VaultController
        tabs: Any

        def show_status(self, text: str) -> None: ...
        def view(self, name: str) -> Any: ...
        def show_view(self, name: str) -> Any: ...
        def network_settings(self) -> tuple[float, str | None]: ...

    def _widget(self) -> QWidget:
        """This window, as the parent of its dialogs."""
        assert isinstance(self, QWidget)
        return self

    # -- the Inspector ------------------------------------------------------------------------
    def paste_and_inspect(self) -> None:
        text = QGuiApplication.clipboard().text()
        self.show_view("Inspector")
        if not text.strip():
            self.show_status("The clipboard holds no text.")
            return
        self.inspector.set_text(text)

    def open_file(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self._widget(), "Open a token or response", "",
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
    def inspect_token(self, token: str) -> None:
        self.show_view("Inspector")
        self.inspector.set_text(token)

    def verify(self) -> None:
        self.show_view("Inspector")
        self.inspector.verify_panel.verify_button.click()

    def send_to_vault(self) -> None:
        """Offer what the Inspector shows to the Vault: a whole token response if that is what
        was pasted, else the current token (as a refresh token)."""
        token = self.inspector.token
        if token is None or not token.text:
            self.show_status("Paste a refresh token or a token response first.")
            return
        pasted = self.inspector.input.toPlainText().strip()
        prefill = pasted if pasted.startswith("{") else token.text
        self.show_view("Vault").add_credential(prefill)

    def pin_to_expiry(self) -> None:
        token = self.inspector.token
        if token is None or not token.text:
            self.show_status("Paste a token with an exp claim first.")
            return
        self.show_status(self.view("Expiry").pin(token))

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
        self.show_view("Inspector")
        self.inspector.decoded_tabs.setCurrentIndex(0)
        self.inspector.find_field.setFocus()
        self.inspector.find_field.selectAll()

    # -- Edit, Tools and Help -----------------------------------------------------------------
    def preferences(self) -> None:
        from .views.preferences import PreferencesDialog

        dialog = PreferencesDialog(self.settings, self._widget())
        if dialog.exec():
            self.inspector_controller._debounce.setInterval(
                self.settings.get("inspector/debounce_ms"))
            self.inspector.claims_model.set_show_local(
                self.settings.get("inspector/show_local_time"))
            self.clipboard.clear_after_ms = self.settings.get("clipboard/clear_after_s") * 1000
            self.vault_controller.auto_lock_s = self.settings.get("vault/auto_lock_min") * 60
            from tokendesk.core.session import NetworkSettings

            # every later request (refresh, revoke, sign-in, support) uses the new settings
            self.session.configure_network(NetworkSettings(*self.network_settings()))
            self.inspector_controller.configure_network(*self.network_settings())
            self.show_status("Preferences saved.")

    def compare(self) -> None:
        from .views.compare import CompareDialog

        token = self.inspector.token
        CompareDialog(token.text if token else "", self._widget()).exec()

    def encode(self) -> None:
        from .views.encode import EncodeDialog

        token = self.inspector.token
        dialog = EncodeDialog(token.text if token and token.header else "", self._widget())
        dialog.token_made.connect(self.inspect_token)  # the Inspector comes to the front
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
                self._widget(), "Decrypt the JWE", "Your private key (PEM or JWK), or the "
                "shared key as a JWK; it stays in this window:")
            if not ok or not key_text.strip():
                return
        text, key = token.text, key_text

        def work() -> Any:
            from tokendesk.core.tokens.jwe import decrypt, load_decryption_key

            return decrypt(text, load_decryption_key(key))

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
        dialog = WelcomeDialog(self._widget())
        dialog.client_added.connect(
            lambda name: self.show_status(f"Added the client {name}: sign in with it in the "
                                          "Exchange view, or store a token for it in the Vault."))
        dialog.exec()

    def choose_columns(self) -> None:
        """The column menu of the current view's table (the focused one, else the first)."""
        from PySide6.QtWidgets import QApplication

        from .widgets.columns import fitter_of

        view: QWidget = self.tabs.currentWidget()
        focus = QApplication.focusWidget()
        candidates = ([focus] if focus is not None and view.isAncestorOf(focus) else []) + [
            w for w in view.findChildren(QWidget) if fitter_of(w) is not None and w.isVisible()]
        fitter = next((f for f in map(fitter_of, candidates) if f is not None), None)
        if fitter is None:
            self.show_status("This view has no table whose columns can be chosen.")
            return
        fitter.popup_menu()

    def show_shortcuts(self) -> None:
        from .views.shortcuts import ShortcutsDialog

        ShortcutsDialog(self).exec()

    def about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        from .desktop import about_text

        QMessageBox.about(self._widget(), "About Tokendesk", about_text())
