"""The Verify panel's "Must be" offers exactly the kinds the table calls expectable, as the
CLI's --expect does (they had drifted: the CLI offered refresh_token, the window did not)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from tokendesk.core.tokens.model import expectable_kinds


def test_must_be_offers_the_expectable_kinds(window):
    combo = next(c for c in window.inspector.findChildren(QComboBox)
                 if c.accessibleName() == "Expected kind")
    offered = [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]
    assert offered == [("Any", None), *[(k.label, k.value) for k in expectable_kinds()]]
