"""The Expiry view with an injected clock, against a real Secret Service."""

from __future__ import annotations

import jwt as pyjwt
import pytest

from tests.conftest import NOW
from tokendesk.core.expiry import State, expiry_rows, state_of, time_left

pytestmark = pytest.mark.integration


def _access(exp):
    return pyjwt.encode({"sub": "u", "exp": exp}, "k" * 32, algorithm="HS256")


@pytest.fixture
def window(make_window, keyring_store_factory):
    from tokendesk.core.vault import Client, TokenSet

    win = make_window(store_factory=keyring_store_factory, tab="vault_view")
    vault = win.vault_controller.vault
    vault.add_client(Client("dev", "https://op.example/", "c", environment="dev"))
    vault.add_client(Client("prod", "https://op.example/", "c2", environment="prod"))
    vault.add_credential("soon", "dev", TokenSet("r1", _access(NOW + 400),
                                                 refresh_expires_in=3600))
    vault.add_credential("later", "prod", TokenSet("r2", _access(NOW + 7200)))
    win.tabs.setCurrentWidget(win.expiry_view)
    return win


def test_rows_are_sorted_by_soonest_expiry_with_text_states(window):
    model = window.expiry_view.model
    firsts = [(model.row(i).credential, model.row(i).kind) for i in range(2)]
    assert firsts == [("soon", "access token"), ("soon", "refresh token")]
    assert model.index(0, 3).data() == "6 min 40 s"
    assert model.index(0, 4).data() == "fresh"
    unknown = [i for i in range(model.rowCount()) if model.row(i).expires_at is None]
    assert unknown and model.index(unknown[0], 4).data() == "unknown"


def test_a_countdown_crosses_zero_and_a_warning_fires_once(window, clock):
    view = window.expiry_view
    warnings = []
    view.warned.connect(warnings.append)
    # 3 min left: the token lives 400 s, so it warns at half its life (200 s), not 5 min ahead
    clock.t = NOW + 220
    view.tick()
    view.tick()
    assert view.model.index(0, 4).data() == "expiring soon"
    assert len(warnings) == 1 and "soon" in warnings[0] and "r1" not in warnings[0]
    assert "refresh it in the Exchange view" in warnings[0]
    clock.t = NOW + 520
    view.tick()
    assert view.model.index(0, 3).data() == "expired 2 min ago"
    assert view.model.index(0, 4).data() == "expired"
    assert len(warnings) == 1
    assert warnings[0] in window.status_text.text() or "expires" in window.status_text.text()


def test_filter_by_environment(window):
    view = window.expiry_view
    view.environment.setCurrentIndex(3)  # prod
    assert {view.model.row(i).credential for i in range(view.model.rowCount())} == {"later"}


def test_skew_is_applied():
    assert state_of(NOW + 100, NOW, skew=0) is State.EXPIRING
    assert state_of(NOW + 100, NOW, skew=200) is State.EXPIRED  # the server is 200 s ahead
    assert time_left(NOW + 100, NOW, skew=30) == "1 min 10 s"
    assert time_left(None, NOW) == "not known"


def test_expiry_rows_say_what_is_known_about_refresh_tokens():
    from tokendesk.core.vault.model import Credential, Status

    rows = expiry_rows([Credential("a", "c", "u", Status.ACTIVE, access_expires_at=NOW + 5)])
    refresh = next(r for r in rows if r.kind == "refresh token")
    assert refresh.expires_at is None and "did not say" in refresh.note


def test_counts_and_warning_window_agree_with_a_full_scan():
    from tokendesk.core.expiry import ExpiryRow
    from tokendesk.ui.models.expiry_model import ExpiryModel

    rows = expiry_rows([])  # empty is fine too
    model = ExpiryModel()
    model.set_rows(rows, NOW)
    assert sum(model.counts(NOW).values()) == 0
    rows = sorted([ExpiryRow(f"c{i}", "x", "", "access token", NOW + d)
                   for i, d in enumerate((-50, -1, 0, 10, 299, 300, 301, 5000))],
                  key=lambda r: r.expires_at) + [ExpiryRow("u", "x", "", "refresh token", None)]
    model.set_rows(rows, NOW)
    scan = {state: 0 for state in State}
    for row in rows:
        scan[state_of(row.expires_at, NOW, row.warn_before)] += 1
    assert model.counts(NOW) == scan
    window = [rows[i].credential for i in model.warning_window(NOW)]
    assert window == [r.credential for r in rows
                      if state_of(r.expires_at, NOW, r.warn_before) is State.EXPIRING]
