"""DPoP (RFC 9449) against panva's oidc-provider with dPoP, nonces required (nonceSecret) and
pushed authorization requests (the tokendesk-dpop and tokendesk-dpop-basic clients of
tests/oidc/server.mjs), and against small fault servers on 127.0.0.1 for what a real server
will not do on request.

The key is the credential's, in the keyring; its refresh token works with that key only; every
token request carries a proof and goes through the nonce dance; SECURITY.md 19 holds."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.conftest import NOW
from tests.helpers.http_server import LocalServer, Reply
from tests.helpers.oidc_provider import CLIENTS, client_record
from tests.integration.test_signin import browser
from tokendesk.core.errors import (
    InvalidGrant,
    KeptAfterRefusal,
    ProviderError,
    VaultCorrupt,
    VaultError,
)
from tokendesk.core.oauth.dpop import Prover
from tokendesk.core.oauth.exchange import Exchange
from tokendesk.core.oauth.http import HttpClient
from tokendesk.core.oauth.signin import finish_device, sign_in, start_device
from tokendesk.core.tokens.binding import confirmation
from tokendesk.core.tokens.decoding import decode_token
from tokendesk.core.tokens.dpop import dumps, generate_dpop_key, jkt
from tokendesk.core.tokens.dpop_check import check_proof
from tokendesk.core.vault import Client, KeyringStore, Status, TokenSet, Vault
from tokendesk.core.vault.bindings import DPOP_KEY, bind_dpop_key, credential_dpop_jkt, dpop_key

pytestmark = pytest.mark.integration
SCOPE = "openid offline_access api:read"


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


@pytest.fixture
def vault(home, secret_service):
    v = Vault(home, KeyringStore(home, secret_service.backend()))
    yield v
    v.close()


@pytest.fixture
def exchange(vault, oidc_provider):
    for client_id in ("tokendesk-dpop", "tokendesk-dpop-basic", "tokendesk-public"):
        vault.add_client(client_record(oidc_provider, client_id), CLIENTS[client_id][0])
    with HttpClient(timeout=5) as http:
        yield Exchange(vault, http)


def _sign_in(exchange, name="alice", alg="ES256", **options):
    opened = []
    person = browser("alice")

    def open_url(url):
        opened.append(url)
        person(url)

    cred = sign_in(exchange, "tokendesk-dpop", name, scope=SCOPE, open_browser=open_url,
                   timeout=30, dpop=alg, **options)
    return cred, opened[0]


def _service(vault, name):
    return f"tokendesk/credential/{vault.credential(name).uid}"


# -- sign-in, refresh, the key ------------------------------------------------------------------
@pytest.mark.parametrize("alg", ["ES256", "EdDSA", "RS256"])
def test_sign_in_with_par_and_dpop_binds_the_tokens_to_a_key_kept_in_the_keyring(
        exchange, vault, home, alg):
    cred, opened = _sign_in(exchange, alg=alg)
    # the request was pushed (the client requires it): the browser gets only a request_uri
    query = dict(parse_qsl(urlsplit(opened).query))
    assert set(query) == {"client_id", "request_uri"} and "code_challenge" not in opened
    key = dpop_key(vault, "alice")
    assert key.alg == alg
    thumb = credential_dpop_jkt(vault, "alice")
    assert thumb == jkt(key)
    access = vault.token("alice", "access_token")
    assert confirmation(access).jkt == thumb  # the provider bound the access token
    assert cred.status is Status.ACTIVE and cred.subject == "alice"
    # the private key is in the keyring (and nowhere in TOKENDESK_HOME, index included)
    private = key.private_jwk()["d"]
    assert private in vault.store.get(_service(vault, "alice"), DPOP_KEY)
    for path in home.rglob("*"):
        if path.is_file():
            assert private.encode() not in path.read_bytes(), path


def test_a_dpop_bound_refresh_token_refreshes_with_its_own_key_and_stays_bound(
        exchange, vault, oidc_provider):
    _sign_in(exchange)
    before = vault.refresh_token("alice")
    thumb = credential_dpop_jkt(vault, "alice")
    result = exchange.refresh("alice")
    assert result.rotated and result.response["token_type"] == "DPoP"
    assert vault.refresh_token("alice") != before
    assert confirmation(vault.token("alice", "access_token")).jkt == thumb
    assert credential_dpop_jkt(vault, "alice") == thumb  # the same key, not a new one
    assert exchange.refresh("alice").rotated


def test_the_server_refuses_the_refresh_token_with_another_key_or_none_and_keeps_it(
        exchange, vault, oidc_provider):
    """A public client's refresh token is bound to its key (RFC 9449 §5): the server says
    invalid_grant to another key and to a bearer request, and the token still works with
    its own key (nothing was used up)."""
    _sign_in(exchange)
    token = vault.refresh_token("alice")
    oauth = exchange.client_for("tokendesk-dpop")
    stranger = Prover(generate_dpop_key(), exchange.nonces)
    with pytest.raises(InvalidGrant):  # ("failed jkt verification", kept to itself)
        oauth.refresh(token, dpop=stranger)
    with pytest.raises(InvalidGrant):  # ("DPoP proof JWT not provided")
        oauth.refresh(token)
    assert exchange.refresh("alice").rotated


@pytest.mark.parametrize("damage", ["missing", "another key", "unreadable"])
def test_tokendesk_never_refreshes_a_bound_credential_with_another_key(
        exchange, vault, oidc_provider, damage):
    _sign_in(exchange)
    granted = oidc_provider.granted("tokendesk-dpop")
    token = vault.refresh_token("alice")
    service = _service(vault, "alice")
    if damage == "missing":
        vault.store.delete(service, DPOP_KEY)
    elif damage == "another key":
        vault.store.set(service, DPOP_KEY, dumps(generate_dpop_key()))
    else:
        vault.store.set(service, DPOP_KEY, '{"kty":"EC"}')
    with pytest.raises(VaultCorrupt, match="nothing was sent") as refused:
        exchange.refresh("alice")
    assert credential_dpop_jkt(vault, "alice") in refused.value.message or damage == "unreadable"
    assert "tokendesk vault rm alice --revoke --yes" in refused.value.message  # the way out
    assert oidc_provider.granted("tokendesk-dpop") == granted  # nothing reached the server
    assert vault.refresh_token("alice") == token
    assert vault.credential("alice").status is Status.ACTIVE


def test_a_dpop_key_that_cannot_be_stored_takes_the_sign_in_with_it(exchange, vault,
                                                                    monkeypatch):
    """The tokens are bound to a key that could not be kept: they are useless, and are not
    left behind looking usable."""
    real_set = vault.store.set

    def refuse_keys(service, key, value):
        if key == DPOP_KEY:
            raise VaultError("the keyring refused the item")
        real_set(service, key, value)

    monkeypatch.setattr(vault.store, "set", refuse_keys)
    with pytest.raises(VaultError, match="DPoP key of 'alice' could not be stored"):
        _sign_in(exchange)
    assert vault.index.credential("alice") is None
    assert "its DPoP key could not be stored" in vault.index.audit_log("alice")[0].detail


def test_a_bound_credential_is_never_bound_to_another_key(exchange, vault):
    _sign_in(exchange)
    thumb = credential_dpop_jkt(vault, "alice")
    with pytest.raises(VaultError, match=f"bound to DPoP key {thumb} already"):
        bind_dpop_key(vault, "alice", generate_dpop_key())
    assert bind_dpop_key(vault, "alice", dpop_key(vault, "alice")) == thumb  # same: no-op


def test_a_credential_of_a_client_marked_dpop_gets_its_key_before_its_first_refresh(
        exchange, vault, oidc_provider):
    """A refresh token pasted in (no key yet): the key is made and stored before the request
    that uses it; the answer is DPoP-bound (token_type DPoP, cnf in introspection)."""
    vault.update_client(replace(vault.client("tokendesk-dpop-basic"), dpop_alg="EdDSA"))
    vault.add_credential("pasted", "tokendesk-dpop-basic",
                         TokenSet(oidc_provider.mint("tokendesk-dpop-basic", scope=SCOPE)))
    assert credential_dpop_jkt(vault, "pasted") is None
    result = exchange.refresh("pasted")
    key = dpop_key(vault, "pasted")
    assert key.alg == "EdDSA" and result.response["token_type"] == "DPoP"
    info = exchange.client_for("tokendesk-dpop-basic").introspect(
        vault.token("pasted", "access_token"), "access_token")
    assert info["active"] and info["cnf"] == {"jkt": jkt(key)}
    assert exchange.refresh("pasted").rotated and dpop_key(vault, "pasted").alg == "EdDSA"


def test_userinfo_with_a_dpop_bound_access_token(exchange, vault, oidc_provider):
    vault.update_client(replace(vault.client("tokendesk-dpop-basic"), dpop_alg="ES256"))
    vault.add_credential("info", "tokendesk-dpop-basic",
                         TokenSet(oidc_provider.mint("tokendesk-dpop-basic", sub="dora")))
    exchange.refresh("info")
    exchange.nonces = type(exchange.nonces)()  # forgotten: the resource asks (401) for one
    assert exchange.userinfo("info")["sub"] == "dora"


def test_the_nonce_dance_and_the_latest_nonce_of_each_server(exchange, vault, oidc_provider):
    """The provider requires a nonce: the first proof (none known) is refused with
    use_dpop_nonce and the request is sent once more; the nonce is remembered for the
    provider's origin; a stale one is replaced by the server's next."""
    assert exchange.nonces.get(oidc_provider.issuer) is None
    _sign_in(exchange)
    first = exchange.nonces.get(oidc_provider.issuer + "/token")
    assert first
    exchange.nonces.remember(oidc_provider.issuer, {"dpop-nonce": "stale-or-forged-nonce"})
    assert exchange.refresh("alice").rotated  # refused for the nonce, then accepted
    assert exchange.nonces.get(oidc_provider.issuer) not in (None, "stale-or-forged-nonce")


def test_an_old_clock_is_answered_with_a_nonce_and_the_retry_carries_it(
        vault, oidc_provider):
    """A proof whose iat is an hour old (an injected clock): the server asks for a nonce, and
    the retry with it is accepted."""
    vault.add_client(client_record(oidc_provider, "tokendesk-dpop-basic"),
                     CLIENTS["tokendesk-dpop-basic"][0])
    vault.update_client(replace(vault.client("tokendesk-dpop-basic"), dpop_alg="ES256"))
    vault.add_credential("late", "tokendesk-dpop-basic",
                         TokenSet(oidc_provider.mint("tokendesk-dpop-basic")))
    with HttpClient(timeout=5) as http:
        late = Exchange(vault, http, clock=lambda: time.time() - 3600)
        assert late.refresh("late").response["token_type"] == "DPoP"


def test_client_credentials_with_the_clients_own_dpop_key(exchange, vault):
    vault.update_client(replace(vault.client("tokendesk-dpop-basic"), dpop_alg="ES256"))
    _what, first = exchange.client_grant("tokendesk-dpop-basic", scope="api:read")
    _what, second = exchange.client_grant("tokendesk-dpop-basic", scope="api:read")
    assert first.token_type == second.token_type == "dpop"
    info = exchange.client_for("tokendesk-dpop-basic").introspect(first.access_token,
                                                                  "access_token")
    again = exchange.client_for("tokendesk-dpop-basic").introspect(second.access_token,
                                                                   "access_token")
    assert info["cnf"]["jkt"] == again["cnf"]["jkt"]  # one key for the client, kept


def test_device_sign_in_with_dpop(exchange, vault):
    import re
    import threading
    from urllib.parse import urljoin

    import httpx

    from tests.integration.test_signin import FORM, HIDDEN

    device = start_device(exchange, "tokendesk-dpop", scope=SCOPE)

    def person():
        with httpx.Client(follow_redirects=True, timeout=10) as web:
            page = web.get(device.verification_uri)
            for _ in range(5):
                match = FORM.search(page.text)
                if match is None:
                    break
                action, body = match.groups()
                data = dict(HIDDEN.findall(body))
                if 'name="user_code"' in body:
                    data["user_code"] = device.user_code
                if 'name="login"' in body:
                    data.update(login="dev-user", password="any")
                page = web.post(urljoin(str(page.url), action), data=data)

    approved = threading.Event()

    def wait(_seconds):
        if not approved.is_set():
            person()
            approved.set()

    cred = finish_device(exchange, "tokendesk-dpop", "via-device", device, sleep=wait,
                         dpop="EdDSA")
    assert cred.subject == "dev-user" and re.fullmatch(r"[\w-]{43}",
                                                       credential_dpop_jkt(vault, "via-device"))
    assert confirmation(vault.token("via-device", "access_token")).jkt == \
        credential_dpop_jkt(vault, "via-device")
    assert exchange.refresh("via-device").rotated


def test_no_dpop_key_or_token_in_logs_or_history(exchange, vault, home, caplog):
    caplog.set_level(logging.DEBUG)
    _sign_in(exchange)
    exchange.refresh("alice")
    key = dpop_key(vault, "alice").private_jwk()["d"]
    secrets = [key, vault.refresh_token("alice"), vault.token("alice", "access_token")]
    history = repr(vault.index.exchanges("alice")) + repr(vault.index.audit_log())
    for secret in secrets:
        assert secret not in caplog.text and secret not in history
        for path in home.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path


# -- fault servers: what a real server will not do on request -----------------------------------
def _fault_client(vault, server, name="fault", dpop_alg="ES256", **extra):
    vault.add_client(Client(name, server.url, "c1", "none", dpop_alg=dpop_alg,
                            endpoints={"token_endpoint": server.url + "/token",
                                       "userinfo_endpoint": server.url + "/me", **extra}))


def _proof(request):
    return request.headers.get("dpop")


def test_a_server_that_always_wants_a_nonce_is_asked_twice_and_the_token_is_kept(vault):
    with LocalServer() as server, HttpClient(timeout=5) as http:
        sent = []

        def token(request):
            sent.append(_proof(request))
            return Reply(400, {"error": "use_dpop_nonce"},
                         headers={"DPoP-Nonce": f"nonce-{len(sent)}"})

        server.route("/token", token)
        _fault_client(vault, server)
        vault.add_credential("bob", "fault", TokenSet("rt-bob-0001"))
        with pytest.raises(ProviderError) as refused:
            Exchange(vault, http, clock=lambda: NOW).refresh("bob")
        assert refused.value.error == "use_dpop_nonce"
        assert len(sent) == 2  # one retry, not a loop
        url = server.url + "/token"
        assert check_proof(sent[1], method="POST", url=url, now=NOW,
                           nonce="nonce-1").valid
        assert "nonce" not in check_proof(sent[0], method="POST", url=url,
                                          now=NOW).claims
        assert vault.refresh_token("bob") == "rt-bob-0001"
        assert vault.credential("bob").status is Status.ACTIVE


def test_use_dpop_nonce_without_a_nonce_is_not_retried(vault):
    with LocalServer() as server, HttpClient(timeout=5) as http:
        server.route("/token", Reply(400, {"error": "use_dpop_nonce"}))
        _fault_client(vault, server)
        vault.add_credential("bob", "fault", TokenSet("rt-bob-0001"))
        with pytest.raises(ProviderError, match="use_dpop_nonce"):
            Exchange(vault, http).refresh("bob")
        assert server.count("/token") == 1


def test_nonces_are_remembered_per_server_origin(vault):
    with LocalServer() as one, LocalServer() as two, HttpClient(timeout=5) as http:
        answer = {"access_token": "at-x", "token_type": "DPoP", "refresh_token": "rt-next"}
        one.route("/token", Reply(200, answer, headers={"DPoP-Nonce": "nonce-of-one"}))
        two.route("/token", Reply(200, answer))
        _fault_client(vault, one, "one")
        _fault_client(vault, two, "two")
        vault.add_credential("a", "one", TokenSet("rt-a"))
        vault.add_credential("b", "two", TokenSet("rt-b"))
        exchange = Exchange(vault, http)
        exchange.refresh("a")
        exchange.refresh("b")
        exchange.refresh("a")
        claims = [decode_token(_proof(h)).claims for h in [*one.hits, *two.hits]
                  if h.path == "/token"]
        assert [c.get("nonce") for c in claims] == [None, "nonce-of-one", None]


def test_a_resource_that_asks_for_a_nonce_gets_a_proof_with_ath_and_the_nonce(vault):
    with LocalServer() as server, HttpClient(timeout=5) as http:
        server.route("/token", Reply(200, {"access_token": "at-bound-1", "token_type": "DPoP",
                                           "expires_in": 300}))
        asked = []

        def userinfo(request):
            asked.append(request)
            if len(asked) == 1:
                return Reply(401, {}, headers={
                    "WWW-Authenticate": 'DPoP error="use_dpop_nonce", '
                                        'error_description="Resource server requires nonce"',
                    "DPoP-Nonce": "rs-nonce"})
            return Reply(200, {"sub": "bob"})

        server.route("/me", userinfo)
        _fault_client(vault, server)
        vault.add_credential("bob", "fault", TokenSet("rt-bob-0001"))
        assert Exchange(vault, http, clock=lambda: NOW).userinfo("bob") == {"sub": "bob"}
        last = asked[-1]
        assert last.headers["authorization"] == "DPoP at-bound-1"
        checked = check_proof(last.headers["dpop"], method="GET", url=server.url + "/me",
                              now=NOW, access_token="at-bound-1", nonce="rs-nonce")
        assert checked.valid, checked.reason


@pytest.mark.parametrize("token_type,dpop_alg", [("weird", "ES256"), ("DPoP", "")])
def test_a_token_type_refused_after_the_new_refresh_token_is_stored(vault, token_type,
                                                                      dpop_alg):
    """SECURITY.md 19: an unknown token_type, or DPoP when no proof was sent, is refused only
    after the server's new refresh token is stored (it retired the old one)."""
    with LocalServer() as server, HttpClient(timeout=5) as http:
        server.route("/token", Reply(200, {"access_token": "at-new", "token_type": token_type,
                                           "refresh_token": "rt-after-rotation"}))
        _fault_client(vault, server, dpop_alg=dpop_alg)
        vault.add_credential("bob", "fault", TokenSet("rt-bob-0001", "at-old"))
        with pytest.raises(KeptAfterRefusal, match="token_type|DPoP-bound"):
            Exchange(vault, http).refresh("bob")
        assert vault.refresh_token("bob") == "rt-after-rotation"
        assert vault.token("bob", "access_token") == "at-old"  # the answer's is not used


def test_token_exchange_carries_a_proof_of_the_clients_key(vault):
    with LocalServer() as server, HttpClient(timeout=5) as http:
        server.route("/token", Reply(200, {"access_token": "at-exchanged",
                                           "token_type": "DPoP", "issued_token_type":
                                           "urn:ietf:params:oauth:token-type:access_token"}))
        _fault_client(vault, server, dpop_alg="RS256")
        exchange = Exchange(vault, http, clock=lambda: NOW)
        for _ in range(2):
            _what, response = exchange.client_grant("fault", subject_token="subject-at",
                                                    audience="orders")
            assert response.token_type == "dpop"
        checks = [check_proof(_proof(h), method="POST", url=server.url + "/token",
                              now=NOW) for h in server.hits if h.path == "/token"]
        assert len(checks) == 2 and all(c.valid for c in checks)
        assert checks[0].jkt == checks[1].jkt
        assert checks[0].header["alg"] == "RS256"
        assert [h.form["grant_type"] for h in server.hits if h.path == "/token"] == [
            "urn:ietf:params:oauth:grant-type:token-exchange"] * 2


def test_an_encrypted_export_keeps_the_dpop_key_and_the_client_certificate(
        exchange, vault, tmp_path, secret_service, oidc_provider):
    """Without its key an imported bound refresh token could never be used: the export carries
    the key (and a client's mTLS certificate and key), encrypted with everything else."""
    from tokendesk.core.vault.bindings import client_certificate, set_client_certificate
    from tokendesk.core.vault.export import export_vault, import_vault

    _sign_in(exchange)
    tls = oidc_provider.tls_dir
    set_client_certificate(vault, "tokendesk-dpop", (tls / "client.pem").read_text(),
                           (tls / "client.key").read_text())
    vault.update_client(replace(vault.client("tokendesk-dpop"), dpop_alg="EdDSA"))
    blob = export_vault(vault, "export passphrase")
    assert dpop_key(vault, "alice").private_jwk()["d"].encode() not in blob
    other_home = tmp_path / "other"
    other = Vault(other_home, KeyringStore(other_home, secret_service.backend()))
    try:
        assert "alice" in import_vault(other, blob, "export passphrase")
        assert credential_dpop_jkt(other, "alice") == credential_dpop_jkt(vault, "alice")
        assert other.client("tokendesk-dpop").dpop_alg == "EdDSA"
        assert client_certificate(other, "tokendesk-dpop") == \
            client_certificate(vault, "tokendesk-dpop")
        vault.store.delete(f"tokendesk/client/{vault.client('tokendesk-dpop').uid}",
                           "tls_client_certificate")  # (the server knows no cert for it)
        other.store.delete(f"tokendesk/client/{other.client('tokendesk-dpop').uid}",
                           "tls_client_certificate")
        with HttpClient(timeout=5) as http:
            assert Exchange(other, http).refresh("alice").rotated  # its own key, imported
    finally:
        other.close()


def test_the_qa_race_presents_a_bound_token_with_its_own_key(exchange, vault):
    """Without the credential's proof every request would be refused for want of one; with
    it, the server accepts one and sees the other as a reuse."""
    from tokendesk.core.oauth.qa import race, replay

    _sign_in(exchange)
    report = race(exchange, "alice", 2)
    assert sorted(o.result for o in report.outcomes) == ["accepted", "refused"]
    replayed = replay(exchange, "alice").outcomes[0]
    assert replayed.result == "refused"  # the retired token, with the right key: reuse


def test_headers_for_a_token_issued_before_the_credential_had_a_key_are_refused(
        exchange, vault, oidc_provider):
    """The client is marked DPoP, but the credential's fresh access token came before (a
    bearer token): no proof is made for it, and nothing is sent."""
    from tokendesk.core.oauth.senders import resource_headers

    vault.update_client(replace(vault.client("tokendesk-dpop-basic"), dpop_alg="ES256"))
    vault.add_credential("early", "tokendesk-dpop-basic",
                         TokenSet("rt-early", "at-early", expires_in=300))
    with pytest.raises(VaultError, match="issued before it had a DPoP key"):
        resource_headers(exchange, "early", "GET", "https://api.example/", margin=60)
    assert credential_dpop_jkt(vault, "early") is None
