"""Pieces of the client form: its choices, the scrolling that keeps it on a small screen, and
the collapsible "More" section (environment, audience, expiry warning, lifetime, admin)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tokendesk.core.choices import AUTH_METHODS as _AUTH_METHODS
from tokendesk.core.choices import DPOP_ALGS, ENVIRONMENTS
from tokendesk.core.support.registry import REGISTRY

__all__ = ["ADMIN_DEFAULTS", "ADMIN_PROVIDERS", "AUTH_METHODS", "FormScroll", "MoreSection",
           "grow_on_screen", "sentence"]

#: (value, what it sends, shown as the item's tooltip), in the order offered: the core's table
AUTH_METHODS = tuple(_AUTH_METHODS.items())
#: The admin APIs offered, and per API the machine token's client authentication, scope and
#: what to set up at the provider: all from the connector registry (core/support/registry.py).
ADMIN_PROVIDERS = (("", "no (a client for tokens)"), *((i.key, i.api) for i in REGISTRY))
ADMIN_DEFAULTS = {i.key: (i.auth_method, i.scope, i.setup) for i in REGISTRY}


def sentence(message: str) -> str:
    """A core message as a sentence: capitalised, with a full stop."""
    text = message[:1].upper() + message[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def grow_on_screen(window: QWidget, grow: int) -> None:
    """Make ``window`` ``grow`` pixels taller (or shorter), moving it up if it would leave the
    bottom of its screen."""
    window.resize(window.width(), window.height() + grow)
    screen = window.screen()
    if screen is None or not window.isVisible():
        return
    room = screen.availableGeometry()
    frame = window.frameGeometry()
    if frame.bottom() > room.bottom():
        window.move(window.x(), max(room.top(), window.y() - (frame.bottom() - room.bottom())))


class FormScroll(QScrollArea):
    """Scrolls the fields vertically; asks for their whole height up to what the screen has
    (less room for the window's title, buttons and message)."""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        inner = self.widget()
        if inner is None:
            return super().sizeHint()
        hint = inner.sizeHint()
        # wrapped notes are taller at the width the fields really have than at their own
        width = self.viewport().width() if self.isVisible() else hint.width()
        height = max(hint.height(), inner.heightForWidth(width))
        frame = 2 * self.frameWidth()
        screen = self.screen()
        room = screen.availableGeometry().height() if screen is not None else 700
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(hint.width() + bar + frame, min(height + frame, max(240, room - 190)))


class Collapsible(QWidget):
    """A toggle button that shows or hides a box of further fields."""

    def __init__(self, title: str, accessible: str, box: QWidget,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.toggle = QToolButton()
        self.toggle.setCheckable(True)
        self.toggle.setAutoRaise(True)
        self.toggle.setAccessibleName(accessible)
        self.toggle.toggled.connect(self._toggled)
        self.box = box
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toggle)
        layout.addWidget(box)
        self._toggled(False)

    @Slot(bool)
    def _toggled(self, shown: bool) -> None:
        self.box.setVisible(shown)
        self.toggle.setText(f"{self.title} {'▾' if shown else '▸'}")


class MoreSection(Collapsible):
    """The settings most clients leave as they are; ``admin`` (the admin-connection picker)
    is added here unless the form shows it among its main fields."""

    def __init__(self, admin: QComboBox | None, parent: QWidget | None = None) -> None:
        box = QWidget()
        more = QFormLayout(box)
        more.setContentsMargins(0, 0, 0, 0)
        self.environment = QComboBox()
        self.environment.setAccessibleName("Environment")
        self.environment.addItems(["", *ENVIRONMENTS])
        self.audience = QLineEdit()
        self.audience.setAccessibleName("Audience")
        self.audience.setPlaceholderText("only if the provider needs one (Auth0 APIs)")
        self.warn_minutes = QSpinBox()
        self.warn_minutes.setAccessibleName("Warn")
        self.warn_minutes.setRange(1, 1440)
        self.warn_minutes.setValue(5)
        self.warn_minutes.setSuffix(" min before expiry")
        self.refresh_lifetime = QSpinBox()
        self.refresh_lifetime.setAccessibleName("Refresh-token lifetime")
        self.refresh_lifetime.setRange(0, 525_600)
        self.refresh_lifetime.setSuffix(" min")
        self.refresh_lifetime.setSpecialValueText("not known (the server says, or nobody)")
        self.refresh_lifetime.setToolTip(
            "Used only when the server does not say when a refresh token expires")
        self.lifetime_kind = QComboBox()
        self.lifetime_kind.setAccessibleName("Lifetime kind")
        self.lifetime_kind.addItem("idle: restarts at each refresh", "idle")
        self.lifetime_kind.addItem("absolute: counted from the sign-in", "absolute")
        self.dpop = QComboBox()
        self.dpop.setAccessibleName("DPoP")
        self.dpop.addItem("off: bearer tokens", "")
        for alg in DPOP_ALGS:  # RFC 9449: tokens bound to a key kept in the keyring
            self.dpop.addItem(f"{alg} key per credential", alg)
        self.dpop.setToolTip("Sender-constrained tokens (DPoP, RFC 9449): every token request "
                             "carries a proof signed with the credential's own key")
        more.addRow("Environment", self.environment)
        more.addRow("Audience / resource", self.audience)
        more.addRow("Warn", self.warn_minutes)
        more.addRow("Refresh-token lifetime", self.refresh_lifetime)
        more.addRow("Lifetime kind", self.lifetime_kind)
        more.addRow("DPoP", self.dpop)
        if admin is not None:
            more.addRow("Admin connection", admin)
        super().__init__("More: environment, audience, expiry warning, DPoP"
                         + (", admin connection" if admin is not None else ""),
                         "Show more settings", box, parent)
