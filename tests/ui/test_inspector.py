"""The Inspector, driven as a person would: type, paste, drop, click verify."""

from __future__ import annotations

import json

import jwt as pyjwt
import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from tests.conftest import NOW, public_pem
from tokendesk.core.tokens.b64 import b64url_encode

SECRET = "qa-shared-secret-that-is-32-bytes-long!"
CLAIMS = {"iss": "https://op.example/", "sub": "u-1", "aud": "client-1", "nonce": "n1",
          "iat": NOW - 60, "exp": NOW + 252}
ID_TOKEN = pyjwt.encode(CLAIMS, SECRET, algorithm="HS256")


def decode_now(window):
    window.inspector_controller.decode_now()


def test_typing_decodes_after_the_debounce(qtbot, window):
    qtbot.keyClicks(window.inspector.input, ID_TOKEN)
    qtbot.waitUntil(lambda: "u-1" in window.inspector.payload_view.toPlainText(), timeout=3000)
    assert window.inspector.badge.text().strip() == "ID token"
    assert '"alg": "HS256"' in window.inspector.header_view.toPlainText()
    assert window.inspector.unverified.isVisible()
    assert window.inspector.countdown.text() == "expires in 4 min 12 s"


def test_claims_table_shows_meaning_and_times(window):
    window.inspector.set_text(ID_TOKEN)
    model = window.inspector.claims_table.model()
    rows = {model.index(r, 0).data(): r for r in range(model.rowCount())}
    exp_row = rows["exp"]
    assert "expires in 4 min 12 s" in model.index(exp_row, 1).data()
    assert "Expiration time" in model.index(exp_row, 2).data()
    tooltip = model.index(rows["nonce"], 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "OpenID Connect Core" in tooltip


def test_countdown_ticks_and_crosses_zero(window, clock):
    window.inspector.set_text(ID_TOKEN)
    clock.t = NOW + 250
    window.inspector.tick()
    assert window.inspector.countdown.text() == "expires in 2 s"
    clock.t = NOW + 372
    window.inspector.tick()
    assert window.inspector.countdown.text() == "expired 2 min ago"
    model = window.inspector.claims_model
    exp_row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "exp")
    assert "expired 2 min ago" in model.index(exp_row, 1).data()


def test_a_json_token_response_offers_each_token(window, qtbot):
    response = json.dumps({"access_token": pyjwt.encode({"scope": "read", "sub": "u"}, SECRET,
                                                        algorithm="HS256"),
                           "id_token": ID_TOKEN, "refresh_token": "opaque-refresh-0123456789",
                           "expires_in": 3600, "token_type": "Bearer"})
    window.inspector.set_text(response)
    combo = window.inspector.found
    assert window.inspector.found_row.isVisible()
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "access_token", "id_token", "refresh_token"]
    assert window.inspector.badge.text().strip() == "Access token"
    combo.setCurrentIndex(2)
    assert window.inspector.badge.text().strip() == "Refresh token"
    assert "found as refresh_token" in window.inspector.reasons.text()
    combo.setCurrentIndex(1)
    assert window.inspector.badge.text().strip() == "ID token"


def test_an_authorization_header_is_understood(window):
    window.inspector.set_text(f"Authorization: Bearer {ID_TOKEN}")
    assert window.inspector.token.text == ID_TOKEN
    assert window.inspector.badge.text().strip() == "ID token"


def test_dropping_a_text_file(window, qtbot, tmp_path):
    path = tmp_path / "token.txt"
    path.write_text(ID_TOKEN + "\n")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    target = window.inspector.input.viewport()
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    assert QApplication.sendEvent(target, enter) and enter.isAccepted()
    drop = QDropEvent(QPoint(10, 10).toPointF(), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, drop)
    qtbot.waitUntil(lambda: window.inspector.token is not None
                    and window.inspector.token.text == ID_TOKEN, timeout=3000)
    assert "token.txt" in window.status_text.text()


def test_dropping_a_binary_file_is_refused_with_a_message(window, tmp_path):
    path = tmp_path / "image.bin"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe" * 100)
    window.inspector.input.load_file(str(path))
    assert "not a text file" in window.status_text.text()


def _verify(window, qtbot, key_text="", mode_index=0):
    panel = window.inspector.verify_panel
    panel.key_input.setPlainText(key_text)
    panel.key_mode.setCurrentIndex(mode_index)
    qtbot.mouseClick(panel.verify_button, Qt.MouseButton.LeftButton)
    return panel


def test_verify_with_the_shared_secret(window, qtbot):
    window.inspector.set_text(ID_TOKEN)
    panel = window.inspector.verify_panel
    panel.issuer.setText("https://op.example/")
    panel.audience.setText("client-1")
    _verify(window, qtbot, SECRET)
    assert panel.verdict.text().startswith("VALID")
    names = [panel.checks.topLevelItem(i).text(1) for i in range(panel.checks.topLevelItemCount())]
    assert names[:3] == ["algorithm", "key", "signature"] and "iss" in names and "aud" in names
    assert window.inspector.unverified.text() == "VERIFIED"


def test_verify_with_the_wrong_secret(window, qtbot):
    window.inspector.set_text(ID_TOKEN)
    panel = _verify(window, qtbot, SECRET + "x")
    assert panel.verdict.text().startswith("INVALID")
    assert "signature does not match" in panel.verdict.text()
    assert window.inspector.unverified.isVisible()


def test_hs_token_with_a_public_key_is_refused(window, qtbot, rsa_private):
    window.inspector.set_text(ID_TOKEN)
    panel = _verify(window, qtbot, public_pem(rsa_private))
    assert panel.verdict.text().startswith("UNVERIFIED")
    assert "algorithm confusion" in panel.verdict.text()  # refused as a key, not a secret


def test_rs_token_with_a_pem_key(window, qtbot, rsa_private):
    token = pyjwt.encode(CLAIMS, rsa_private, algorithm="RS256")
    window.inspector.set_text(token)
    panel = _verify(window, qtbot, public_pem(rsa_private))
    assert panel.verdict.text().startswith("VALID")


def test_verify_without_a_key_says_what_to_do(window, qtbot):
    window.inspector.set_text(ID_TOKEN)
    panel = _verify(window, qtbot, "")
    assert panel.verdict.text().startswith("UNVERIFIED")
    assert "give a key" in panel.verdict.text()


def test_garbage_key_is_a_clear_message(window, qtbot):
    window.inspector.set_text(pyjwt.encode(CLAIMS, "x" * 32, algorithm="HS256"))
    panel = _verify(window, qtbot, "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----",
                    mode_index=1)
    assert panel.verdict.text().startswith("UNVERIFIED")
    assert "could not be read" in panel.verdict.text()


@pytest.mark.parametrize("text,expected", [
    ("hello world this is not a token", "a token has no spaces"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0=.c2ln", "padding"),
    ("eyJ%%%.abc.def", "not a base64url character"),
    ('{"foo": 1}', "holds no token"),
])
def test_bad_input_gets_a_clear_message(window, text, expected):
    window.inspector.set_text(text)
    shown = window.inspector.reasons.text() + window.inspector.problems.text()
    assert expected in shown


def test_a_jwe_without_a_key(window, qtbot):
    header = b64url_encode(json.dumps({"alg": "RSA-OAEP", "enc": "A256GCM"}).encode())
    window.inspector.set_text(f"{header}.a2V5.aXY.Y2lwaGVy.dGFn")
    assert window.inspector.badge.text().strip() == "Encrypted (JWE)"
    assert "RSA private key" in window.inspector.reasons.text()
    assert "decrypt" in window.inspector.payload_view.toPlainText()
    panel = _verify(window, qtbot, SECRET)
    assert "must be decrypted" in panel.verdict.text()


@pytest.mark.parametrize("size", [10_000_000, 600_000])
def test_a_huge_paste_is_refused_at_once_with_a_message(window, size):
    mime = QMimeData()
    mime.setText("A" * size)
    window.inspector.input.insertFromMimeData(mime)  # what Ctrl+V does
    assert window.inspector.input.toPlainText() == ""  # never inserted, so never decoded
    assert f"{size:,} characters" in window.inspector.problems.text()
    assert "Nothing was inserted" in window.status_text.text()


def test_large_but_acceptable_input_is_decoded_off_the_gui_thread(threaded_window, qtbot):
    text = "A" * 300_000
    threaded_window.inspector.set_text(text)
    assert threaded_window.tasks.busy or threaded_window.inspector.token is not None
    qtbot.waitUntil(lambda: threaded_window.inspector.token is not None, timeout=20_000)
    assert threaded_window.inspector.badge.text().strip() == "Opaque"


def test_a_huge_file_drop_is_refused(window, tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("B" * 2_000_000)
    window.inspector.input.load_file(str(path))
    assert "Nothing was inserted" in window.status_text.text()
    assert window.inspector.input.toPlainText() == ""


def test_find_filters_the_claims(window, qtbot):
    window.inspector.set_text(ID_TOKEN)
    window.find_claim()
    assert window.inspector.find_field.hasFocus()
    qtbot.keyClicks(window.inspector.find_field, "nonce")
    assert window.inspector.claims_table.model().rowCount() == 1
