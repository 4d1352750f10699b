"""The command line, called in-process through tokendesk.cli.main and as a real process."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import jwt as pyjwt
import pytest

from tests.conftest import NOW, public_pem
from tokendesk.cli import main

SECRET = "a-shared-secret-of-at-least-32-bytes!"
CLAIMS = {"iss": "https://op.example", "sub": "u", "aud": "api", "exp": NOW + 60, "iat": NOW}
TOKEN = pyjwt.encode(CLAIMS, SECRET, algorithm="HS256")


def run(capsys, *argv: str, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_decode_json(capsys):
    code, out, _ = run(capsys, "decode", TOKEN, "--json", "--now", str(NOW))
    doc = json.loads(out)
    assert code == 0
    assert doc["verified"] is False
    assert doc["payload"] == CLAIMS
    exp = next(c for c in doc["claims"] if c["name"] == "exp")
    assert exp["relative"] == "expires in 1 min"


def test_decode_reads_stdin(capsys, monkeypatch):
    code, out, _ = run(capsys, "decode", "-", stdin=f"Authorization: Bearer {TOKEN}\n",
                       monkeypatch=monkeypatch)
    assert code == 0 and "UNVERIFIED" in out


def test_decode_all_tokens_of_a_response(capsys):
    response = json.dumps({"access_token": TOKEN, "refresh_token": "opaque-refresh-123456"})
    code, out, _ = run(capsys, "decode", response, "--json", "--all")
    docs = json.loads(out)
    assert [d["source"] for d in docs] == ["access_token", "refresh_token"]
    assert docs[1]["kind"] == "refresh_token"


def test_decode_malformed_exits_1_with_the_location(capsys):
    h, p, s = TOKEN.split(".")
    code, out, _ = run(capsys, "decode", f"{h}.{p}=.{s}")
    assert code == 1
    assert "problem (payload at character" in out


def test_decode_empty_is_a_usage_error(capsys, monkeypatch):
    code, _, err = run(capsys, "decode", stdin="", monkeypatch=monkeypatch)
    assert code == 2 and "nothing to decode" in err


def test_verify_secret_ok_and_refused(capsys):
    assert run(capsys, "verify", TOKEN, "--secret", SECRET, "--now", str(NOW))[0] == 0
    code, out, _ = run(capsys, "verify", TOKEN, "--secret", SECRET + "x", "--now", str(NOW))
    assert code == 1 and out.startswith("INVALID")


def test_verify_with_a_key_file_and_claims(capsys, tmp_path, rsa_private):
    key = tmp_path / "pub.pem"
    key.write_text(public_pem(rsa_private))
    token = pyjwt.encode(CLAIMS, rsa_private, algorithm="RS256")
    code, out, _ = run(capsys, "verify", token, "--key", str(key), "--iss", "https://op.example",
                       "--aud", "api", "--alg", "RS256", "--alg", "PS256", "--now", str(NOW),
                       "--json")
    doc = json.loads(out)
    assert code == 0 and doc["valid"] and {c["name"] for c in doc["checks"]} >= {"iss", "aud"}
    code, out, _ = run(capsys, "verify", token, "--key", str(key), "--aud", "other",
                       "--now", str(NOW))
    assert code == 1 and "aud" in out


def test_verify_leeway_and_clock(capsys):
    args = ["verify", TOKEN, "--secret", SECRET, "--now", str(NOW + 90)]
    assert run(capsys, *args)[0] == 1
    assert run(capsys, *args, "--leeway", "60")[0] == 0


@pytest.mark.parametrize("argv,message", [
    (["verify", TOKEN, "--key", "/nonexistent/key.pem"], "no such file"),
    (["verify", TOKEN, "--secret", "short"], "HMAC key is 5 bytes"),
    (["verify", TOKEN], "one of the arguments"),
    (["verify", TOKEN, "--secret", SECRET, "--leeway", "soon"], "invalid float"),
    (["nonsense"], "invalid choice"),
])
def test_usage_and_local_errors_exit_2(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err


def test_verify_bad_key_file_exits_2(capsys, tmp_path):
    bad = tmp_path / "key.pem"
    bad.write_text("this is not a key")
    code, _, err = run(capsys, "verify", TOKEN, "--key", str(bad))
    assert code == 2 and "not a key Tokendesk can read" in err


def test_keygen_then_encode_then_verify(capsys, tmp_path):
    prefix = str(tmp_path / "qa")
    assert run(capsys, "keygen", "--type", "EC", "--out", prefix)[0] == 0
    assert (tmp_path / "qa.key").stat().st_mode & 0o777 == 0o600
    code, out, _ = run(capsys, "encode", "--key", prefix + ".key", "--claims",
                       json.dumps({"sub": "qa"}), "--set", "scope=read write",
                       "--expires-in", "300")
    token = out.strip()
    assert code == 0
    code, out, _ = run(capsys, "verify", token, "--key", prefix + ".pub", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["alg"] == "ES256"


def test_encode_from_existing_token_edits_and_resigns(capsys):
    code, out, _ = run(capsys, "encode", "--from", TOKEN, "--secret", SECRET, "--set",
                       "sub=mallory")
    assert code == 0
    assert pyjwt.decode(out.strip(), SECRET, algorithms=["HS256"], audience="api",
                        options={"verify_exp": False, "verify_iat": False})["sub"] == "mallory"


def test_encode_bad_claims_json_exits_2(capsys):
    code, _, err = run(capsys, "encode", "--claims", "{not json", "--unsecured")
    assert code == 2 and "not valid JSON" in err


def test_decrypt_vector(capsys, tmp_path):
    from tests.conftest import load_vector

    case = load_vector("jose-cookbook/jwe/5_2.key_encryption_using_rsa-oaep_with_aes-gcm.json")
    key = tmp_path / "k.json"
    key.write_text(json.dumps(case["input"]["key"]))
    code, out, _ = run(capsys, "decrypt", case["output"]["compact"], "--key", str(key))
    assert code == 0 and out.strip() == case["input"]["plaintext"]


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("tokendesk ")


def test_decode_imports_no_heavy_module():
    script = ("import sys; from tokendesk.cli import main; main(['decode', sys.argv[1]]); "
              "heavy = [m for m in ('cryptography', 'httpx', 'keyring', 'PySide6', 'jwt') "
              "if m in sys.modules]; print('HEAVY', heavy)")
    result = subprocess.run([sys.executable, "-c", script, TOKEN], capture_output=True,
                            text=True, timeout=60, check=True)
    assert "HEAVY []" in result.stdout


def test_console_script_runs_as_a_process():
    result = subprocess.run([sys.executable, "-m", "tokendesk", "decode", TOKEN, "--json"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert json.loads(result.stdout)["payload"] == CLAIMS


@pytest.mark.parametrize("xdg", [None, "", "  ", "/tmp/xdg-data-test"])
def test_home_on_linux_is_where_platformdirs_puts_it(monkeypatch, tmp_path, xdg):
    import sys

    import platformdirs

    from tokendesk.core.paths import home

    if not sys.platform.startswith("linux"):
        pytest.skip("the direct XDG rule is for Linux; elsewhere platformdirs is used")
    monkeypatch.delenv("TOKENDESK_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    if xdg is None:
        monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_DATA_HOME", xdg.replace("/tmp/xdg-data-test",
                                                        str(tmp_path / "xdg")))
    assert home() == __import__("pathlib").Path(
        platformdirs.user_data_dir("tokendesk", appauthor=False))


def test_keygen_does_not_replace_a_key_file_unless_told(capsys, tmp_path):
    prefix = str(tmp_path / "qa")
    assert run(capsys, "keygen", "--type", "EC", "--out", prefix)[0] == 0
    before = (tmp_path / "qa.key").read_bytes()
    code, _, err = run(capsys, "keygen", "--type", "EC", "--out", prefix)
    assert code == 2 and "exists: nothing was written" in err and "--force" in err
    assert (tmp_path / "qa.key").read_bytes() == before
    assert run(capsys, "keygen", "--type", "EC", "--out", prefix, "--force")[0] == 0
    assert (tmp_path / "qa.key").read_bytes() != before


def test_keygen_does_not_write_through_a_planted_symlink(capsys, tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("keep me")
    (tmp_path / "qa.key").symlink_to(target)
    code, _, err = run(capsys, "keygen", "--type", "EC", "--out", str(tmp_path / "qa"),
                       "--force")
    assert code == 2 and "cannot write" in err
    assert target.read_text() == "keep me"


def test_a_secret_that_is_not_base64_is_refused_as_such(capsys, monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"!!!notb64")))
    code, _, err = run(capsys, "verify", TOKEN, "--secret-stdin", "--secret-encoding", "base64")
    assert code == 2 and "not valid base64 (character '!' at 1)" in err


def test_with_json_a_failure_is_also_json_on_standard_output(capsys, tmp_path):
    missing = str(tmp_path / "no-such.pem")
    code, out, err = run(capsys, "verify", TOKEN, "--key", missing, "--json")
    assert code == 2 and err.startswith("tokendesk: ")
    doc = json.loads(out)
    assert doc["error"]["code"] == "usage" and doc["error"]["exit"] == 2
    assert "no such file" in doc["error"]["message"]
    code, out, _ = run(capsys, "verify", TOKEN, "--key", missing)  # without --json: nothing
    assert code == 2 and out == ""


@pytest.mark.parametrize(("argv", "says"), [
    (["refresh", "--json"], "the following arguments are required: name"),
    (["refresh", "alice", "--json", "--bogus"], "unrecognized arguments: --bogus"),
    (["verify", TOKEN, "--issuer-keys", "--expect", "bogus", "--json"], "invalid choice"),
    (["refresh", "alice", "--json", "--timeout", "nan"], "not a finite number"),
    (["verify", TOKEN, "--leeway", "NaN", "--json"], "not a finite number"),
    (["qa", "replay", "bob", "--json"], "Add --yes to confirm"),
])
def test_with_json_a_usage_error_is_json_too(capsys, argv, says):
    code, out, err = run(capsys, *argv)
    assert code == 2 and err.startswith("tokendesk: ")
    doc = json.loads(out)
    assert doc["error"]["code"] == "usage" and doc["error"]["exit"] == 2
    assert says in doc["error"]["message"]


def test_with_json_an_argument_that_is_not_text_is_json_too(capsys):
    code, out, _ = run(capsys, "decode", "\udcff", "--json")
    assert code == 2 and "not valid text" in json.loads(out)["error"]["message"]
