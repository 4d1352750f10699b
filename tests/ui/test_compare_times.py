"""Compare two tokens: time claims read as times (issue 15), their numbers kept for search."""

from __future__ import annotations

import jwt as pyjwt

from tests.conftest import NOW
from tokendesk.core.timefmt import format_utc

SECRET = "k" * 32


def test_changed_times_are_shown_as_times(qtbot):
    from tokendesk.ui.views.compare import CompareDialog

    before = pyjwt.encode({"sub": "u", "exp": NOW, "sid": "s"}, SECRET, algorithm="HS256")
    after = pyjwt.encode({"sub": "u", "exp": NOW + 300, "sid": "t"}, SECRET, algorithm="HS256")
    dialog = CompareDialog(before)
    qtbot.addWidget(dialog)
    dialog.after.setPlainText(after)
    rows = {dialog.table.topLevelItem(i).text(0): dialog.table.topLevelItem(i)
            for i in range(dialog.table.topLevelItemCount())}
    assert rows["exp"].text(2) == f"{format_utc(NOW)} ({NOW})"
    assert rows["exp"].text(3) == f"{format_utc(NOW + 300)} ({NOW + 300})"
    assert rows["sid"].text(2) == "s" and rows["sid"].text(3) == "t"
