"""Mutual TLS (RFC 8705, issue 18) against the real oidc-provider's TLS listener on 127.0.0.1,
its certificates from a test CA made by ``cryptography`` (tests/helpers/test_ca.py):
``tls_client_auth`` and ``self_signed_tls_client_auth``, the server's mtls_endpoint_aliases,
certificate-bound access tokens (``cnf.x5t#S256``) shown and checked, and every refusal: no
certificate, one the server does not trust, a key that is not the certificate's. The
certificate's key is kept in the keyring and never in a file in clear."""

from __future__ import annotations

import io
import json
import os
import sys
import webbrowser

import pytest

from tests.helpers.oidc_provider import client_record
from tests.integration.test_signin import browser
from tokendesk.cli import main
from tokendesk.core.errors import MissingClientSecret, ProviderError, UnusableKey
from tokendesk.core.oauth.endpoints import BY_HAND, FROM_DISCOVERY, Endpoint, ResolvedEndpoints
from tokendesk.core.oauth.exchange import Exchange
from tokendesk.core.oauth.http import HttpClient
from tokendesk.core.oauth.mtls import endpoint_urls
from tokendesk.core.oauth.signin import sign_in
from tokendesk.core.tokens.binding import certificate_thumbprint, check_binding, confirmation
from tokendesk.core.vault import KeyringStore, Vault
from tokendesk.core.vault.bindings import (
    TLS_CLIENT,
    client_certificate,
    remove_client_certificate,
    set_client_certificate,
)

pytestmark = pytest.mark.integration
SCOPE = "openid offline_access api:read"
PAIRS = {"tokendesk-mtls": "client", "tokendesk-mtls-self": "self-signed"}


@pytest.fixture
def tls(oidc_provider):
    return oidc_provider.tls_dir


def _read(tls, name):
    return (tls / name).read_text()


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


@pytest.fixture
def vault(home, secret_service, oidc_provider, tls):
    v = Vault(home, KeyringStore(home, secret_service.backend()))
    for client_id, stem in PAIRS.items():
        v.add_client(client_record(oidc_provider, client_id))
        set_client_certificate(v, client_id, _read(tls, f"{stem}.pem"), _read(tls, f"{stem}.key"))
    yield v
    v.close()


@pytest.fixture
def exchange(vault, tls):
    with HttpClient(timeout=5, ca_bundle=str(tls / "ca.pem")) as http:
        yield Exchange(vault, http)


@pytest.mark.parametrize("client_id", list(PAIRS))
def test_client_credentials_over_mutual_tls_give_a_certificate_bound_token(
        exchange, tls, oidc_provider, client_id):
    oauth = exchange.client_for(client_id)
    assert oauth.config.token_endpoint == oidc_provider.mtls_url + "/token"  # the alias
    _what, response = exchange.client_grant(client_id)
    cert = _read(tls, f"{PAIRS[client_id]}.pem")
    cnf = confirmation(response.access_token)
    assert cnf.x5t_s256 == certificate_thumbprint(cert)
    assert check_binding(response.access_token, certificate=cert).valid
    other = _read(tls, "self-signed.pem" if client_id == "tokendesk-mtls" else "client.pem")
    refused = check_binding(response.access_token, certificate=other)
    assert not refused.valid and refused.checks[0].code == "mismatch"


def test_sign_in_and_refresh_of_a_certificate_bound_credential(exchange, vault, tls):
    cred = sign_in(exchange, "tokendesk-mtls", "alice", scope=SCOPE, open_browser=browser(),
                   timeout=30)
    thumb = certificate_thumbprint(_read(tls, "client.pem"))
    assert confirmation(vault.token("alice", "access_token")).x5t_s256 == thumb
    assert cred.subject == "alice"
    assert exchange.refresh("alice").rotated
    assert confirmation(vault.token("alice", "access_token")).x5t_s256 == thumb


def test_the_device_authorization_request_presents_the_certificate_too(exchange,
                                                                       oidc_provider):
    from tokendesk.core.oauth.signin import start_device

    device = start_device(exchange, "tokendesk-mtls", scope=SCOPE)
    assert device.user_code and device.verification_uri.startswith(oidc_provider.mtls_url)


def test_a_tls_client_auth_client_without_a_certificate_sends_nothing(exchange, vault,
                                                                     oidc_provider):
    granted = oidc_provider.granted("tokendesk-mtls", "client_credentials")
    remove_client_certificate(vault, "tokendesk-mtls")
    assert client_certificate(vault, "tokendesk-mtls") is None
    with pytest.raises(MissingClientSecret, match="no client certificate is stored") as info:
        exchange.client_grant("tokendesk-mtls")
    assert "--tls-cert FILE --tls-key FILE" in info.value.message
    assert oidc_provider.granted("tokendesk-mtls", "client_credentials") == granted


@pytest.mark.parametrize("client_id,stem", [("tokendesk-mtls", "stranger"),
                                            ("tokendesk-mtls-self", "client")])
def test_a_certificate_the_server_does_not_accept_is_invalid_client(exchange, vault, tls,
                                                                   client_id, stem):
    """Another CA's certificate for tls_client_auth; an unregistered one for the self-signed
    client: the server refuses the client, not the network."""
    set_client_certificate(vault, client_id, _read(tls, f"{stem}.pem"), _read(tls, f"{stem}.key"))
    with pytest.raises(ProviderError) as refused:
        exchange.client_grant(client_id)
    assert refused.value.error == "invalid_client"


def test_a_key_that_is_not_the_certificates_or_not_a_certificate_is_refused(vault, tls):
    with pytest.raises(UnusableKey, match="do not belong together"):
        set_client_certificate(vault, "tokendesk-mtls", _read(tls, "client.pem"),
                               _read(tls, "self-signed.key"))
    with pytest.raises(UnusableKey, match="not a PEM certificate"):
        set_client_certificate(vault, "tokendesk-mtls", "not a certificate",
                               _read(tls, "client.key"))
    with pytest.raises(UnusableKey, match="private key"):
        set_client_certificate(vault, "tokendesk-mtls", _read(tls, "client.pem"), "no key")
    # the stored pair is unchanged
    assert client_certificate(vault, "tokendesk-mtls").certificate == _read(tls, "client.pem")


def test_the_certificates_key_is_in_the_keyring_only_and_no_file_is_left(exchange, vault,
                                                                         home, tls):
    exchange.client_grant("tokendesk-mtls")
    key_body = "".join(_read(tls, "client.key").splitlines()[1:-1])
    service = f"tokendesk/client/{vault.client('tokendesk-mtls').uid}"
    assert key_body in vault.store.get(service, TLS_CLIENT).replace("\\n", "")
    for path in home.rglob("*"):
        if path.is_file():
            assert key_body[:40].encode() not in path.read_bytes(), path
    fds = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
           if os.path.exists(f"/proc/self/fd/{fd}")]
    assert not [fd for fd in fds if "tokendesk-tls" in fd]


def test_an_endpoint_set_by_hand_wins_over_the_mtls_alias():
    from tokendesk.core.oauth.discovery import ProviderMetadata

    meta = ProviderMetadata("https://as.example", {"mtls_endpoint_aliases": {
        "token_endpoint": "https://mtls.as.example/token",
        "revocation_endpoint": "https://mtls.as.example/revoke"}, "token_endpoint":
        "https://as.example/token"})
    found = ResolvedEndpoints({
        "token_endpoint": Endpoint("token_endpoint", "https://as.example/token",
                                   FROM_DISCOVERY),
        "revocation_endpoint": Endpoint("revocation_endpoint", "https://mine.example/revoke",
                                        BY_HAND),
        "userinfo_endpoint": Endpoint("userinfo_endpoint", "https://as.example/me",
                                      FROM_DISCOVERY)}, meta)
    url = endpoint_urls(found, mtls=True)
    assert url("token_endpoint") == "https://mtls.as.example/token"
    assert url("revocation_endpoint") == "https://mine.example/revoke"
    assert url("userinfo_endpoint") == "https://as.example/me"  # no alias published
    assert endpoint_urls(found, mtls=False)("token_endpoint") == "https://as.example/token"


# -- the command line -----------------------------------------------------------------------------
def run(capsys, monkeypatch, *argv, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli(tmp_path, monkeypatch, secret_service, tls):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOKENDESK_HOME", str(tmp_path / "cli-home"))
    import keyring

    keyring.set_keyring(secret_service.backend())
    monkeypatch.setattr(webbrowser, "open", browser("alice"))
    for name in ("client.pem", "client.key", "self-signed.key", "ca.pem"):
        (tmp_path / name).write_bytes((tls / name).read_bytes())
    return tmp_path


def test_the_cli_adds_an_mtls_client_and_shows_and_checks_its_bound_tokens(
        cli, capsys, monkeypatch, oidc_provider, tls):
    code, _, err = run(capsys, monkeypatch, "client", "add", "m", "--issuer",
                       oidc_provider.issuer, "--client-id", "tokendesk-mtls", "--auth-method",
                       "tls_client_auth", "--tls-cert", "client.pem", "--tls-key", "client.key",
                       "--scope", SCOPE)
    assert code == 0, err
    thumb = certificate_thumbprint(_read(tls, "client.pem"))
    code, out, _ = run(capsys, monkeypatch, "client", "show", "m", "--json")
    assert json.loads(out)["tls_client_certificate"] == thumb
    code, out, err = run(capsys, monkeypatch, "exchange", "m", "--client-credentials",
                         "--ca-bundle", "ca.pem")
    assert code == 0, err
    (cli / "at.txt").write_text(out)
    code, out, _ = run(capsys, monkeypatch, "check-binding", "--cert", "client.pem",
                       stdin=out)
    assert code == 0 and out.startswith("BOUND") and thumb in out
    code, out, err = run(capsys, monkeypatch, "login", "m", "--name", "alice",
                         "--ca-bundle", "ca.pem", "--wait", "30")
    assert code == 0, err
    code, out, _ = run(capsys, monkeypatch, "vault", "show", "alice")
    assert f"bound to client certificate thumbprint {thumb}" in out


def test_the_cli_refuses_half_a_pair_and_a_key_that_does_not_fit(cli, capsys, monkeypatch,
                                                                 oidc_provider):
    code, _, err = run(capsys, monkeypatch, "client", "add", "m", "--issuer",
                       oidc_provider.issuer, "--client-id", "tokendesk-mtls", "--tls-cert",
                       "client.pem")
    assert code == 2 and "go together" in err
    code, _, err = run(capsys, monkeypatch, "client", "add", "m", "--issuer",
                       oidc_provider.issuer, "--client-id", "tokendesk-mtls", "--auth-method",
                       "tls_client_auth", "--tls-cert", "client.pem", "--tls-key",
                       "self-signed.key")
    assert code == 2 and "do not belong together" in err
    code, out, _ = run(capsys, monkeypatch, "client", "list", "--json")
    assert json.loads(out) == []  # nothing was added, not even half a client
    key = (cli / "client.key").read_text()
    for path in (cli / "cli-home").rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes()
