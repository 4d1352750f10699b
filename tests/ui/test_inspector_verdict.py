"""Inspector verdicts (issue 12): never borrowed from an untrusted issuer, never stale.

Driven as a person would, through the widgets' accessible names; issuers are real HTTP
servers on 127.0.0.1.
"""

from __future__ import annotations

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from tests.conftest import NOW
from tests.helpers.http_server import LocalServer, Reply
from tokendesk.core.tokens.keys import jwk_from_public_key
from tokendesk.ui.controllers.inspector import STALE_ASK

SECRET = "qa-shared-secret-that-is-32-bytes-long!"
OTHER_SECRET = "another-shared-secret-32-bytes-long!!"
CLAIMS = {"iss": "https://op.example/", "sub": "u-1", "aud": "client-1",
          "iat": NOW - 60, "exp": NOW + 252}
TOKEN = pyjwt.encode(CLAIMS, SECRET, algorithm="HS256")


def named(window, name: str) -> QWidget:
    found = [w for w in window.findChildren(QWidget) if w.accessibleName() == name]
    assert len(found) == 1, f"{len(found)} widgets named {name!r}"
    return found[0]


def verdict(window) -> str:
    return named(window, "Verification verdict").text()


def paste_token(window, qtbot, text: str) -> None:
    named(window, "Token input").setPlainText(text)  # decoded after the debounce
    qtbot.waitUntil(lambda: window.inspector.token is not None
                    and window.inspector.token.text == text, timeout=3000)


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def verify_with(window, qtbot, key: str) -> None:
    named(window, "Verification key").setPlainText(key)
    click(qtbot, window.inspector.verify_panel.verify_button)


def check_names(window) -> dict[str, bool]:
    tree = named(window, "Verification result")
    items = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    return {item.text(1): item.text(0) == "✔" for item in items}


# -- verdicts follow their inputs (local keys: re-run, debounced) -------------------------------
def test_valid_then_a_wrong_key_turns_invalid_without_pressing_verify(window, qtbot):
    paste_token(window, qtbot, TOKEN)
    verify_with(window, qtbot, SECRET)
    assert verdict(window).startswith("VALID")
    named(window, "Verification key").setPlainText(SECRET + "x")
    assert not verdict(window).startswith("VALID")  # at once, before the re-run
    assert verdict(window).startswith("STALE")
    qtbot.waitUntil(lambda: verdict(window).startswith("INVALID"), timeout=3000)
    assert "signature does not match" in verdict(window)
    assert window.inspector.unverified.isVisible()


def test_invalid_then_the_right_key_turns_valid(window, qtbot):
    paste_token(window, qtbot, TOKEN)
    verify_with(window, qtbot, SECRET + "x")
    assert verdict(window).startswith("INVALID")
    key = named(window, "Verification key")
    key.clear()
    qtbot.keyClicks(key, SECRET)  # typed: each keystroke is an input change, latest wins
    qtbot.waitUntil(lambda: verdict(window).startswith("VALID"), timeout=3000)
    assert window.inspector.unverified.text() == "VERIFIED"


@pytest.mark.parametrize("field,value,failed", [
    ("Expected audience", "someone-else", "aud"),
    ("Expected issuer", "https://op.example", "iss"),  # exact match: no trailing slash
])
def test_changing_an_expectation_re_runs_the_verification(window, qtbot, field, value, failed):
    paste_token(window, qtbot, TOKEN)
    verify_with(window, qtbot, SECRET)
    assert verdict(window).startswith("VALID")
    named(window, field).setText(value)
    qtbot.waitUntil(lambda: verdict(window).startswith("INVALID"), timeout=3000)
    assert check_names(window)[failed] is False
    named(window, field).setText("")
    qtbot.waitUntil(lambda: verdict(window).startswith("VALID"), timeout=3000)


def test_changing_the_algorithm_or_leeway_re_runs(window, qtbot, clock):
    paste_token(window, qtbot, TOKEN)
    verify_with(window, qtbot, SECRET)
    algorithm = named(window, "Algorithm")
    algorithm.setCurrentIndex(algorithm.findData("HS512"))
    qtbot.waitUntil(lambda: verdict(window).startswith("INVALID"), timeout=3000)
    assert "HS256" in verdict(window)
    algorithm.setCurrentIndex(algorithm.findData("HS256"))
    qtbot.waitUntil(lambda: verdict(window).startswith("VALID"), timeout=3000)
    clock.t = NOW + 300  # expired 48 s ago
    named(window, "Leeway").setValue(10)
    qtbot.waitUntil(lambda: verdict(window).startswith("INVALID"), timeout=3000)
    named(window, "Leeway").setValue(60)
    qtbot.waitUntil(lambda: verdict(window).startswith("VALID"), timeout=3000)


def test_a_new_token_is_verified_again_with_the_same_key(window, qtbot):
    paste_token(window, qtbot, TOKEN)
    verify_with(window, qtbot, SECRET)
    assert window.status_text.text() == "Verified: VALID"
    paste_token(window, qtbot, pyjwt.encode(CLAIMS, OTHER_SECRET, algorithm="HS256"))
    qtbot.waitUntil(lambda: verdict(window).startswith("INVALID"), timeout=3000)
    assert "VALID" not in window.status_text.text().replace("INVALID", "")
    assert window.status_text.text().startswith("Verification: INVALID")


def test_a_new_token_clears_the_old_status_bar_verdict(window, qtbot):
    paste_token(window, qtbot, TOKEN)
    verify_with(window, qtbot, SECRET)
    assert window.status_text.text() == "Verified: VALID"
    paste_token(window, qtbot, "not a token at all")
    assert "VALID" not in window.status_text.text()
    assert verdict(window).startswith("NOT CHECKED — this is text, not a token")


def test_before_any_verify_nothing_runs(window, qtbot):
    paste_token(window, qtbot, TOKEN)
    named(window, "Verification key").setPlainText(SECRET)
    qtbot.waitUntil(lambda: not window.inspector.controller.scheduled, timeout=5000)
    assert verdict(window).startswith("NOT CHECKED")  # and nothing is left to run


def test_cancelled_work_is_not_shown_after_an_input_change(threaded_window, qtbot):
    """A verification still running when the key changes never shows its (old) verdict."""
    window = threaded_window
    paste_token(window, qtbot, TOKEN)
    verify_with(window, qtbot, SECRET)
    named(window, "Verification key").setPlainText(SECRET + "x")
    qtbot.waitUntil(lambda: verdict(window).startswith("INVALID"), timeout=5000)
    qtbot.waitUntil(lambda: window.tasks.settled, timeout=5000)  # the old one ended too
    assert verdict(window).startswith("INVALID")


# -- issuer keys: only for an issuer the user trusts -------------------------------------------
def _publish(server: LocalServer, private: rsa.RSAPrivateKey) -> None:
    server.route("/.well-known/openid-configuration",
                 Reply(body={"issuer": server.url, "jwks_uri": server.url + "/jwks"}))
    server.route("/jwks", Reply(body={"keys": [
        {**jwk_from_public_key(private.public_key()), "kid": "k1", "use": "sig"}]}))


def _signed(iss: str, private: rsa.RSAPrivateKey) -> str:
    return pyjwt.encode({"iss": iss, "sub": "admin", "aud": "api", "exp": NOW + 60, "iat": NOW},
                        private, algorithm="RS256", headers={"kid": "k1"})


@pytest.fixture
def real(rsa_private):
    with LocalServer() as srv:
        _publish(srv, rsa_private)
        yield srv


@pytest.fixture
def attacker_key():
    return rsa.generate_private_key(65537, 2048)


@pytest.fixture
def attacker(attacker_key):
    with LocalServer() as srv:
        _publish(srv, attacker_key)
        yield srv


def test_a_forged_token_naming_its_own_issuer_is_not_valid(window, qtbot, attacker,
                                                           attacker_key, real):
    panel = window.inspector.verify_panel
    paste_token(window, qtbot, _signed(attacker.url, attacker_key))
    assert panel.trust_button.isVisible()
    assert panel.trust_button.text() == f"Trust {attacker.url} ?"
    click(qtbot, panel.issuer_button)
    assert verdict(window).startswith("UNTRUSTED")
    assert "named by the token itself, not by you" in verdict(window)
    assert check_names(window)["issuer trust"] is False
    assert check_names(window)["signature"] is True
    assert window.inspector.unverified.text() == "UNTRUSTED"
    assert "VALID" not in window.status_text.text().replace("UNTRUSTED", "")
    # the user names the issuer they trust: the verdict is stale (keys come from the network)
    qtbot.keyClicks(named(window, "Expected issuer"), real.url)
    assert verdict(window) == f"STALE — {STALE_ASK}"
    assert window.status_text.text() == ""
    assert not panel.trust_button.isHidden()  # still offered: the field holds another issuer
    click(qtbot, panel.issuer_button)
    assert verdict(window).startswith("INVALID")
    assert check_names(window)["signature"] is False
    assert attacker.count("/jwks") == 1 and real.count("/jwks") == 1


def test_trusting_the_offered_issuer_fills_the_field_and_verifies(window, qtbot, real,
                                                                  rsa_private):
    panel = window.inspector.verify_panel
    paste_token(window, qtbot, _signed(real.url, rsa_private))
    click(qtbot, panel.issuer_button)
    assert verdict(window).startswith("UNTRUSTED")
    click(qtbot, panel.trust_button)
    assert named(window, "Expected issuer").text() == real.url
    assert panel.trust_button.isHidden()
    assert verdict(window).startswith("VALID")
    assert check_names(window)["issuer trust"] is True and check_names(window)["iss"] is True


def test_network_keys_are_marked_stale_not_fetched_again(window, qtbot, real, rsa_private):
    paste_token(window, qtbot, _signed(real.url, rsa_private))
    named(window, "Expected issuer").setText(real.url)
    click(qtbot, window.inspector.verify_panel.issuer_button)
    assert verdict(window).startswith("VALID")
    hits = len(real.hits)
    named(window, "Expected audience").setText("api")
    assert verdict(window) == f"STALE — {STALE_ASK}"
    assert check_names(window) == {}
    paste_token(window, qtbot, _signed(real.url, rsa_private) + "x")
    assert verdict(window) == f"STALE — {STALE_ASK}"
    qtbot.waitUntil(lambda: not window.inspector.controller.scheduled, timeout=5000)
    assert len(real.hits) == hits  # nothing fetched without the user asking, nor to come


def test_a_late_answer_for_old_inputs_is_dropped(threaded_window, qtbot, real, rsa_private):
    window = threaded_window
    panel = window.inspector.verify_panel
    real.route("/.well-known/openid-configuration",
               Reply(body={"issuer": real.url, "jwks_uri": real.url + "/jwks"}, delay=1.0))
    paste_token(window, qtbot, _signed(real.url, rsa_private))
    named(window, "Expected issuer").setText(real.url)
    click(qtbot, panel.issuer_button)
    assert panel.progress_line.isVisible()
    named(window, "Expected audience").setText("api")  # while the keys are being fetched
    assert verdict(window) == f"STALE — {STALE_ASK}"
    assert not panel.progress_line.isVisible() and panel.issuer_button.isEnabled()
    # the answer arrives, for the old inputs: not shown
    qtbot.waitUntil(lambda: window.tasks.settled, timeout=15_000)
    assert verdict(window) == f"STALE — {STALE_ASK}"
    click(qtbot, panel.issuer_button)
    qtbot.waitUntil(lambda: verdict(window).startswith("VALID"), timeout=5000)
    click(qtbot, panel.issuer_button)
    paste_token(window, qtbot, "not a token")  # nothing to verify: the work is dropped
    assert not panel.progress_line.isVisible()
    assert verdict(window).startswith("NOT CHECKED")


@pytest.mark.integration
def test_a_vault_clients_issuer_is_trusted_and_offered(make_window, keyring_store_factory, qtbot,
                                                       real, rsa_private):
    from tokendesk.core.vault import Client

    window = make_window(store_factory=keyring_store_factory, tab="vault_view")
    qtbot.waitUntil(lambda: window.vault_controller.vault is not None, timeout=5000)
    window.tabs.setCurrentWidget(window.inspector)
    window.vault_controller.add_client(Client("prod", real.url, "app", "none"), None)
    qtbot.waitUntil(lambda: real.url in window.inspector_controller.trusted_issuers,
                    timeout=5000)
    completer = named(window, "Expected issuer").completer()
    assert completer is not None and real.url in completer.model().stringList()
    panel = window.inspector.verify_panel
    paste_token(window, qtbot, _signed(real.url, rsa_private))
    assert panel.trust_button.isHidden()  # already trusted: nothing to offer
    click(qtbot, panel.issuer_button)
    qtbot.waitUntil(lambda: verdict(window).startswith(("VALID", "INVALID", "UNTRUSTED")),
                    timeout=5000)
    assert verdict(window).startswith("VALID")
    assert check_names(window)["issuer trust"] is True
