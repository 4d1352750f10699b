"""Verification panel: the key, the expectations, and the verdict with every check."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QSize, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDoubleSpinBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..controllers.inspector import (
    KEY_AUTO,
    KEY_PUBLIC,
    KEY_SECRET_B64URL,
    KEY_SECRET_TEXT,
    VerifyRequest,
)
from ..theme import current_theme
from ..widgets.token_input import TokenInput, read_dropped_file

_ACCESSIBLE_TEXT_ROLE = 11  # Qt.ItemDataRole.AccessibleTextRole (see views/inspector.py)

__all__ = ["STATE_WORDS", "VerifyPane", "VerifyPanel"]

#: Every algorithm the core verifies (a test checks this against tokens.keys.ALL_ALGORITHMS;
#: importing that module here would load cryptography before the first paint).
ALGORITHMS = ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
          "ES256", "ES384", "ES512", "EdDSA")


#: The checks that show a "not checked" row, in words for the verdict line.
_PLAIN = {"iss": "issuer", "aud": "audience", "nonce": "nonce", "at_hash": "at_hash"}

#: The verdict's states, each with its own first word and color (a Theme attribute, from the
#: current palette): never one word for two states.
NOT_CHECKED, VERIFIED, FAILED, UNVERIFIED, STALE = (
    "not checked", "verified", "failed", "unverified", "stale")
STATE_WORDS = {NOT_CHECKED: "NOT CHECKED", VERIFIED: "VERIFIED", FAILED: "INVALID",
               UNVERIFIED: "UNVERIFIED", STALE: "STALE"}
STATE_COLORS = {NOT_CHECKED: "muted", VERIFIED: "ok", FAILED: "bad", UNVERIFIED: "warn",
                STALE: "warn"}

class VerifyPane(QScrollArea):
    """The Verify panel as the Inspector's lower left pane: the pane's minimum holds every row
    of the panel and a verdict of two lines; a longer verdict scrolls the pane rather than
    squash the rows or make the window taller than a 700-pixel screen."""

    def __init__(self, panel: VerifyPanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.panel = panel
        self.setAccessibleName("Verify pane")
        self.setFrameShape(QFrame.Shape.NoFrame)
        # the fields take the focus (and are scrolled to), not the pane: no stop, no focus ring
        # (Qt.FocusPolicy.NoFocus as a plain int: no Qt enum before the first paint)
        self.setProperty("focusPolicy", 0)
        self.setWidgetResizable(True)
        self.setWidget(panel)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        panel = self.panel
        wanted = panel.minimumSizeHint()
        cap = panel.one_line_minimum() + panel.verdict.minimumSizeHint().height()  # a line
        frame = self.contentsMargins()  # the style's frame, if any
        return QSize(wanted.width() + frame.left() + frame.right(),
                     min(wanted.height(), cap) + frame.top() + frame.bottom())

    def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802 - Qt override
        if watched is self.panel and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # the panel's minimum moved: so does the pane's
        return super().eventFilter(watched, event)


class VerifyPanel(QGroupBox):
    """The verdict is always in one of five states (``state``, also the verdict's accessible
    description): not checked, verified, failed (INVALID), unverified (the check could not be
    made, or the keys' issuer is not trusted) and stale (computed for an earlier token, key or
    expectation)."""

    verify_requested = Signal(object)  # VerifyRequest without the token
    #: The verdict's state changed (one of the five above).
    state_changed = Signal(str)
    cancel_requested = Signal()
    message = Signal(str)
    #: Any input of the verification changed (key, key type, URL, algorithm, expectations).
    inputs_changed = Signal()
    #: The user clicked "Trust <issuer>?": the Issuer field now holds it.
    issuer_trusted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Verify", parent)
        layout = QVBoxLayout(self)

        self.key_input = TokenInput("Verification key")
        self.key_input.setPlaceholderText(
            "Paste a PEM public key, certificate, JWK or JWKS — or a shared secret for HS* "
            "tokens. Drop a key file here, or use the issuer's keys.")
        self.key_input.setMaximumHeight(110)
        self.key_input.file_refused.connect(self.message)
        layout.addWidget(self.key_input)

        keys_row = QHBoxLayout()
        self.key_mode = QComboBox()
        self.key_mode.setAccessibleName("Key type")
        for label, mode in (("Key type: automatic", KEY_AUTO),
                            ("Public key, certificate, JWK or JWKS", KEY_PUBLIC),
                            ("Shared secret (text)", KEY_SECRET_TEXT),
                            ("Shared secret (base64url)", KEY_SECRET_B64URL)):
            self.key_mode.addItem(label, mode)
        self.open_key = QPushButton("Open key file…")
        self.open_key.clicked.connect(self._open_key_file)
        keys_row.addWidget(self.key_mode, 1)
        keys_row.addWidget(self.open_key)
        layout.addLayout(keys_row)

        form = QGridLayout()
        form.setColumnStretch(1, 1)
        form.setColumnStretch(3, 1)
        self.jwks_url = QLineEdit()
        self.jwks_url.setPlaceholderText("https://issuer.example/.well-known/jwks.json")
        self.jwks_url.setAccessibleName("JWKS URL")
        self._row(form, 0, 0, "JWKS URL", self.jwks_url, span=3)
        self.algorithm = QComboBox()
        self.algorithm.setAccessibleName("Algorithm")
        self.algorithm.addItem("As the key allows", None)
        for alg in ALGORITHMS:
            self.algorithm.addItem(f"Pin {alg}", alg)
        self._row(form, 1, 0, "Algorithm", self.algorithm)
        self.issuer = QLineEdit()
        self.issuer.setAccessibleName("Expected issuer")
        self.issuer.setPlaceholderText("exact match; empty: not checked")
        self.issuer.setToolTip("The issuer you trust: checked against the token's iss, and the "
                               "one whose keys are fetched (the vault clients' issuers are "
                               "offered as you type)")
        self._row(form, 2, 0, "Issuer", self.issuer)
        self.audience = QLineEdit()
        self.audience.setAccessibleName("Expected audience")
        self._row(form, 2, 2, "Audience", self.audience)
        self.nonce = QLineEdit()
        self.nonce.setAccessibleName("Expected nonce")
        self._row(form, 3, 0, "Nonce", self.nonce)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Expected kind")
        from tokendesk.core.tokens.model import expectable_kinds

        self.kind.addItem("Any", None)
        for kind in expectable_kinds():  # the kinds' table decides, as for `verify --expect`
            self.kind.addItem(kind.label, kind.value)
        self._row(form, 3, 2, "Must be", self.kind)
        self.leeway = QDoubleSpinBox()
        self.leeway.setAccessibleName("Leeway")
        self.leeway.setRange(0, 3600)
        self.leeway.setSuffix(" s")
        self.leeway.setDecimals(0)
        self._row(form, 1, 2, "Leeway", self.leeway)
        layout.addLayout(form)
        QWidget.setTabOrder(self.algorithm, self.leeway)  # row by row, as the grid reads

        buttons = QHBoxLayout()
        self.verify_button = QPushButton("Verify")
        self.verify_button.setDefault(True)
        self.verify_button.setToolTip("Verify with the key above (Ctrl+Return)")
        self.verify_button.clicked.connect(lambda: self._request(use_issuer=False))
        self.issuer_button = QPushButton("Use the issuer's keys")
        self.issuer_button.setToolTip(
            "Fetch the keys published by the token's issuer (OpenID discovery). This is the only "
            "thing here that uses the network, and only when you click it.")
        self.issuer_button.clicked.connect(lambda: self._request(use_issuer=True))
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.cancel_button.hide()
        buttons.addWidget(self.verify_button)
        buttons.addWidget(self.issuer_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        #: "Trust <the token's iss>?": one click fills the Issuer field (SECURITY.md 5a: the
        #: token naming an issuer proves nothing; the user says whom they trust).
        self._offered: str | None = None
        self._known: tuple[str, ...] = ()  # the vault clients' issuers
        self.trust_button = QPushButton()
        self.trust_button.setAccessibleName("Trust the token's issuer")
        self.trust_button.clicked.connect(self._trust_offered)
        self.trust_button.hide()
        layout.addWidget(self.trust_button)
        for changed in (self.key_input.textChanged, self.key_mode.currentIndexChanged,
                        self.jwks_url.textChanged, self.algorithm.currentIndexChanged,
                        self.issuer.textChanged, self.audience.textChanged,
                        self.nonce.textChanged, self.kind.currentIndexChanged,
                        self.leeway.valueChanged):
            changed.connect(self._on_input_changed)

        self.progress_line = QWidget()
        progress_layout = QHBoxLayout(self.progress_line)
        progress_layout.setContentsMargins(0, 0, 0, 0)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumHeight(10)
        self.progress_label = QLabel()
        progress_layout.addWidget(self.progress_label)
        progress_layout.addWidget(self.progress, 1)
        self.progress_line.hide()
        layout.addWidget(self.progress_line)

        self.verdict = QLabel()
        self.verdict.setAccessibleName("Verification verdict")
        font = QFont(self.verdict.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.verdict.setFont(font)
        self.verdict.setWordWrap(True)
        self.state = ""
        layout.addWidget(self.verdict)
        self.checks = QTreeWidget()
        self.checks.setAccessibleName("Verification result")
        self.checks.setHeaderLabels(["", "Check", "Reason"])
        self.checks.setRootIsDecorated(False)
        self.checks.setWordWrap(True)
        self.checks.setColumnWidth(0, 34)
        self.checks.setColumnWidth(1, 90)
        layout.addWidget(self.checks, 1)
        self.show_not_checked()

    # -- size: the rows are never squashed ----------------------------------------------------
    def pane(self) -> VerifyPane:
        """This panel in the scroll area the Inspector shows it in."""
        return VerifyPane(self)

    def minimum_height_for(self, width: int) -> int:
        """The layout's minimum at ``width``, with the verdict as tall as its wrapped text (Qt's
        minimum counts it as one line: given only that, the form rows were squashed)."""
        layout = self.layout()
        one_line = super().minimumSizeHint().height()
        if layout is None or width <= 0:
            return one_line
        return max(one_line, layout.totalMinimumHeightForWidth(width))

    def one_line_minimum(self) -> int:
        """Qt's minimum height: every row, the verdict as one line."""
        return super().minimumSizeHint().height()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = super().minimumSizeHint()
        return QSize(hint.width(), self.minimum_height_for(self.width()))

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        # what VerifyPane (a scroll area) gives the panel at least: its minimum, not the
        # layout's preferred height (which would scroll a pane that has room for every row)
        return self.minimum_height_for(width)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # the minimum height follows the width (the verdict wraps)

    @staticmethod
    def _row(grid: QGridLayout, row: int, col: int, label: str, widget: QWidget,
             span: int = 1) -> None:
        caption = QLabel(label)
        caption.setBuddy(widget)
        grid.addWidget(caption, row, col)
        grid.addWidget(widget, row, col + 1, 1, span)

    # -- requests -----------------------------------------------------------------------------
    def _request(self, *, use_issuer: bool) -> None:
        self.verify_requested.emit(self.request(use_issuer=use_issuer))

    def request(self, *, use_issuer: bool = False) -> VerifyRequest:
        """The verification the inputs describe (without the token)."""
        return VerifyRequest(
            token="",
            key_text=self.key_input.toPlainText(),
            key_mode=str(self.key_mode.currentData()),
            jwks_url=self.jwks_url.text().strip(),
            use_issuer=use_issuer,
            algorithm=self.algorithm.currentData(),
            issuer=self.issuer.text().strip() or None,
            audience=self.audience.text().strip() or None,
            nonce=self.nonce.text().strip() or None,
            leeway=float(self.leeway.value()),
            expected_kind=self.kind.currentData(),
        )

    def _on_input_changed(self, *_args: Any) -> None:
        self._update_trust_offer()
        self.inputs_changed.emit()

    # -- the issuers the user may trust -------------------------------------------------------
    def set_known_issuers(self, issuers: list[str]) -> None:
        """Offer these (the vault clients' issuers) as completions of the Issuer field."""
        from PySide6.QtCore import Qt  # after the first paint (see views/inspector.py)

        completer = QCompleter(issuers, self.issuer)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.issuer.setCompleter(completer)
        self._known = tuple(issuers)
        self._update_trust_offer()

    def offer_issuer(self, issuer: str | None) -> None:
        """The token names ``issuer`` (unverified): offer it as a one-click "Trust …?"."""
        self._offered = issuer or None
        self._update_trust_offer()

    def _update_trust_offer(self) -> None:
        offered = self._offered
        show = (offered is not None and offered != self.issuer.text().strip()
                and offered not in self._known)
        if show:
            assert offered is not None
            shown = offered if len(offered) <= 60 else offered[:57] + "…"
            self.trust_button.setText(f"Trust {shown.replace('&', '&&')} ?")
            self.trust_button.setToolTip(
                f"The token names {offered} as its issuer, but anyone can name any issuer. If "
                "you trust it, this fills it in as the expected issuer, whose keys may then be "
                "fetched; until then a verdict with its keys is not VALID.")
        self.trust_button.setVisible(show)

    def _trust_offered(self) -> None:
        offered = self._offered
        if offered is None:
            return
        self.issuer.setText(offered)
        self.issuer_trusted.emit(offered)

    def _open_key_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a key", "",
                                              "Keys (*.pem *.crt *.cer *.der *.json *.jwk *.pub);;"
                                              "All files (*)")
        if path:
            self.load_key_file(path)

    def load_key_file(self, path: str) -> None:
        try:
            self.key_input.setPlainText(read_dropped_file(path))
        except ValueError as exc:
            self.message.emit(str(exc))

    # -- state --------------------------------------------------------------------------------
    def set_busy(self, what: str | None) -> None:
        busy = what is not None
        self.progress_line.setVisible(busy)
        self.progress_label.setText(what or "")
        self.cancel_button.setVisible(busy)
        self.verify_button.setEnabled(not busy)
        self.issuer_button.setEnabled(not busy)

    def _set_verdict(self, state: str, text: str) -> None:
        """One place sets the verdict: its words, its state and its color together."""
        color = getattr(current_theme(), STATE_COLORS[state])
        sheet = f"color: {color};"
        self.verdict.setText(text)
        if self.verdict.styleSheet() != sheet:
            self.verdict.setStyleSheet(sheet)
        self.verdict.setAccessibleDescription(state)
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    def show_not_checked(self, why: str = "no key given yet: paste one, or use the issuer's "
                                          "keys") -> None:
        """Nothing was checked (yet, or for this token): no verdict at all."""
        self._set_verdict(NOT_CHECKED, f"NOT CHECKED — {why}")
        if self.checks.topLevelItemCount():
            self.checks.clear()

    def show_unverified(self, why: str) -> None:
        """A check was asked for and could not be made (no key, a key that cannot be read,
        keys that could not be fetched): the token stays unverified."""
        self._set_verdict(UNVERIFIED, f"UNVERIFIED — {why}")
        if self.checks.topLevelItemCount():
            self.checks.clear()

    def show_error(self, message: str) -> None:
        self.show_unverified(message)

    def show_stale(self, why: str) -> None:
        """The verdict shown was for other inputs: say so, and drop its checks."""
        self._set_verdict(STALE, f"STALE — {why}")
        if self.checks.topLevelItemCount():
            self.checks.clear()

    def show_result(self, verification: Any, described: str) -> None:
        theme = current_theme()
        skipped = [c.name for c in verification.checks if not getattr(c, "checked", True)]
        if verification.valid:
            self._set_verdict(VERIFIED, f"VALID — verified with {described}" + (
                f"; not checked: {', '.join(_PLAIN.get(n, n) for n in skipped)}" if skipped
                else ""))
        elif verification.verdict == "UNTRUSTED":
            self._set_verdict(UNVERIFIED, f"UNTRUSTED — {verification.reason}")
        else:
            self._set_verdict(FAILED, f"INVALID — {verification.reason}")
        self.checks.clear()
        for check in verification.checks:
            if not getattr(check, "checked", True):  # asked for by nobody: said so
                item = QTreeWidgetItem(["–", check.name, check.reason])
                item.setForeground(0, theme.color("warn"))
                item.setToolTip(2, check.reason)
                item.setData(0, _ACCESSIBLE_TEXT_ROLE, "not checked")
                self.checks.addTopLevelItem(item)
                continue
            mark = "✔" if check.passed else "✘"
            item = QTreeWidgetItem([mark, check.name, check.reason])
            item.setForeground(0, theme.color("ok" if check.passed else "bad"))
            item.setToolTip(2, check.reason)
            item.setData(0, _ACCESSIBLE_TEXT_ROLE,
                         "passed" if check.passed else "failed")
            self.checks.addTopLevelItem(item)
        for finding in verification.findings:
            item = QTreeWidgetItem(["!", "warning", finding.message])
            item.setForeground(0, theme.color("warn"))
            self.checks.addTopLevelItem(item)
        self.checks.resizeColumnToContents(1)
