"""Every CLI command against hostile input (issue 13, SECURITY.md 34-36): an exit code of 1, 2
or 3 and one line ``tokendesk: …`` on stderr, never a traceback; every cost the input chooses
is bounded.

Commands run in-process through ``tokendesk.cli.main`` (capsys), or as a real process where
pipes, argv bytes or resource limits matter. Each test has its own ``TOKENDESK_HOME`` with an
encrypted file store (no keyring needed), a client ``dev`` and a credential ``carol``.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.core.tokens.hostile import SECRET as HOSTILE_SECRET
from tests.unit.core.tokens.hostile import hostile_token, signed_token
from tokendesk.cli import main
from tokendesk.core.tokens.b64 import b64url_encode

REPO = Path(__file__).resolve().parents[3]

PASSPHRASE = "hostile-input-passphrase"
SECRET = "a-shared-secret-of-at-least-32-bytes!"
DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 100_000 + "1" + "}" * 100_000


def _b64(text: str) -> str:
    return b64url_encode(text.encode("utf-8", "surrogatepass"))


def _token(header: str, payload: str, secret: str = SECRET) -> str:
    signing_input = f"{_b64(header)}.{_b64(payload)}"
    mac = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url_encode(mac)}"


def run(capsys, monkeypatch, *argv: str, stdin: str | bytes = b""):
    data = stdin.encode() if isinstance(stdin, str) else stdin
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(code: int, out: str, err: str, message: str | None = None) -> None:
    """Exit 1, 2 or 3 with exactly one ``tokendesk:`` line on stderr and no traceback."""
    assert code in (1, 2, 3), (code, out, err)
    assert "Traceback" not in out + err
    assert "unexpected error" not in err, err  # handled at its root, not by main's last resort
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tokendesk: "), err
    if message is not None:
        assert message in lines[0], lines[0]


@pytest.fixture
def home(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    monkeypatch.chdir(tmp_path)  # a relative name a case writes to lands here, never elsewhere
    monkeypatch.setenv("TOKENDESK_HOME", str(home))
    monkeypatch.setenv("TOKENDESK_VAULT_PASSPHRASE", PASSPHRASE)
    assert run(capsys, monkeypatch, "vault", "create-file-store", stdin=PASSPHRASE)[0] == 0
    code, _, err = run(capsys, monkeypatch, "client", "add", "dev", "--issuer",
                       "http://127.0.0.1:9/", "--client-id", "c1", "--client-secret-stdin",
                       "--token-endpoint", "http://127.0.0.1:9/token", stdin="client-secret")
    assert code == 0, err
    code, _, err = run(capsys, monkeypatch, "vault", "add", "carol", "--client", "dev",
                       "--refresh-token-stdin", stdin="refresh-token-of-carol")
    assert code == 0, err
    return home


@pytest.fixture
def files(tmp_path):
    """Hostile files by name: deep JSON, binary, an empty directory."""
    made = {
        "deep.json": DEEP, "deep-object.json": DEEP_OBJECT,
        "binary.key": bytes(range(256)) * 8, "deep-jwk.json": '{"kty":"oct","k":' + DEEP + "}",
    }
    for name, content in made.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return tmp_path


# -- refused: exit 1-3 and one line ---------------------------------------------------------------

NAN_EXP = _token('{"alg":"HS256"}', '{"sub":"a","exp":NaN}')

REFUSED = {
    # arguments that are not text: Python's surrogateescape of invalid UTF-8 argv bytes
    "decode surrogate argument": (["decode", "\udcff"], "", "argument 2 is not valid text"),
    "decode --json surrogate argument": (["decode", "--json", "a\udc80b"], "", "not valid text"),
    "verify surrogate argument": (["verify", "\udcff", "--secret", SECRET], "",
                                  "argument 2 is not valid text"),
    "vault show surrogate name": (["vault", "show", "\udcff"], "", "not valid text"),
    "client add surrogate name": (["client", "add", "\ud800", "--issuer", "https://x",
                                   "--client-id", "c"], "", "not valid text"),
    "decode stdin not UTF-8": (["decode", "-"], b"\xff\xfe", "not UTF-8"),
    "vault add stdin not UTF-8": (["vault", "add", "x", "--client", "dev",
                                   "--refresh-token-stdin"], b'{"refresh_token":"\xff"}',
                                  "not UTF-8"),
    "client secret stdin not UTF-8": (["client", "add", "c2", "--issuer", "https://op.example",
                                       "--client-id", "c", "--client-secret-stdin"], b"\xff",
                                      "not UTF-8"),
    "encode --claims - not UTF-8": (["encode", "--claims", "-", "--secret", SECRET], b"\xff",
                                    "not UTF-8"),
    "decrypt --password-stdin not UTF-8": (["decrypt", "a.b.c.d.e", "--password-stdin"],
                                           b"\xff\n", "not UTF-8"),
    "vault export passphrase not UTF-8": (["vault", "export", "-"], b"\xff\xff", "not UTF-8"),
    "exchange subject not UTF-8": (["exchange", "dev", "--subject-token-stdin"], b"\xff",
                                   "not UTF-8"),
    # numbers that are not finite, or negative, where a time or a duration is wanted
    "verify --leeway nan": (["verify", NAN_EXP, "--secret", SECRET, "--leeway", "nan"], "",
                            "not a finite number"),
    "verify --leeway -1": (["verify", NAN_EXP, "--secret", SECRET, "--leeway", "-1"], "",
                           "negative"),
    "verify --leeway inf": (["verify", NAN_EXP, "--secret", SECRET, "--leeway", "inf"], "",
                            "not a finite number"),
    "verify --now 1e400": (["verify", NAN_EXP, "--secret", SECRET, "--now", "1e400"], "",
                           "not a finite number"),
    "decode --now nan": (["decode", NAN_EXP, "--now", "nan"], "", "not a finite number"),
    "refresh --timeout nan": (["refresh", "carol", "--timeout", "nan"], "", "not a finite"),
    "refresh --timeout -1": (["refresh", "carol", "--timeout", "-1"], "", "negative"),
    "refresh --timeout 1e300": (["refresh", "carol", "--timeout", "1e300"], "", "out of range"),
    "token --min-ttl nan": (["token", "carol", "--min-ttl", "nan"], "", "not a finite"),
    "login --wait inf": (["login", "dev", "--name", "x", "--wait", "inf"], "", "not a finite"),
    "support find --timeout nan": (["support", "find", "dev", "q", "--timeout", "nan"], "",
                                   "not a finite"),
    "qa replay --timeout nan": (["qa", "replay", "carol", "--yes", "--timeout", "nan"], "",
                                "not a finite"),
    "qa race --ca-bundle missing": (["qa", "race", "carol", "--yes", "--ca-bundle", "/no/ca"],
                                    "", "no such file"),
    "client edit unsplittable issuer": (["client", "edit", "dev", "--issuer", "http://[::1"], "",
                                        "is not a URL"),
    "auto-refresh --before nan": (["vault", "auto-refresh", "carol", "--before", "nan"], "",
                                  "not a finite"),
    "auto-refresh --before -5": (["vault", "auto-refresh", "carol", "--before", "-5"], "",
                                 "negative"),
    # a CA bundle that is not there
    "refresh --ca-bundle missing": (["refresh", "carol", "--ca-bundle", "/nonexistent/ca.pem"],
                                    "", "no such file"),
    "verify --ca-bundle missing": (["verify", NAN_EXP, "--jwks-url", "https://127.0.0.1:9/j",
                                    "--ca-bundle", "/nonexistent/ca.pem"], "", "no such file"),
    "support tokens --ca-bundle dir": (["support", "tokens", "dev", "u", "--ca-bundle", "/"], "",
                                       "is a directory"),
    # 100,000-deep JSON wherever JSON is read
    "vault add deep JSON": (["vault", "add", "x", "--client", "dev", "--refresh-token-stdin"],
                            "{" + DEEP_OBJECT[1:], "not valid JSON"),
    "encode --claims deep": (["encode", "--claims", DEEP, "--secret", SECRET], "",
                             "--claims is not valid JSON"),
    "encode --claims deep stdin": (["encode", "--claims", "-", "--secret", SECRET], DEEP,
                                   "--claims is not valid JSON"),
    "encode --header deep": (["encode", "--header", DEEP_OBJECT, "--secret", SECRET], "",
                             "--header is not valid JSON"),
    # what no JSON reader should be handed
    "encode exp 1e400": (["encode", "--claims", '{"exp":1e400}', "--secret", SECRET], "",
                         "not finite"),
    "encode NaN claim": (["encode", "--claims", '{"a":NaN}', "--secret", SECRET], "",
                         "not finite"),
    "encode surrogate claim": (["encode", "--claims", '{"a":"\\ud800"}', "--secret", SECRET],
                               "", "lone surrogate"),
    "encode --set surrogate": (["encode", "--set", 'a="\\udcff"', "--secret", SECRET], "",
                               "lone surrogate"),
    # names that no file system or URL parser takes (found by a sweep over every command)
    "client add unsplittable issuer": (["client", "add", "u", "--issuer", "http://[::1",
                                        "--client-id", "c"], "", "is not a URL"),
    "client add unsplittable token endpoint": (["client", "add", "u", "--issuer", "https://a",
                                                "--client-id", "c", "--token-endpoint",
                                                "https://[x/token"], "", "is not a URL"),
    "vault export to an empty name": (["vault", "export", "", "--metadata"], "",
                                      "not a file name"),
    "vault export to /": (["vault", "export", "/", "--metadata"], "", "not a file name"),
    "vault export to a NUL name": (["vault", "export", "a\x00b", "--metadata"], "",
                                   "not a file name"),
    "vault export to a name too long": (["vault", "export", "x" * 5000, "--metadata"], "",
                                        "cannot write"),
    "vault import a NUL name": (["vault", "import", "a\x00b"], PASSPHRASE, "not a file name"),
    "verify --key a NUL name": (["verify", NAN_EXP, "--key", "a\x00b"], "", "not a file name"),
    "decrypt --key a NUL name": (["decrypt", "a.b.c.d.e", "--key", "a\x00b"], "",
                                 "not a file name"),
    "keygen --out a NUL name": (["keygen", "--type", "EC", "--out", "a\x00b"], "",
                                "cannot write"),
    # key sizes chosen by the input (also run under resource limits below)
    "keygen RSA 5000-digit size": (["keygen", "--size", "9" * 5000], "", "invalid int"),
}


@pytest.mark.parametrize("argv,stdin,message", REFUSED.values(), ids=REFUSED.keys())
def test_hostile_input_is_refused_in_one_line(home, capsys, monkeypatch, argv, stdin, message):
    code, out, err = run(capsys, monkeypatch, *argv, stdin=stdin)
    assert_refused(code, out, err, message)


FILE_CASES = {
    "vault import deep JSON": (["vault", "import", "{dir}/deep.json"], PASSPHRASE,
                               "not a Tokendesk export"),
    "encode --key deep JWK": (["encode", "--key", "{dir}/deep-jwk.json"], "",
                              "private JWK or a PEM"),
    "encode --claims @deep": (["encode", "--claims", "@{dir}/deep.json", "--secret", SECRET], "",
                              "not valid JSON"),
    "decrypt --key deep JWK": (["decrypt", "a.b.c.d.e", "--key", "{dir}/deep-jwk.json"], "",
                               "private JWK or a PEM"),
    "verify --key deep JSON": (["verify", NAN_EXP, "--key", "{dir}/deep-object.json"], "", None),
    "verify --key binary": (["verify", NAN_EXP, "--key", "{dir}/binary.key"], "", None),
    "client add binary --private-key": (["client", "add", "pkj", "--issuer", "https://op.example",
                                         "--client-id", "c", "--auth-method", "private_key_jwt",
                                         "--private-key", "{dir}/binary.key"], "",
                                        "not a text file"),
    "vault export to a missing directory": (["vault", "export", "{dir}/missing/sub/out.json",
                                             "--metadata"], "", "no such directory"),
    "vault export encrypted to a missing directory": (
        ["vault", "export", "{dir}/missing/out.json"], PASSPHRASE, "no such directory"),
}


@pytest.mark.parametrize("argv,stdin,message", FILE_CASES.values(), ids=FILE_CASES.keys())
def test_hostile_files_are_refused_in_one_line(home, files, capsys, monkeypatch, argv, stdin,
                                               message):
    argv = [a.replace("{dir}", str(files)) for a in argv]
    code, out, err = run(capsys, monkeypatch, *argv, stdin=stdin)
    assert_refused(code, out, err, message)
    assert not (files / "missing").exists()  # export never creates directories


# -- shown: decoded, with what is wrong said in words --------------------------------------------

SHOWN = {
    "exp 1e400": _token('{"alg":"HS256"}', '{"exp":1e400,"iat":0}'),
    "exp NaN": NAN_EXP,
    "exp Infinity, nbf -Infinity": _token('{"alg":"HS256"}', '{"exp":Infinity,"nbf":-Infinity}'),
    "exp with 400 digits": _token('{"alg":"HS256"}', '{"exp":' + "9" * 400 + ',"iat":0}'),
    "escaped lone surrogate in a claim": _token('{"alg":"HS256"}', '{"sub":"\\ud800x"}'),
    "escaped lone surrogate in the header": _token('{"alg":"HS256","kid":"\\udcff"}', "{}"),
    "duplicate header member then trailing data": _b64('{"alg":"HS256","alg":"none"}x')
    + ".e30.AAAA",
    "5000-digit number in the header": _b64('{"alg":"HS256","n":' + "9" * 5000 + "}")
    + ".e30.AAAA",
    "non-canonical signature": _token('{"alg":"HS256"}', "{}")[:-1] + "B",
    "a URL with an unclosed IPv6 host": "http://[::1/cb#access_token=abc",
}


def _not_json(name: str) -> None:
    raise AssertionError(f"{name} is not JSON: jq and most readers refuse it")


@pytest.mark.parametrize("extra", [[], ["--json"], ["--all"]], ids=["text", "json", "all"])
@pytest.mark.parametrize("token", SHOWN.values(), ids=SHOWN.keys())
def test_hostile_tokens_are_decoded_without_a_traceback(capsys, monkeypatch, token, extra):
    code, out, err = run(capsys, monkeypatch, "decode", token, *extra)
    assert code in (0, 1), err
    assert "Traceback" not in out + err and out
    if "--json" in extra:
        json.loads(out, parse_constant=_not_json)  # strict JSON: no NaN or Infinity
    # the same token on stdin
    code, out, err = run(capsys, monkeypatch, "decode", *extra, stdin=token)
    assert code in (0, 1) and "Traceback" not in out + err


@pytest.mark.parametrize("name", ["exp 1e400", "exp NaN", "exp Infinity, nbf -Infinity"])
def test_non_finite_times_are_shown_as_such(capsys, monkeypatch, name):
    code, out, _ = run(capsys, monkeypatch, "decode", SHOWN[name])
    assert "not a finite number" in out
    assert "UTC" not in out.split("Claims:")[1].split("\n")[1]  # never shown as a time
    code, out, _ = run(capsys, monkeypatch, "decode", SHOWN[name], "--json")
    doc = json.loads(out, parse_constant=_not_json)
    exp = next(c for c in doc["claims"] if c["name"] == "exp")
    assert exp["value"] in ("NaN", "Infinity", "-Infinity") and exp["utc"] is None
    assert exp["relative"] == "not a finite number"


def test_a_lone_surrogate_in_a_claim_is_printed_escaped(capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, "decode",
                         SHOWN["escaped lone surrogate in a claim"])
    assert code == 0 and "\\ud800" in out and not err


def test_verify_refuses_a_non_canonical_spelling_of_a_valid_token(capsys, monkeypatch):
    good = _token('{"alg":"HS256"}', '{"sub":"a"}')
    assert run(capsys, monkeypatch, "verify", good, "--secret", SECRET)[0] == 0
    code, out, err = run(capsys, monkeypatch, "verify", SHOWN["non-canonical signature"],
                         "--secret", SECRET)
    assert code == 1 and "canonical" in out and "Traceback" not in err


def test_verify_refuses_a_nan_exp(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "verify", NAN_EXP, "--secret", SECRET, "--json")
    doc = json.loads(out, parse_constant=_not_json)
    assert code == 1 and not doc["valid"]
    assert any(c["name"] == "exp" and "not a finite number" in c["reason"] for c in doc["checks"])


# -- output linear in the input --------------------------------------------------------------------

def test_decode_all_output_grows_linearly_with_the_number_of_tokens(capsys, monkeypatch):
    token = _token('{"alg":"HS256"}', '{"sub":"a"}')
    sizes = {}
    for count in (50, 200):
        for extra in ([], ["--json"]):
            code, out, _ = run(capsys, monkeypatch, "decode", "--all", *extra,
                               stdin=" ".join([token] * count))
            assert code == 0
            sizes[count, bool(extra)] = len(out)
    for json_out in (False, True):
        ratio = sizes[200, json_out] / sizes[50, json_out]
        assert ratio < 4.5, f"output grew {ratio:.1f}x for 4x the tokens"


def test_decode_all_still_lists_what_was_found_once(capsys, monkeypatch):
    token = _token('{"alg":"HS256"}', '{"sub":"a"}')
    response = json.dumps({"access_token": token, "id_token": token, "expires_in": 60})
    code, out, _ = run(capsys, monkeypatch, "decode", "--all", response)
    assert code == 0 and out.count("found: access_token, id_token") == 1
    code, out, _ = run(capsys, monkeypatch, "decode", "--all", "--json", response)
    docs = json.loads(out)
    assert docs[0]["found"] == ["access_token", "id_token"] and docs[1]["found"] is None


# -- support: a provider that always says "next" ----------------------------------------------------

def test_support_tokens_stops_at_a_repeated_cursor(home, capsys, monkeypatch):
    from tests.helpers.fake_admin import FakeAuth0
    from tests.helpers.http_server import Reply

    class EndlessAuth0(FakeAuth0):
        def _rt_list(self, req, uid):  # noqa: ARG002 - the fake's route signature
            self.pages = getattr(self, "pages", 0) + 1
            if self.pages > 50:  # a regression must fail this test, not hang it
                return Reply(500, {"error": "the test's page budget is spent"})
            token = {"id": f"rt_{self.pages}", "user_id": "auth0|alice", "client_id": "app",
                     "created_at": "2026-01-01T00:00:00.000Z"}
            return Reply(200, {"refresh_tokens": [token], "next": "always-the-same"})

    with EndlessAuth0() as fake:
        fake.add_user("auth0|alice", "alice@example.com", "Alice")
        code, _, err = run(capsys, monkeypatch, "client", "add", "adm", "--issuer",
                           fake.url + "/", "--client-id", fake.CLIENT_ID, "--auth-method",
                           "client_secret_post", "--client-secret-stdin", "--token-endpoint",
                           fake.url + fake.TOKEN_PATH, "--admin", "auth0",
                           stdin=fake.CLIENT_SECRET)
        assert code == 0, err
        code, out, err = run(capsys, monkeypatch, "support", "tokens", "adm", "auth0|alice")
    assert_refused(code, out, err, "same next-page cursor twice")
    assert fake.pages == 2


def test_pagination_is_capped_at_max_pages():
    from tokendesk.core.errors import AdminError
    from tokendesk.core.support.connector import MAX_PAGES, Connector

    calls = []

    def following(cursor):
        calls.append(cursor)
        return [cursor], cursor + 1  # a new cursor every time, forever

    with pytest.raises(AdminError, match=f"after {MAX_PAGES:,} pages"):
        list(Connector(api=None)._pages(lambda: ([0], 1), following, "users", None))
    assert len(calls) == MAX_PAGES - 1


# -- real processes: pipes, argv bytes, resource limits ---------------------------------------------

def _cli(*argv: str | bytes, stdin: bytes = b"", env: dict[str, str] | None = None,
         limit_memory: int | None = None, limit_cpu: int = 120) -> subprocess.CompletedProcess:
    """The CLI as a real process, with its CPU seconds (and address space) capped, so that a
    cost that is no longer bounded fails the test instead of hanging it."""
    def limits() -> None:  # pragma: no cover - runs in the child
        import resource

        resource.setrlimit(resource.RLIMIT_CPU, (limit_cpu, limit_cpu))
        if limit_memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit_memory, limit_memory))

    return subprocess.run([sys.executable, "-m", "tokendesk", *argv], input=stdin,
                          capture_output=True, env={**os.environ, **(env or {})},
                          preexec_fn=limits, check=False)


def test_invalid_utf8_argv_is_refused_in_one_line():
    result = _cli("decode", b"\xff\xfe")
    err = result.stderr.decode()
    assert result.returncode == 2 and "Traceback" not in err
    assert err.strip() == "tokendesk: argument 2 is not valid text (invalid UTF-8 or a lone " \
        "surrogate); nothing was done"


@pytest.mark.parametrize("read", [0, 10], ids=["| true", "| head -c 10"])
def test_a_closed_pipe_ends_decode_quietly(read, tmp_path):
    token = _token('{"alg":"HS256"}', '{"sub":"a","exp":NaN}')
    source = tmp_path / "in"
    source.write_text(" ".join([token] * 2000))  # far more output than a pipe buffer holds
    with source.open("rb") as stdin:
        child = subprocess.Popen([sys.executable, "-m", "tokendesk", "decode", "--all", "-"],
                                 stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert child.stdout is not None and child.stderr is not None
        child.stdout.read(read)
        child.stdout.close()  # the reader goes away, as `true` or `head` does
        err = child.stderr.read().decode()
        child.stderr.close()
        code = child.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err and err == "", err
    assert code == 0


@pytest.mark.parametrize("argv,message", [
    (["--type", "HMAC", "--size", "1000000000"], "at most 1,024 bytes"),
    (["--type", "HMAC", "--size", "1025"], "at most 1,024 bytes"),
    (["--type", "RSA", "--size", "100000"], "at most 16,384 bits"),
    (["--type", "RSA", "--size", "16385"], "at most 16,384 bits"),
], ids=["HMAC 1e9 bytes", "HMAC 1025 bytes", "RSA 100000 bits", "RSA 16385 bits"])
def test_keygen_refuses_huge_keys_within_a_small_budget(argv, message):
    result = _cli("keygen", *argv, limit_memory=512 << 20, limit_cpu=20)
    err = result.stderr.decode()
    assert result.returncode == 2 and "Traceback" not in err
    assert err.strip().startswith("tokendesk: ") and message in err


def test_a_huge_decode_input_is_refused_within_a_small_memory_budget(tmp_path):
    big = b"eyJ" + b"A" * (10 << 20)
    result = _cli("decode", "-", stdin=big, limit_memory=1 << 30)
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 1 and "at most" in out and "Traceback" not in err


def test_deep_json_on_a_real_process_is_one_line(tmp_path):
    home = tmp_path / "home"
    env = {"TOKENDESK_HOME": str(home), "TOKENDESK_VAULT_PASSPHRASE": PASSPHRASE}
    assert _cli("vault", "create-file-store", stdin=PASSPHRASE.encode(), env=env).returncode == 0
    result = _cli("vault", "add", "x", "--client", "dev", "--refresh-token-stdin",
                  stdin=DEEP_OBJECT.encode(), env=env, limit_memory=1 << 30)
    err = result.stderr.decode()
    assert result.returncode == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not list(Path(home).glob("*.tmp"))


# -- numbers a server chooses ------------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [(5, 5.0), ("7", 7.0), (0, 1.0), (-3, 1.0),
                                            (1e300, 60.0), (10**400, None), (float("nan"), None),
                                            (float("inf"), None), ("soon", None), (None, None),
                                            ([], None)])
def test_device_authorization_interval_is_bounded(value, expected):
    from tokendesk.core.oauth.signin import _bounded

    if expected is None:
        with pytest.raises((TypeError, ValueError, OverflowError)):
            _bounded(value, 1.0, 60.0)
    else:
        assert _bounded(value, 1.0, 60.0) == expected


# -- main's last resort ------------------------------------------------------------------------------

def test_an_unexpected_error_is_one_line_without_its_message(capsys, monkeypatch):
    import tokendesk.cli.decode_cmd as decode_cmd

    def broken(args):
        raise TypeError("a message that might quote a secret-token-value")

    monkeypatch.setattr(decode_cmd, "run", broken)
    code, out, err = run(capsys, monkeypatch, "decode", "x")
    assert code == 2 and err.startswith("tokendesk: unexpected error (TypeError)")
    assert len(err.strip().splitlines()) == 1 and "secret-token-value" not in err
    monkeypatch.setenv("TOKENDESK_DEBUG", "1")
    with pytest.raises(TypeError):
        main(["decode", "x"])


# -- hypothesis over the commands themselves ---------------------------------------------------------

def _real_stdout():
    """A stdout like a terminal's: UTF-8 with strict errors (not capsys's, not a StringIO)."""
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")


def _written(stream: io.TextIOWrapper) -> str:
    stream.flush()
    return stream.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(hostile_token(), st.sampled_from([[], ["--json"], ["--all"], ["--all", "--json"]]))
def test_decode_command_on_hostile_tokens(token, extra):
    import contextlib

    out, err = _real_stdout(), _real_stdout()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["decode", token, *extra])
    text = _written(out) + _written(err)
    assert "Traceback" not in text and "unexpected error" not in text
    assert code in (0, 1, 2)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.one_of(hostile_token(), signed_token()), st.sampled_from([[], ["--json"]]))
def test_verify_command_on_hostile_tokens(token, extra):
    import contextlib

    out, err = _real_stdout(), _real_stdout()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["verify", token, "--secret", HOSTILE_SECRET.decode(), *extra])
    text = _written(out) + _written(err)
    assert "Traceback" not in text and "unexpected error" not in text
    assert code in (0, 1, 2)


# -- an export made by hand, its passphrase handed over with it --------------------------------------

@pytest.mark.parametrize("plain", [
    DEEP.encode(), b"not JSON", b'{"clients":5,"credentials":[]}', b"[]",
    b'{"clients":[{"name":1}],"credentials":[]}', b'{"clients":[],"credentials":[{"name":"x"}]}',
    b'{"clients":[],"credentials":[5]}',
], ids=["deep", "not JSON", "clients a number", "a list", "client name a number",
        "credential without client", "credential a number"])
def test_vault_import_of_a_crafted_export_is_refused(home, tmp_path, capsys, monkeypatch, plain):
    import base64

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from tokendesk.core.vault import export
    from tokendesk.core.vault.kdf import derive_key

    salt, nonce = os.urandom(16), os.urandom(12)
    n, r, p = 2**14, 8, 1  # the export's own cost, as a crafted file would choose it
    key = derive_key(PASSPHRASE, salt, n, r, p)
    sealed = AESGCM(key).encrypt(nonce, plain, export.FORMAT.encode())
    doc = {"format": export.FORMAT, "version": export.VERSION, "kdf": "scrypt", "n": n,
           "r": r, "p": p, "salt": base64.b64encode(salt).decode(),
           "nonce": base64.b64encode(nonce).decode(),
           "ciphertext": base64.b64encode(sealed).decode()}
    path = tmp_path / "crafted.json"
    path.write_text(json.dumps(doc))
    code, out, err = run(capsys, monkeypatch, "vault", "import", str(path), stdin=PASSPHRASE)
    assert_refused(code, out, err, "not a Tokendesk export")
    code, out, _ = run(capsys, monkeypatch, "vault", "list", "--json")
    assert [c["name"] for c in json.loads(out)] == ["carol"]  # nothing was half-imported


@pytest.mark.parametrize("reader", ["true", "head -c 1"])
def test_a_closed_pipe_keeps_the_verdicts_exit_code(tmp_path, reader):
    """`verify … | head -1` in a script with pipefail: an INVALID token must not exit 0."""
    import base64

    head = base64.urlsafe_b64encode(b'{"alg":"HS256"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(b'{"sub":"x"}').rstrip(b"=").decode()
    sig = base64.urlsafe_b64encode(hmac.new(b"w" * 32, f"{head}.{body}".encode(),
                                            hashlib.sha256).digest()).rstrip(b"=").decode()
    (tmp_path / "secret").write_text("r" * 32)  # not the signing secret: INVALID
    script = (f"{sys.executable} -m tokendesk verify {head}.{body}.{sig} --secret-file "
              f"{tmp_path / 'secret'} | {reader}; echo \"code=${{PIPESTATUS[0]}}\" >&2")
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO / "app")})
    assert "code=1" in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_a_lone_surrogate_is_printed_escaped_in_a_posix_locale(tmp_path):
    import base64

    token = ("eyJhbGciOiJSUzI1NiJ9." + base64.urlsafe_b64encode(b'{"sub":"\\ud800"}')
             .rstrip(b"=").decode() + ".c2ln")
    done = subprocess.run([sys.executable, "-m", "tokendesk", "decode", token],
                          capture_output=True, timeout=60, cwd=tmp_path,
                          env={**os.environ, "LC_ALL": "C", "PYTHONIOENCODING": "",
                               "PYTHONPATH": str(REPO / "app")})
    assert done.returncode == 0, done.stderr
    assert b"\\ud800" in done.stdout and b"Traceback" not in done.stderr


def test_decode_shows_control_characters_of_a_token_as_escapes(capsys, monkeypatch):
    """A claim holding a terminal escape sequence (clear the screen, retitle the window) or a
    carriage return must not reach the terminal raw."""
    claims = {"sub": "\x1b[2J\x1b]0;pwned\x07", "iss": "a\rb", "aud": ["x\x1by"]}
    token = _token(json.dumps({"alg": "HS256"}), json.dumps(claims))
    code = main(["decode", token])
    out = capsys.readouterr().out
    assert code == 0 and "\x1b" not in out and "\r" not in out and "\x07" not in out
    assert "\\x1b[2J" in out and "a\\x0db" in out


def test_standard_input_without_end_is_refused_in_bounded_memory(tmp_path):
    """`tokendesk decode - < /dev/zero` once grew to 7.5 GB: at most 16 MiB is read."""
    done = subprocess.run(
        ["bash", "-c", f"ulimit -v {1 << 20}; {sys.executable} -m tokendesk decode - "
                       "< /dev/zero"], capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO / "app")})
    assert done.returncode == 2 and "more than 16 MiB" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_vault_problems_carry_their_own_codes(tmp_path, capsys, monkeypatch):
    """No keyring and no file store: keyring_unavailable; a file store without a passphrase
    in a script: vault_locked (the README's table), not a bare usage error."""

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOKENDESK_HOME", str(tmp_path / "empty"))
    monkeypatch.delenv("TOKENDESK_VAULT_PASSPHRASE", raising=False)
    from tokendesk.core import vault as vault_package

    # as on a machine without a usable keyring: the encrypted file store is the one left
    monkeypatch.setattr(vault_package, "open_store",
                        lambda home, **_: vault_package.FileStore(home / "secrets.enc"))
    code, out, _ = run(capsys, monkeypatch, "client", "list", "--json")
    assert code == 2 and json.loads(out)["error"]["code"] == "keyring_unavailable"
    monkeypatch.setenv("TOKENDESK_VAULT_PASSPHRASE", PASSPHRASE)
    assert run(capsys, monkeypatch, "vault", "create-file-store", stdin=PASSPHRASE)[0] == 0
    monkeypatch.delenv("TOKENDESK_VAULT_PASSPHRASE")
    code, out, _ = run(capsys, monkeypatch, "client", "list", "--json")
    assert code == 2 and json.loads(out)["error"]["code"] == "vault_locked"


def test_a_keycloak_admin_connection_needs_a_realm_issuer(home, capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, "client", "add", "kc", "--issuer",
                         "https://sso.example/", "--client-id", "c", "--admin", "keycloak",
                         "--auth-method", "none")
    assert_refused(code, out, err, "not a Keycloak realm issuer")
    assert code == 2
    code, out, _ = run(capsys, monkeypatch, "client", "list", "--json")
    assert "kc" not in [c["name"] for c in json.loads(out)]


def test_answering_no_is_a_cancel_with_its_code(home, capsys, monkeypatch):
    """A person who answers n at the prompt cancelled: exit 130, nothing done."""
    import builtins

    monkeypatch.setattr(builtins, "input", lambda _prompt="": "n")
    monkeypatch.setattr(sys, "stdin", type("Tty", (), {"isatty": lambda self: True})())
    code = main(["client", "rm", "dev"])
    _out, err = capsys.readouterr()
    assert code == 130 and "cancelled: nothing was changed" in err
    code, out, _ = run(capsys, monkeypatch, "client", "list", "--json")
    assert [c["name"] for c in json.loads(out)] == ["dev"]


def test_client_edit_makes_or_unmakes_an_admin_connection(home, capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, "client", "edit", "dev", "--admin", "keycloak")
    assert_refused(code, out, err, "not a Keycloak realm issuer")  # its issuer is no realm's
    code, out, err = run(capsys, monkeypatch, "client", "edit", "dev", "--admin", "keycloak",
                         "--admin-api", "https://sso.example/admin/realms/demo")
    assert code == 0, err
    code, out, _ = run(capsys, monkeypatch, "client", "show", "dev", "--json")
    shown = json.loads(out)
    assert shown["admin_provider"] == "keycloak"
    assert shown["endpoints"]["admin_api"] == "https://sso.example/admin/realms/demo"
    assert run(capsys, monkeypatch, "client", "edit", "dev", "--admin", "off")[0] == 0
    code, out, _ = run(capsys, monkeypatch, "client", "show", "dev", "--json")
    assert json.loads(out)["admin_provider"] == ""
