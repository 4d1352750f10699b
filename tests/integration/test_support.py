"""The support console against fake Auth0, Keycloak and Okta admin APIs on 127.0.0.1 (Auth0 and
Okta cannot run here; see tests/helpers/fake_admin.py for the references they follow), and the
real oidc-provider for the client-credentials step. The real Keycloak runs in
tests/integration/test_keycloak_support.py, which also checks that the fake agrees with it."""

from __future__ import annotations

import pytest

from tests.conftest import NOW
from tests.helpers.fake_admin import FakeAdmin, FakeAuth0, FakeKeycloak, FakeOkta
from tests.helpers.oidc_provider import CLIENTS
from tokendesk.core.errors import AdminError, MissingScope, NotFound, RateLimited
from tokendesk.core.oauth.exchange import Exchange
from tokendesk.core.oauth.http import HttpClient
from tokendesk.core.support import SupportConsole, audit_target
from tokendesk.core.vault import Client

pytestmark = pytest.mark.integration


@pytest.fixture
def vault(keyring_vault):
    return keyring_vault


@pytest.fixture
def waits():
    return []


@pytest.fixture
def console(vault, waits):
    with HttpClient(timeout=5.0) as http:
        yield SupportConsole(Exchange(vault, http), sleep=waits.append, max_wait=30)


def connect(vault, fake: FakeAdmin, provider: str, name: str | None = None,
            issuer: str | None = None) -> str:
    name = name or f"{provider}-admin"
    vault.add_client(Client(name, issuer or fake.url + "/", fake.CLIENT_ID, "client_secret_post",
                            endpoints={"token_endpoint": fake.url + fake.TOKEN_PATH},
                            admin_provider=provider), fake.CLIENT_SECRET)
    return name


@pytest.fixture
def auth0(vault):
    with FakeAuth0() as fake:
        fake.add_user("auth0|alice", "alice@example.com", "Alice Liddell")
        fake.add_user("auth0|bob", "bob@example.com", "Bob Builder")
        fake.add_refresh_tokens("auth0|alice", 3)
        fake.add_session("auth0|alice", "sess_a1")
        fake.add_session("auth0|alice", "sess_a2")
        fake.add_grant("auth0|alice", "cgr_1")
        yield fake, connect(vault, fake, "auth0")


# -- Auth0 ------------------------------------------------------------------------------------------
def test_auth0_find_by_email_id_and_name_with_a_cached_machine_token(console, auth0):
    fake, conn = auth0
    assert [u.id for u in console.find(conn, "alice@example.com")] == ["auth0|alice"]
    assert [u.email for u in console.find(conn, "auth0|bob")] == ["bob@example.com"]
    assert [u.id for u in console.find(conn, "Bob")] == ["auth0|bob"]
    assert console.find(conn, "auth0|nobody") == []
    assert fake.count(fake.TOKEN_PATH) == 1  # one machine token for all four calls
    assert console.scopes(conn) == sorted(FakeAuth0.ALL_SCOPES)
    user = console.find(conn, "alice@example.com")[0]
    assert user.name == "Alice Liddell" and user.created_at and user.last_login


def test_auth0_lists_refresh_tokens_sessions_and_grants_with_times_and_clients(console, auth0):
    fake, conn = auth0
    items = console.items(conn, "auth0|alice")
    kinds = [i.kind for i in items]
    assert kinds.count("refresh token") == 3 and kinds.count("session") == 2
    assert kinds.count("grant") == 1
    token = next(i for i in items if i.kind == "refresh token")
    assert token.client == "app-1" and token.created_at and token.last_used and token.expires_at
    session = next(i for i in items if i.kind == "session")
    assert "Firefox" in session.detail and session.client == "app-1"


def test_auth0_revocations_are_confirmed_by_the_providers_answer_and_audited(console, auth0,
                                                                           vault):
    fake, conn = auth0
    items = console.items(conn, "auth0|alice")
    rt = next(i for i in items if i.kind == "refresh token")
    result = console.revoke(conn, "auth0|alice", "token", rt.id)
    assert result.ok and result.outcomes[0].status == 202
    assert "accepted" in result.outcomes[0].message and rt.id in fake.deleted
    result = console.revoke(conn, "auth0|alice", "session", "sess_a1")
    assert result.ok and [s["id"] for s in fake.sessions] == ["sess_a2"]
    assert console.revoke(conn, "auth0|alice", "all-sessions").ok and fake.sessions == []
    assert console.revoke(conn, "auth0|alice", "grant", "cgr_1").ok and fake.grants == []
    assert console.revoke(conn, "auth0|alice", "all-tokens").ok
    assert not [t for t in fake.refresh_tokens if t["user_id"] == "auth0|alice"]
    trail = console.audit_trail("Auth0", "auth0|alice")
    assert len(trail) == 5
    assert all(e.target == audit_target("Auth0", "auth0|alice") for e in trail)
    assert any("HTTP 202" in e.detail and rt.id in e.detail for e in trail)
    assert all(e.actor for e in trail)
    csv = vault.index.audit_log(target=audit_target("Auth0", "auth0|alice"))
    assert csv and FakeAuth0.CLIENT_SECRET not in str(csv)


def test_auth0_plans_without_the_refresh_token_api_fall_back_to_device_credentials(console,
                                                                                 auth0):
    fake, conn = auth0
    fake.plan_has_refresh_token_api = False
    items = console.items(conn, "auth0|alice")
    creds = [i for i in items if i.kind == "device credential"]
    assert len(creds) == 3 and "older device-credentials API" in creds[0].detail
    assert console.revoke(conn, "auth0|alice", "token", creds[0].id).ok
    result = console.revoke(conn, "auth0|alice", "all-tokens")
    assert result.ok and len(result.outcomes) == 2
    assert not [d for d in fake.device_credentials if d["user_id"] == "auth0|alice"]


def test_auth0_pagination_over_a_thousand_tokens_with_progress(console, auth0):
    fake, conn = auth0
    fake.add_refresh_tokens("auth0|bob", 1050)
    progress: list[str] = []
    items = console.items(conn, "auth0|bob", progress.append)
    assert len([i for i in items if i.kind == "refresh token"]) == 1050
    assert len({i.id for i in items}) == 1050
    assert any("page 21" in p for p in progress)  # 50 per page


def test_auth0_429_is_waited_out_from_its_rate_limit_headers(console, auth0, waits):
    fake, conn = auth0
    # one clock for the server's reset times and the console's waits: no dependence on
    # where in a second the test starts (it once read 1.97 s against a bound of 2)
    fake.clock = console.clock = lambda: float(NOW)
    fake.throttle, fake.retry_after = 2, 3
    progress: list[str] = []
    assert [u.id for u in console.find(conn, "alice@example.com", progress.append)] == [
        "auth0|alice"]
    assert waits == [3.0, 3.0]  # X-RateLimit-Reset, 3 s ahead
    fake.throttle, fake.retry_after = 1, 600  # longer than the console waits
    with pytest.raises(RateLimited, match="600 s|599 s|try again later"):
        console.find(conn, "alice@example.com")


def test_a_missing_scope_is_named_before_any_call(console, vault):
    with FakeAuth0(scopes=["read:users"]) as fake:
        fake.add_user("auth0|alice", "alice@example.com", "Alice")
        conn = connect(vault, fake, "auth0")
        calls = fake.count_admin("DELETE", "/api/v2")
        with pytest.raises(MissingScope) as info:
            console.revoke(conn, "auth0|alice", "all-sessions")
        assert info.value.missing == ["delete:sessions"]
        assert "delete:sessions" in info.value.message
        assert fake.count_admin("DELETE", "/api/v2") == calls == 0
        assert "support revoke failed" in [e.action for e in
                                           console.audit_trail("Auth0", "auth0|alice")]


def test_a_scope_the_provider_refuses_gives_its_own_message(console, vault):
    with FakeAuth0() as fake:
        fake.add_user("auth0|alice", "alice@example.com", "Alice")
        conn = connect(vault, fake, "auth0")
        console.scopes(conn)  # the token says it has every scope...
        fake.scopes = []  # ...but the provider has since taken them away
        with pytest.raises(AdminError, match="403.*Insufficient scope.*read:users"):
            console.find(conn, "alice@example.com")


def test_401_fetches_a_new_machine_token_once_then_reports(console, auth0):
    fake, conn = auth0
    console.find(conn, "alice@example.com")
    fake.tokens.clear()  # the cached token was revoked at the provider
    assert console.find(conn, "alice@example.com")
    assert fake.count(fake.TOKEN_PATH) == 2
    fake.CLIENT_SECRET = "rotated"  # and now the admin client's secret is wrong too
    fake.tokens.clear()
    with pytest.raises(AdminError, match="access_denied|401"):
        console.find(conn, "alice@example.com")


def test_an_unknown_user_is_a_clear_not_found(console, auth0):
    _fake, conn = auth0
    with pytest.raises(NotFound, match="404.*does not exist"):
        console.user(conn, "auth0|ghost")
    with pytest.raises(AdminError, match="lists no token"):
        console.revoke(conn, "auth0|alice", "token", "rt_not_there")


def test_partial_failures_are_reported_per_item_and_audited(console, auth0):
    fake, conn = auth0
    fake.plan_has_refresh_token_api = False
    creds = [i for i in console.items(conn, "auth0|alice") if i.kind == "device credential"]
    fake.fail_deletes = {creds[1].id}
    result = console.revoke(conn, "auth0|alice", "all-tokens")
    assert not result.ok and len(result.failed) == 1 and result.failed[0].status == 500
    assert "2 of 3 confirmed, 1 failed" in result.summary()
    trail = console.audit_trail("Auth0", "auth0|alice")
    assert trail[0].action == "support revoke partly failed" and "FAILED (HTTP 500)" in \
        trail[0].detail


def test_confirmation_names_user_provider_and_consequence(console, auth0):
    _fake, conn = auth0
    user = console.find(conn, "alice@example.com")[0]
    text = console.confirmation(conn, user, "all-sessions")
    assert "alice@example.com" in text and "Auth0" in text and "What stops working" in text


# -- Keycloak ---------------------------------------------------------------------------------------
KC_ALICE = "5c1d7e2a-1111-4222-8333-444455556666"


@pytest.fixture
def fake_keycloak(vault):
    """The fake Keycloak admin API (the real one is the session fixture ``keycloak``)."""
    with FakeKeycloak() as fake:
        fake.add_user(KC_ALICE, "alice@example.com", "Alice", "Liddell")
        fake.add_session(KC_ALICE, "kc-s1")
        fake.add_session(KC_ALICE, "kc-off1", offline=True)
        fake.add_consent(KC_ALICE, "app-1", offline=True)
        yield fake, connect(vault, fake, "keycloak", issuer=fake.issuer)


def test_keycloak_find_list_and_revoke(console, fake_keycloak):
    fake, conn = fake_keycloak
    assert [u.id for u in console.find(conn, "alice@example.com")] == [KC_ALICE]
    assert [u.name for u in console.find(conn, "lidd")] == ["Alice Liddell"]
    assert [u.id for u in console.find(conn, KC_ALICE)] == [KC_ALICE]
    # roles from the token, as Keycloak lists them (view-users brings query-users, -groups)
    assert console.scopes(conn) == ["manage-users", "query-groups", "query-users", "view-users"]
    items = console.items(conn, KC_ALICE)
    assert sorted((i.kind, i.id) for i in items) == [
        ("grant", "app-1"), ("offline session", "kc-off1"), ("session", "kc-s1")]
    assert console.revoke(conn, KC_ALICE, "token", "kc-off1").ok  # its offline session
    assert [s["id"] for s in fake.sessions] == ["kc-s1"]
    assert console.revoke(conn, KC_ALICE, "all-sessions").ok and fake.logouts == [KC_ALICE]
    assert console.revoke(conn, KC_ALICE, "grant", "app-1").ok and fake.consents == []


def test_keycloak_all_refresh_tokens_logs_out_and_removes_offline_consents(console, fake_keycloak):
    fake, conn = fake_keycloak
    result = console.revoke(conn, KC_ALICE, "all-tokens")
    assert result.ok and [o.target for o in result.outcomes] == [
        "all online sessions (logout)", "offline tokens of app-1 (consent)"]
    assert fake.sessions == [] and fake.consents == []


def test_the_machine_token_is_the_one_audited_client_grant(console, vault, fake_keycloak):
    fake, conn = fake_keycloak
    console.find(conn, "alice@example.com")
    grants = [e for e in vault.index.audit_log(conn) if e.action == "client credentials"]
    assert len(grants) == 1 and grants[0].detail.startswith("issued ")


def test_keycloak_429_with_an_http_date_retry_after_is_waited_out(console, fake_keycloak, waits):
    fake, conn = fake_keycloak
    fake.clock = console.clock = lambda: float(NOW)
    fake.throttle, fake.retry_after, fake.retry_after_as_date = 1, 5, True
    assert [u.id for u in console.find(conn, "alice@example.com")] == [KC_ALICE]
    assert waits == [5.0]  # the date, 5 s after the one clock


def test_keycloak_missing_role_is_named(console, vault):
    with FakeKeycloak(roles=["view-users"]) as fake:
        fake.add_user(KC_ALICE, "alice@example.com", "Alice", "Liddell")
        conn = connect(vault, fake, "keycloak", issuer=fake.issuer)
        assert console.find(conn, "alice@example.com")
        with pytest.raises(MissingScope, match="manage-users"):
            console.revoke(conn, KC_ALICE, "all-sessions")


def test_keycloak_machine_token_from_the_real_openid_provider(console, vault, oidc_provider):
    """The client-credentials step against panva's oidc-provider; the admin API is the fake."""
    with FakeKeycloak() as fake:
        fake.accept_any_token = True
        fake.add_user(KC_ALICE, "alice@example.com", "Alice", "Liddell")
        vault.add_client(Client("kc-real-token", oidc_provider.issuer, "tokendesk-machine",
                                CLIENTS["tokendesk-machine"][1], scope="api:read",
                                admin_provider="keycloak",
                                endpoints={"admin_api": fake.url + "/admin/realms/support"}),
                         CLIENTS["tokendesk-machine"][0])
        assert [u.id for u in console.find("kc-real-token", "alice@example.com")] == [KC_ALICE]
        assert fake.count(fake.TOKEN_PATH) == 0  # the token came from the real provider
        assert fake.bearers and fake.bearers[-1] and fake.bearers[-1] not in fake.tokens


# -- Okta -------------------------------------------------------------------------------------------
OKTA_ALICE = "00u1abcdefghijKLMN"


@pytest.fixture
def okta(vault):
    with FakeOkta() as fake:
        fake.add_user(OKTA_ALICE, "alice@example.com", "Alice", "Liddell")
        fake.add_tokens(OKTA_ALICE, "0oaApp1", 2)
        fake.add_tokens(OKTA_ALICE, "0oaApp2", 1)
        fake.add_grant(OKTA_ALICE, "oag1", "0oaApp1")
        yield fake, connect(vault, fake, "okta")


def test_okta_find_list_and_revoke(console, okta):
    fake, conn = okta
    assert [u.id for u in console.find(conn, "alice@example.com")] == [OKTA_ALICE]
    assert [u.id for u in console.find(conn, OKTA_ALICE)] == [OKTA_ALICE]
    assert [u.name for u in console.find(conn, "Ali")] == ["Alice Liddell"]
    items = console.items(conn, OKTA_ALICE)
    tokens = [i for i in items if i.kind == "refresh token"]
    assert len(tokens) == 3 and {t.client for t in tokens} == {"0oaApp1", "0oaApp2"}
    assert [i.id for i in items if i.kind == "grant"] == ["oag1"]
    assert console.revoke(conn, OKTA_ALICE, "token", tokens[0].id).ok
    assert tokens[0].id in fake.deleted
    result = console.revoke(conn, OKTA_ALICE, "all-tokens")
    assert result.ok and len(result.outcomes) == 2 and fake.tokens_ == []
    assert console.revoke(conn, OKTA_ALICE, "grant", "oag1").ok
    assert console.revoke(conn, OKTA_ALICE, "all-sessions").ok
    assert fake.cleared_sessions == [(OKTA_ALICE, "true")]


def test_okta_cannot_end_one_session_and_says_so(console, okta):
    _fake, conn = okta
    with pytest.raises(AdminError, match="cannot end one session"):
        console.revoke(conn, OKTA_ALICE, "session", "anything")


def test_okta_link_header_pagination_over_a_thousand_tokens(console, okta):
    fake, conn = okta
    fake.add_tokens(OKTA_ALICE, "0oaBig", 1200)
    progress: list[str] = []
    items = console.items(conn, OKTA_ALICE, progress.append)
    assert len([i for i in items if i.client == "0oaBig"]) == 1200
    assert any("refresh tokens, page 6" in p for p in progress)  # 200 per page


def test_okta_429_reset_header_and_partial_failure(console, okta, waits):
    fake, conn = okta
    fake.clock = console.clock = lambda: float(NOW)  # one clock: no wall-clock bound
    fake.throttle, fake.retry_after = 1, 2
    assert console.find(conn, "alice@example.com")
    assert waits == [2.0]
    fake.fail_deletes = {"0oaApp2"}
    result = console.revoke(conn, OKTA_ALICE, "all-tokens")
    assert [o.ok for o in result.outcomes] == [True, False]
    assert "Okta answered HTTP 500" in result.failed[0].message


def test_okta_404_403_and_a_missing_scope_have_clear_messages(console, vault, okta):
    fake, conn = okta
    with pytest.raises(NotFound, match="404.*Not found"):
        console.user(conn, "00uNOBODYxxxxxxxx")
    fake.scopes = []  # the provider took the scopes away after the token was issued
    with pytest.raises(AdminError, match="HTTP 403.*permission"):
        console.find(conn, "alice@example.com")
    with FakeOkta(scopes=["okta.users.read"]) as reader:
        reader.add_user(OKTA_ALICE, "alice@example.com", "Alice", "Liddell")
        name = connect(vault, reader, "okta", name="okta-reader")
        assert console.find(name, "alice@example.com")
        with pytest.raises(MissingScope, match="okta.users.manage"):
            console.revoke(name, OKTA_ALICE, "all-sessions")


def test_a_client_that_is_not_an_admin_connection(console, vault):
    vault.add_client(Client("plain", "https://op.example/", "c"))
    from tokendesk.core.errors import VaultError

    with pytest.raises(VaultError, match="not an admin connection"):
        console.find("plain", "x")
    with pytest.raises(AdminError, match="type an email"):
        console.find("plain", "  ")


# -- CLI --------------------------------------------------------------------------------------------
@pytest.fixture
def cli_auth0(tmp_path, monkeypatch, secret_service):
    """An Auth0 admin connection added through the CLI, in a CLI home on the test keyring."""
    import io
    import sys

    import keyring

    from tokendesk.cli import main

    monkeypatch.setenv("TOKENDESK_HOME", str(tmp_path / "cli-home"))
    keyring.set_keyring(secret_service.backend())
    with FakeAuth0() as fake:
        fake.add_user("auth0|alice", "alice@example.com", "Alice Liddell")
        fake.add_refresh_tokens("auth0|alice", 3)
        fake.add_session("auth0|alice", "sess_a1")
        fake.add_grant("auth0|alice", "cgr_1")
        monkeypatch.setattr(sys, "stdin", io.StringIO(fake.CLIENT_SECRET))
        assert main(["client", "add", "auth0-admin", "--issuer", fake.url + "/",
                     "--client-id", fake.CLIENT_ID, "--auth-method", "client_secret_post",
                     "--client-secret-stdin", "--admin", "auth0",
                     "--token-endpoint", fake.url + fake.TOKEN_PATH]) == 0
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        yield fake, "auth0-admin"


def test_cli_find_tokens_and_revoke_with_json_and_exit_codes(cli_auth0, capsys):
    import json

    from tokendesk.cli import main

    fake, conn = cli_auth0
    capsys.readouterr()
    assert main(["support", "find", conn, "alice@example.com", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["id"] == "auth0|alice"
    assert main(["support", "tokens", conn, "auth0|alice"]) == 0
    out = capsys.readouterr().out
    assert out.count("refresh token") == 3 and "session" in out and "grant" in out
    # not confirmed (no terminal): nothing is sent
    deletes = fake.count_admin("DELETE", "/api/v2")
    assert main(["support", "revoke", conn, "auth0|alice", "--all"]) == 2
    assert "Add --yes" in capsys.readouterr().err
    assert fake.count_admin("DELETE", "/api/v2") == deletes
    assert main(["support", "revoke", conn, "auth0|alice", "--all", "--yes", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["action"] for r in results] == ["revoke all refresh tokens", "end all sessions"]
    assert all(r["ok"] for r in results)
    # a partial failure is exit code 1; an unknown user 1; a missing option 2
    fake.add_session("auth0|alice", "sess_x")
    fake.fail_deletes = {"sess_x"}
    assert main(["support", "revoke", conn, "auth0|alice", "--session", "sess_x", "--yes"]) == 1
    assert "FAILED" in capsys.readouterr().out
    assert main(["support", "tokens", conn, "auth0|ghost"]) == 1
    assert main(["support", "revoke", conn, "auth0|alice"]) == 2  # say what to revoke
    assert main(["support", "find", "no-such-connection", "x"]) == 2
    fake.throttle, fake.retry_after = 1, 3600
    assert main(["support", "find", conn, "alice@example.com"]) == 3
    assert main(["audit", "--target", "support:auth0:auth0|alice", "--csv"]) == 0
    audit = capsys.readouterr()
    assert audit.out.count("support revoke") == 3 and "HTTP 500" in audit.out
    assert FakeAuth0.CLIENT_SECRET not in audit.out + audit.err
    assert not any(t in audit.out + audit.err for t in fake.tokens)  # never the machine token


def test_no_admin_secret_or_machine_token_reaches_a_file_or_the_audit(console, auth0, vault,
                                                                     tmp_path, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    fake, conn = auth0
    console.find(conn, "alice@example.com")
    console.revoke(conn, "auth0|alice", "all-sessions")
    fake.throttle, fake.retry_after = 1, 3600
    with pytest.raises(RateLimited) as limited:
        console.find(conn, "alice@example.com")
    secrets = [FakeAuth0.CLIENT_SECRET, *fake.tokens]
    assert len(secrets) >= 2
    texts = [limited.value.message, console.audit_csv("Auth0", "auth0|alice"),
             caplog.text]
    for path in (tmp_path / "home").rglob("*"):
        if path.is_file():
            texts.append(path.read_bytes().decode("latin-1"))
    for secret in secrets:
        assert not any(secret in text for text in texts), secret[:6]
