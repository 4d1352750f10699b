"""The Inspector: paste anything that holds a token, see what it is and whether to trust it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSortFilterProxyModel, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QScrollArea,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..controllers.inspector import InspectorController
from ..theme import current_theme
from ..widgets.json_view import JsonView
from ..widgets.labels import FullLabel, set_style
from ..widgets.panes import split
from ..widgets.token_input import TokenInput
from .binding_tab import BindingTab
from .inspector_verify import VerifyWiring
from .verify_panel import NOT_CHECKED, STATE_COLORS, STATE_WORDS, VERIFIED, VerifyPanel

if TYPE_CHECKING:
    from tokendesk.core import DecodedToken
    from tokendesk.core.tokens.headline import Headline

    from ..models.claims_model import ClaimsModel

# Qt enum values given as plain ints through Qt's property system. PySide6 builds its whole
# ``Qt`` enum namespace (about 50 ms here) the first time Python touches it, and a bare window
# never does: so nothing before the first paint does (see finish_setup).
_PLAIN_TEXT, _SELECTABLE_BY_MOUSE, _CASE_INSENSITIVE = 0, 1, 0
_ALIGN_CENTER, _ALIGN_RIGHT = 0x84, 0x82  # AlignCenter, AlignRight | AlignVCenter

__all__ = ["InspectorView"]


PLACEHOLDER = ("Paste a token — a raw JWT, “Bearer …”, an Authorization header, a JSON token "
               "response, a redirect URL with #access_token=…, or drop a file.\n\n"
               "Decoding happens on this machine; nothing is sent anywhere.")


class InspectorView(VerifyWiring, BindingTab, QWidget):
    """Views call the controller and listen to its signals; nothing here blocks."""

    status_message = Signal(str)
    #: A status message this view showed no longer holds (its token or inputs changed): the
    #: status bar clears it if it still shows it.
    status_retracted = Signal(str)

    def __init__(self, controller: InspectorController, clock: Callable[[], float] = time.time,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.clock = clock
        self.token: DecodedToken | None = None
        self._verify_status: str | None = None  # the verdict's status message, while it holds

        self.input = TokenInput("Token input")
        self.input.setPlaceholderText(PLACEHOLDER)
        self.input.textChanged.connect(self._on_text_changed)
        self.input.file_dropped.connect(lambda p: self.status_message.emit(f"Read {p}"))
        self.input.file_refused.connect(self._show_message)

        self.found = QComboBox()
        self.found.setAccessibleName("Tokens found")
        self.found.currentIndexChanged.connect(self._on_found_selected)
        self.found_row = QWidget()
        found_layout = QHBoxLayout(self.found_row)
        found_layout.setContentsMargins(0, 0, 0, 0)
        found_layout.addWidget(QLabel("This text holds several tokens; showing:"))
        found_layout.addWidget(self.found, 1)
        self.found_row.hide()

        # What the Inspector leads with when something is wrong: the worst problem, in words
        # ("Truncated token: 2 of 3 segments — was it cut off?"), above the kind badge.
        self.headline = FullLabel()
        self.headline.setAccessibleName("Headline")
        self.headline.setProperty("textFormat", _PLAIN_TEXT)
        self.headline.setWordWrap(True)
        self.headline.setProperty("textInteractionFlags", _SELECTABLE_BY_MOUSE)
        self.headline.hide()
        self.badge = QLabel()
        self.badge.setAccessibleName("Kind")
        self.badge.setProperty("textFormat", _PLAIN_TEXT)
        #: The verification state, in one word that never means two things (see VerifyPanel).
        self.unverified = QLabel(STATE_WORDS[NOT_CHECKED])
        self.unverified.setAccessibleName("Trust")
        self.countdown = QLabel()
        self.countdown.setAccessibleName("Expires")
        badge_row = QHBoxLayout()
        badge_row.addWidget(self.badge)
        badge_row.addWidget(self.unverified)
        badge_row.addStretch(1)
        badge_row.addWidget(self.countdown)
        # Their texts change with every keystroke and every second. A label of fixed size does
        # not ask its layout to re-lay out when its text changes (Qt stops there), so a
        # keystroke repaints these labels instead of re-laying out and repainting the window.
        height = self.badge.fontMetrics().height() + 8
        width = self.badge.fontMetrics().horizontalAdvance("  Client assertion  ") + 16
        self.badge.setFixedSize(width, height)
        self.badge.setProperty("alignment", _ALIGN_CENTER)
        self.unverified.setFixedSize(
            max(self.unverified.fontMetrics().horizontalAdvance(w) for w in
                (*STATE_WORDS.values(), "UNTRUSTED")) + 16, height)
        self.countdown.setFixedSize(
            self.countdown.fontMetrics().horizontalAdvance("expired 23 h 59 min 59 s ago") + 24,
            height)
        self.countdown.setProperty("alignment", _ALIGN_RIGHT)

        self.reasons = QLabel()
        self.reasons.setWordWrap(True)
        self.reasons.setAccessibleName("Why")
        self.reasons.setProperty("textInteractionFlags", _SELECTABLE_BY_MOUSE)
        self.problems = FullLabel()
        self.problems.setWordWrap(True)
        self.problems.setAccessibleName("Problems")
        self.problems.setProperty("textInteractionFlags", _SELECTABLE_BY_MOUSE)
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setAccessibleName("Warnings")
        self.warnings.setProperty("textInteractionFlags", _SELECTABLE_BY_MOUSE)

        encoded = QWidget()
        encoded_layout = QVBoxLayout(encoded)
        encoded_layout.setContentsMargins(0, 0, 0, 0)
        encoded_layout.addWidget(QLabel("Encoded"))
        encoded_layout.addWidget(self.input, 1)
        encoded_layout.addWidget(self.found_row)
        encoded_layout.addWidget(self.headline)
        encoded_layout.addLayout(badge_row)
        # The problems get room of their own: never cut off inside the scroll box below (they
        # change only when the input is broken, so their reflow costs a valid token nothing).
        encoded_layout.addWidget(self.problems)
        # Reasons and warnings change with every keystroke; inside a scroll area of their own
        # their changing height does not reflow (and repaint) the whole column.
        notes = QWidget()
        notes_layout = QVBoxLayout(notes)
        notes_layout.setContentsMargins(0, 0, 0, 0)
        notes_layout.addWidget(self.reasons)
        notes_layout.addWidget(self.warnings)
        notes_layout.addStretch(1)
        self.notes = QScrollArea()
        self.notes.setWidget(notes)
        self.notes.setWidgetResizable(True)
        self.notes.setFrameShape(QFrame.Shape.NoFrame)
        self.notes.setMinimumHeight(70)
        encoded_layout.addWidget(self.notes)
        self.verify_panel = VerifyPanel()
        left = split(encoded, self.verify_panel.pane(), [330, 570], vertical=True, equal_stretch=True)
        self.left_splitter = left

        self.header_view = JsonView("Header")
        self.payload_view = JsonView("Payload")
        # Until the first paint the claims table shows an empty C++ model with the same
        # columns: a Python item model makes PySide6 build its Qt enum namespace (finish_setup
        # swaps the real one in; with no token yet, nothing on screen changes).
        from PySide6.QtGui import QStandardItemModel

        placeholder = QStandardItemModel(0, 3, self)
        placeholder.setHorizontalHeaderLabels(["Claim", "Value", "Meaning"])
        self._claims_model: ClaimsModel | None = None
        self.show_local_time = True
        self.claims_filter = QSortFilterProxyModel(self)
        self.claims_filter.setSourceModel(placeholder)
        self.claims_filter.setProperty("filterCaseSensitivity", _CASE_INSENSITIVE)
        self.claims_filter.setFilterKeyColumn(-1)
        self.claims_table = QTableView()
        self.claims_table.setAccessibleName("Claims")
        self.claims_table.setModel(self.claims_filter)
        self.claims_table.setWordWrap(True)
        self.claims_table.verticalHeader().hide()
        self.claims_table.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.Stretch)
        self.claims_table.setColumnWidth(0, 110)
        self.claims_table.setColumnWidth(1, 300)
        self.claims_table.setAlternatingRowColors(True)
        self.find_field = QLineEdit()
        self.find_field.setAccessibleName("Find claim")
        self.find_field.setPlaceholderText("Find a claim, value or meaning (Ctrl+F)")
        self.find_field.setClearButtonEnabled(True)
        self.find_field.textChanged.connect(self.claims_filter.setFilterFixedString)
        claims_page = QWidget()
        claims_layout = QVBoxLayout(claims_page)
        claims_layout.setContentsMargins(0, 0, 0, 0)
        claims_layout.addWidget(self.find_field)
        claims_layout.addWidget(self.claims_table)

        self.decoded_tabs = QTabWidget()
        self.decoded_tabs.addTab(claims_page, "Claims")
        self.decoded_tabs.addTab(self.payload_view, "Payload")
        self.decoded_tabs.addTab(self.header_view, "Header")
        # DPoP proofs and cnf (issue 18): built when the tab is first shown, after the first
        # paint (see binding_panel)
        self._binding: Any = None
        self._binding_page = QWidget()
        self._binding_layout = QVBoxLayout(self._binding_page)
        self._binding_layout.setContentsMargins(0, 0, 0, 0)
        self.decoded_tabs.addTab(self._binding_page, "Binding")
        self.decoded_tabs.currentChanged.connect(self._on_decoded_tab)

        splitter = split(left, self.decoded_tabs, [600, 700], equal_stretch=True)
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        controller.decoded.connect(self._on_decoded)
        controller.decoded.connect(self._binding_token)
        controller.verification_started.connect(self.verify_panel.set_busy)
        controller.verification_finished.connect(self._on_verified)
        controller.verification_failed.connect(self._on_verify_failed)
        controller.verification_cancelled.connect(self._on_verify_cancelled)
        controller.verification_stale.connect(self._on_verify_stale)
        controller.known_issuers_changed.connect(self.verify_panel.set_known_issuers)
        self.verify_panel.state_changed.connect(self._show_trust)
        self.verify_panel.verify_requested.connect(self._on_verify_requested)
        self.verify_panel.inputs_changed.connect(self._on_verify_inputs_changed)
        self.verify_panel.issuer_trusted.connect(self._on_issuer_trusted)
        self.verify_panel.cancel_requested.connect(controller.cancel)
        self.verify_panel.message.connect(self._show_message)

        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self.tick)
        self._ticker.start()
        self._render(None)

    # -- input --------------------------------------------------------------------------------
    def finish_setup(self) -> None:
        """Attach what waits for the first paint: the claims model. Called right after the
        first paint, and by anything that needs the model before that (idempotent)."""
        if self._claims_model is not None:
            return
        from ..models.claims_model import ClaimsModel

        model = ClaimsModel(self)
        model.set_show_local(self.show_local_time)
        self._claims_model = model
        self.claims_filter.setSourceModel(model)
        model.modelReset.connect(self.claims_table.resizeRowsToContents)

    @property
    def claims_model(self) -> ClaimsModel:
        if self._claims_model is None:
            self.finish_setup()
        assert self._claims_model is not None
        return self._claims_model

    @Slot()
    def _on_text_changed(self) -> None:
        self.controller.set_text(self.input.toPlainText())

    def set_text(self, text: str, *, immediately: bool = True) -> None:
        if not self.input.set_text_checked(text):
            return
        if immediately:
            self.controller.set_text(text)
            self.controller.decode_now()

    @Slot(int)
    def _on_found_selected(self, index: int) -> None:
        if index >= 0 and self.found.isVisible():
            self.controller.select_found(index)

    # -- rendering ----------------------------------------------------------------------------
    @Slot(object)
    def _on_decoded(self, token: DecodedToken) -> None:
        previous = self.token
        self._render(token)
        claims = token.claims if token is not None else None
        iss = claims.get("iss") if claims else None
        self.verify_panel.offer_issuer(iss if isinstance(iss, str) else None)
        if previous is None or token is None or previous.text != token.text:
            self._retract_verify_status()  # it was about another token
        request = self._verifiable_request(self.verify_panel.request())
        self.controller.inputs_changed(request)
        if request is None:
            self.verify_panel.set_busy(None)  # a running verification was dropped

    def _render(self, token: DecodedToken | None) -> None:
        """Show a decoded token. Only what changed is redrawn: a keystroke in one segment
        leaves the others, and the style sheets, as they were."""
        previous, self.token = self.token, token
        theme = current_theme()
        problem = self._token_problem() if token is not None and token.text else None
        if problem is not None:
            self.verify_panel.show_not_checked(problem)
        else:
            self.verify_panel.show_not_checked()
        line = self._render_headline(token)
        if token is None or token.format == "empty":
            self.badge.setText("")
            set_style(self.badge, "")
            self.unverified.hide()
            self.reasons.setText("Nothing to inspect yet.")
            self.problems.setText("")
            self.problems.hide()
            self.warnings.setText("")
            self._fill_views()
            if self._claims_model is not None:  # before finish_setup there is nothing to clear
                self._claims_model.set_claims(None)
            self.found_row.hide()
            self.countdown.setText("")
            return
        from tokendesk.core import TokenFormat  # imported on first use, after the first paint

        self._render_found(token)
        # a token with a problem (a cut-off signature too) is not badged with what it would
        # be if it were whole
        broken = (line is not None and line.severity == "problem"
                  and token.format is not TokenFormat.TEXT)
        if token.format is TokenFormat.TEXT:
            self.badge.setText("")  # the headline says it: "Text — not a token"
            set_style(self.badge, "")
        else:
            label = ("Unsecured" if token.format is TokenFormat.UNSECURED
                     else "Malformed" if broken or token.format is TokenFormat.MALFORMED
                     else token.kind.label)
            key = ("unsecured" if token.format is TokenFormat.UNSECURED or label == "Malformed"
                   else token.kind.value)
            background, foreground = theme.badge_colors(key)
            self.badge.setText(f"  {label}  ")
            set_style(self.badge, f"background: {background}; color: {foreground}; "
                               "border-radius: 8px; font-weight: 600; padding: 2px;")
        self.unverified.setVisible(self._signed())
        self._show_trust(self.verify_panel.state)
        self.reasons.setText("\n".join(f"• {r}" for r in token.reasons))
        self.problems.setText("\n".join(f"✘ {p.message}" for p in token.problems))
        self.problems.setVisible(bool(token.problems) and token.format is not TokenFormat.TEXT)
        set_style(self.problems, f"color: {theme.bad};")
        findings = token.findings
        self.warnings.setText("\n".join(f"⚠ {f.message}" for f in findings))
        set_style(self.warnings, f"color: {theme.warn};")
        same_header = previous is not None and previous.header == token.header
        same_payload = (previous is not None and previous.payload == token.payload
                        and previous.payload_text == token.payload_text
                        and previous.payload_bytes == token.payload_bytes
                        and previous.format == token.format)
        if not same_header:
            self._fill("Header", self.header_view)
        if not same_payload:
            self._fill("Payload", self.payload_view)
            self.claims_model.set_claims(token.claims, self.clock())
        self._update_countdown()

    def _render_headline(self, token: DecodedToken | None) -> Headline | None:
        """The worst thing about the input, first and in the theme's color for it."""
        if token is None or token.format == "empty":
            self.headline.hide()
            return None
        from tokendesk.core.tokens.headline import PROBLEM, headline

        line = headline(token)
        if line is None:
            self.headline.hide()
            return None
        theme = current_theme()
        self.headline.setText(line.title)
        self.headline.setToolTip(line.detail)
        self.headline.setAccessibleDescription(line.severity)
        color = theme.bad if line.severity == PROBLEM else theme.warn
        set_style(self.headline, f"color: {color}; font-weight: 700; font-size: 125%;")
        self.headline.show()
        return line

    @Slot(str)
    def _show_trust(self, state: str) -> None:
        """The badge row's word for the verification state, colored like the verdict."""
        if not state:
            return
        text = self.verify_panel.verdict.text().split(" — ", 1)[0]
        word = "UNTRUSTED" if text == "UNTRUSTED" else STATE_WORDS[state]
        self.unverified.setText(word)
        self.unverified.setAccessibleDescription(state)
        color = getattr(current_theme(), STATE_COLORS[state])
        set_style(self.unverified, f"color: {color}; font-weight: 600;")
        if state == VERIFIED:
            self.unverified.setToolTip("The signature and every check asked for passed")
        else:
            self.unverified.setToolTip("Not verified: " + self.verify_panel.verdict.text())

    def _signed(self) -> bool:
        """Whether the token is one that a signature check could make trustworthy."""
        if self.token is None:
            return False
        from tokendesk.core import TokenFormat

        return self.token.format in (TokenFormat.JWS, TokenFormat.UNSECURED,
                                     TokenFormat.JWS_JSON)

    # -- the Payload and Header views -----------------------------------------------------------
    def _fill_views(self) -> None:
        self._fill("Header", self.header_view)
        self._fill("Payload", self.payload_view)

    def _fill(self, name: str, view: JsonView) -> None:
        token = self.token
        if token is None:
            view.show_text("")
        elif name == "Header":
            if token.header is not None:
                view.show_value(token.header)
            else:
                view.show_text("")
        elif token.payload is not None:
            view.show_value(token.payload)
        elif token.payload_text is not None:
            view.show_text(token.payload_text)
        elif token.payload_bytes:
            view.show_text(f"(binary, {len(token.payload_bytes)} bytes)\n"
                           + token.payload_bytes[:2048].hex(" "))
        elif token.format == "jwe":
            view.show_text("Encrypted: decrypt it with the recipient's key (Tools ▸ Decrypt "
                           "the JWE…, Ctrl+Shift+D, or tokendesk decrypt) to see the content.")
        else:
            view.show_text("")

    def _render_found(self, token: DecodedToken) -> None:
        found = token.found
        if len(found) > 1:
            labels = [f.label for f in found]
            if [self.found.itemText(i) for i in range(self.found.count())] != labels:
                self.found.blockSignals(True)
                self.found.clear()
                self.found.addItems(labels)
                self.found.blockSignals(False)
            self.found.blockSignals(True)
            self.found.setCurrentIndex(labels.index(token.source) if token.source in labels else 0)
            self.found.blockSignals(False)
            self.found_row.show()
        else:
            self.found_row.hide()

    @Slot()
    def tick(self) -> None:
        """Once a second: the live countdown and the relative times of the claims table."""
        if self.token is None or self.token.claims is None:
            return
        now = self.clock()
        self.claims_model.tick(now)
        self._update_countdown(now)

    def _update_countdown(self, now: float | None = None) -> None:
        claims = self.token.claims if self.token else None
        exp = claims.get("exp") if claims else None
        from tokendesk.core.timefmt import format_utc, is_finite, is_json_number

        if not is_json_number(exp) or not is_finite(exp):
            self.countdown.setText("no expiry" if claims is not None else "")
            set_style(self.countdown, f"color: {current_theme().muted};")
            return
        from tokendesk.core.expiry import State, countdown

        text, state = countdown(exp, self.clock() if now is None else now)
        self.countdown.setText(text)
        theme = current_theme()
        color = {State.FRESH: theme.ok, State.EXPIRING: theme.warn}.get(state, theme.bad)
        self.countdown.setToolTip(f"exp {format_utc(exp)}")
        set_style(self.countdown, f"color: {color}; font-weight: 600;")

    # -- for menus ----------------------------------------------------------------------------
    def header_json(self) -> str | None:
        if self.token is None or self.token.header is None:
            return None
        import json

        return json.dumps(self.token.header, indent=2, ensure_ascii=False)

    def claims_json(self) -> str | None:
        if self.token is None or self.token.payload is None:
            return None
        import json

        return json.dumps(self.token.payload, indent=2, ensure_ascii=False)
