"""The vault from the command line, as a script would use it, against a real Secret Service.

The last test scans TOKENDESK_HOME, the captured output and the log records for every secret
that the tests used, and finds none (SECURITY.md 28).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sys

import jwt as pyjwt
import pytest

from tests.conftest import NOW
from tokendesk.cli import main

pytestmark = pytest.mark.integration

SECRET = "cli-client-secret-5a4b3c2d1e"
REFRESH = "cli-refresh-token-aa11bb22cc33dd44"
ACCESS = pyjwt.encode({"sub": "carol", "exp": NOW + 60}, "s" * 32, algorithm="HS256")
USED = [SECRET, REFRESH, ACCESS, "export-passphrase-123"]


@pytest.fixture
def env(tmp_path, monkeypatch, secret_service):
    home = tmp_path / "home"
    monkeypatch.setenv("TOKENDESK_HOME", str(home))
    import keyring

    keyring.set_keyring(secret_service.backend())
    return home


def run(capsys, monkeypatch, *argv, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _closed_loopback_url() -> str:
    """An issuer on 127.0.0.1 that nothing listens on: tests never reach beyond loopback."""
    from tests.helpers.http_server import LocalServer

    with LocalServer() as gone:
        return gone.url


def _setup(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "client", "add", "dev", "--issuer",
                       _closed_loopback_url(), "--client-id", "c1", "--client-secret-stdin",
                       "--environment", "dev", stdin=SECRET + "\n")
    assert code == 0 and "added client dev" in out
    response = json.dumps({"refresh_token": REFRESH, "access_token": ACCESS, "expires_in": 60})
    code, out, _ = run(capsys, monkeypatch, "vault", "add", "carol", "--client", "dev",
                       "--refresh-token-stdin", stdin=response)
    assert code == 0 and "sha256:" in out


def test_client_and_credential_lifecycle(env, capsys, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    _setup(capsys, monkeypatch)
    code, out, _ = run(capsys, monkeypatch, "client", "list", "--json")
    assert json.loads(out)[0]["has_secret"] is True and SECRET not in out
    code, out, _ = run(capsys, monkeypatch, "vault", "list", "--json")
    listed = json.loads(out)
    assert listed[0]["name"] == "carol" and listed[0]["subject"] == "carol"
    code, out, _ = run(capsys, monkeypatch, "vault", "show", "carol")
    assert code == 0 and REFRESH not in out and "add --reveal" in out
    code, out, _ = run(capsys, monkeypatch, "vault", "show", "carol", "--json", "--reveal")
    assert json.loads(out)["secrets"]["refresh_token"] == REFRESH
    code, out, _ = run(capsys, monkeypatch, "vault", "auto-refresh", "carol", "--before", "90")
    assert code == 0 and "90 s before" in out
    code, out, _ = run(capsys, monkeypatch, "vault", "show", "carol", "--json")
    assert json.loads(out)["auto_refresh_before_s"] == 90
    code, _, err = run(capsys, monkeypatch, "vault", "auto-refresh", "carol", "--before", "0")
    assert code == 2 and "between 1 second and 1 day" in err
    code, out, _ = run(capsys, monkeypatch, "vault", "auto-refresh", "carol", "--off")
    assert code == 0 and "off" in out
    capsys.readouterr()
    code, _, err = run(capsys, monkeypatch, "vault", "rm", "carol")
    assert code == 2 and "--yes" in err
    code, out, err = run(capsys, monkeypatch, "vault", "rm", "carol", "--revoke", "--yes")
    assert code == 3 and "could not reach" in err  # the issuer is not reachable from here
    code, out, _ = run(capsys, monkeypatch, "vault", "list", "--json")
    assert json.loads(out)[0]["status"] == "revoke pending"  # kept: the revocation is owed
    code, out, _ = run(capsys, monkeypatch, "vault", "rm", "carol", "--yes")
    assert code == 0 and "deleted carol" in out
    code, out, _ = run(capsys, monkeypatch, "audit", "--csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["time_utc", "action", "target", "detail", "actor"]
    actions = [r[1] for r in rows[1:]]
    assert actions[:3] == ["deleted", "status revoke pending", "auto-refresh"]
    assert "added" in actions and "client added" in actions
    assert all(REFRESH not in " ".join(r) for r in rows)


@pytest.mark.parametrize("argv,message", [
    (["vault", "show", "nobody"], "no credential named 'nobody'"),
    (["vault", "add", "x", "--client", "nope", "--refresh-token-stdin"], "no client named"),
    (["client", "show", "nope"], "no client named"),
])
def test_unknown_names_exit_2(env, capsys, monkeypatch, argv, message):
    code, _, err = run(capsys, monkeypatch, *argv, stdin="some-refresh-token")
    assert code == 2 and message in err


def test_empty_stdin_is_a_usage_error(env, capsys, monkeypatch):
    _setup(capsys, monkeypatch)
    code, _, err = run(capsys, monkeypatch, "vault", "add", "x", "--client", "dev",
                       "--refresh-token-stdin", stdin="")
    assert code == 2 and "standard input was empty" in err


def test_export_import_round_trip(env, capsys, monkeypatch, tmp_path):
    _setup(capsys, monkeypatch)
    target = tmp_path / "backup.json"
    code, _, _ = run(capsys, monkeypatch, "vault", "export", str(target),
                     stdin="export-passphrase-123\n")
    assert code == 0 and REFRESH.encode() not in target.read_bytes()
    meta = tmp_path / "meta.json"
    code, _, _ = run(capsys, monkeypatch, "vault", "export", str(meta), "--metadata")
    assert code == 0 and "carol" in meta.read_text() and REFRESH not in meta.read_text()
    run(capsys, monkeypatch, "vault", "rm", "carol", "--yes")
    code, _, err = run(capsys, monkeypatch, "vault", "import", str(target), stdin="wrong-pass\n")
    assert code == 2 and "wrong passphrase" in err
    code, out, _ = run(capsys, monkeypatch, "vault", "import", str(target),
                       stdin="export-passphrase-123\n")
    assert code == 0 and "carol" in out
    code, out, _ = run(capsys, monkeypatch, "vault", "show", "carol", "--json", "--reveal")
    assert json.loads(out)["secrets"]["refresh_token"] == REFRESH


def test_no_secret_reaches_a_file_a_log_or_the_output(env, capsys, monkeypatch, caplog,
                                                      tmp_path):
    caplog.set_level(logging.DEBUG)
    _setup(capsys, monkeypatch)
    outputs = []
    for argv in (["vault", "list"], ["vault", "show", "carol"], ["client", "show", "dev"],
                 ["audit"], ["vault", "export", "-", "--metadata"], ["vault", "list", "--json"]):
        outputs.append(run(capsys, monkeypatch, *argv))
    run(capsys, monkeypatch, "vault", "export", str(env / "backup.enc"),
        stdin="export-passphrase-123\n")
    text = "\n".join(o + e for _, o, e in outputs) + caplog.text
    for secret in USED:
        assert secret not in text
        for path in env.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), f"{secret[:6]}… in {path}"


def test_create_file_store_takes_the_passphrase_the_other_commands_unlock_with(
        tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TOKENDESK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TOKENDESK_VAULT_PASSPHRASE", "file store passphrase")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["vault", "create-file-store"]) == 0
    assert main(["vault", "list"]) == 0  # unlocked with the same variable
    capsys.readouterr()


def test_create_file_store_refuses_a_passphrase_of_several_lines(tmp_path, monkeypatch,
                                                                   capsys):
    monkeypatch.setenv("TOKENDESK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TOKENDESK_VAULT_PASSPHRASE", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO("pass phrase\npass phrase\n"))
    assert main(["vault", "create-file-store"]) == 2
    assert "one line" in capsys.readouterr().err
    assert not (tmp_path / "home" / "secrets.enc").exists()
