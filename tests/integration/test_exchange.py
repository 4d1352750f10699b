"""Refresh, rotation, reuse detection, revocation, introspection — against panva/oidc-provider
on 127.0.0.1; faults from small real servers of the tests' own."""

from __future__ import annotations

import json

import pytest

from tests.helpers.http_server import LocalServer, Reply
from tests.helpers.oidc_provider import CLIENTS, client_record
from tests.helpers.threads import run_at_once
from tokendesk.core.errors import (
    InvalidGrant,
    NetworkError,
    OutcomeUnknown,
    ProviderError,
    ResponseError,
    RotationLost,
)
from tokendesk.core.oauth.exchange import Exchange, needs_refresh
from tokendesk.core.oauth.http import HttpClient
from tokendesk.core.vault import Client, Status, TokenSet

pytestmark = pytest.mark.integration


@pytest.fixture
def vault(keyring_vault):
    return keyring_vault


@pytest.fixture
def http():
    with HttpClient(timeout=3.0) as client:
        yield client


@pytest.fixture
def exchange(vault, http):
    return Exchange(vault, http)


def _store(vault, provider, client_id="tokendesk-basic", name="alice"):
    if vault.index.client(client_id) is None:
        vault.add_client(client_record(provider, client_id), CLIENTS[client_id][0])
    vault.add_credential(name, client_id, TokenSet(provider.mint(client_id, sub=name)))
    return vault.refresh_token(name)


@pytest.mark.parametrize("client_id", ["tokendesk-basic", "tokendesk-post", "tokendesk-public"])
def test_refresh_twice_rotates_each_time(exchange, vault, oidc_provider, client_id):
    first = _store(vault, oidc_provider, client_id)
    one = exchange.refresh("alice")
    second = vault.refresh_token("alice")
    two = exchange.refresh("alice")
    third = vault.refresh_token("alice")
    assert one.rotated and two.rotated
    assert len({first, second, third}) == 3
    cred = vault.credential("alice")
    assert cred.rotation_count == 2 and cred.status is Status.ACTIVE
    assert cred.has_access_token and cred.has_id_token and cred.subject == "alice"
    assert "<sha256:" in json.dumps(one.response)  # the history shows fingerprints only
    assert first not in json.dumps(one.response)


def test_replaying_a_rotated_token_revokes_the_family(exchange, vault, oidc_provider, http):
    old = _store(vault, oidc_provider)
    exchange.refresh("alice")
    oauth = exchange.client_for("tokendesk-basic")
    with pytest.raises(InvalidGrant):
        oauth.refresh(old)  # the replay: reuse detection at the server
    with pytest.raises(InvalidGrant):  # ...which revoked the whole grant, current token too
        exchange.refresh("alice")
    cred = vault.credential("alice")
    assert cred.status is Status.NEEDS_SIGN_IN
    assert vault.index.audit_log("alice")[0].action == "refresh failed"


def test_revocation_then_refresh_is_invalid_grant(exchange, vault, oidc_provider):
    _store(vault, oidc_provider)
    exchange.refresh("alice")  # so that an access token is stored too
    report = exchange.revoke("alice")
    assert report[0].startswith("refresh token sha256:")
    assert vault.credential("alice").status is Status.REVOKED
    with pytest.raises(InvalidGrant):
        exchange.refresh("alice")


def test_introspection_active_then_inactive(exchange, vault, oidc_provider):
    _store(vault, oidc_provider)
    assert exchange.introspect("alice")["active"] is True
    exchange.revoke("alice")
    assert exchange.introspect("alice")["active"] is False


def test_access_token_refreshes_only_when_needed(exchange, vault, oidc_provider):
    _store(vault, oidc_provider)
    first = exchange.access_token("alice")  # none stored yet: refresh
    assert exchange.access_token("alice") == first  # still valid: no refresh
    assert vault.credential("alice").rotation_count == 1
    assert needs_refresh(None, 0) and needs_refresh(100, 50, margin=60)
    assert not needs_refresh(1000, 50, margin=60)


def test_userinfo_with_an_opaque_access_token(exchange, vault, oidc_provider):
    _store(vault, oidc_provider)
    info = exchange.userinfo("alice")
    assert info["sub"] == "alice" and info["email"] == "alice@example.test"


def test_client_credentials(exchange, vault, oidc_provider):
    vault.add_client(client_record(oidc_provider, "tokendesk-machine"),
                     CLIENTS["tokendesk-machine"][0])
    response = exchange.client_credentials("tokendesk-machine")
    assert response.access_token and response.token_type == "bearer"
    assert response.refresh_token is None


def test_wrong_client_secret_is_a_configuration_error_and_keeps_the_token(
        exchange, vault, oidc_provider):
    vault.add_client(client_record(oidc_provider, "tokendesk-basic"), "not-the-secret")
    vault.add_credential("alice", "tokendesk-basic", TokenSet(oidc_provider.mint()))
    before = vault.refresh_token("alice")
    with pytest.raises(ProviderError) as info:
        exchange.refresh("alice")
    assert info.value.error == "invalid_client" and not isinstance(info.value, InvalidGrant)
    assert vault.refresh_token("alice") == before
    assert vault.credential("alice").status is Status.ACTIVE


def test_concurrent_refreshes_are_single_flight(exchange, vault, oidc_provider, http):
    _store(vault, oidc_provider)
    results, errors = run_at_once(lambda: exchange.refresh("alice"), 4)
    # serialised: each refresh used the token the previous one stored; none was a replay
    assert errors == [] and len(results) == 4
    assert vault.credential("alice").status is Status.ACTIVE
    assert vault.credential("alice").rotation_count == 4


def test_a_hundred_refreshes_lose_no_token(exchange, vault, oidc_provider):
    _store(vault, oidc_provider)
    for _ in range(100):
        exchange.refresh("alice")
    cred = vault.credential("alice")
    assert cred.rotation_count == 100 and cred.status is Status.ACTIVE
    assert exchange.introspect("alice")["active"] is True


# --- faults, from real servers on 127.0.0.1 -------------------------------------------------

@pytest.fixture
def fake_as(vault):
    with LocalServer() as server:
        vault.add_client(Client("fake", server.url, "c1", "client_secret_post",
                                endpoints={"token_endpoint": server.url + "/token",
                                           "revocation_endpoint": server.url + "/revoke",
                                           "introspection_endpoint": server.url + "/introspect"}),
                         "fake-secret")
        vault.add_credential("bob", "fake", TokenSet("bob-refresh-0"))
        yield server


def _ok(refresh=None, **extra):
    body = {"access_token": "at-" + (refresh or "x"), "token_type": "BeArEr", "expires_in": 60,
            **extra}
    if refresh is not None:
        body["refresh_token"] = refresh
    return Reply(body=body)


@pytest.mark.parametrize("reply,error", [
    (Reply(503, {"error": "temporarily_unavailable"}, headers={"Retry-After": "30"}),
     ProviderError),
    (Reply(500, "<html>Internal Server Error</html>"), ResponseError),
    (Reply(200, "not json"), ResponseError),
    (Reply(200, {"token_type": "bearer"}), ResponseError),
    (Reply(body=b"{}" * 700_000), ResponseError),
])
def test_server_faults_keep_the_refresh_token(exchange, vault, fake_as, reply, error):
    fake_as.route("/token", reply)
    with pytest.raises(error) as info:
        exchange.refresh("bob")
    assert vault.refresh_token("bob") == "bob-refresh-0"
    assert vault.credential("bob").status is Status.ACTIVE
    if isinstance(info.value, ProviderError):
        assert info.value.unavailable and info.value.retry_after == 30


def test_a_timeout_is_retried_once_with_the_same_token(exchange, vault, fake_as):
    calls = []

    def token(req):
        calls.append(req.form["refresh_token"])
        if len(calls) == 1:
            return Reply(body={}, delay=5)  # longer than the client waits
        return _ok("bob-refresh-1")

    fake_as.route("/token", token)
    result = exchange.refresh("bob")
    assert calls == ["bob-refresh-0", "bob-refresh-0"]
    assert result.retried and vault.refresh_token("bob") == "bob-refresh-1"


def test_a_lost_rotation_is_reported_as_such(exchange, vault, fake_as):
    calls = []

    def token(req):
        calls.append(1)
        if len(calls) == 1:
            return Reply(cut=True)  # the server acted, then the connection dropped
        return Reply(400, {"error": "invalid_grant", "error_description": "already used"})

    fake_as.route("/token", token)
    with pytest.raises(RotationLost, match="answer was lost"):
        exchange.refresh("bob")
    assert vault.credential("bob").status is Status.NEEDS_SIGN_IN
    assert vault.refresh_token("bob") == "bob-refresh-0"  # nothing was overwritten


def test_a_connection_refused_is_a_network_error_and_keeps_the_token(exchange, vault, fake_as):
    fake_as.httpd.shutdown()
    fake_as.httpd.server_close()
    with pytest.raises(NetworkError) as info:
        exchange.refresh("bob")
    assert not isinstance(info.value, OutcomeUnknown)
    assert vault.refresh_token("bob") == "bob-refresh-0"


def test_absent_refresh_token_keeps_the_old_and_token_type_is_case_insensitive(
        exchange, vault, fake_as):
    fake_as.route("/token", _ok(None, unknown_member={"ignored": True}))
    result = exchange.refresh("bob")
    assert not result.rotated and vault.refresh_token("bob") == "bob-refresh-0"


def test_revocation_that_cannot_be_sent_is_pending(exchange, vault, fake_as):
    fake_as.route("/revoke", Reply(503, {"error": "temporarily_unavailable"}))
    with pytest.raises(ProviderError):
        exchange.revoke("bob")
    assert vault.credential("bob").status is Status.REVOKE_PENDING
    with pytest.raises(ProviderError):
        exchange.remove("bob", revoke=True)
    assert vault.credential("bob")  # kept: the revocation is still owed


@pytest.mark.parametrize("body", ["whatever", "", {}])
def test_revocation_200_with_any_body_means_revoked(exchange, vault, fake_as, body):
    fake_as.route("/revoke", Reply(200, body))
    assert exchange.revoke("bob")[0].startswith("refresh token")
    assert vault.credential("bob").status is Status.REVOKED
    form = fake_as.hits[-1].form
    assert form["token_type_hint"] == "refresh_token" and form["client_secret"] == "fake-secret"


@pytest.mark.parametrize("body,active", [({"active": True}, True), ({"active": "true"}, False),
                                         ({"active": 1}, False), ({}, False)])
def test_introspection_active_must_be_json_true(exchange, fake_as, body, active):
    fake_as.route("/introspect", Reply(body=body))
    assert exchange.introspect("bob")["active"] is active


def test_client_secret_basic_form_encodes_before_basic(vault, http):
    import base64

    with LocalServer() as server:
        server.route("/token", _ok("r"))
        vault.add_client(Client("odd", server.url, "id:with/odd chars", "client_secret_basic",
                                endpoints={"token_endpoint": server.url + "/token"}), "s3cr:t/+")
        vault.add_credential("x", "odd", TokenSet("r0"))
        Exchange(vault, http).refresh("x")
        auth = server.hits[-1].headers["authorization"].split()[1]
        assert base64.b64decode(auth).decode() == "id%3Awith%2Fodd%20chars:s3cr%3At%2F%2B"


def test_the_exchange_history_is_recorded_redacted(exchange, vault, oidc_provider):
    first = _store(vault, oidc_provider)
    exchange.refresh("alice")
    second = vault.refresh_token("alice")
    history = vault.index.exchanges("alice")
    entry = history[0]
    assert entry["operation"] == "refresh" and entry["status"] == "200 OK" and entry["rotated"]
    assert entry["old_fp"] != entry["new_fp"] and entry["duration_ms"] > 0
    text = json.dumps(history)
    assert first not in text and second not in text
    assert entry["request"]["refresh_token"].startswith("<sha256:")
