"""The Inspector leads with the problem, calls text text, and says which state its verdict is in
(issue 15). Driven through accessible names and the keyboard only."""

from __future__ import annotations

import jwt as pyjwt
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QWidget

from tests.conftest import NOW
from tokendesk.ui.theme import current_theme

SECRET = "qa-shared-secret-that-is-32-bytes-long!"
CLAIMS = {"iss": "https://op.example/", "sub": "u-1", "aud": "client-1", "nonce": "n1",
          "iat": NOW - 60, "exp": NOW + 252}
TOKEN = pyjwt.encode(CLAIMS, SECRET, algorithm="HS256")


def named(window, name: str) -> QWidget:
    found = [w for w in window.findChildren(QWidget) if w.accessibleName() == name]
    assert len(found) == 1, f"{len(found)} widgets named {name!r}"
    return found[0]


def type_token(window, qtbot, text: str) -> None:
    """Focus the token input and type, as a person would; wait for the debounced decode."""
    box = named(window, "Token input")
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(box, Qt.Key.Key_Delete)
    qtbot.keyClicks(box, text)
    qtbot.waitUntil(lambda: window.inspector.token is not None
                    and window.inspector.token.text == text.strip(), timeout=3000)


def press_verify(window, qtbot, key: str) -> None:
    """Type the key into the key box, then Space on the focused Verify button."""
    box = named(window, "Verification key")
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, key) if key else box.clear()
    button = window.inspector.verify_panel.verify_button
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)


def verdict(window) -> QWidget:
    return named(window, "Verification verdict")


def test_a_truncated_token_leads_with_a_red_headline_not_its_kind(window, qtbot):
    type_token(window, qtbot, TOKEN.rsplit(".", 1)[0])
    headline = named(window, "Headline")
    assert headline.isVisible()
    assert headline.text() == "Truncated token: 2 of 3 segments — was it cut off?"
    assert headline.accessibleDescription() == "problem"
    assert f"color: {current_theme().bad}" in headline.styleSheet()
    kind = named(window, "Kind")
    assert kind.text().strip() == "Malformed"  # not "ID token", not "Signed data"
    # first: the headline is above the kind badge and the problems
    assert headline.mapTo(window, headline.rect().topLeft()).y() < \
        kind.mapTo(window, kind.rect().topLeft()).y()


def test_problems_get_room_of_their_own(window, qtbot):
    type_token(window, qtbot, "eyJhbGciOi.eyJ.sig")  # three problems
    problems = named(window, "Problems")
    assert problems.isVisible() and problems.text().count("✘") == 3
    # not inside the scroll box of reasons and warnings, where it was cut off
    parent = problems.parentWidget()
    while parent is not None:
        assert not isinstance(parent, QScrollArea)
        parent = parent.parentWidget()
    # every line shown in full, once the layout has settled
    qtbot.waitUntil(lambda: problems.height() >= problems.heightForWidth(problems.width()),
                    timeout=2000)
    assert named(window, "Headline").text() == "Bad JSON in the header"


def test_free_text_is_called_text_and_offered_for_nothing(window, qtbot):
    type_token(window, qtbot, "hello, is this my access token?")
    assert named(window, "Headline").text() == "Text — not a token"
    assert named(window, "Kind").text().strip() == ""  # no "Opaque" badge
    reasons = named(window, "Why").text()
    assert "introspection" not in reasons and "opaque" not in reasons
    assert not named(window, "Trust").isVisible()
    assert verdict(window).text() == ("NOT CHECKED — this is text, not a token: there is "
                                      "nothing to verify")
    press_verify(window, qtbot, SECRET)
    assert verdict(window).accessibleDescription() == "not checked"


def test_a_whole_token_has_no_headline(window, qtbot):
    type_token(window, qtbot, TOKEN)
    assert not named(window, "Headline").isVisible()
    assert named(window, "Kind").text().strip() == "ID token"
    assert not named(window, "Problems").isVisible()


@pytest.mark.parametrize("state,word,role", [
    ("not checked", "NOT CHECKED", "muted"),
    ("verified", "VERIFIED", "ok"),
    ("failed", "INVALID", "bad"),
    ("unverified", "UNVERIFIED", "warn"),
    ("stale", "STALE", "warn"),
])
def test_each_verification_state_has_its_own_word_and_color(window, qtbot, state, word, role):
    type_token(window, qtbot, TOKEN)
    if state == "verified":
        press_verify(window, qtbot, SECRET)
    elif state == "failed":
        press_verify(window, qtbot, SECRET + "x")
    elif state == "unverified":
        press_verify(window, qtbot, "")  # asked, and no key to check with
    elif state == "stale":
        press_verify(window, qtbot, SECRET)
        qtbot.keyClicks(named(window, "Expected audience"), "someone-else")  # before re-run
    shown = verdict(window)
    assert shown.accessibleDescription() == state
    assert shown.text().split(" — ", 1)[0] == ("VALID" if state == "verified" else word)
    color = getattr(current_theme(), role)
    assert shown.styleSheet() == f"color: {color};"
    trust = named(window, "Trust")
    assert trust.isVisible() and trust.text() == word
    assert f"color: {color}" in trust.styleSheet()
    if state == "stale":
        assert "earlier token, key or expectation" in shown.text()
        qtbot.waitUntil(lambda: verdict(window).accessibleDescription() == "failed",
                        timeout=3000)  # the re-run with the new audience
        assert named(window, "Trust").text() == "INVALID"


def test_no_state_word_means_two_things(window, qtbot):
    from tokendesk.ui.views.verify_panel import STATE_WORDS

    assert len(set(STATE_WORDS.values())) == len(STATE_WORDS) == 5
    type_token(window, qtbot, TOKEN)
    assert verdict(window).text().startswith("NOT CHECKED — no key given yet")
