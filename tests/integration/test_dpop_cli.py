"""DPoP from the command line (issue 18), against the real oidc-provider: a client marked DPoP,
``login --dpop`` (PAR and the nonce dance underneath), ``vault show`` naming the key,
``token NAME --dpop --method --url`` printing the headers for curl, and ``verify-dpop`` and
``check-binding`` checking what it printed. Run in a temporary directory; the last test scans
TOKENDESK_HOME and every output for the DPoP private key and the tokens."""

from __future__ import annotations

import io
import json
import sys
import webbrowser

import pytest

from tests.integration.test_signin import browser
from tokendesk.cli import main

pytestmark = pytest.mark.integration
API = "https://api.example/me?page=2"


@pytest.fixture
def env(tmp_path, monkeypatch, secret_service, oidc_provider):
    home = tmp_path / "home"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOKENDESK_HOME", str(home))
    import keyring

    keyring.set_keyring(secret_service.backend())
    monkeypatch.setattr(webbrowser, "open", browser("alice"))
    return home


def run(capsys, monkeypatch, *argv, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def signed_in(env, capsys, monkeypatch, oidc_provider):
    code, out, err = run(capsys, monkeypatch, "client", "add", "dpop", "--issuer",
                         oidc_provider.issuer, "--client-id", "tokendesk-dpop",
                         "--auth-method", "none", "--dpop", "EdDSA",
                         "--scope", "openid offline_access api:read")
    assert code == 0, err
    code, out, err = run(capsys, monkeypatch, "login", "dpop", "--name", "alice", "--dpop",
                         "--wait", "30")
    assert code == 0, err
    assert "signed in as alice" in out
    return env


def _headers(capsys, monkeypatch, *extra):
    code, out, err = run(capsys, monkeypatch, "token", "alice", "--dpop", "--method", "GET",
                         "--url", API, *extra)
    assert code == 0, err
    lines = out.splitlines()
    assert [line.split(":", 1)[0] for line in lines] == ["Authorization", "DPoP"]
    access = lines[0].removeprefix("Authorization: DPoP ")
    return access, lines[1].removeprefix("DPoP: ")


def test_a_dpop_client_and_a_bound_credential_as_the_cli_shows_them(signed_in, capsys,
                                                                    monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "client", "show", "dpop", "--json")
    assert code == 0 and json.loads(out)["dpop_alg"] == "EdDSA"
    code, out, _ = run(capsys, monkeypatch, "vault", "show", "alice", "--json")
    thumb = json.loads(out)["dpop_jkt"]
    assert code == 0 and len(thumb) == 43
    code, out, _ = run(capsys, monkeypatch, "vault", "show", "alice")
    assert f"thumbprint {thumb} (its tokens are bound to it)" in out
    assert run(capsys, monkeypatch, "client", "edit", "dpop", "--dpop", "off")[0] == 0
    code, out, _ = run(capsys, monkeypatch, "client", "show", "dpop", "--json")
    assert json.loads(out)["dpop_alg"] == ""
    # the credential keeps its key: its refresh token works with no other
    assert run(capsys, monkeypatch, "refresh", "alice")[0] == 0
    code, out, _ = run(capsys, monkeypatch, "vault", "show", "alice", "--json")
    assert json.loads(out)["dpop_jkt"] == thumb


def test_token_dpop_prints_headers_whose_proof_verifies_and_binds(signed_in, capsys,
                                                                 monkeypatch, tmp_path):
    access, proof = _headers(capsys, monkeypatch)
    (tmp_path / "at.txt").write_text(access + "\n")
    code, out, err = run(capsys, monkeypatch, "verify-dpop", proof, "--method", "get",
                         "--url", "https://API.example/me", "--access-token-file", "at.txt")
    assert code == 0, out + err
    assert out.startswith("VALID") and "ok  cnf.jkt" in out and "ok  ath" in out
    code, out, _ = run(capsys, monkeypatch, "verify-dpop", "--method", "GET", "--url", API,
                       "--access-token-file", "at.txt", "--json", stdin=f"DPoP: {proof}\n")
    doc = json.loads(out)
    assert code == 0 and doc["verdict"] == "VALID" and doc["claims"]["htm"] == "GET"
    code, out, _ = run(capsys, monkeypatch, "check-binding", "--proof", proof,
                       stdin=f"Authorization: DPoP {access}\n")
    assert code == 0 and out.startswith("BOUND")


def test_verify_dpop_refuses_what_does_not_match(signed_in, capsys, monkeypatch, tmp_path):
    access, proof = _headers(capsys, monkeypatch)
    (tmp_path / "at.txt").write_text(access)
    (tmp_path / "other.txt").write_text("another-access-token")
    for argv, failed in (
            (["--method", "POST", "--url", API], "BAD htm"),
            (["--method", "GET", "--url", "https://api.example/other"], "BAD htu"),
            (["--method", "GET", "--url", API, "--now", "1"], "BAD iat"),
            (["--method", "GET", "--url", API, "--nonce", "n"], "BAD nonce"),
            (["--method", "GET", "--url", API, "--access-token-file", "other.txt"], "BAD ath")):
        code, out, _ = run(capsys, monkeypatch, "verify-dpop", proof, *argv)
        assert code == 1 and out.startswith("INVALID") and failed in out, (argv, out)
    code, _, err = run(capsys, monkeypatch, "verify-dpop", "--method", "GET", "--url", API,
                       "--access-token-stdin", stdin=proof)
    assert code == 2 and "--access-token-stdin reads standard input" in err
    code, _, err = run(capsys, monkeypatch, "verify-dpop", proof, "--method", "GET", "--url",
                       API, "--now", "nan")
    assert code == 2 and "not a finite number" in err
    code, out, _ = run(capsys, monkeypatch, "verify-dpop", "not-a-proof", "--method", "GET",
                       "--url", API)
    assert code == 1 and out.startswith("INVALID")


def test_check_binding_with_another_key_or_a_certificate_says_not_bound(
        signed_in, capsys, monkeypatch, tmp_path, oidc_provider):
    from tokendesk.core.tokens.dpop import generate_dpop_key, public_jwk

    access, _proof = _headers(capsys, monkeypatch)
    (tmp_path / "other.jwk").write_text(json.dumps(public_jwk(generate_dpop_key())))
    code, out, _ = run(capsys, monkeypatch, "check-binding", access, "--key", "other.jwk")
    assert code == 1 and out.startswith("NOT BOUND") and "mismatch" not in out
    code, out, _ = run(capsys, monkeypatch, "check-binding", access, "--cert",
                       str(oidc_provider.tls_dir / "client.pem"), "--json")
    assert code == 1 and json.loads(out)["checks"][0]["code"] == "not_bound"
    code, _, err = run(capsys, monkeypatch, "check-binding", access, "--key", "missing.jwk")
    assert code == 2 and "no such file" in err


def test_token_options_that_do_not_go_together_are_usage_errors(signed_in, capsys,
                                                                monkeypatch):
    code, _, err = run(capsys, monkeypatch, "token", "alice", "--dpop")
    assert code == 2 and "--dpop needs --url" in err
    code, _, err = run(capsys, monkeypatch, "token", "alice", "--url", API)
    assert code == 2 and "go with --dpop" in err


def test_token_dpop_for_a_bearer_credential_is_refused_before_anything_is_sent(
        env, capsys, monkeypatch, oidc_provider):
    run(capsys, monkeypatch, "client", "add", "public", "--issuer", oidc_provider.issuer,
        "--client-id", "tokendesk-public", "--auth-method", "none")
    run(capsys, monkeypatch, "vault", "add", "bob", "--client", "public",
        "--refresh-token-stdin", stdin=oidc_provider.mint("tokendesk-public"))
    granted = oidc_provider.granted("tokendesk-public")
    code, _, err = run(capsys, monkeypatch, "token", "bob", "--dpop", "--url", API)
    assert code == 2 and "bob has no DPoP key" in err and "--dpop ES256" in err
    assert oidc_provider.granted("tokendesk-public") == granted


def test_no_dpop_key_or_token_leaks_into_files_or_outputs(signed_in, capsys, monkeypatch):
    from tokendesk.core.vault import open_vault
    from tokendesk.core.vault.bindings import dpop_key

    outputs = [run(capsys, monkeypatch, *argv) for argv in (
        ["vault", "show", "alice"], ["vault", "show", "alice", "--json"], ["refresh", "alice"],
        ["client", "show", "dpop"], ["audit"], ["vault", "list", "--json"])]
    access, proof = _headers(capsys, monkeypatch)
    outputs.append(run(capsys, monkeypatch, "verify-dpop", proof, "--method", "GET", "--url",
                       API, "--json"))
    vault = open_vault(signed_in)
    try:
        key = dpop_key(vault, "alice")
        assert key.alg == "EdDSA"  # 'login --dpop' without ALG: the client's algorithm
        private = key.private_jwk()["d"]
        secrets = [private, vault.refresh_token("alice"), access]
    finally:
        vault.close()
    text = "\n".join(out + err for _, out, err in outputs)
    for secret in secrets:
        assert secret not in text
        for path in signed_in.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path


def test_token_dpop_carries_the_nonce_the_resource_asked_for(signed_in, capsys, monkeypatch):
    """A resource that answered use_dpop_nonce with DPoP-Nonce: its nonce goes in the proof."""
    access, proof = _headers(capsys, monkeypatch, "--nonce", "resource-nonce-1")
    code, out, _ = run(capsys, monkeypatch, "verify-dpop", proof, "--method", "GET", "--url",
                       API, "--nonce", "resource-nonce-1", "--json")
    assert code == 0 and json.loads(out)["claims"]["nonce"] == "resource-nonce-1"
    _access, plain = _headers(capsys, monkeypatch)
    code, out, _ = run(capsys, monkeypatch, "verify-dpop", plain, "--method", "GET", "--url",
                       API, "--nonce", "resource-nonce-1")
    assert code == 1 and "BAD nonce" in out


def test_a_bound_token_printed_alone_says_it_needs_a_proof(signed_in, capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, "token", "alice")
    assert code == 0 and out.count(".") == 2  # the access token, for whoever pipes it
    assert "DPoP-bound" in err and "tokendesk token alice --dpop" in err
