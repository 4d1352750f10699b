"""Verdicts list every check performed, passed ones included, and a "not checked" row for each
of issuer, audience, nonce and at_hash nobody asked for (issue 14): in describe(), to_dict(),
the CLI's text and --json, and the Inspector's verdict panel."""

from __future__ import annotations

import io
import json
import sys

import jwt as pyjwt

from tests.conftest import NOW
from tokendesk.core import load_secret, verify
from tokendesk.core.tokens.verify import describe, left_half_hash

SECRET = b"k" * 32
CLAIMS = {"iss": "https://issuer.example", "sub": "alice", "aud": "app", "iat": NOW - 60,
          "exp": NOW + 600, "nonce": "n-1"}


def _token(**extra) -> str:
    return pyjwt.encode({**CLAIMS, **extra}, SECRET, algorithm="HS256")


def test_nothing_asked_for_is_listed_as_not_checked():
    result = verify(_token(), load_secret(SECRET), now=NOW)
    assert result.valid and result.verdict == "VALID"
    assert [c.name for c in result.not_checked] == ["iss", "aud", "nonce", "at_hash"]
    assert all(c.status == "not checked" and c.passed for c in result.not_checked)
    assert "the token says 'https://issuer.example'" in result.checks[-4].reason
    assert "not checked: issuer, audience, nonce, at_hash" in result.reason
    doc = result.to_dict()
    assert doc["not_checked"] == ["iss", "aud", "nonce", "at_hash"]
    rows = {c["name"]: c for c in doc["checks"]}
    assert rows["iss"]["passed"] is None and rows["iss"]["status"] == "not checked"
    assert rows["signature"]["passed"] is True and rows["signature"]["status"] == "passed"
    text = describe(result)
    assert "  --- iss: not checked: no expected issuer was given" in text
    assert "  ok  signature:" in text and "  ok  exp:" in text


def test_what_was_asked_for_is_a_passed_or_failed_row():
    result = verify(_token(), load_secret(SECRET), now=NOW, issuer="https://issuer.example",
                    audience="app")
    rows = {c.name: c.status for c in result.checks}
    assert rows["iss"] == "passed" and rows["aud"] == "passed"
    assert [c.name for c in result.not_checked] == ["nonce", "at_hash"]
    wrong = verify(_token(), load_secret(SECRET), now=NOW, issuer="https://other.example")
    assert not wrong.valid and {c.name: c.status for c in wrong.checks}["iss"] == "failed"
    assert "iss" not in [c.name for c in wrong.not_checked]


def test_an_id_token_lists_its_passed_checks():
    access = "an-access-token"
    token = _token(at_hash=left_half_hash(access, "HS256"))
    result = verify(token, load_secret(SECRET), now=NOW, expected_kind="id_token",
                    client_id="app", nonce="n-1", access_token=access)
    assert result.valid
    passed = {c.name: c.reason for c in result.checks if c.status == "passed"}
    assert passed["aud"] == "the audience includes the client 'app'"
    assert "required claims" in passed and passed["nonce"] and passed["at_hash"]
    assert [c.name for c in result.not_checked] == ["iss"]
    # an access token given, but no at_hash in the token: said so, not silently skipped
    plain = verify(_token(), load_secret(SECRET), now=NOW, expected_kind="id_token",
                   client_id="app", nonce="n-1", access_token=access)
    assert {c.name: c.reason for c in plain.not_checked}["at_hash"] == \
        "not checked: the token has no at_hash"


def test_a_failed_signature_adds_no_not_checked_rows():
    result = verify(_token(), load_secret(b"x" * 32), now=NOW)
    assert not result.valid and result.not_checked == ()


def test_the_cli_prints_and_emits_the_rows(capsys, monkeypatch):
    from tokendesk.cli import main

    token = _token()
    monkeypatch.setattr(sys, "stdin", io.StringIO(token))
    assert main(["verify", "-", "--secret", SECRET.decode(), "--now", str(NOW),
                 "--aud", "app", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["not_checked"] == ["iss", "nonce", "at_hash"]
    assert {c["name"]: c["status"] for c in doc["checks"]}["aud"] == "passed"
    monkeypatch.setattr(sys, "stdin", io.StringIO(token))
    assert main(["verify", "-", "--secret", SECRET.decode(), "--now", str(NOW)]) == 0
    out = capsys.readouterr().out
    assert "not checked: no expected issuer was given" in out
