"""The Inspector's verdict panel shows the checks nobody asked for as "not checked" (issue 14)."""

from __future__ import annotations

import jwt as pyjwt

from tests.conftest import NOW
from tokendesk.core import load_secret, verify
from tokendesk.ui.views.verify_panel import VerifyPanel

SECRET = b"k" * 32


def test_valid_with_nothing_asked_says_what_was_not_checked(qtbot):
    token = pyjwt.encode({"iss": "https://i.example", "aud": "a", "exp": NOW + 60}, SECRET,
                         algorithm="HS256")
    panel = VerifyPanel()
    qtbot.addWidget(panel)
    panel.show_result(verify(token, load_secret(SECRET), now=NOW), "the secret")
    assert panel.verdict.accessibleName() == "Verification verdict"
    text = panel.verdict.text()
    assert text.startswith("VALID") and "not checked: issuer, audience, nonce, at_hash" in text
    rows = [panel.checks.topLevelItem(i) for i in range(panel.checks.topLevelItemCount())]
    states = {r.text(1): r.data(0, 11) for r in rows}
    assert states["signature"] == "passed" and states["exp"] == "passed"
    assert states["iss"] == "not checked" and states["nonce"] == "not checked"
    assert next(r for r in rows if r.text(1) == "aud").text(0) == "–"
