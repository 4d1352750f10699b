"""Item models (checked with qtmodeltester), the PySide6 data()-returns-None trap, the task seam."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import jwt as pyjwt
import pytest
from PySide6.QtCore import QThreadPool

from tests.conftest import NOW
from tests.helpers.http_server import LocalServer, Reply


def test_claims_model_passes_the_model_tester(qtmodeltester):
    from tokendesk.ui.models.claims_model import ClaimsModel

    model = ClaimsModel()
    model.set_claims({"iss": "https://op/", "exp": NOW + 10, "iat": NOW, "roles": ["a", "b"],
                      "address": {"country": "NL"}}, NOW)
    qtmodeltester.check(model, force_py=True)
    model.tick(NOW + 5)
    model.set_claims(None)
    qtmodeltester.check(model, force_py=True)


def test_claims_model_tick_touches_only_time_cells(qtbot):
    from tokendesk.ui.models.claims_model import VALUE, ClaimsModel

    model = ClaimsModel()
    model.set_claims({"sub": "u", "exp": NOW + 10, "iat": NOW, "scope": "x"}, NOW)
    changed = []
    model.dataChanged.connect(lambda a, b, roles=(): changed.append((a.row(), a.column(),
                                                                     b.row(), b.column())))
    model.tick(NOW + 1)
    assert sorted(changed) == [(1, VALUE, 1, VALUE), (2, VALUE, 2, VALUE)]


REGRESSION = textwrap.dedent("""
    import os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    sys.path.insert(0, sys.argv[1])
    from tokendesk.ui.models.claims_model import ClaimsModel
    model = ClaimsModel()
    model.set_claims({"sub": "x", "exp": 1}, 0)
    index = model.index(0, 0)
    for i in range(int(sys.argv[2])):
        # roles the model does not serve: data() returns None every time
        assert model.data(index, Qt.ItemDataRole.DecorationRole) is None
        assert model.data(index, 1000 + (i % 7)) is None
    print("survived")
""")


def test_pyside6_data_returning_none_many_thousand_times_does_not_abort():
    """DESIGN.md trap: PySide6 6.12.0 releases one reference to None too many per call and the
    process aborts after a few thousand calls. The pinned version must survive 100,000."""
    app_dir = os.path.join(os.path.dirname(__file__), "..", "..", "app")
    result = subprocess.run([sys.executable, "-c", REGRESSION, app_dir, "100000"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "survived" in result.stdout


def test_the_verify_panel_offers_every_algorithm_of_the_core():
    from tokendesk.core.tokens.keys import ALL_ALGORITHMS
    from tokendesk.ui.views.verify_panel import ALGORITHMS

    assert set(ALGORITHMS) == set(ALL_ALGORITHMS)


# --- the task seam ---------------------------------------------------------------------------

def test_tasks_run_off_the_gui_thread_and_report_on_it(qtbot):
    from tokendesk.ui.tasks import TaskRunner

    runner = TaskRunner(QThreadPool())
    where, results = [], []
    runner.submit("k", lambda: where.append(threading.current_thread()) or 42, results.append)
    qtbot.waitUntil(lambda: results == [42], timeout=5000)
    assert where[0] is not threading.main_thread()


def test_a_newer_task_with_the_same_key_supersedes_the_older(qtbot):
    from tokendesk.ui.tasks import TaskRunner

    gate = threading.Event()
    runner = TaskRunner(QThreadPool())
    results = []
    runner.submit("k", lambda: gate.wait(5) and "old", results.append)
    runner.submit("k", lambda: "new", results.append)
    qtbot.waitUntil(lambda: results == ["new"], timeout=5000)
    gate.set()
    qtbot.waitUntil(lambda: runner.settled, timeout=5000)  # the old one ended, and was dropped
    assert results == ["new"]


def test_tasks_with_side_effects_under_one_key_all_report_whatever_finishes_first(qtbot):
    # two refreshes of one credential (the Exchange view's and the Expiry menu's): neither
    # outcome may be dropped, and cancel() cannot forget them
    from tokendesk.ui.tasks import TaskRunner

    first_gate, second_gate = threading.Event(), threading.Event()
    runner = TaskRunner(QThreadPool())
    results, errors = [], []
    runner.submit("refresh:alice", lambda: first_gate.wait(5) and "first", results.append,
                  keep=True)
    runner.submit("refresh:alice", lambda: second_gate.wait(5) and 1 / 0, results.append,
                  errors.append, keep=True)
    assert runner.is_running("refresh:alice") and not runner.cancel("refresh:alice")
    second_gate.set()
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=5000)
    assert runner.is_running("refresh:alice")
    first_gate.set()
    qtbot.waitUntil(lambda: results == ["first"], timeout=5000)
    assert isinstance(errors[0], ZeroDivisionError)
    assert not runner.is_running("refresh:alice") and not runner.busy


def test_waiting_tasks_do_not_starve_the_others(qtbot):
    # a sign-in waiting for the browser and a slow refresh must not leave the vault listing
    # waiting for a free thread: four tasks that can only finish together all finish
    from tokendesk.ui.tasks import TaskRunner

    runner = TaskRunner()
    barrier = threading.Barrier(4)
    done = []
    for i in range(4):
        runner.submit(f"wait:{i}", lambda: barrier.wait(10), done.append, keep=True)
    qtbot.waitUntil(lambda: len(done) == 4, timeout=15_000)


def test_a_read_does_not_supersede_a_task_with_side_effects_under_the_same_key(qtbot):
    from tokendesk.ui.tasks import TaskRunner

    gate = threading.Event()
    runner = TaskRunner(QThreadPool())
    results = []
    runner.submit("k", lambda: gate.wait(5) and "write", results.append, keep=True)
    runner.submit("k", lambda: "read", results.append)
    gate.set()
    qtbot.waitUntil(lambda: sorted(results) == ["read", "write"], timeout=5000)


def test_cancel_drops_the_result_and_errors_are_reported(qtbot):
    from tokendesk.ui.tasks import InlinePool, TaskRunner

    gate = threading.Event()
    runner = TaskRunner(QThreadPool())
    results = []
    runner.submit("k", lambda: gate.wait(5) and "late", results.append)
    assert runner.cancel("k") and not runner.cancel("k")
    gate.set()
    qtbot.waitUntil(lambda: runner.settled, timeout=5000)
    assert results == []
    errors = []
    inline = TaskRunner(InlinePool())
    inline.submit("e", lambda: 1 / 0, results.append, errors.append)
    assert isinstance(errors[0], ZeroDivisionError) and not inline.busy


# --- the issuer's keys, against a real server on 127.0.0.1 ------------------------------------

@pytest.fixture
def issuer(rsa_private):
    from tokendesk.core.tokens.keys import jwk_from_public_key

    with LocalServer() as server:
        server.route("/.well-known/openid-configuration",
                     Reply(body={"issuer": server.url, "jwks_uri": server.url + "/jwks"}))
        server.route("/jwks", Reply(body={"keys": [
            {**jwk_from_public_key(rsa_private.public_key()), "kid": "k1", "use": "sig"}]}))
        yield server


def _token(server, rsa_private):
    return pyjwt.encode({"iss": server.url, "sub": "u", "exp": NOW + 60}, rsa_private,
                        algorithm="RS256", headers={"kid": "k1"})


def test_use_the_issuers_keys(window, qtbot, issuer, rsa_private):
    window.inspector.set_text(_token(issuer, rsa_private))
    panel = window.inspector.verify_panel
    panel.issuer_button.click()
    # the token named this issuer itself: shown, not trusted (SECURITY.md 5a)
    assert panel.verdict.text().startswith("UNTRUSTED")
    panel.trust_button.click()  # "Trust http://127.0.0.1:… ?" fills the Issuer field
    assert panel.issuer.text() == issuer.url
    assert panel.verdict.text().startswith("VALID")
    assert issuer.url in panel.verdict.text()
    assert issuer.count("/jwks") == 1  # the keys were cached


def test_fetching_keys_shows_progress_and_can_be_cancelled(threaded_window, qtbot, issuer,
                                                           rsa_private):
    issuer.route("/.well-known/openid-configuration",
                 Reply(body={"issuer": issuer.url, "jwks_uri": issuer.url + "/jwks"}, delay=2.0))
    threaded_window.inspector.set_text(_token(issuer, rsa_private))
    panel = threaded_window.inspector.verify_panel
    panel.issuer_button.click()
    assert panel.progress_line.isVisible() and panel.cancel_button.isVisible()
    assert "Fetching the issuer's keys" in panel.progress_label.text()
    assert not panel.issuer_button.isEnabled()
    panel.cancel_button.click()
    assert "cancelled" in panel.verdict.text()
    assert panel.issuer_button.isEnabled() and not panel.progress_line.isVisible()
    # the late answer arrives and is dropped, not shown
    qtbot.waitUntil(lambda: threaded_window.tasks.settled, timeout=15_000)
    assert "cancelled" in panel.verdict.text()


def test_an_unreachable_issuer_is_a_clear_message(window, qtbot, rsa_private):
    with LocalServer() as gone:
        url = gone.url
    token = pyjwt.encode({"iss": url, "exp": NOW + 60}, rsa_private, algorithm="RS256")
    window.inspector.set_text(token)
    window.inspector.verify_panel.issuer_button.click()
    assert "could not reach" in window.inspector.verify_panel.verdict.text()


def test_a_token_without_iss_asks_for_the_issuer(window, qtbot, rsa_private):
    window.inspector.set_text(pyjwt.encode({"sub": "x"}, rsa_private, algorithm="RS256"))
    window.inspector.verify_panel.issuer_button.click()
    assert "no iss claim" in window.inspector.verify_panel.verdict.text()


def test_expiry_model_passes_the_model_tester(qtmodeltester):
    from tests.conftest import NOW
    from tokendesk.core.expiry import ExpiryRow
    from tokendesk.ui.models.expiry_model import ExpiryModel

    model = ExpiryModel()
    model.set_rows([ExpiryRow("a", "c", "dev", "access token", NOW + 60, "", NOW - 60),
                    ExpiryRow("b", "c", "", "refresh token", None, "not known")], NOW)
    qtmodeltester.check(model, force_py=True)
    model.tick(NOW + 1, 0, 1)
    qtmodeltester.check(model, force_py=True)


def test_support_models_pass_the_model_tester(qtmodeltester):
    from tokendesk.core.support import AdminItem, AdminUser
    from tokendesk.ui.models.support_model import ItemsModel, UsersModel

    users = UsersModel()
    users.set_records([AdminUser("auth0|a", "a@example.com", "A", 1.8e9, None, True)])
    qtmodeltester.check(users, force_py=True)
    assert users.index(0, 2).data() == "A (blocked)" and users.index(0, 4).data() == "—"
    items = ItemsModel()
    items.set_records([AdminItem("session", "s1", "", 1.8e9, None, None, "Firefox")])
    qtmodeltester.check(items, force_py=True)
    assert items.index(0, 2).data() == "—" and items.index(0, 6).data(3) == "Firefox"
