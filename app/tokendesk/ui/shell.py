"""The main window: the composition root of the GUI. It builds the controllers, the views from
:data:`~tokendesk.ui.navigation.VIEWS`, the menus (:mod:`.actions`, commands in
:mod:`.commands`), the status bar, and runs the window's life: start-up after the first paint,
background duties, closing once running exchanges have stored what they were answered."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QTimer, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QTabWidget, QWidget

from .actions import MenuBuilder
from .clipboard import SecretClipboard
from .commands import WindowCommands
from .controllers.exchange import ExchangeController
from .controllers.inspector import InspectorController
from .controllers.vault import VaultController
from .desktop import about_text, app_icon, tray_for
from .navigation import VIEWS
from .settings import Settings
from .tasks import Pool, TaskRunner

__all__ = ["MainWindow", "about_text", "app_icon"]


class MainWindow(WindowCommands, QMainWindow):
    """The composition root of the GUI: builds the controllers and hands them to the views."""

    def __init__(self, *, settings: Settings | None = None, pool: Pool | None = None,
                 clock: Callable[[], float] = time.time,
                 store_factory: Callable[[Any], Any] | None = None,
                 defer_hidden_views: bool = False, session: Any = None) -> None:
        """``defer_hidden_views``: build the views behind hidden tabs only after the window's
        first paint, or when first shown (the app does; tests and ``create_main_window()``
        get every view at once). The app then calls :meth:`start_background`: the vault opens
        and the expiry duties run from the start, whatever tab shows."""
        super().__init__()
        self.settings = settings or Settings()
        from tokendesk.core.session import NetworkSettings, Session

        self.session = session or Session(store_factory=store_factory, clock=clock,
                                          network=NetworkSettings(*self.network_settings()))
        self.setWindowTitle("Tokendesk")
        QTimer.singleShot(0, lambda: self.setWindowIcon(app_icon()))  # after the first paint
        self.clock = clock
        self.tasks = TaskRunner(pool, self)
        self.clipboard = SecretClipboard(self.settings.get("clipboard/clear_after_s") * 1000, self)
        self.inspector_controller = InspectorController(
            self.tasks, clock=clock, debounce_ms=self.settings.get("inspector/debounce_ms"),
            network_timeout=float(self.settings.get("network/timeout_s")),
            ca_bundle=self.settings.get("network/ca_bundle") or None, parent=self)
        self.vault_controller = VaultController(self.tasks, self.session, clock=clock,
                                                parent=self)
        self.vault_controller.auto_lock_s = self.settings.get("vault/auto_lock_min") * 60
        self.exchange_controller: ExchangeController = ExchangeController(self.tasks, self.vault_controller,
                                                      self.session, parent=self)
        self.expiry_controller: Any = None  # built with the first paint (finish_startup)
        self.support_controller: Any = None  # built with the Support view

        self.status_text = QLabel("Ready. Nothing leaves this machine unless you ask.")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.hide()
        self.statusBar().addWidget(self.status_text, 1)
        self.statusBar().addPermanentWidget(self.busy)
        self.tasks.busy_changed.connect(self.busy.setVisible)

        #: Each view by name once built (None until then: a placeholder holds its tab).
        self.views: dict[str, Any] = {}
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for spec in VIEWS:
            view = self._build(spec) if spec.eager else None
            self.views[spec.name] = view
            self.tabs.addTab(view if view is not None else QWidget(), spec.name)
        self.inspector = self.views["Inspector"]
        self.vault_controller.clients_listed.connect(
            self.inspector_controller.set_vault_clients)  # their issuers are trusted
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.setCentralWidget(self.tabs)

        self.menus = MenuBuilder(self)
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

    # -- the views ----------------------------------------------------------------------------
    def _build(self, spec: Any) -> Any:
        view: Any = spec.factory(self, spec.controller(self))
        view.status_message.connect(self.show_status)
        return view

    def build_hidden_views(self) -> None:
        """Build the views behind the hidden tabs (once), in place of their placeholders."""
        if all(view is not None for view in self.views.values()):
            return
        current = self.tabs.currentIndex()
        self.tabs.blockSignals(True)
        for index, spec in enumerate(VIEWS):
            if self.views[spec.name] is not None:
                continue
            view = self.views[spec.name] = self._build(spec)
            placeholder = self.tabs.widget(index)
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, view, spec.name)
            if placeholder is not None:
                placeholder.deleteLater()
            self.menus.attach(spec.name, view)
            self._fit_tables(spec.name, view)
        self.tabs.setCurrentIndex(current)
        self.tabs.blockSignals(False)
        tray_for(self)

    def _fit_tables(self, name: str, view: QWidget) -> None:
        """The view's main tables fit its width: columns elide, the user may hide some."""
        from .widgets.columns import fit_main_tables

        fit_main_tables(view, name, self.settings)

    def view(self, name: str) -> Any:
        """The view called ``name`` (built if it was not yet), without showing it."""
        if self.views.get(name) is None:
            self.build_hidden_views()
        return self.views[name]

    def show_view(self, name: str) -> Any:
        """Show the view called ``name`` and return it."""
        view = self.view(name)
        self.tabs.setCurrentWidget(view)
        return view

    def step_view(self, step: int) -> None:
        """The next (1) or previous (-1) view, round the end."""
        self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % self.tabs.count())

    vault_view = property(lambda self: self.view("Vault"))
    exchange_view = property(lambda self: self.view("Exchange"))
    expiry_view = property(lambda self: self.view("Expiry"))
    support_view = property(lambda self: self.view("Support"))

    @Slot(int)
    def _on_tab_changed(self, index: int) -> None:
        if 0 <= index < len(VIEWS) and self.views[VIEWS[index].name] is None:
            self.build_hidden_views()
            self.tabs.setCurrentIndex(index)

    @Slot(str)
    def _warn(self, message: str) -> None:
        """A warning about a token's expiry: the status bar, and the desktop if it can."""
        self.show_status(message)
        tray = tray_for(self)
        if tray is not None:
            from PySide6.QtWidgets import QSystemTrayIcon

            tray.showMessage("Tokendesk", message, QSystemTrayIcon.MessageIcon.Warning, 10_000)

    def raise_window(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    # -- the status bar -----------------------------------------------------------------------
    @Slot(str)
    def show_status(self, text: str) -> None:
        self.status_text.setText(text)

    @Slot(str)
    def retract_status(self, text: str) -> None:
        """A view's message no longer holds (its token changed): clear it if still shown."""
        if self.status_text.text() == text:
            self.status_text.setText("")

    # -- lifecycle ----------------------------------------------------------------------------
    def finish_startup(self) -> None:
        """What waits for the first paint (the app calls this right after it; a window built
        with every view at once calls it at once): the Inspector's models, the shortcuts, the
        keyboard policy and the Expiry controller."""
        self.ensure_expiry_controller()
        self.inspector.finish_setup()
        self.menus.finish()
        from .keyboard import install

        install(self.settings, self)

    def ensure_expiry_controller(self) -> Any:
        if self.expiry_controller is None:
            from .controllers.expiry import ExpiryController

            self.expiry_controller = ExpiryController(
                self.vault_controller, self.exchange_controller, self.session, self.clock,
                self.settings, parent=self)
            self.expiry_controller.status_message.connect(self.show_status)
            self.expiry_controller.warned.connect(self._warn)
        return self.expiry_controller

    def start_background(self) -> None:
        """The app's background duties, from the start and whatever tab shows: open the vault
        (the Expiry rows load when it opens), then countdowns, warnings and auto-refresh."""
        self.finish_startup()
        self.expiry_controller.start()

    def network_settings(self) -> tuple[float, str | None]:
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
