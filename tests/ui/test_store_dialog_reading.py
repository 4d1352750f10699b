"""The "Store a refresh token" dialog reads what was pasted as `tokendesk vault add` does
(TokenSet.from_pasted) and says why it cannot be stored, in the dialog, without closing it."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QLabel

from tokendesk.ui.views.vault_dialogs import AddCredentialDialog


def _ok(dialog: AddCredentialDialog) -> None:
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()


def _error(dialog: AddCredentialDialog) -> str:
    return next(w.text() for w in dialog.findChildren(QLabel) if w.accessibleName() == "Error")


def test_two_tokens_pasted_together_are_refused_with_the_reason(qtbot):
    dialog = AddCredentialDialog(["dev"])
    qtbot.addWidget(dialog)
    dialog.name.setText("alice")
    dialog.tokens.setText("rt-one rt-two")
    _ok(dialog)
    assert "no spaces or line breaks" in _error(dialog)
    assert dialog.result() == 0 and "rt-one" not in _error(dialog)


def test_broken_json_is_refused_and_a_response_is_accepted(qtbot):
    dialog = AddCredentialDialog(["dev"])
    qtbot.addWidget(dialog)
    dialog.name.setText("alice")
    dialog.tokens.setText('{"refresh_token": ')
    _ok(dialog)
    assert "not valid JSON" in _error(dialog)
    dialog.tokens.setText('{"refresh_token": "r1", "access_token": "a1", "expires_in": 60}')
    with qtbot.waitSignal(dialog.accepted, timeout=1000):
        _ok(dialog)
    tokens = dialog.token_set()
    assert (tokens.refresh_token, tokens.access_token) == ("r1", "a1")
