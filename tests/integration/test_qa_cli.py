"""``tokendesk qa``: a server's rotation and reuse detection from a script, against the real
provider (rotation and reuse detection on) and a server of the tests' own without them."""

from __future__ import annotations

import json

import pytest

from tests.helpers.http_server import LocalServer, Reply
from tests.helpers.oidc_provider import CLIENTS
from tokendesk.cli import main

pytestmark = pytest.mark.integration


@pytest.fixture
def home(tmp_path, monkeypatch, secret_service):
    import keyring

    keyring.set_keyring(secret_service.backend())
    monkeypatch.setenv("TOKENDESK_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _cli(capsys, *args, stdin=None, monkeypatch=None):
    if stdin is not None:
        import io

        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def alice(home, oidc_provider, capsys, monkeypatch):
    _cli(capsys, "client", "add", "basic", "--issuer", oidc_provider.issuer, "--client-id",
         "tokendesk-basic", "--client-secret-stdin", stdin=CLIENTS["tokendesk-basic"][0],
         monkeypatch=monkeypatch)
    code, _out, err = _cli(capsys, "vault", "add", "alice", "--client", "basic",
                           "--refresh-token-stdin", monkeypatch=monkeypatch,
                           stdin=oidc_provider.mint("tokendesk-basic", sub="alice"))
    assert code == 0, err
    return "alice"


def test_qa_rotation_reports_rotation_refusal_and_family_revocation(alice, capsys):
    code, out, _err = _cli(capsys, "qa", "rotation", alice, "--yes", "--json",
                           "--expect-rotation", "yes", "--expect-reuse-detection", "yes")
    report = json.loads(out)
    assert code == 0 and report["expectations_met"]
    assert report["rotated"] and report["old_token_refused"] and report["family_revoked"]
    assert len(report["steps"]) == 3
    # the family is gone, and the vault says so
    code, out, _ = _cli(capsys, "vault", "show", alice, "--json")
    assert json.loads(out)["status"] == "needs sign-in"


def test_qa_rotation_exits_1_when_the_server_differs_from_the_stated_policy(alice, capsys):
    code, out, err = _cli(capsys, "qa", "rotation", alice, "--yes",
                          "--expect-reuse-detection", "no")
    assert code == 1 and "family revoked: yes" in out
    assert "expected family revoked=no, observed yes" in err


def test_qa_race_lists_one_outcome_per_request(alice, capsys, oidc_provider):
    before = oidc_provider.granted("tokendesk-basic")
    code, out, _ = _cli(capsys, "qa", "race", alice, "--count", "3", "--yes", "--json")
    report = json.loads(out)
    assert code == 0 and [o["request"] for o in report["outcomes"]] == [1, 2, 3]
    accepted = [o for o in report["outcomes"] if o["result"] == "accepted"]
    assert len(accepted) == oidc_provider.granted("tokendesk-basic") - before >= 1
    assert sum(o["stored"] for o in report["outcomes"]) == 1


def test_qa_replay_refreshes_then_presents_the_retired_token(alice, capsys):
    code, out, _ = _cli(capsys, "qa", "replay", alice, "--yes")
    assert code == 0 and out.startswith("refreshed: ")
    assert "request 1: refused" in out and "not known" in out


def test_qa_asks_before_it_sends(alice, capsys, oidc_provider):
    before = oidc_provider.granted("tokendesk-basic")
    code, _out, err = _cli(capsys, "qa", "race", alice)
    assert code == 2 and "--yes" in err
    assert oidc_provider.granted("tokendesk-basic") == before


def test_qa_rotation_against_a_server_without_rotation(home, capsys, monkeypatch):
    with LocalServer() as server:
        server.route("/token", Reply(200, {"access_token": "at", "token_type": "Bearer"}))
        _cli(capsys, "client", "add", "plain", "--issuer", server.url + "/", "--client-id",
             "c", "--auth-method", "none", "--token-endpoint", server.url + "/token")
        _cli(capsys, "vault", "add", "bob", "--client", "plain", "--refresh-token-stdin",
             stdin="rt-bob", monkeypatch=monkeypatch)
        code, out, err = _cli(capsys, "qa", "rotation", "bob", "--yes", "--json",
                              "--expect-rotation", "yes")
        report = json.loads(out)
        assert code == 1 and not report["rotated"] and report["family_revoked"] is None
        assert report["mismatches"] == ["expected rotated=yes, observed no"]
        # without rotation the stored refresh token is kept
        assert server.hits[-1].form["refresh_token"] == "rt-bob"
