"""The window around the views: navigation, menus, preferences, geometry, clipboard, dialogs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jwt as pyjwt
import pytest
from PySide6.QtCore import QByteArray, QMimeData
from PySide6.QtGui import QGuiApplication, QKeySequence

from tests.conftest import NOW

SECRET = "qa-shared-secret-that-is-32-bytes-long!"
TOKEN = pyjwt.encode({"sub": "u", "scope": "read", "exp": NOW + 60}, SECRET, algorithm="HS256")


def test_navigation_between_the_five_views(window, qtbot):
    from tokendesk.ui.navigation import view_names

    assert view_names() == ["Inspector", "Vault", "Exchange", "Expiry", "Support"]
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == view_names()
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    entries = [a for a in view_menu.actions() if not a.isSeparator()]
    assert [a.shortcut().toString() for a in entries[:5]] == [
        "Ctrl+1", "Ctrl+2", "Ctrl+3", "Ctrl+4", "Ctrl+5"]
    for action, name in zip(entries[:5], view_names(), strict=True):
        action.trigger()
        assert window.tabs.currentWidget() is window.views[name]
    assert window.views["Vault"] is window.vault_view
    next_view, previous_view = entries[5:7]
    next_view.trigger()  # from the last view round to the first
    assert window.tabs.currentWidget() is window.inspector
    previous_view.trigger()
    assert window.tabs.currentWidget() is window.support_view


def test_menus_have_the_expected_shortcuts(window):
    actions = {a.text().replace("&", ""): a for m in window.menuBar().actions()
               for a in m.menu().actions() if a.text()}
    assert actions["Paste and inspect"].shortcut() == QKeySequence("Ctrl+Shift+V")
    assert actions["Open file…"].shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    assert actions["Copy token"].shortcut() == QKeySequence("Ctrl+Shift+C")
    assert actions["Find claim"].shortcut() == QKeySequence(QKeySequence.StandardKey.Find)
    assert not actions["Preferences…"].shortcut().isEmpty()
    standard_quit = QKeySequence(QKeySequence.StandardKey.Quit)  # none on some desktops
    assert actions["Quit"].shortcut() == (standard_quit if not standard_quit.isEmpty()
                                          else QKeySequence("Ctrl+Q"))


def test_paste_and_inspect(window):
    QGuiApplication.clipboard().setText(f"Bearer {TOKEN}")
    window.paste_and_inspect()
    assert window.inspector.token.text == TOKEN


def test_paste_and_inspect_with_an_empty_clipboard(window):
    QGuiApplication.clipboard().setText("")
    window.paste_and_inspect()
    assert "no text" in window.status_text.text()


def test_copy_token_is_concealed_and_cleared_only_if_unchanged(window):
    window.inspector.set_text(TOKEN)
    window.copy_token()
    clipboard = QGuiApplication.clipboard()
    mime = clipboard.mimeData()
    assert clipboard.text() == TOKEN
    assert bytes(mime.data("x-kde-passwordManagerHint")) == b"secret"
    window.clipboard.clear_now()
    assert clipboard.text() == ""
    # the user copied something else meanwhile: it is left alone
    window.copy_token()
    clipboard.setText("something the user copied")
    window.clipboard.clear_now()
    assert clipboard.text() == "something the user copied"


def test_closing_clears_a_pending_secret(window):
    window.inspector.set_text(TOKEN)
    window.copy_token()
    window.close()
    assert QGuiApplication.clipboard().text() == ""


def test_copy_header_and_claims(window):
    window.inspector.set_text(TOKEN)
    window.copy_header()
    assert json.loads(QGuiApplication.clipboard().text())["alg"] == "HS256"
    window.copy_claims()
    assert json.loads(QGuiApplication.clipboard().text())["scope"] == "read"


def test_copy_with_nothing_says_so(window):
    window.copy_token()
    assert "Nothing to copy" in window.status_text.text()


def test_preferences_are_persisted(window, tokendesk_home, qtbot):
    from tokendesk.ui.settings import Settings
    from tokendesk.ui.views.preferences import PreferencesDialog

    dialog = PreferencesDialog(window.settings, window)
    qtbot.addWidget(dialog)
    dialog.leeway.setValue(30)
    dialog.clear_after.setValue(45)
    dialog.local_time.setChecked(False)
    dialog.save()
    again = Settings(str(tokendesk_home / "settings.ini"))
    assert again.get("inspector/leeway_s") == 30
    assert again.get("clipboard/clear_after_s") == 45
    assert again.get("inspector/show_local_time") is False


def test_window_geometry_is_restored(qtbot, tokendesk_home, clock):
    from tokendesk.ui.settings import Settings
    from tokendesk.ui.shell import MainWindow
    from tokendesk.ui.tasks import InlinePool

    path = str(tokendesk_home / "settings.ini")
    first = MainWindow(settings=Settings(path), pool=InlinePool(), clock=clock)
    qtbot.addWidget(first)
    first.show()
    screen = first.screen().availableGeometry()
    minimum = first.minimumSizeHint()
    assert minimum.width() < screen.width() - 20, "the window no longer fits a small screen"
    size = (min(screen.width() - 10, minimum.width() + 40), min(screen.height() - 10, 740))
    first.resize(*size)
    first.close()
    saved = Settings(path).geometry("main")
    assert isinstance(saved, QByteArray) and not saved.isEmpty()
    second = MainWindow(settings=Settings(path), pool=InlinePool(), clock=clock)
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == size


def test_about_names_the_versions(window):
    from tokendesk.ui.shell import about_text

    text = about_text()
    for name in ("Tokendesk 0.1.0", "Qt ", "PySide6 ", "cryptography ", "PyJWT "):
        assert name in text


def test_compare_dialog_lists_the_changes(window, qtbot):
    from tokendesk.ui.views.compare import CompareDialog

    before = pyjwt.encode({"sub": "u", "exp": 100, "sid": "s"}, SECRET, algorithm="HS256")
    after = pyjwt.encode({"sub": "u", "exp": 200, "jti": "j"}, SECRET, algorithm="HS256")
    dialog = CompareDialog(before, window)
    qtbot.addWidget(dialog)
    dialog.after.setPlainText(after)
    rows = [(dialog.table.topLevelItem(i).text(0), dialog.table.topLevelItem(i).text(1))
            for i in range(dialog.table.topLevelItemCount())]
    assert rows == [("exp", "changed"), ("sid", "removed"), ("jti", "added")]
    assert dialog.summary.text() == "1 added, 1 removed, 1 changed"
    dialog.after.setPlainText("garbage")
    assert "Paste a token with claims on both sides" in dialog.summary.text()


def test_encode_dialog_signs_and_sends_to_the_inspector(window, qtbot):
    from tokendesk.core import load_keys, verify
    from tokendesk.ui.views.encode import EncodeDialog

    window.inspector.set_text(TOKEN)
    dialog = EncodeDialog(TOKEN, window)
    qtbot.addWidget(dialog)
    from PySide6.QtWidgets import QLabel

    banner = next(w for w in dialog.findChildren(QLabel) if w.accessibleName() == "Warning")
    assert banner.text().startswith("Testing only")
    dialog.claims.setPlainText(json.dumps({"sub": "edited", "scope": "admin"}))
    dialog.key_choice.setCurrentIndex(1)  # EC P-256
    dialog.sign()
    token = dialog.output.toPlainText()
    assert verify(token, load_keys(dialog.public_key.toPlainText())).valid
    dialog.token_made.connect(window.inspector.set_text)
    dialog.inspect_button.click()
    assert window.inspector.token.claims == {"sub": "edited", "scope": "admin"}


def test_open_in_inspector_brings_the_inspector_to_the_front(window):
    """Encode from the Vault view, Open in Inspector: the token shows, and so does the
    Inspector (the tasks run inline: signing is done when Sign returns)."""
    from PySide6.QtWidgets import QComboBox

    from tests.helpers.named import named, on_dialog

    window.tabs.setCurrentWidget(window.vault_view)

    def make(dialog):
        named(dialog, "Claims JSON").setPlainText(json.dumps({"sub": "from-encode"}))
        keys = named(dialog, "Signing key", QComboBox)
        keys.setCurrentIndex(keys.findData("HMAC"))
        named(dialog, "Sign").click()
        named(dialog, "Open in Inspector").click()
    with on_dialog(make):
        window.encode()
    assert window.tabs.currentWidget() is window.inspector
    assert window.inspector.token.claims == {"sub": "from-encode"}


def test_encode_dialog_reports_bad_json(window, qtbot):
    from tokendesk.ui.views.encode import EncodeDialog

    dialog = EncodeDialog("", window)
    qtbot.addWidget(dialog)
    dialog.claims.setPlainText("{nope")
    dialog.sign()
    assert "Not valid JSON" in dialog.error.text()
    assert not dialog.inspect_button.isEnabled()


def test_open_file_action_reads_through_the_input(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    path = tmp_path / "response.json"
    path.write_text(json.dumps({"access_token": TOKEN}))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    window.open_file()
    window.inspector_controller.decode_now()
    assert window.inspector.token.text == TOKEN


def test_accessible_names_of_the_main_widgets(window):
    from PySide6.QtWidgets import QWidget

    names = {w.accessibleName() for w in window.findChildren(QWidget)}
    for name in ("Token input", "Header", "Payload", "Claims", "Verification key",
                 "Verification result"):
        assert name in names


def test_mime_with_urls_but_not_local_is_pasted_as_text(window):
    mime = QMimeData()
    mime.setText(TOKEN)
    window.inspector.input.insertFromMimeData(mime)
    window.inspector_controller.decode_now()
    assert window.inspector.token.text == TOKEN


def _run_smoke(extra_env=None):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(extra_env or {})}
    return subprocess.run([sys.executable, "-m", "tokendesk", "gui", "--smoke-test"],
                          capture_output=True, text=True, timeout=120, env=env)


def test_smoke_test_prints_first_paint_and_defers_heavy_imports(tokendesk_home):
    result = _run_smoke({"TOKENDESK_HOME": str(tokendesk_home)})
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert int(lines["first-paint-ms"]) > 0
    assert lines["heavy-imports-at-first-paint"] == "none"
    assert lines["qt-enum-namespace-at-first-paint"] == "not built"


@pytest.mark.parametrize("argv", [["gui", "--smoke-test"], ["--smoke-test"]])
def test_cli_main_routes_to_the_gui(argv, tokendesk_home):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TOKENDESK_HOME": str(tokendesk_home)}
    code = ("import sys; from tokendesk.cli import main; sys.exit(main(sys.argv[1:]))")
    result = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                            timeout=120, env=env)
    if argv == ["--smoke-test"]:
        assert result.returncode == 2  # --smoke-test belongs to the gui command
    else:
        assert result.returncode == 0 and "first-paint-ms" in result.stdout


def test_hidden_views_can_wait_until_they_are_shown(make_window):
    win = make_window(defer_hidden_views=True)
    assert win.views["Vault"] is None
    win.tabs.setCurrentIndex(1)  # the person opens the Vault tab
    assert win.tabs.currentWidget() is win.views["Vault"] is not None
    assert win.tabs.tabText(1) == "Vault" and win.tabs.tabText(2) == "Exchange"
    win.finish_startup()  # a view built before it still gets its commands' shortcuts
    assert "&Store refresh token…" in [a.text() for a in win.views["Vault"].actions()]


def test_deferred_startup_sets_shortcuts_and_the_claims_model_after_the_first_paint(
        qtbot, tokendesk_home, clock):
    """What the app defers past the first paint (the menus' entries and shortcuts, the claims
    model) arrives with finish_startup, and a token shown before that still fills the claims
    table."""
    from PySide6.QtGui import QKeySequence

    from tokendesk.ui.settings import Settings
    from tokendesk.ui.shell import MainWindow
    from tokendesk.ui.tasks import InlinePool

    win = MainWindow(settings=Settings(str(tokendesk_home / "settings.ini")), pool=InlinePool(),
                     clock=clock, defer_hidden_views=True)
    qtbot.addWidget(win)
    file_menu = win.menuBar().actions()[0].menu()
    assert file_menu.title() == "&File" and file_menu.actions() == []  # titles only
    win.inspector.set_text(TOKEN)
    win.inspector_controller.decode_now()
    assert win.inspector.claims_model.rowCount() > 0  # attached on demand
    win.finish_startup()
    paste = file_menu.actions()[0]
    assert paste.text() == "&Paste and inspect"
    assert paste.shortcut() == QKeySequence("Ctrl+Shift+V")
    win.finish_startup()  # idempotent
    assert paste.shortcut() == QKeySequence("Ctrl+Shift+V")


def test_preferences_refuse_a_ca_bundle_that_does_not_exist(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from tokendesk.ui.views.preferences import PreferencesDialog

    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warned.append(a[2]))
    dialog = PreferencesDialog(window.settings, window)
    dialog.ca_bundle.setText(str(tmp_path / "missing.pem"))
    dialog.save()
    assert warned and "There is no file" in warned[0]
    assert dialog.result() == 0 and not window.settings.get("network/ca_bundle")
    real = tmp_path / "ca.pem"
    real.write_text("")
    dialog.ca_bundle.setText(str(real))
    dialog.save()
    assert window.settings.get("network/ca_bundle") == str(real)


def test_the_encode_dialog_signs_then_encrypts_for_a_recipient(window, rsa_private):
    """A nested JWT as QA needs one: signed, then encrypted for the recipient's public key;
    the recipient decrypts it and verifies the inner token with the key the dialog shows."""
    from tests.conftest import private_pem, public_pem
    from tokendesk.core import load_keys, verify
    from tokendesk.core.tokens.jwe import decrypt, load_decryption_key
    from tokendesk.ui.views.encode import EncodeDialog

    dialog = EncodeDialog("", window)
    dialog.key_choice.setCurrentIndex(1)  # a new EC P-256 key (ES256)
    dialog.recipient.setPlainText(public_pem(rsa_private))
    dialog.sign()
    token = dialog.output.toPlainText()
    assert dialog.error.text() == "" and token.count(".") == 4  # a JWE
    inner = decrypt(token, load_decryption_key(private_pem(rsa_private)))
    assert inner.header["cty"] == "JWT"
    result = verify(inner.text, load_keys(dialog.public_key.toPlainText()))
    assert result.valid and result.claims["sub"] == "qa-user"
    dialog.recipient.setPlainText("not a key")  # a bad recipient key is said, not raised
    dialog.sign()
    assert dialog.error.text()


def test_the_inspector_decrypts_a_nested_jwt_and_shows_the_signed_token_inside(window,
                                                                               rsa_private):
    from tests.conftest import private_pem, public_pem
    from tokendesk.core.tokens.encode import encode, generate_key
    from tokendesk.core.tokens.jwe_encrypt import encrypt, load_encryption_key

    signer = generate_key("EC")
    inner = encode({"sub": "nested"}, signer)
    jwe = encrypt(inner.encode(), load_encryption_key(public_pem(rsa_private)),
                  header={"cty": "JWT"})
    window.inspector.set_text(jwe)
    window.decrypt("not a key")
    assert window.status_text.text().startswith("Not decrypted:")
    window.decrypt(private_pem(rsa_private))
    assert window.inspector.token.text == inner  # the signed token, ready to verify
    assert "verify it" in window.status_text.text()
