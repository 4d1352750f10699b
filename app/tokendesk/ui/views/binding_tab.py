"""The Inspector's Binding tab (DPoP proofs and cnf, issue 18), built when first shown: a mixin
of :class:`~tokendesk.ui.views.inspector.InspectorView`, kept apart so the first paint never
builds it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["BindingTab"]


class BindingTab:
    """``self`` is the Inspector view, which has what is declared here."""

    token: Any
    clock: Callable[[], float]
    decoded_tabs: Any
    _binding: Any
    _binding_page: Any
    _binding_layout: Any

    @property
    def binding_panel(self) -> Any:
        """The Binding tab's panel, built on first use."""
        if self._binding is None:
            from .binding_panel import BindingPanel

            self._binding = BindingPanel(self.clock)
            self._binding_layout.addWidget(self._binding)
            if self.token is not None:
                self._binding.set_token(self.token)
        return self._binding

    def _on_decoded_tab(self, index: int) -> None:
        if self.decoded_tabs.widget(index) is self._binding_page:
            self.binding_panel  # noqa: B018 - built now, as it is shown

    def _binding_token(self, token: Any) -> None:
        if self._binding is not None:
            self._binding.set_token(token)
