"""Pushed authorization requests (RFC 9126) and the authorization response's ``iss`` (RFC 9207,
mix-up defence) in a browser sign-in (issue 18): against the real oidc-provider, which offers
PAR and always sends ``iss``, and against a fault server on 127.0.0.1 playing the
authorization server for what a real one will not do (another issuer's ``iss``, none, a PAR
endpoint that answers badly). A refused answer is never exchanged for tokens."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from tests.helpers.http_server import LocalServer, Reply
from tests.helpers.oidc_provider import CLIENTS, client_record
from tests.integration.test_signin import browser
from tokendesk.core.errors import MissingEndpoint, ProviderError, ResponseError
from tokendesk.core.oauth.exchange import Exchange
from tokendesk.core.oauth.http import HttpClient
from tokendesk.core.oauth.signin import sign_in
from tokendesk.core.vault import Client, KeyringStore, Vault

pytestmark = pytest.mark.integration


@pytest.fixture
def vault(tmp_path, secret_service):
    home = tmp_path / "home"
    v = Vault(home, KeyringStore(home, secret_service.backend()))
    yield v
    v.close()


@pytest.fixture
def http():
    with HttpClient(timeout=5) as client:
        yield client


def _recording(person):
    opened = []

    def open_url(url):
        opened.append(url)
        person(url)

    open_url.opened = opened  # type: ignore[attr-defined]
    return open_url


# -- the real provider -------------------------------------------------------------------------
@pytest.mark.parametrize("client_id", ["tokendesk-public", "tokendesk-basic"])
def test_the_request_is_pushed_when_the_server_offers_par(vault, http, oidc_provider,
                                                          client_id):
    vault.add_client(client_record(oidc_provider, client_id), CLIENTS[client_id][0])
    person = _recording(browser("alice"))
    cred = sign_in(Exchange(vault, http), client_id, "alice", open_browser=person, timeout=30)
    query = dict(parse_qsl(urlsplit(person.opened[0]).query))
    assert set(query) == {"client_id", "request_uri"}
    assert query["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")
    assert cred.subject == "alice" and cred.has_id_token


# -- a fault server as the authorization server ------------------------------------------------
def _server_metadata(server, **extra):
    server.route("/.well-known/openid-configuration", Reply(200, {
        "issuer": server.url, "authorization_endpoint": server.url + "/authorize",
        "token_endpoint": server.url + "/token", **extra}))
    server.route("/token", Reply(200, {"access_token": "at-fault", "token_type": "Bearer",
                                       "refresh_token": "rt-fault", "expires_in": 300}))


def _answer(**params):
    """A 'browser' that goes straight back to the redirect URI with ``params`` (and the
    request's state, unless ``state`` is given)."""
    def open_url(url):
        query = dict(parse_qsl(urlsplit(url).query))
        if "request_uri" in query:  # pushed: the fault server's PAR route kept the rest
            query = open_url.pushed
        answer = {"state": query["state"], **{k: v for k, v in params.items()
                                               if v is not None}}
        httpx.get(query["redirect_uri"], params=answer, timeout=5)

    open_url.pushed = {}  # type: ignore[attr-defined]
    return open_url


def _client(vault, server):
    vault.add_client(Client("fault", server.url, "c1", "none"))


@pytest.mark.parametrize("advertised", [True, False])
def test_another_issuers_iss_stops_the_sign_in_before_any_exchange(vault, http, advertised):
    with LocalServer() as server:
        _server_metadata(server, **({"authorization_response_iss_parameter_supported": True}
                                    if advertised else {}))
        _client(vault, server)
        with pytest.raises(ResponseError, match="mix-up") as stopped:
            sign_in(Exchange(vault, http), "fault", "alice", timeout=10,
                    open_browser=_answer(code="code-from-elsewhere",
                                         iss="https://attacker.example"))
        assert "https://attacker.example" in stopped.value.message
        assert server.count("/token") == 0 and vault.index.credential("alice") is None
        assert vault.index.exchanges("alice")[0]["status"] == "bad_response"  # (history)


def test_an_error_answer_from_another_issuer_is_a_mix_up_not_the_servers_error(vault, http):
    with LocalServer() as server:
        _server_metadata(server, authorization_response_iss_parameter_supported=True)
        _client(vault, server)
        with pytest.raises(ResponseError, match="mix-up"):
            sign_in(Exchange(vault, http), "fault", "alice", timeout=10,
                    open_browser=_answer(error="access_denied", iss="https://other.example"))


def test_a_missing_iss_is_refused_when_the_server_says_it_always_sends_one(vault, http):
    with LocalServer() as server:
        _server_metadata(server, authorization_response_iss_parameter_supported=True)
        _client(vault, server)
        with pytest.raises(ResponseError, match="carries no iss"):
            sign_in(Exchange(vault, http), "fault", "alice", timeout=10,
                    open_browser=_answer(code="code-1"))
        assert server.count("/token") == 0


@pytest.mark.parametrize("iss", ["same", None])
def test_the_right_iss_or_none_from_a_server_that_never_sends_it_goes_on(vault, http, iss):
    with LocalServer() as server:
        _server_metadata(server)
        _client(vault, server)
        cred = sign_in(Exchange(vault, http), "fault", "alice", timeout=10,
                       open_browser=_answer(code="code-1",
                                            iss=server.url if iss == "same" else None))
        assert cred.refresh_fp and server.count("/token") == 1


def test_a_pushed_request_carries_the_parameters_and_the_dpop_key(vault, http):
    with LocalServer() as server:
        _server_metadata(server, pushed_authorization_request_endpoint=server.url + "/par")
        person = _answer(code="code-1", iss=server.url)

        def par(request):
            person.pushed = request.form
            return Reply(201, {"request_uri": "urn:ietf:params:oauth:request_uri:abc",
                               "expires_in": 60})

        server.route("/par", par)
        _client(vault, server)
        cred = sign_in(Exchange(vault, http), "fault", "alice", timeout=10,
                       open_browser=person, dpop="ES256")
        pushed = person.pushed
        assert pushed["client_id"] == "c1" and pushed["code_challenge_method"] == "S256"
        assert len(pushed["dpop_jkt"]) == 43 and "request_uri" not in pushed
        assert cred.name == "alice"


@pytest.mark.parametrize("metadata,par_reply,error,match", [
    ({"require_pushed_authorization_requests": True}, None, MissingEndpoint,
     "pushed authorization request endpoint"),
    ({"pushed_authorization_request_endpoint": "/par"}, Reply(201, {"expires_in": 60}),
     ResponseError, "without a request_uri"),
    ({"pushed_authorization_request_endpoint": "/par"},
     Reply(400, {"error": "invalid_request", "error_description": "redirect_uri"}),
     ProviderError, "invalid_request"),
])
def test_par_that_cannot_be_done_stops_before_the_browser_opens(vault, http, metadata,
                                                                par_reply, error, match):
    with LocalServer() as server:
        if "pushed_authorization_request_endpoint" in metadata:
            metadata = {**metadata, "pushed_authorization_request_endpoint":
                        server.url + metadata["pushed_authorization_request_endpoint"]}
            server.route("/par", par_reply)
        _server_metadata(server, **metadata)
        _client(vault, server)
        opened = []
        with pytest.raises(error, match=match):
            sign_in(Exchange(vault, http), "fault", "alice", timeout=10,
                    open_browser=opened.append)
        assert opened == [] and server.count("/token") == 0
