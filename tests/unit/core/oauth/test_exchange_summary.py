"""An exchange's summary for people (issue 15): one sentence, human times, the request sent."""

from __future__ import annotations

from tests.conftest import NOW
from tokendesk.core.oauth.summary import (
    AUTO,
    INFO,
    MANUAL,
    OK,
    PASS,
    PROBLEM,
    SentRequest,
    human_lifetime,
    humanize_change,
    instead_of_refresh,
    summarize_history,
    summarize_qa,
    summarize_refresh,
)
from tokendesk.core.timefmt import format_utc

SECRET = "basic-secret-for-tests-0123456789"
SENT = SentRequest("https://op.example/token", "refresh_token", "dev", "app-1",
                   "client_secret_basic",
                   {"grant_type": "refresh_token", "refresh_token": "<sha256:aaaaaaaaaaaa>"},
                   scope_before="openid offline_access")


def _result(**changes):
    result = {"name": "alice", "rotated": True, "old_refresh_fp": "sha256:aaaaaaaaaaaa",
              "new_refresh_fp": "sha256:bbbbbbbbbbbb", "access_expires_at": NOW + 300.000102,
              "duration_ms": 138.0, "retried": False, "automatic": False,
              "response": {"access_token": "<sha256:cccccccccccc>", "expires_in": 300,
                           "refresh_token": "<sha256:bbbbbbbbbbbb>",
                           "scope": "openid offline_access", "token_type": "Bearer"}}
    result.update(changes)
    return result


def _said(summary) -> str:
    return "\n".join([summary.headline, *(f"{k}: {v}" for k, v in summary.facts),
                      *summary.changes, *(f"{k}: {v}" for k, v in summary.request)])


def test_a_rotation_is_a_new_refresh_token_issued_not_rotated():
    summary = summarize_refresh(_result(), SENT, now=NOW)
    assert summary.verdict == OK and summary.trigger == MANUAL
    assert summary.headline == ("Refresh of alice by client dev at op.example: new refresh "
                                "token issued; the old one may still be valid; took 138 ms.")
    assert "rotated" not in _said(summary)
    refresh = dict(summary.facts)["Refresh token"]
    assert "sha256:aaaaaaaaaaaa → sha256:bbbbbbbbbbbb" in refresh
    assert "is not known" in refresh  # the server's retirement of the old one


def test_the_timing_is_given_once():
    said = _said(summarize_refresh(_result(), SENT, now=NOW))
    assert said.count(" ms") == 1 and "138.0" not in said


def test_a_kept_refresh_token_is_said_so():
    summary = summarize_refresh(_result(rotated=False, new_refresh_fp="sha256:aaaaaaaaaaaa"),
                                SENT, now=NOW)
    assert "the refresh token was kept" in summary.headline
    assert dict(summary.facts)["Refresh token"] == "sha256:aaaaaaaaaaaa kept"


def test_the_access_token_lifetime_is_in_human_time():
    summary = summarize_refresh(_result(), SENT, now=NOW)
    access = dict(summary.facts)["Access token"]
    assert access == f"new, lives 5 min — until {format_utc(NOW + 300)}"
    assert "300.000102" not in _said(summary) and str(NOW + 300) not in _said(summary)


def test_a_lifetime_without_expires_in_comes_from_the_expiry_and_the_skew():
    assert human_lifetime(NOW + 3600, NOW) == f"lives 1 h — until {format_utc(NOW + 3600)}"
    # the server is 10 min ahead: its 11:00 is our 10:50, so 50 min are left
    said = human_lifetime(NOW + 3600, NOW, skew=600)
    assert said.startswith("lives 50 min — until ") and "10 min ahead of" in said
    assert human_lifetime(None, NOW) == ("lifetime not given by the server (no expires_in, "
                                         "no exp)")


def test_claim_changes_show_times_as_times():
    line = humanize_change({"claim": "exp", "change": "changed", "before": NOW,
                            "after": NOW + 300})
    assert line == f"exp: {format_utc(NOW)} → {format_utc(NOW + 300)} (+5 min)"
    assert humanize_change({"claim": "sid", "change": "added", "before": None,
                            "after": "s-2"}) == "sid added: s-2"
    assert humanize_change({"claim": "auth_time", "change": "removed", "before": NOW,
                            "after": None}) == f"auth_time removed (was {format_utc(NOW)})"


def test_the_first_refresh_says_once_that_there_was_nothing_to_compare():
    summary = summarize_refresh(_result(), SENT, now=NOW,
                                diff={"access token": "new", "ID token": "new"})
    assert summary.changes == ("No access token or ID token was stored before this refresh: "
                               "nothing to compare with (open the new one in the Inspector "
                               "to read its claims).",)
    assert "added" not in _said(summary)


def test_a_later_refresh_lists_only_what_changed():
    diff = {"ID token": [{"claim": "iat", "change": "changed", "before": NOW,
                          "after": NOW + 60},
                         {"claim": "exp", "change": "changed", "before": NOW + 300,
                          "after": NOW + 360}],
            "access token": "unchanged"}
    changes = summarize_refresh(_result(), SENT, now=NOW, diff=diff).changes
    assert changes == (f"ID token — iat: {format_utc(NOW)} → {format_utc(NOW + 60)} (+1 min)",
                       f"ID token — exp: {format_utc(NOW + 300)} → {format_utc(NOW + 360)} "
                       "(+1 min)",
                       "Access token: no claim changed.")


def test_the_request_sent_names_endpoint_grant_and_authentication_without_secrets():
    summary = summarize_refresh(_result(), SENT, now=NOW)
    request = dict(summary.request)
    assert request["Endpoint"] == "POST https://op.example/token"
    assert request["Grant"].startswith("refresh_token")
    assert request["Client"] == "dev (client_id app-1)"
    assert request["Client authentication"].startswith("client_secret_basic — ")
    assert request["Headers"] == "Authorization: Basic <not shown>"
    assert "refresh_token=<sha256:aaaaaaaaaaaa>" in request["Form"]
    assert SECRET not in _said(summary)
    post = SentRequest("https://op.example/token", "refresh_token", "dev", "app-1",
                       "client_secret_post", {"grant_type": "refresh_token"})
    form = dict(summarize_refresh(_result(), post, now=NOW).request)["Form"]
    assert "client_id=app-1" in form and "client_secret=<not shown>" in form


def test_an_auto_refresh_is_labelled_as_such():
    summary = summarize_refresh(_result(automatic=True), SENT, now=NOW)
    assert summary.trigger == AUTO and summary.headline.startswith("Auto-refresh of alice")


def test_a_changed_scope_says_what_it_was():
    sent = SentRequest("https://op.example/token", "refresh_token", "dev", "app-1", "none",
                       scope_before="openid offline_access email")
    facts = dict(summarize_refresh(_result(), sent, now=NOW).facts)
    assert facts["Scope"] == "openid offline_access (was openid offline_access email)"


def _replay(result: str, detail: str) -> dict:
    return {"operation": "replay", "summary": "…", "unknown": "Whether … is not known.",
            "outcomes": [{"request": 1, "result": result, "detail": detail,
                          "issued_refresh_fp": None, "stored": False}]}


def test_a_refused_replay_is_the_pass():
    summary = summarize_qa("replay", _replay("refused", "invalid_grant: grant request is "
                                                        "invalid"), "alice")
    assert summary.verdict == PASS
    assert summary.headline.startswith("PASS — refused, as it should be")
    assert dict(summary.facts)["Not known"] == "Whether … is not known."


def test_an_accepted_replay_is_the_problem():
    summary = summarize_qa("replay", _replay("accepted", "HTTP 200"), "alice")
    assert summary.verdict == PROBLEM and "does not detect reuse" in summary.headline


def test_a_replay_without_an_answer_has_no_verdict():
    summary = summarize_qa("replay", _replay("network error", "timed out"), "alice")
    assert summary.verdict == INFO and summary.headline.startswith("No verdict")


def test_no_refresh_is_advised_where_it_cannot_help():
    for status in ("needs sign-in", "revoked", "reuse detected"):
        advice = instead_of_refresh(status)
        assert advice is not None and "sign in again" in advice and "refresh it" not in advice
    assert "revoke it again" in (instead_of_refresh("revoke pending") or "")
    assert instead_of_refresh("active") is None and instead_of_refresh("unknown") is None


def test_a_history_row_reads_as_a_sentence():
    row = {"at": NOW, "operation": "refresh", "endpoint": "https://op.example/token",
           "status": "200 OK", "duration_ms": 64.91624699992826, "rotated": True,
           "old_fp": "sha256:aaaaaaaaaaaa", "new_fp": "sha256:bbbbbbbbbbbb",
           "scope_after": "openid", "request": {"grant_type": "refresh_token",
                                                "refresh_token": "<sha256:aaaaaaaaaaaa>"},
           "response": {"access_token": "<sha256:cccccccccccc>"}}
    summary = summarize_history(row)
    assert summary.headline == (f"Refresh on {format_utc(NOW)}: 200 OK; new refresh token "
                                "issued, 65 ms.")
    assert dict(summary.request)["Endpoint"] == "POST https://op.example/token"
    assert summary.raw == {"access_token": "<sha256:cccccccccccc>"}


def test_a_dpop_bound_answer_says_so_and_a_bearer_one_does_not():
    bound = _result()
    bound["response"] = {**bound["response"], "token_type": "DPoP"}
    assert "RFC 9449" in dict(summarize_refresh(bound, SENT, now=NOW).facts)["Bound to a key"]
    assert "Bound to a key" not in dict(summarize_refresh(_result(), SENT, now=NOW).facts)
