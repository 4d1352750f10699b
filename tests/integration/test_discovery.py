"""Discovery reads both documents and merges them; endpoints set by hand win; a missing endpoint
is a local error (issue 14). Real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import io
import json
import sys

import pytest

from tests.helpers.http_server import LocalServer, Reply
from tokendesk.core.errors import MissingEndpoint, ProviderError, ResponseError
from tokendesk.core.oauth.discovery import Discovery, metadata_urls
from tokendesk.core.oauth.http import HttpClient

pytestmark = pytest.mark.integration


@pytest.fixture
def server():
    with LocalServer() as srv:
        yield srv


@pytest.fixture
def http():
    with HttpClient(timeout=2.0) as client:
        yield client


def _both(server, issuer=None, openid=None, oauth=None, path=""):
    issuer = issuer or server.url + path
    if openid is not None:
        server.route(path + "/.well-known/openid-configuration",
                     Reply(body={"issuer": issuer, **openid}))
    if oauth is not None:
        server.route("/.well-known/oauth-authorization-server" + path,
                     Reply(body={"issuer": issuer, **oauth}))
    return issuer


def test_rfc8414_well_known_goes_between_host_and_path():
    assert metadata_urls("https://as.example/tenant/a") == [
        "https://as.example/tenant/a/.well-known/openid-configuration",
        "https://as.example/.well-known/oauth-authorization-server/tenant/a"]


def test_both_documents_are_read_and_merged(server, http):
    issuer = _both(server, openid={"token_endpoint": server.url + "/token",
                                   "jwks_uri": server.url + "/jwks"},
                   oauth={"token_endpoint": server.url + "/token",
                          "revocation_endpoint": server.url + "/revoke",
                          "introspection_endpoint": server.url + "/introspect"})
    meta = Discovery(http).get(issuer)
    assert meta.endpoint("revocation_endpoint") == server.url + "/revoke"
    assert meta.endpoint("introspection_endpoint") == server.url + "/introspect"
    assert meta.jwks_uri == server.url + "/jwks"
    assert meta.source("revocation_endpoint") == "oauth-authorization-server"
    assert meta.source("jwks_uri") == "openid-configuration"
    assert meta.conflicts == ()
    assert set(meta.documents) == {"openid-configuration", "oauth-authorization-server"}


def test_openid_wins_and_the_disagreement_is_recorded(server, http):
    issuer = _both(server, openid={"token_endpoint": server.url + "/oidc/token",
                                   "grant_types_supported": ["a", "b"]},
                   oauth={"token_endpoint": server.url + "/oauth/token",
                          "grant_types_supported": ["b", "a"]})
    meta = Discovery(http).get(issuer)
    assert meta.token_endpoint == server.url + "/oidc/token"
    assert [c.member for c in meta.conflicts] == ["token_endpoint"]  # list order means nothing
    assert "the OpenID one is used" in meta.conflicts[0].describe()


@pytest.mark.parametrize("only", ["openid", "oauth"])
def test_one_missing_document_is_fine(server, http, only):
    doc = {"token_endpoint": server.url + "/token"}
    issuer = _both(server, path="/tenant", **{only: doc})
    meta = Discovery(http).get(issuer)
    assert meta.token_endpoint == server.url + "/token"
    assert any("404" in note for note in meta.notes)


def test_neither_document_is_an_error(server, http):
    with pytest.raises(ResponseError, match="neither"):
        Discovery(http).get(server.url)


def test_a_broken_second_document_does_not_hide_the_first(server, http):
    issuer = _both(server, openid={"token_endpoint": server.url + "/token"})
    server.route("/.well-known/oauth-authorization-server", Reply(400, {"error": "nope"}))
    assert Discovery(http).get(issuer).token_endpoint == server.url + "/token"
    server.route("/.well-known/openid-configuration", Reply(500, {"error": "down"}))
    with pytest.raises(ProviderError):
        Discovery(http).get(issuer)


def test_an_rfc8414_document_naming_another_issuer_is_refused(server, http):
    _both(server, openid={"token_endpoint": server.url + "/token"})
    server.route("/.well-known/oauth-authorization-server",
                 Reply(body={"issuer": "https://evil.example", "revocation_endpoint": "x"}))
    with pytest.raises(ResponseError, match="must match exactly"):
        Discovery(http).get(server.url)


def test_discovery_url_replaces_the_derived_one(server, http):
    issuer = server.url + "/realm"
    server.route("/custom/meta", Reply(body={"issuer": issuer,
                                             "token_endpoint": server.url + "/t"}))
    meta = Discovery(http).get(issuer, discovery_url=server.url + "/custom/meta")
    assert meta.token_endpoint == server.url + "/t"
    assert meta.documents["openid-configuration"] == server.url + "/custom/meta"
    assert server.count("/realm/.well-known/openid-configuration") == 0


# -- endpoints of a client: by hand, from discovery; a missing one is local (exit 2) ---------

@pytest.fixture
def cli(tmp_path, monkeypatch, secret_service):
    import keyring

    keyring.set_keyring(secret_service.backend())
    monkeypatch.setenv("TOKENDESK_HOME", str(tmp_path / "home"))
    from tokendesk.cli import main

    def run(*argv: str, stdin: str | None = None) -> int:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        return main(list(argv))
    return run


def test_a_missing_endpoint_sends_nothing_and_exits_2(server, cli, capsys):
    issuer = _both(server, openid={"token_endpoint": server.url + "/token"})
    assert cli("client", "add", "c", "--issuer", issuer, "--client-id", "id",
               "--auth-method", "none") == 0
    assert cli("vault", "add", "alice", "--client", "c", "--refresh-token-stdin",
               stdin="rt-123") == 0
    capsys.readouterr()
    for command in ("revoke", "introspect", "userinfo"):
        assert cli(command, "alice") == 2, command
        err = capsys.readouterr().err
        assert "nothing was sent" in err
        assert "tokendesk client edit c --" in err and "-endpoint URL" in err
    assert cli("login", "c", "--name", "dev", "--device") == 2
    assert "--device-authorization-endpoint URL" in capsys.readouterr().err
    assert not [h for h in server.hits if h.method == "POST"]
    # set by hand: the request goes there
    server.route("/revoke", Reply(200, ""))
    assert cli("client", "edit", "c", "--revocation-endpoint", server.url + "/revoke") == 0
    assert cli("revoke", "alice") == 0
    assert server.count("/revoke") == 1  # the refresh token (no access token is stored)


def test_client_show_names_each_endpoint_and_its_source(server, cli, capsys):
    issuer = _both(server, openid={"token_endpoint": server.url + "/oidc/token",
                                   "jwks_uri": server.url + "/jwks"},
                   oauth={"token_endpoint": server.url + "/oauth/token",
                          "revocation_endpoint": server.url + "/revoke"})
    assert cli("client", "add", "c", "--issuer", issuer, "--client-id", "id",
               "--auth-method", "none",
               "--device-authorization-endpoint", server.url + "/device") == 0
    capsys.readouterr()
    assert cli("client", "show", "c") == 0
    out = capsys.readouterr().out
    assert f"{server.url}/device (set by hand)" in out
    assert f"{server.url}/revoke (from discovery, RFC 8414 document)" in out
    assert f"{server.url}/oidc/token (from discovery, OpenID document)" in out
    assert "the OpenID one is used" in out
    assert "not known" in out  # introspection, userinfo, authorization
    assert cli("client", "show", "c", "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    ends = doc["resolved"]["endpoints"]
    assert ends["device_authorization_endpoint"]["source"] == "set by hand"
    assert ends["revocation_endpoint"]["document"] == "oauth-authorization-server"
    assert ends["introspection_endpoint"]["source"] == "not known"


def test_client_edit_changes_only_what_is_given(server, cli, capsys):
    issuer = _both(server, openid={"token_endpoint": server.url + "/token"})
    assert cli("client", "add", "c", "--issuer", issuer, "--client-id", "id", "--scope", "s1",
               "--client-secret-stdin", stdin="old-secret") == 0
    assert cli("client", "edit", "c", "--userinfo-endpoint", server.url + "/me") == 0
    assert cli("client", "edit", "c", "--client-secret-stdin", stdin="new-secret") == 0
    capsys.readouterr()
    assert cli("client", "show", "c", "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["scope"] == "s1" and doc["client_id"] == "id"
    assert doc["endpoints"] == {"userinfo_endpoint": server.url + "/me"}
    assert cli("client", "edit", "c", "--userinfo-endpoint", "") == 0  # back to discovery
    assert cli("client", "edit", "c", "--token-endpoint", "ftp://x") == 2
    assert cli("client", "edit", "nope", "--scope", "x") == 2
    capsys.readouterr()
    assert cli("client", "show", "c", "--json") == 0
    assert json.loads(capsys.readouterr().out)["endpoints"] == {}
    import keyring

    from tokendesk.core.paths import home
    from tokendesk.core.vault import open_vault
    vault = open_vault(home())
    try:
        assert vault.client_secret("c") == "new-secret"
    finally:
        vault.close()
    del keyring


def test_missing_endpoint_names_the_flag():
    exc = MissingEndpoint("revocation_endpoint", "dot", "https://as.example")
    assert "tokendesk client edit dot --revocation-endpoint URL" in exc.message
    assert exc.code == "missing_endpoint"


def test_a_verdict_with_the_issuers_keys_says_when_the_documents_disagree(server, http,
                                                                           rsa_private):
    import jwt as pyjwt

    from tests.conftest import NOW
    from tokendesk.core.oauth.remote_keys import RemoteKeys
    from tokendesk.core.tokens.keys import jwk_from_public_key

    issuer = _both(server, openid={"jwks_uri": server.url + "/jwks"},
                   oauth={"jwks_uri": server.url + "/old-jwks"})
    server.route("/jwks", Reply(body={"keys": [
        {**jwk_from_public_key(rsa_private.public_key()), "kid": "k1", "use": "sig"}]}))
    token = pyjwt.encode({"iss": issuer, "sub": "u", "exp": NOW + 60}, rsa_private,
                         algorithm="RS256", headers={"kid": "k1"})
    result = RemoteKeys(http).verify(token, issuer=issuer, now=NOW)
    assert result.valid
    note = next(c for c in result.checks if c.name == "discovery")
    assert "jwks_uri" in note.reason and "the OpenID one is used" in note.reason
    assert server.count("/old-jwks") == 0


def test_a_clients_discovery_url_is_used(server, cli, capsys):
    issuer = server.url + "/realm"
    server.route("/meta/openid", Reply(body={"issuer": issuer,
                                             "token_endpoint": server.url + "/t",
                                             "revocation_endpoint": server.url + "/r"}))
    assert cli("client", "add", "c", "--issuer", issuer, "--client-id", "id",
               "--auth-method", "none", "--discovery-url", server.url + "/meta/openid") == 0
    capsys.readouterr()
    assert cli("client", "show", "c", "--json") == 0
    doc = json.loads(capsys.readouterr().out)["resolved"]
    assert doc["discovery"]["documents"]["openid-configuration"] == server.url + "/meta/openid"
    assert doc["endpoints"]["revocation_endpoint"]["url"] == server.url + "/r"
    assert server.count("/realm/.well-known/openid-configuration") == 0
    assert cli("vault", "add", "a", "--client", "c", "--refresh-token-stdin", stdin="rt") == 0
    server.route("/r", Reply(200, ""))
    assert cli("revoke", "a") == 0 and server.count("/r") == 1


def test_an_issuer_without_discovery_needs_endpoints_by_hand(server, cli, capsys):
    assert cli("client", "add", "c", "--issuer", server.url, "--client-id", "id",
               "--auth-method", "none") == 0
    assert cli("vault", "add", "a", "--client", "c", "--refresh-token-stdin", stdin="rt") == 0
    capsys.readouterr()
    assert cli("refresh", "a") == 2  # no document, no token endpoint: nothing was sent
    assert "tokendesk client edit c --token-endpoint URL" in capsys.readouterr().err
    server.route("/token", Reply(200, {"access_token": "at", "token_type": "Bearer",
                                       "expires_in": 60}))
    assert cli("client", "edit", "c", "--token-endpoint", server.url + "/token") == 0
    assert cli("refresh", "a") == 0
    capsys.readouterr()
    assert cli("client", "show", "c") == 0
    out = capsys.readouterr().out
    assert "(discovery failed: no metadata for" in out and "(set by hand)" in out


@pytest.mark.parametrize("argv", [["--token-endpoint", "http://[::1"],
                                  ["--revocation-endpoint", "http://h:port/x"],
                                  ["--issuer", "not a url"], ["--client-id", " "],
                                  ["--jwks-uri", "file:///etc/passwd"]])
def test_client_edit_refuses_what_is_not_a_url(server, cli, capsys, argv):
    assert cli("client", "add", "c", "--issuer", server.url, "--client-id", "id",
               "--auth-method", "none") == 0
    capsys.readouterr()
    assert cli("client", "edit", "c", *argv) == 2
    err = capsys.readouterr().err
    assert "nothing was changed" in err and "Traceback" not in err
