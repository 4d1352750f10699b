"""Never lose what the server issued (SECURITY.md 19, 35): a refresh token is stored before the
rest of the answer is checked, whatever that check finds; edits and preferences take effect at
once. Against the real provider, with a proxy of the tests' own where only a tampered answer can
produce the situation."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import httpx
import pytest

from tests.helpers.http_server import LocalServer, Reply
from tests.helpers.oidc_provider import CLIENTS, client_record
from tokendesk.core.errors import KeptAfterRefusal, NetworkError, ProviderError, ResponseError
from tokendesk.core.session import NetworkSettings, Session
from tokendesk.core.vault import Client, KeyringStore, Status, TokenSet, fingerprint

pytestmark = pytest.mark.integration


@pytest.fixture
def session(tmp_path, secret_service):
    home = tmp_path / "home"
    with Session(home, store_factory=lambda h: KeyringStore(h, secret_service.backend()),
                 network=NetworkSettings(timeout=5.0)) as s:
        s.open()
        yield s


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _with_claims(token: str, **changes: object) -> str:
    """The same JWT with some payload claims changed (its signature no longer matches)."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return f"{header}.{_b64({**claims, **changes})}.{signature}"


class TamperingProxy:
    """Forwards token requests to the real provider; when ``tamper`` is set, the ID token in
    the answer claims another subject. Everything else of the answer is the provider's."""

    def __init__(self, provider) -> None:
        self.provider = provider
        self.tamper = False
        self.issued: list[str] = []  # the refresh tokens the provider issued through us
        self.server = LocalServer()
        self.server.route("/token", self._token)

    def _token(self, request) -> Reply:
        answer = httpx.post(f"{self.provider.issuer}/token", content=request.body,
                            headers={k: v for k, v in request.headers.items()
                                     if k in ("authorization", "content-type")})
        body = answer.json()
        if answer.status_code == 200:
            self.issued.append(body["refresh_token"])
            if self.tamper and "id_token" in body:
                body["id_token"] = _with_claims(body["id_token"], sub="mallory")
        return Reply(answer.status_code, body)


@pytest.fixture
def proxy(oidc_provider):
    p = TamperingProxy(oidc_provider)
    with p.server:
        yield p


def test_a_refused_id_token_check_keeps_the_new_refresh_token_usable(session, oidc_provider,
                                                                      proxy):
    vault = session.require_vault()
    client = client_record(oidc_provider, "tokendesk-basic")
    vault.add_client(Client(**{**client.__dict__, "endpoints": {
        "token_endpoint": proxy.server.url + "/token"}}), CLIENTS["tokendesk-basic"][0])
    vault.add_credential("alice", "tokendesk-basic",
                         TokenSet(oidc_provider.mint("tokendesk-basic", sub="alice")))
    session.exchange.refresh("alice")  # an ID token to compare with
    kept = vault.tokens("alice")
    before = vault.credential("alice")

    proxy.tamper = True
    with pytest.raises(KeptAfterRefusal) as refused:
        session.exchange.refresh("alice")
    # the provider rotated: the token it issued is the one stored, the old one is gone
    assert vault.refresh_token("alice") == proxy.issued[-1] != kept["refresh_token"]
    assert "changed sub" in refused.value.message and "kept" in refused.value.message
    assert proxy.issued[-1] not in refused.value.message
    # the tampered answer's access and ID tokens were not used
    now = vault.tokens("alice")
    assert now["id_token"] == kept["id_token"] and now["access_token"] == kept["access_token"]
    after = vault.credential("alice")
    assert after.access_expires_at == before.access_expires_at
    assert after.rotation_count == before.rotation_count + 1
    history = vault.index.exchanges("alice")[0]
    assert history["status"].startswith("refused after storing") and history["rotated"]
    assert history["new_fp"] == fingerprint(proxy.issued[-1])
    assert any("refresh refused" == e.action for e in vault.index.audit_log("alice"))

    proxy.tamper = False
    result = session.exchange.refresh("alice")  # the stored token is the live one: no reuse
    assert result.rotated and vault.credential("alice").status == Status.ACTIVE
    # and the provider did not see a reuse: refresh once more straight at it
    vault.update_client(Client(**{**client.__dict__, "endpoints": {}}))
    session.clients_changed()
    assert session.exchange.refresh("alice").rotated


def _fake_server_client(vault, server, name="faulty") -> None:
    vault.add_client(Client(name, server.url + "/", "c", "client_secret_post",
                            endpoints={"token_endpoint": server.url + "/token"}),
                     "s3cret-faulty")


def test_a_refresh_token_that_is_not_valid_text_is_kept_exactly_and_reported(session, tmp_path):
    vault = session.require_vault()
    with LocalServer() as server:
        _fake_server_client(vault, server)
        vault.add_credential("bob", "faulty", TokenSet("rt-bob-1"))
        # JSON's escapes can carry a lone surrogate: not text, but what the server sent
        server.route("/token", Reply(200, b'{"access_token": "at-2", "token_type": "Bearer", '
                                          b'"refresh_token": "rt-\\ud800-2"}'))
        assert session.exchange.refresh("bob").rotated
        assert vault.refresh_token("bob") == "rt-\ud800-2"
        again = Session(vault.home, store_factory=lambda _h: vault.store)  # read afresh
        assert again.open().refresh_token("bob") == "rt-\ud800-2"
        with pytest.raises(ResponseError, match="not valid text.*sign in again"):
            session.exchange.refresh("bob")
        assert server.count("/token") == 1  # nothing was sent that the server could misread


@pytest.mark.parametrize("lifetime", [b"1e400", b"-1e400", b"NaN", b"Infinity", b"-5",
                                      b"1e12", b'"99999999999999999999"', b"true"])
def test_lifetimes_that_are_not_finite_or_sane_are_never_stored(session, lifetime, tmp_path):
    vault = session.require_vault()
    with LocalServer() as server:
        _fake_server_client(vault, server)
        vault.add_credential("bob", "faulty", TokenSet("rt-bob-1"))
        server.route("/token", Reply(200, b'{"access_token": "at-2", "token_type": "Bearer", '
                                          b'"refresh_token": "rt-bob-2", "expires_in": '
                                          + lifetime + b', "refresh_expires_in": ' + lifetime
                                          + b"}"))
        session.exchange.refresh("bob")
    cred = vault.credential("bob")
    assert cred.access_expires_at is None and cred.refresh_expires_at is None
    assert vault.refresh_token("bob") == "rt-bob-2"
    # every later listing works, as a person runs it
    env = {"TOKENDESK_HOME": str(vault.home), "PATH": "/usr/bin:/bin",
           **{k: v for k, v in __import__("os").environ.items()
              if k.startswith(("DBUS", "XDG", "HOME"))}}
    for args in (["vault", "list"], ["vault", "show", "bob", "--json"]):
        run = subprocess.run([sys.executable, "-m", "tokendesk", *args], capture_output=True,
                             text=True, env=env, timeout=60)
        assert run.returncode == 0, run.stderr
        assert "Traceback" not in run.stderr and "bob" in run.stdout


def test_an_edited_client_secret_is_used_by_the_next_refresh(session, oidc_provider):
    vault = session.require_vault()
    vault.add_client(client_record(oidc_provider, "tokendesk-basic"),
                     CLIENTS["tokendesk-basic"][0])
    vault.add_credential("alice", "tokendesk-basic",
                         TokenSet(oidc_provider.mint("tokendesk-basic", sub="alice")))
    assert session.exchange.refresh("alice").rotated  # the secret is read and kept in memory
    client = vault.client("tokendesk-basic")
    session.update_client(client, "a-wrong-secret-0123456789")
    with pytest.raises(ProviderError, match="invalid_client"):
        session.exchange.refresh("alice")
    token = vault.refresh_token("alice")
    # an edit made elsewhere (another window, a script) is seen too, without clients_changed
    vault.update_client(client, CLIENTS["tokendesk-basic"][0])
    assert session.exchange.refresh("alice").rotated
    assert vault.refresh_token("alice") != token


def test_network_preferences_reach_the_next_refresh(session):
    vault = session.require_vault()
    with LocalServer() as server:
        _fake_server_client(vault, server)
        vault.add_credential("bob", "faulty", TokenSet("rt-bob-1"))
        server.route("/token", Reply(200, {"access_token": "at", "token_type": "Bearer"},
                                     delay=1.0))
        session.exchange.refresh("bob")  # 5 s timeout: the slow answer arrives
        session.configure_network(NetworkSettings(timeout=0.2))
        with pytest.raises(NetworkError):
            session.exchange.refresh("bob")
    assert vault.refresh_token("bob") == "rt-bob-1"


class Sequence:
    """Answers token requests in turn from a list (a server's own race, as a test says)."""

    def __init__(self, *replies: Reply) -> None:
        import threading

        self.replies = list(replies)
        self.lock = threading.Lock()

    def __call__(self, _request) -> Reply:
        with self.lock:
            return self.replies.pop(0)


def _rotating(n: int, delay: float = 0.0) -> Reply:
    return Reply(200, {"access_token": f"at-{n}", "token_type": "Bearer",
                       "refresh_token": f"rt-bob-{n}"}, delay=delay)


def test_a_race_lists_one_outcome_per_request_whatever_it_was(session):
    from tokendesk.core.oauth.qa import race

    vault = session.require_vault()
    with LocalServer() as server:
        _fake_server_client(vault, server)
        vault.add_credential("bob", "faulty", TokenSet("rt-bob-1"))
        server.route("/token", Sequence(_rotating(2), Reply(500, "<html>oops</html>"),
                                        Reply(400, {"error": "invalid_grant"})))
        report = race(session.exchange, "bob", 3)
    results = sorted(o.result for o in report.outcomes)
    assert results == ["accepted", "refused", "server error"]
    assert [o.request for o in report.outcomes] == [1, 2, 3]
    accepted = next(o for o in report.outcomes if o.result == "accepted")
    assert accepted.stored and vault.refresh_token("bob") == "rt-bob-2"
    # a refusal was seen, not reuse detection: that is said as not known
    assert "may have revoked" in report.unknown and "detected" not in report.summary
    assert vault.credential("bob").status == Status.UNKNOWN
    assert len([e for e in vault.index.exchanges("bob") if e["operation"] == "race"]) == 3


def test_a_race_the_server_accepts_twice_keeps_the_last_token_and_names_the_other(session):
    from tokendesk.core.oauth.qa import race

    vault = session.require_vault()
    with LocalServer() as server:
        _fake_server_client(vault, server)
        vault.add_credential("bob", "faulty", TokenSet("rt-bob-1"))
        # the first request answered is slower: it arrives last and its token is kept
        server.route("/token", Sequence(_rotating(2, delay=0.3), _rotating(3)))
        report = race(session.exchange, "bob", 2)
    assert report.accepted == 2
    stored = [o for o in report.outcomes if o.stored]
    assert len(stored) == 1 and vault.refresh_token("bob") == "rt-bob-2"
    other = next(o for o in report.outcomes if not o.stored)
    assert other.issued_fp == fingerprint("rt-bob-3") and other.issued_fp in report.unknown
    assert vault.credential("bob").status == Status.ACTIVE


def test_a_replay_is_reported_for_what_was_observed(session):
    from tokendesk.core.oauth.qa import replay

    vault = session.require_vault()
    with LocalServer() as server:
        _fake_server_client(vault, server)
        vault.add_credential("bob", "faulty", TokenSet("rt-bob-1"))
        server.route("/token", _rotating(2))
        session.exchange.refresh("bob")
        # a server without reuse detection accepts the old token and issues another
        server.route("/token", _rotating(3))
        accepted = replay(session.exchange, "bob")
        assert accepted.outcomes[0].result == "accepted" and "ACCEPTED" in accepted.summary
        assert vault.refresh_token("bob") == "rt-bob-3"  # what the server issued is kept
        assert fingerprint("rt-bob-2") in accepted.unknown  # and the other may still work
        # a server that refuses it: the old token was refused, the rest is not known
        server.route("/token", Reply(400, {"error": "invalid_grant"}))
        refused = replay(session.exchange, "bob")
        assert refused.outcomes[0].result == "refused" and "not known" in refused.unknown
        assert "detect" not in refused.summary
        assert vault.credential("bob").status == Status.UNKNOWN
        # a server error is neither
        server.route("/token", Reply(503, {"error": "temporarily_unavailable"}))
        down = replay(session.exchange, "bob")
        assert down.outcomes[0].result == "server error"
        assert [e["operation"] for e in vault.index.exchanges("bob")].count("replay") == 3


def test_a_refresh_killed_while_its_answer_is_on_the_wire_is_reported_not_silent(
        tmp_path, secret_service):
    """The server may have rotated; the answer never arrived. Nothing can recover that token,
    but the next opening says a refresh was interrupted instead of nothing."""
    import os
    import signal

    from tokendesk.core.vault import Vault

    home = tmp_path / "home"
    env = {**os.environ, "TOKENDESK_HOME": str(home)}
    vault = Vault(home, KeyringStore(home, secret_service.backend()))
    with LocalServer() as server:
        _fake_server_client(vault, server)
        vault.add_credential("bob", "faulty", TokenSet("rt-bob-1"))
        vault.close()
        import threading

        arrived = threading.Event()

        def slow(_request) -> Reply:
            arrived.set()  # the request reached the server, which answers too late
            return Reply(200, {"access_token": "at", "token_type": "Bearer",
                               "refresh_token": "rt-bob-2"}, delay=30)

        server.route("/token", slow)
        script = subprocess.Popen([sys.executable, "-m", "tokendesk", "refresh", "bob"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert arrived.wait(60)
        finally:
            script.send_signal(signal.SIGKILL)
            script.communicate(timeout=30)
    reopened = Vault(home, KeyringStore(home, secret_service.backend()))
    try:
        cred = reopened.credential("bob")
        assert cred.status == Status.UNKNOWN and reopened.index.pending_slots() == []
        entry = reopened.index.audit_log("bob")[0]
        assert entry.action == "interrupted" and "may have retired" in entry.detail
        assert reopened.refresh_token("bob") == "rt-bob-1"  # what is known is kept
    finally:
        reopened.close()


def test_a_missing_ca_bundle_is_named_not_a_bare_exception(session, tmp_path):
    from tokendesk.core.errors import InvalidInput

    vault = session.require_vault()
    vault.add_client(Client("c", "https://op.example/", "c", "none",
                            endpoints={"token_endpoint": "https://op.example/token"}))
    vault.add_credential("bob", "c", TokenSet("rt-bob-1"))
    missing = str(tmp_path / "no-such-ca.pem")
    session.configure_network(NetworkSettings(timeout=5.0, ca_bundle=missing))
    with pytest.raises(InvalidInput, match=f"CA bundle {missing} does not exist"):
        session.exchange.refresh("bob")
    assert vault.refresh_token("bob") == "rt-bob-1"


def test_a_refresh_token_that_is_not_valid_text_does_not_stop_revoking_the_access_token(
        session, monkeypatch, capsys):
    from tokendesk.cli import main

    vault = session.require_vault()
    with LocalServer() as server:
        _fake_server_client(vault, server)
        vault.client("faulty")
        vault.update_client(Client("faulty", server.url + "/", "c", "client_secret_post",
                                   endpoints={"token_endpoint": server.url + "/token",
                                              "revocation_endpoint": server.url + "/revoke"}))
        session.clients_changed()
        vault.add_credential("bob", "faulty", TokenSet("rt-\ud800", "at-bob"))
        server.route("/revoke", Reply(200, {}))
        report = session.exchange.revoke("bob")
        assert "not sent: it is not valid text" in report[0] and "access token" in report[1]
        assert server.hits[-1].form["token"] == "at-bob"
        # printing it is no crash either
        monkeypatch.setenv("TOKENDESK_HOME", str(vault.home))
        import keyring

        keyring.set_keyring(vault.store._backend)
        assert main(["vault", "show", "bob", "--reveal"]) == 0
        assert "\\ud800" in capsys.readouterr().out


def test_a_credential_the_server_refused_hands_out_no_access_token(session, oidc_provider):
    from tokendesk.core.oauth.qa import rotation

    vault = session.require_vault()
    vault.add_client(client_record(oidc_provider, "tokendesk-basic"),
                     CLIENTS["tokendesk-basic"][0])
    vault.add_credential("alice", "tokendesk-basic",
                         TokenSet(oidc_provider.mint("tokendesk-basic", sub="alice")))
    assert session.exchange.access_token("alice")  # fresh: handed out
    rotation(session.exchange, "alice")  # the provider revokes the family on the replay
    assert vault.credential("alice").status == Status.NEEDS_SIGN_IN
    with pytest.raises(ResponseError, match="needs sign-in.*sign in again"):
        session.exchange.access_token("alice")


def test_a_client_without_its_secret_is_a_local_error_and_nothing_is_sent(session, capsys,
                                                                          monkeypatch):
    from tokendesk.cli.common import fail
    from tokendesk.core.errors import MissingClientSecret

    vault = session.require_vault()
    with LocalServer() as server:
        vault.add_client(Client("nosecret", server.url + "/", "c", "client_secret_basic",
                                endpoints={"token_endpoint": server.url + "/token"}))
        vault.add_credential("bob", "nosecret", TokenSet("rt-bob-1"))
        with pytest.raises(MissingClientSecret, match="nothing was sent") as error:
            session.exchange.refresh("bob")
        assert server.count("/token") == 0
    assert fail(error.value) == 2  # a local problem, as the README's exit codes say
    assert vault.refresh_token("bob") == "rt-bob-1"


def test_a_race_at_a_server_without_rotation_names_no_phantom_tokens(session):
    from tokendesk.core.oauth.qa import race

    vault = session.require_vault()
    with LocalServer() as server:
        _fake_server_client(vault, server)
        vault.add_credential("bob", "faulty", TokenSet("rt-bob-1"))
        # the same refresh token back each time, as servers without rotation do
        server.route("/token", Reply(200, {"access_token": "at", "token_type": "Bearer",
                                           "refresh_token": "rt-bob-1"}))
        report = race(session.exchange, "bob", 3)
    assert report.accepted == 3
    assert all(o.issued_fp is None and not o.stored for o in report.outcomes)
    assert "kept it" in report.unknown and "several refresh tokens" not in report.unknown
    assert vault.refresh_token("bob") == "rt-bob-1"
