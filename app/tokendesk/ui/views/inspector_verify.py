"""The Inspector's side of verification: what may be verified, and the controller's answers
shown in the verify panel, the badge row and the status bar. A mixin of :class:`InspectorView`
(kept apart so each file reads on its own)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..controllers.inspector import VerifyRequest
from ..theme import current_theme
from ..widgets.labels import set_style

__all__ = ["VerifyWiring"]


class VerifyWiring:
    """Methods of the Inspector view about verification (``self`` is the view, which has
    what is declared here)."""

    token: Any
    controller: Any
    verify_panel: Any
    unverified: Any
    problems: Any
    status_message: Any
    status_retracted: Any
    clock: Callable[[], float]
    _verify_status: str | None
    _show_trust: Callable[[str], None]
    _signed: Callable[[], bool]

    def _token_problem(self) -> str | None:
        """Why the current token cannot be verified, or None."""
        token = self.token
        if token is None or not token.text:
            return "nothing to verify"
        from tokendesk.core import TokenFormat

        if token.format is TokenFormat.JWE:
            return ("an encrypted token (JWE) must be decrypted before its signature can be "
                    "checked")
        if token.format is TokenFormat.TEXT:
            return "this is text, not a token: there is nothing to verify"
        if token.format is TokenFormat.OPAQUE:
            return ("an opaque token has no signature to check: ask its issuer (introspection "
                    "or /userinfo)")
        return None

    def _verifiable_request(self, request: VerifyRequest) -> VerifyRequest | None:
        """``request`` for the current token, or None when it cannot be verified."""
        if self._token_problem() is not None or self.token is None:
            return None
        return request._replace(token=self.token.text, now=self.clock())

    def _on_verify_requested(self, request: VerifyRequest) -> None:
        if self.token is None or not self.token.text:
            self._show_message("Nothing to verify: paste a token first.")
            return
        problem = self._token_problem()
        if problem is not None:  # nothing can be checked: not a failed check either
            self.verify_panel.show_not_checked(problem)
            return
        self.controller.verify(request._replace(token=self.token.text, now=self.clock()))

    def _on_verify_inputs_changed(self) -> None:
        self.controller.inputs_changed(self._verifiable_request(self.verify_panel.request()))

    def _on_issuer_trusted(self, _issuer: str) -> None:
        """The user trusts the issuer the token names: verify again now (a click asks)."""
        self.controller.inputs_changed(self._verifiable_request(self.verify_panel.request()),
                                       user_asked=True)

    def _on_verify_stale(self, why: str, _rerunning: bool) -> None:
        self.verify_panel.set_busy(None)
        self.verify_panel.show_stale(why)
        self.unverified.setVisible(self._signed())
        self._retract_verify_status()

    def _retract_verify_status(self) -> None:
        if self._verify_status is not None:
            self.status_retracted.emit(self._verify_status)
            self._verify_status = None

    def _verify_status_message(self, message: str) -> None:
        self._verify_status = message
        self.status_message.emit(message)

    def _on_verified(self, verification: Any, described: str) -> None:
        self.verify_panel.set_busy(None)
        self.verify_panel.show_result(verification, described)
        self.unverified.setVisible(True)
        self._show_trust(self.verify_panel.state)  # UNTRUSTED and INVALID differ in words
        self._verify_status_message(
            "Verified: VALID" if verification.valid else
            f"Verification: {verification.verdict} — {verification.reason}")

    def _on_verify_failed(self, message: str) -> None:
        self.verify_panel.set_busy(None)
        self.verify_panel.show_error(message)
        self._verify_status_message(message)

    def _on_verify_cancelled(self) -> None:
        self.verify_panel.set_busy(None)
        self.verify_panel.show_not_checked("cancelled before a verdict")

    def _show_message(self, message: str) -> None:
        self.status_message.emit(message)
        if "Nothing was inserted" in message:
            self.problems.setText(f"✘ {message}")
            set_style(self.problems, f"color: {current_theme().bad};")
            self.problems.show()
