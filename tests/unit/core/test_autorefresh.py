"""The auto-refresh schedule, the refresh decision with clock skew, and expiry rows (pure)."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from tests.conftest import NOW
from tokendesk.core.autorefresh import BACKOFF_MAX, BACKOFF_START, MIN_AGE, MIN_LIFE, Scheduler
from tokendesk.core.errors import InvalidGrant, NetworkError, ProviderError, RotationLost
from tokendesk.core.expiry import ExpiryRow, expiry_rows, lifetime_left
from tokendesk.core.oauth.exchange import needs_refresh, skew_from_date
from tokendesk.core.vault.model import Client, Credential, Status


def cred(name="a", expires=NOW + 600, auto=120.0, status=Status.ACTIVE, client="c", **kw):
    return Credential(name, client, "u", status, access_expires_at=expires,
                      has_access_token=True, auto_refresh=auto, **kw)


def test_only_credentials_with_auto_refresh_on_are_due_and_only_inside_their_lead():
    s = Scheduler()
    s.update([cred("on"), cred("off", auto=None), cred("dead", status=Status.NEEDS_SIGN_IN)])
    assert s.scheduled == ["on"] and s.lead("on") == 120
    assert s.due(NOW) == []
    assert s.due(NOW + 479) == []  # 121 s left, the lead is 120 s
    assert s.due(NOW + 480) == ["on"]


def test_one_refresh_in_flight_per_credential():
    s = Scheduler()
    s.update([cred()])
    assert s.begin("a") and not s.begin("a")
    assert s.due(NOW + 500) == []  # in flight: not due again
    s.succeeded("a", NOW + 4000, NOW + 500)
    assert s.due(NOW + 500) == [] and s.begin("a")


def test_failures_back_off_doubling_up_to_a_ceiling_and_respect_retry_after():
    s = Scheduler()
    s.update([cred()])
    now = NOW + 500
    waits = []
    for _ in range(8):
        s.begin("a")
        failure = s.failed("a", NetworkError("the server did not answer"), now)
        assert not failure.stopped and "kept" in failure.message
        waits.append(failure.retry_in)
        assert s.due(now + failure.retry_in - 1) == []
        assert s.due(now + failure.retry_in) == ["a"]
    assert waits[:3] == [BACKOFF_START, 2 * BACKOFF_START, 4 * BACKOFF_START]
    assert max(waits) == BACKOFF_MAX
    s.begin("a")
    failure = s.failed("a", ProviderError("temporarily_unavailable", "busy", 503,
                                          retry_after=2000), now)
    assert failure.retry_in == 2000
    s.begin("a")
    assert s.succeeded("a", now + 100, now) is None  # success resets the back-off
    # a 100 s token: the 120 s lead is capped at half its life, and it is not refreshed again
    # while younger than that
    assert s.due(now + 49) == [] and s.due(now + 50) == ["a"]


@pytest.mark.parametrize("exc", [InvalidGrant("invalid_grant", "revoked", 400),
                                 RotationLost("invalid_grant", "lost", 400),
                                 ProviderError("invalid_client", "bad secret", 401)])
def test_a_dead_token_or_a_configuration_error_stops_auto_refresh(exc):
    s = Scheduler()
    s.update([cred()])
    s.begin("a")
    failure = s.failed("a", exc, NOW + 500)
    assert failure.stopped and "stopped" in failure.message
    assert s.due(NOW + 10_000) == [] and s.stopped("a")
    s.update([cred()])  # a reload does not restart it
    assert s.due(NOW + 10_000) == []
    s.update([cred(auto=None)])
    s.update([cred()])  # turning it off and on again does
    assert s.due(NOW + 10_000) == ["a"]


def test_the_refresh_decision_allows_for_the_servers_clock():
    # the token expires at NOW+100 on the server's clock; the server is 50 s ahead
    assert not needs_refresh(NOW + 100, NOW, margin=60)
    assert needs_refresh(NOW + 100, NOW, margin=60, skew=50)
    assert needs_refresh(None, NOW) and needs_refresh(NOW + 999, NOW, has_access_token=False)


def test_skew_from_a_date_header():
    assert skew_from_date(formatdate(NOW + 90, usegmt=True), NOW) == pytest.approx(90)
    assert skew_from_date(formatdate(NOW - 30, usegmt=True), NOW) == pytest.approx(-30)
    for bad in (None, "", "yesterday", "Sun, 99 Foo 2026 99:99:99 GMT", "Sun, 06 Nov 1994 08:49:37"):
        assert skew_from_date(bad, NOW) is None


def test_rows_use_each_clients_warning_time_skew_and_stated_refresh_lifetime():
    clients = [Client("c", "https://op/", "x", warn_minutes=10, clock_skew=30,
                      refresh_lifetime=3600, refresh_lifetime_kind="idle"),
               Client("d", "https://op/", "y", refresh_lifetime=7200,
                      refresh_lifetime_kind="absolute")]
    rows = expiry_rows([cred("a", NOW + 6000, created_at=NOW - 500, last_refreshed_at=NOW - 100),
                        cred("b", NOW + 900, client="d", created_at=NOW - 500),
                        cred("short", NOW + 200, client="d", created_at=NOW - 100)], clients)
    by = {(r.credential, r.kind): r for r in rows}
    assert by["a", "access token"].expires_at == NOW + 5970  # on our clock
    assert by["a", "access token"].warn_before == 600
    assert by["b", "access token"].warn_before == 300
    # a 5-minute token warns at half its life, not at once
    assert by["short", "access token"].warn_before == 150
    idle = by["a", "refresh token"]
    assert idle.expires_at == NOW - 100 + 3600 - 30 and "idle" in idle.note
    absolute = by["b", "refresh token"]
    assert absolute.expires_at == NOW - 500 + 7200 and "absolute" in absolute.note
    assert [r.expires_at for r in rows] == sorted(r.expires_at for r in rows)


def test_lifetime_left():
    row = ExpiryRow("a", "c", "", "access token", NOW + 300, issued_at=NOW - 300)
    assert lifetime_left(row, NOW) == 0.5
    assert lifetime_left(row, NOW + 1000) == 0.0
    assert lifetime_left(row._replace(issued_at=None), NOW) is None


def _simulate(s: Scheduler, name: str, lifetime: float, seconds: int, start: float = NOW) -> int:
    """Tick once a second for ``seconds``; each due refresh succeeds at once with a token of
    ``lifetime``. Returns how many refreshes ran."""
    count = 0
    for t in range(seconds):
        now = start + t
        for due in s.due(now):
            assert s.begin(due)
            s.succeeded(due, now + lifetime, now)
            count += 1
    return count


def test_a_lead_at_or_above_the_tokens_lifetime_refreshes_once_per_half_lifetime_not_every_tick():
    # the storm once seen: a 5 min lead on 300 s tokens refreshed about once a second
    s = Scheduler()
    s.update([cred(expires=NOW + 300, auto=300.0, last_refreshed_at=NOW)])
    assert s.lead("a") == 150 and "300 s" in s.capped("a")
    assert _simulate(s, "a", 300, 600) == 3  # at 150, 300 and 450 s: never more


@pytest.mark.parametrize("lifetime", [30, 120, 301, 3600])
def test_auto_refresh_never_runs_more_than_twice_per_lifetime(lifetime):
    s = Scheduler()
    s.update([cred(expires=NOW + lifetime, auto=600.0, last_refreshed_at=NOW)])
    ran = _simulate(s, "a", lifetime, 3 * lifetime)
    assert 1 <= ran <= 3 * 2


def test_a_credential_without_a_known_issue_time_is_not_refreshed_twice_within_the_min_age():
    s = Scheduler()
    s.update([cred(expires=NOW + 5, auto=120.0)])  # neither created_at nor a refresh known
    assert s.due(NOW) == ["a"]
    s.begin("a")
    s.succeeded("a", NOW + 100, NOW)
    assert s.due(NOW + MIN_AGE / 2 - 1) == []


def test_a_refresh_that_brings_a_token_shorter_than_the_minimum_stops_with_a_warning():
    s = Scheduler()
    s.update([cred(expires=NOW + 100, auto=60.0, last_refreshed_at=NOW)])
    now = NOW + 50
    s.begin("a")
    failure = s.succeeded("a", now + MIN_LIFE, now)
    assert failure is not None and failure.stopped and "too short" in failure.message
    assert s.due(now + 1000) == [] and "lives only" in s.stopped("a")


def test_a_refresh_made_elsewhere_does_not_count_as_issued_now():
    s = Scheduler()
    s.update([cred(expires=NOW + 600, auto=60.0, last_refreshed_at=NOW)])
    s.begin("a")
    assert s.succeeded("a", NOW + 600, NOW + 100, refreshed=False) is None
    assert s.due(NOW + 540) == ["a"]


def test_turning_auto_refresh_on_again_with_the_same_lead_restarts_it():
    s = Scheduler()
    s.update([cred()])
    s.begin("a")
    s.failed("a", ProviderError("invalid_client", "bad secret", 401), NOW + 500)
    s.update([cred()])
    assert s.stopped("a") and s.due(NOW + 500) == []
    s.restart("a")  # the user picks the same lead in the menu again, after fixing the secret
    s.update([cred()])
    assert not s.stopped("a") and s.due(NOW + 500) == ["a"]
