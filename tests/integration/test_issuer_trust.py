"""Issuer keys only for a trusted issuer (SECURITY.md 5a, 12), against real HTTP servers.

The attack: anyone can run an issuer. An attacker signs a token with their own key, names their
own server as ``iss``, and publishes that key there. Keys fetched because the token named that
issuer prove nothing, so such a token is never VALID and never exit 0.
"""

from __future__ import annotations

import json

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import NOW, public_pem
from tests.helpers.http_server import LocalServer, Reply
from tokendesk.cli import main
from tokendesk.core.oauth.http import HttpClient
from tokendesk.core.oauth.remote_keys import RemoteKeys
from tokendesk.core.tokens.keys import jwk_from_public_key
from tokendesk.core.tokens.verify import ISSUER_TRUST

pytestmark = pytest.mark.integration


def _publish(server: LocalServer, private: rsa.RSAPrivateKey, kid: str = "k1") -> None:
    server.route("/.well-known/openid-configuration",
                 Reply(body={"issuer": server.url, "jwks_uri": server.url + "/jwks"}))
    server.route("/jwks", Reply(body={"keys": [
        {**jwk_from_public_key(private.public_key()), "kid": kid, "use": "sig"}]}))


def _token(iss: str, private: rsa.RSAPrivateKey, kid: str = "k1") -> str:
    claims = {"iss": iss, "sub": "admin", "aud": "api", "exp": NOW + 60, "iat": NOW}
    return pyjwt.encode(claims, private, algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def real(rsa_private):
    """The issuer the user trusts, publishing its key."""
    with LocalServer() as srv:
        _publish(srv, rsa_private)
        yield srv


@pytest.fixture
def attacker_key():
    return rsa.generate_private_key(65537, 2048)


@pytest.fixture
def attacker(attacker_key):
    """An attacker-controlled issuer on loopback publishing the attacker's key."""
    with LocalServer() as srv:
        _publish(srv, attacker_key)
        yield srv


@pytest.fixture
def forged(attacker, attacker_key):
    return _token(attacker.url, attacker_key)


def _verify(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["verify", *argv, "--now", str(NOW)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- the command line ---------------------------------------------------------------------------
def test_a_forged_token_naming_its_own_issuer_is_untrusted(capsys, attacker, forged):
    code, out, err = _verify(capsys, forged, "--issuer-keys")
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith("UNTRUSTED: signature matches keys published by " + attacker.url)
    assert "named by the token itself, not by you" in first and "--iss" in first
    assert "VALID" not in first.replace("UNTRUSTED", "")
    assert f"BAD {ISSUER_TRUST}" in out
    assert "not trusted" in err  # said before the fetch, too
    assert attacker.count("/jwks") == 1  # fetched to show information, nothing more


def test_a_forged_token_in_json_says_the_issuer_was_not_trusted(capsys, attacker, forged):
    code, out, _ = _verify(capsys, forged, "--issuer-keys", "--json")
    data = json.loads(out)
    assert code == 1
    assert data["valid"] is False and data["verdict"] == "UNTRUSTED"
    assert data["issuer_trusted"] is False and data["untrusted_issuer"] == attacker.url
    trust = next(c for c in data["checks"] if c["name"] == ISSUER_TRUST)
    assert trust["passed"] is False
    assert next(c for c in data["checks"] if c["name"] == "signature")["passed"] is True


def test_a_forged_token_with_the_real_issuer_given_is_invalid(capsys, real, attacker, forged):
    code, out, _ = _verify(capsys, forged, "--issuer-keys", "--iss", real.url)
    assert code == 1
    assert out.splitlines()[0] == "INVALID"
    assert "BAD signature" in out
    assert attacker.count("/jwks") == 0 and real.count("/jwks") >= 1
    code, out, _ = _verify(capsys, forged, "--issuer-keys", "--iss", real.url, "--json")
    data = json.loads(out)
    assert code == 1 and data["verdict"] == "INVALID" and data["valid"] is False
    assert data["issuer_trusted"] is True and "untrusted_issuer" not in data


def test_a_real_token_of_a_trusted_issuer_is_valid(capsys, real, rsa_private):
    token = _token(real.url, rsa_private)
    code, out, _ = _verify(capsys, token, "--issuer-keys", "--iss", real.url, "--json")
    data = json.loads(out)
    assert code == 0 and data["verdict"] == "VALID" and data["issuer_trusted"] is True
    assert next(c for c in data["checks"] if c["name"] == "iss")["passed"] is True


def test_a_real_token_without_iss_is_still_only_untrusted(capsys, real, rsa_private):
    code, out, _ = _verify(capsys, _token(real.url, rsa_private), "--issuer-keys")
    assert code == 1 and out.startswith("UNTRUSTED")


def _vault_client(home, name: str, issuer: str) -> None:
    from tokendesk.core.vault import Client
    from tokendesk.core.vault.index import Index

    index = Index(home / "vault.sqlite3")
    try:
        index.add_client(Client(name, issuer, "app", "none", uid=f"uid-{name}"))
    finally:
        index.close()


def test_a_vault_clients_issuer_is_trusted(capsys, tmp_path, monkeypatch, real, attacker,
                                           forged, rsa_private):
    home = tmp_path / "home"
    monkeypatch.setenv("TOKENDESK_HOME", str(home))
    _vault_client(home, "prod", real.url)
    code, out, _ = _verify(capsys, _token(real.url, rsa_private), "--issuer-keys",
                           "--client", "prod")
    assert code == 0 and out.startswith("VALID")
    code, out, _ = _verify(capsys, forged, "--issuer-keys", "--client", "prod")
    assert code == 1 and out.startswith("INVALID")
    assert attacker.count("/jwks") == 0


def test_the_issuer_a_token_names_is_trusted_when_a_vault_client_has_it(
        capsys, tmp_path, monkeypatch, real, attacker, forged, rsa_private):
    """As in the Inspector: no --iss or --client, and the token's own iss is a vault client's."""
    home = tmp_path / "home"
    monkeypatch.setenv("TOKENDESK_HOME", str(home))
    _vault_client(home, "prod", real.url)
    code, out, err = _verify(capsys, _token(real.url, rsa_private), "--issuer-keys")
    assert code == 0 and out.startswith("VALID") and "not trusted" not in err
    code, out, err = _verify(capsys, forged, "--issuer-keys")  # the attacker is no client's
    assert code == 1 and out.startswith("UNTRUSTED") and "not trusted" in err


def test_a_token_without_iss_needs_an_issuer_or_a_key_set_url(capsys, rsa_private):
    token = pyjwt.encode({"sub": "x", "exp": NOW + 60}, rsa_private, algorithm="RS256")
    code, out, err = _verify(capsys, token, "--issuer-keys", "--json")
    assert code == 2 and "no iss claim" in err
    assert '"code": "invalid_input"' in out


def test_client_lookup_errors_are_usage_errors(capsys, tmp_path, monkeypatch, real, rsa_private):
    home = tmp_path / "home"
    monkeypatch.setenv("TOKENDESK_HOME", str(home))
    token = _token(real.url, rsa_private)
    code, _, err = _verify(capsys, token, "--issuer-keys", "--client", "nobody")
    assert code == 2 and "no client named 'nobody'" in err
    _vault_client(home, "prod", real.url)
    code, _, err = _verify(capsys, token, "--issuer-keys", "--client", "prod",
                           "--iss", real.url + "/other")
    assert code == 2 and "is not the issuer of the client prod" in err
    assert real.count("/jwks") == 0


def test_a_jwks_url_given_by_the_user_carries_no_trust_check(capsys, real, rsa_private):
    code, out, _ = _verify(capsys, _token(real.url, rsa_private), "--jwks-url",
                           real.url + "/jwks", "--json")
    data = json.loads(out)
    assert code == 0 and data["verdict"] == "VALID" and data["issuer_trusted"] is None


# -- the library ----------------------------------------------------------------------------------
def test_remote_keys_mark_an_issuer_the_user_did_not_give(attacker, forged):
    with HttpClient(timeout=2.0) as http:
        remote = RemoteKeys(http)
        untrusted = remote.verify(forged, issuer=attacker.url, issuer_trusted=False, now=NOW)
        trusted = remote.verify(forged, issuer=attacker.url, now=NOW)
    assert not untrusted.valid and untrusted.verdict == "UNTRUSTED"
    assert untrusted.issuer_trusted is False
    # not checked against itself: at most a "not checked" row
    assert all(not c.checked for c in untrusted.checks if c.name == "iss")
    assert "named by the token itself" in untrusted.reason
    # the caller who says it trusts the issuer (signin does, for its client's issuer) gets VALID
    assert trusted.valid and trusted.issuer_trusted is True


def test_an_untrusted_issuer_with_a_bad_signature_is_invalid(attacker, rsa_private):
    token = _token(attacker.url, rsa_private)  # not signed by the key the issuer publishes
    with HttpClient(timeout=2.0) as http:
        result = RemoteKeys(http).verify(token, issuer=attacker.url, issuer_trusted=False,
                                         now=NOW)
    assert result.verdict == "INVALID" and result.issuer_trusted is False
    assert "keys were fetched from" in next(c.reason for c in result.checks
                                            if c.name == ISSUER_TRUST)


def test_client_sets_the_expected_issuer_for_a_local_key_too(capsys, tmp_path, monkeypatch,
                                                            rsa_private):

    home = tmp_path / "home"
    monkeypatch.setenv("TOKENDESK_HOME", str(home))
    _vault_client(home, "prod", "https://login.example.com/")
    key = tmp_path / "key.pem"
    key.write_text(public_pem(rsa_private))
    good = _token("https://login.example.com/", rsa_private)
    code, out, _ = _verify(capsys, good, "--key", str(key), "--client", "prod")
    assert code == 0 and "ok  iss: issuer is 'https://login.example.com/'" in out
    code, out, _ = _verify(capsys, _token("https://login.example.com", rsa_private), "--key",
                           str(key), "--client", "prod")
    assert code == 1 and "BAD iss" in out
