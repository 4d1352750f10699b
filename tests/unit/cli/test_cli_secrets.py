"""Secrets off the command line (SECURITY.md 36, issue 13): ``verify`` and ``encode`` read an
HMAC secret from ``--secret-stdin`` or ``--secret-file``; a secret starting with "-" works; the
old ``--secret TEXT`` stays for compatibility. Run in a temporary directory."""

from __future__ import annotations

import base64
import io
import json
import sys

import jwt as pyjwt
import pytest

from tests.conftest import NOW
from tokendesk.cli import main

SECRET = "--a-shared-secret-starting-with-dashes-32+"
CLAIMS = {"sub": "alice", "iat": NOW - 10, "exp": NOW + 600}


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOKENDESK_HOME", str(tmp_path / "home"))


def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def token() -> str:
    return pyjwt.encode(CLAIMS, SECRET.encode(), algorithm="HS256")


@pytest.mark.parametrize("ending", [b"", b"\n", b"\r\n"])
def test_verify_secret_stdin(capsys, monkeypatch, token, ending):
    _stdin(monkeypatch, SECRET.encode() + ending)
    code, out, err = run(capsys, "verify", token, "--secret-stdin", "--now", str(NOW))
    assert code == 0, err
    assert out.startswith("VALID")


def test_verify_secret_file(capsys, tmp_path, token):
    (tmp_path / "hs.secret").write_bytes(SECRET.encode() + b"\n")
    code, out, err = run(capsys, "verify", token, "--secret-file", "hs.secret", "--now", str(NOW))
    assert code == 0, err


def test_verify_secret_file_binary_and_base64(capsys, tmp_path):
    raw = bytes(range(200, 256)) + bytes(range(10))
    token = pyjwt.encode(CLAIMS, raw, algorithm="HS256")
    (tmp_path / "bin.secret").write_bytes(raw)
    assert run(capsys, "verify", token, "--secret-file", "bin.secret", "--now", str(NOW))[0] == 0
    (tmp_path / "b64.secret").write_text(base64.b64encode(raw).decode() + "\n")
    code, _, err = run(capsys, "verify", token, "--secret-file", "b64.secret",
                       "--secret-encoding", "base64", "--now", str(NOW))
    assert code == 0, err


def test_verify_wrong_secret_from_stdin_is_refused(capsys, monkeypatch, token):
    _stdin(monkeypatch, b"another-shared-secret-of-32-bytes-or-more")
    assert run(capsys, "verify", token, "--secret-stdin", "--now", str(NOW))[0] == 1


def test_verify_secret_stdin_with_the_token_on_stdin_is_a_usage_error(capsys, monkeypatch):
    _stdin(monkeypatch, SECRET.encode())
    code, _, err = run(capsys, "verify", "--secret-stdin")
    assert code == 2
    assert "--secret-stdin reads standard input" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("argv", [["--secret-file", "missing"], ["--secret-file", "."]])
def test_verify_secret_file_errors_are_one_line(capsys, token, argv):
    code, _, err = run(capsys, "verify", token, *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1


def test_verify_empty_secret_is_a_usage_error(capsys, tmp_path, token):
    (tmp_path / "empty").write_bytes(b"\n")
    code, _, err = run(capsys, "verify", token, "--secret-file", "empty")
    assert code == 2
    assert "empty" in err


def test_secret_sources_are_mutually_exclusive(capsys, tmp_path, token):
    (tmp_path / "s").write_text(SECRET)
    code, _, err = run(capsys, "verify", token, "--secret-file", "s", "--secret-stdin")
    assert code == 2
    assert "not allowed with" in err


def test_verify_secret_text_still_works_with_equals_for_a_dash_secret(capsys, token):
    assert run(capsys, "verify", token, f"--secret={SECRET}", "--now", str(NOW))[0] == 0


@pytest.mark.parametrize("source", ["stdin", "file"])
def test_encode_reads_the_secret_from_stdin_or_a_file(capsys, monkeypatch, tmp_path, source):
    if source == "stdin":
        _stdin(monkeypatch, SECRET.encode() + b"\n")
        argv = ["--secret-stdin"]
    else:
        (tmp_path / "s").write_text(SECRET + "\n")
        argv = ["--secret-file", "s"]
    code, out, err = run(capsys, "encode", "--claims", json.dumps(CLAIMS), *argv)
    assert code == 0, err
    assert pyjwt.decode(out.strip(), SECRET.encode(), algorithms=["HS256"],
                        options={"verify_exp": False, "verify_iat": False})["sub"] == "alice"


def test_encode_secret_stdin_and_claims_stdin_conflict(capsys, monkeypatch):
    _stdin(monkeypatch, b"{}")
    code, _, err = run(capsys, "encode", "--claims", "-", "--secret-stdin")
    assert code == 2
    assert "--claims -" in err


def test_readme_uses_the_new_forms():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    assert "--secret \"$" not in readme and "--secret $" not in readme
    assert "--secret-stdin" in readme or "--secret-file" in readme
