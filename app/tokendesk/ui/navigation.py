"""The window's views, in one list: a name, how its controller is found, how the view is built.

Adding a view is one entry in :data:`VIEWS` (and its module): the tabs, the View menu and its
Ctrl+1… shortcuts, the deferred building and the status bar wiring all come from the list.
Every view but the first is built after the window's first paint (or when first shown).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tokendesk.core._record import NamedTuple

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from .shell import MainWindow

__all__ = ["VIEWS", "ViewSpec", "view_names"]


class ViewSpec(NamedTuple):
    #: The tab's text and the View menu's entry.
    name: str
    #: Builds the view over its controller; the window wires its ``status_message``.
    factory: Callable[[MainWindow, Any], QWidget]
    #: The view's controller (built on first use, or already there).
    controller: Callable[[MainWindow], Any]
    #: Built with the window, before the first paint (only the first view).
    eager: bool = False


def _inspector(window: MainWindow, controller: Any) -> QWidget:
    from .views.inspector import InspectorView

    view = InspectorView(controller, window.clock)
    view.show_local_time = window.settings.get("inspector/show_local_time")
    view.verify_panel.leeway.setValue(window.settings.get("inspector/leeway_s"))
    view.status_retracted.connect(window.retract_status)
    return view


def _vault(window: MainWindow, controller: Any) -> QWidget:
    from .views.vault import VaultView

    return VaultView(controller, window.clipboard)


def _exchange(window: MainWindow, controller: Any) -> QWidget:
    from .views.exchange import ExchangeView

    view = ExchangeView(controller)
    view.inspect_requested.connect(window.inspect_token)
    return view


def _expiry(_window: MainWindow, controller: Any) -> QWidget:
    from .views.expiry import ExpiryView

    return ExpiryView(controller)


def _support(_window: MainWindow, controller: Any) -> QWidget:
    from .views.support import SupportView

    return SupportView(controller)


def _support_controller(window: Any) -> Any:
    if getattr(window, "support_controller", None) is None:
        from .controllers.support import SupportController

        window.support_controller = SupportController(
            window.tasks, window.vault_controller, window.exchange_controller, parent=window)
    return window.support_controller


VIEWS: tuple[ViewSpec, ...] = (
    ViewSpec("Inspector", _inspector, lambda w: w.inspector_controller, eager=True),
    ViewSpec("Vault", _vault, lambda w: w.vault_controller),
    ViewSpec("Exchange", _exchange, lambda w: w.exchange_controller),
    ViewSpec("Expiry", _expiry, lambda w: w.ensure_expiry_controller()),
    ViewSpec("Support", _support, _support_controller),
)


def view_names() -> list[str]:
    return [spec.name for spec in VIEWS]
