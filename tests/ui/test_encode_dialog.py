"""The Encode dialog (issue 15): labelled output boxes, key generation off the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from tokendesk.ui.tasks import TaskRunner


def named(root, name: str) -> QWidget:
    found = [w for w in root.findChildren(QWidget) if w.accessibleName() == name]
    assert len(found) == 1, f"{len(found)} widgets named {name!r}"
    return found[0]


def label_of(root, widget: QWidget) -> str:
    labels = [w for w in root.findChildren(QLabel) if w.buddy() is widget]
    assert len(labels) == 1
    return labels[0].text().replace("&", "")


def test_both_output_boxes_have_labels(qtbot):
    from tokendesk.ui.views.encode import EncodeDialog

    dialog = EncodeDialog("")
    qtbot.addWidget(dialog)
    assert label_of(dialog, named(dialog, "Encoded token")).startswith("Encoded token")
    assert label_of(dialog, named(dialog, "Public key to verify with")).startswith(
        "Public key to verify with")


def test_rsa_key_generation_runs_off_the_gui_thread_with_progress(qtbot, monkeypatch):
    from tokendesk.core import load_keys, verify
    from tokendesk.core.tokens import encode as encode_module
    from tokendesk.ui.views.encode import EncodeDialog

    real = encode_module.generate_key
    ran_on: list[threading.Thread] = []
    gate = threading.Event()  # the key is not done until the test says so: a slow machine

    def slow_generate(kind: str, **options):
        ran_on.append(threading.current_thread())
        gate.wait(10)
        return real(kind, **options)

    monkeypatch.setattr(encode_module, "generate_key", slow_generate)
    runner = TaskRunner()  # a real thread pool
    dialog = EncodeDialog("", tasks=runner)
    qtbot.addWidget(dialog)
    dialog.show()
    choice = named(dialog, "Signing key")
    choice.setCurrentIndex(choice.findData("RSA"))
    button = dialog.sign_button
    button.setFocus()
    with qtbot.waitSignal(dialog.signed, timeout=10_000) as signed:
        qtbot.keyClick(button, Qt.Key.Key_Space)
        # the key press came back while the key is still being made: the GUI thread never
        # waited for it; meanwhile the dialog says what it is doing
        assert not gate.is_set()
        qtbot.waitUntil(lambda: bool(ran_on), timeout=5000)
        assert named(dialog, "Working").isVisible()
        assert named(dialog, "Signing progress").text() == "Generating an RSA key…"
        assert not button.isEnabled()
        gate.set()
    assert ran_on and ran_on[0] is not threading.main_thread()
    token = signed.args[0]
    assert named(dialog, "Encoded token").toPlainText() == token
    assert verify(token, load_keys(named(dialog, "Public key to verify with").toPlainText())
                  ).valid
    assert not named(dialog, "Working").isVisible() and button.isEnabled()
    qtbot.waitUntil(lambda: runner.settled, timeout=5000)


def test_a_signing_error_comes_back_as_a_message(qtbot):
    from tokendesk.ui.views.encode import EncodeDialog

    dialog = EncodeDialog("", tasks=TaskRunner())
    qtbot.addWidget(dialog)
    choice = named(dialog, "Signing key")
    choice.setCurrentIndex(choice.findData("paste"))
    named(dialog, "Private key").setPlainText("not a key")
    with qtbot.waitSignal(dialog.sign_failed, timeout=10_000):
        dialog.sign_button.click()
    assert named(dialog, "Error").text()
    assert not dialog.inspect_button.isEnabled() and dialog.sign_button.isEnabled()
