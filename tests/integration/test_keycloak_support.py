"""The support console's Keycloak connector against a real Keycloak (tests/helpers/keycloak.py,
realm ``support``): every list compared with the admin API's own answer, every revocation
checked afterwards through the admin API and by a refresh that Keycloak refuses; and the fake
Keycloak of tests/helpers/fake_admin.py (used by tests/integration/test_support.py and the
window's tests) asked the same questions as the real one, answering the same way."""

from __future__ import annotations

import itertools
from typing import NamedTuple

import httpx
import pytest

from tests.helpers.keycloak_realms import CLIENTS, person
from tokendesk.core.errors import AdminError, MissingScope
from tokendesk.core.oauth.exchange import Exchange
from tokendesk.core.oauth.http import HttpClient
from tokendesk.core.support import SupportConsole
from tokendesk.core.vault import Client

pytestmark = pytest.mark.integration

REALM = "support"
_n = itertools.count(1)


@pytest.fixture
def console(keyring_vault, keycloak):
    for name, client_id in (("kc-support", "td-support"), ("kc-reader", "td-reader"),
                            ("kc-noroles", "td-confidential")):
        keyring_vault.add_client(Client(name, keycloak.issuer(REALM), client_id,
                                        "client_secret_basic", admin_provider="keycloak"),
                                 CLIENTS[client_id][0])
    keyring_vault.add_client(Client("consenting", keycloak.issuer(REALM), "td-consent", "none",
                                    "openid offline_access"))
    with HttpClient(timeout=30) as http:
        yield SupportConsole(Exchange(keyring_vault, http))


class Customer(NamedTuple):
    id: str
    username: str
    online: str  # a refresh token of an online session (td-confidential)
    offline: str  # an offline token without a consent (td-public)
    consented: str  # an offline token behind a consent given on Keycloak's page (td-consent)


def customer(keycloak, console: SupportConsole, prefix: str = "cust") -> Customer:
    """A new user who signed in three ways: an online session, an offline token, and a consent
    (with an offline token) given through Keycloak's login and consent pages."""
    from tokendesk.core.oauth.signin import sign_in

    username = f"{prefix}-{next(_n)}"
    uid = keycloak.new_user(REALM, username, "Grace", f"Hopper{next(_n)}")
    online = keycloak.mint(REALM, "td-confidential", username)
    offline = keycloak.mint(REALM, "td-public", username, "openid offline_access")
    sign_in(console.exchange, "consenting", f"{username}-app", open_browser=person(username),
            timeout=60)
    consented = console.vault.refresh_token(f"{username}-app")
    return Customer(uid, username, online, offline, consented)


def _refused(keycloak, client_id: str, token: str) -> bool:
    return keycloak.refresh_refused(REALM, client_id, token)


def test_find_by_email_username_and_id_with_one_machine_token(console, keycloak):
    uid = keycloak.new_user(REALM, "ada-l", "Ada", "Lovelace")
    assert [u.id for u in console.find("kc-support", "ada-l@example.com")] == [uid]
    assert [u.id for u in console.find("kc-support", "ADA-L@Example.com")] == [uid]
    assert uid in [u.id for u in console.find("kc-support", "ada-l")]  # the username
    assert [u.id for u in console.find("kc-support", uid)] == [uid]
    assert [u.id for u in console.find("kc-support", "Lovelace")] == [uid]  # a name's prefix
    assert [u.id for u in console.find("kc-support", "lovelace ada")] == [uid]  # each word
    assert console.find("kc-support", "ovelace") == []  # Keycloak matches prefixes only
    assert console.find("kc-support", "00000000-0000-4000-8000-000000000000") == []
    assert console.find("kc-support", "nobody@example.com") == []
    user = console.user("kc-support", uid)
    real = keycloak.api.get(f"/{REALM}/users/{uid}")
    assert (user.email, user.name, user.blocked) == ("ada-l@example.com", "Ada Lovelace", False)
    assert user.created_at == real["createdTimestamp"] / 1000
    keycloak.api.put(f"/{REALM}/users/{uid}", {"enabled": False})
    assert console.user("kc-support", uid).blocked
    # the roles its token lists, as Keycloak expands them (view-users brings two more)
    assert console.scopes("kc-support") == ["manage-users", "query-groups", "query-users",
                                            "view-users"]
    assert console.connection("kc-support").api.token.fetched == 1


def test_lists_sessions_offline_sessions_and_consents_as_keycloak_has_them(console, keycloak):
    who = customer(keycloak, console)
    items = console.items("kc-support", who.id)
    sessions = keycloak.sessions(REALM, who.id)
    listed = {i.id: i for i in items if i.kind == "session"}
    # the direct sign-in's online session (the one through the pages asked for offline_access:
    # Keycloak lists it as an offline session only)
    assert set(listed) == {s["id"] for s in sessions} and len(sessions) == 1
    for s in sessions:
        item = listed[s["id"]]
        assert item.client == ", ".join(s["clients"].values())
        assert (item.created_at, item.last_used) == (s["start"] / 1000, s["lastAccess"] / 1000)
        assert item.detail == "from 127.0.0.1"
    offline = {i.id: i.client for i in items if i.kind == "offline session"}
    assert offline == {s["id"]: client for client in ("td-public", "td-consent")
                       for s in keycloak.offline_sessions(REALM, who.id, client)}
    assert sorted(offline.values()) == ["td-consent", "td-public"]
    grants = {i.id: i for i in items if i.kind == "grant"}
    assert set(grants) == {c["clientId"] for c in keycloak.consents(REALM, who.id)}
    given = grants["td-consent"]  # a consent given on Keycloak's page, with its times
    assert "offline_access" in given.detail and "holds offline tokens" in given.detail
    assert given.created_at and given.last_used
    held = grants["td-public"]  # offline tokens without a consent: no scopes, no times
    assert held.detail == "holds offline tokens" and held.created_at is None


def test_end_one_session_then_its_refresh_token_is_refused(console, keycloak):
    who = customer(keycloak, console)
    session = next(i for i in console.items("kc-support", who.id)
                   if i.kind == "session" and i.client == "td-confidential")
    result = console.revoke("kc-support", who.id, "session", session.id)
    assert result.ok and result.outcomes[0].status == 204
    assert session.id not in {s["id"] for s in keycloak.sessions(REALM, who.id)}
    assert _refused(keycloak, "td-confidential", who.online)
    assert not _refused(keycloak, "td-public", who.offline)  # the others live on


def test_end_all_sessions_also_makes_older_offline_tokens_stale(console, keycloak):
    """Keycloak's logout ends every online session and sets the user's not-before to now: the
    offline sessions stay listed, but every refresh token issued in an earlier second, offline
    ones included, is refused ("Stale token"). The confirmation says so."""
    from tokendesk.core.tokens.decoding import decode_token

    who = customer(keycloak, console)
    user = console.user("kc-support", who.id)
    assert "offline" in console.confirmation("kc-support", user, "all-sessions")
    assert console.revoke("kc-support", who.id, "all-sessions").ok
    assert keycloak.sessions(REALM, who.id) == []
    assert _refused(keycloak, "td-confidential", who.online)
    assert keycloak.offline_sessions(REALM, who.id, "td-public")  # still listed...
    not_before = keycloak.api.get(f"/{REALM}/users/{who.id}")["notBefore"]
    issued = (decode_token(who.offline).claims or {})["iat"]
    assert not_before > 0
    # ...but refused when issued before the logout's second (the second's own tokens pass)
    assert _refused(keycloak, "td-public", who.offline) is (issued < not_before)


def test_revoke_one_offline_token(console, keycloak):
    who = customer(keycloak, console)
    token = next(i for i in console.items("kc-support", who.id)
                 if i.kind == "offline session" and i.client == "td-public")
    result = console.revoke("kc-support", who.id, "token", token.id)
    assert result.ok and result.outcomes[0].status == 204
    assert keycloak.offline_sessions(REALM, who.id, "td-public") == []
    assert _refused(keycloak, "td-public", who.offline)
    assert "td-public" not in {c["clientId"] for c in keycloak.consents(REALM, who.id)}
    assert not _refused(keycloak, "td-consent", who.consented)


def test_revoke_a_consent_and_the_offline_tokens_it_holds(console, keycloak):
    who = customer(keycloak, console)
    result = console.revoke("kc-support", who.id, "grant", "td-consent")
    assert result.ok and result.outcomes[0].status == 204
    assert "td-consent" not in {c["clientId"] for c in keycloak.consents(REALM, who.id)}
    assert keycloak.offline_sessions(REALM, who.id, "td-consent") == []
    assert _refused(keycloak, "td-consent", who.consented)
    assert not _refused(keycloak, "td-public", who.offline)


def test_revoke_every_refresh_token(console, keycloak):
    who = customer(keycloak, console)
    result = console.revoke("kc-support", who.id, "all-tokens")
    assert result.ok
    assert sorted(o.target for o in result.outcomes) == [
        "all online sessions (logout)", "offline tokens of td-consent (consent)",
        "offline tokens of td-public (consent)"]
    assert keycloak.sessions(REALM, who.id) == [] and keycloak.consents(REALM, who.id) == []
    for client, token in (("td-confidential", who.online), ("td-public", who.offline),
                          ("td-consent", who.consented)):
        assert _refused(keycloak, client, token), client
    trail = console.audit_trail("Keycloak", who.id)
    assert trail and "HTTP 204" in trail[0].detail


def test_a_machine_token_keycloak_no_longer_accepts_is_fetched_again(console, keycloak):
    """A 401 (here: the machine token revoked at Keycloak, as when it expires early) fetches
    a new token once; a token that expires by the clock is fetched again before the call."""
    now = [1_000_000.0]
    console.clock = lambda: now[0]
    console.find("kc-support", "alice@example.com")
    api = console.connection("kc-support").api
    token = api.token.get()
    answer = httpx.post(keycloak.endpoint(REALM, "revoke"), timeout=30,
                        data={"token": token, "token_type_hint": "access_token"},
                        auth=("td-support", CLIENTS["td-support"][0] or ""))
    assert answer.status_code == 200
    assert httpx.get(f"{api.base_url}/users", headers={"Authorization": f"Bearer {token}"},
                     timeout=30).status_code == 401  # Keycloak refuses it now
    assert console.find("kc-support", "alice@example.com")
    assert api.token.fetched == 2
    now[0] += 3600  # long past its expires_in (300 s at Keycloak)
    assert console.find("kc-support", "alice@example.com")
    assert api.token.fetched == 3
    grants = [e for e in console.vault.index.audit_log("kc-support")
              if e.action == "client credentials"]
    assert len(grants) == 3


def test_a_wrong_admin_secret_is_reported_after_one_new_try(console, keycloak):
    console.find("kc-support", "alice@example.com")
    api = console.connection("kc-support").api
    uuid = keycloak.client_uuid(REALM, "td-support")
    keycloak.api.post(f"/{REALM}/clients/{uuid}/client-secret")  # a new secret at Keycloak
    try:
        httpx.post(keycloak.endpoint(REALM, "revoke"), timeout=30,
                   data={"token": api.token.get()},
                   auth=("td-support", CLIENTS["td-support"][0] or ""))  # may be refused
        api.token.invalidate()
        with pytest.raises(AdminError) as failed:
            console.find("kc-support", "alice@example.com")
        assert failed.value.status == 401
        assert "Invalid client or Invalid client credentials" in failed.value.message
        assert CLIENTS["td-support"][0] not in failed.value.message
    finally:
        rep = keycloak.api.get(f"/{REALM}/clients/{uuid}")
        keycloak.api.put(f"/{REALM}/clients/{uuid}", {**rep, "secret": CLIENTS["td-support"][0]})


def test_a_missing_role_is_named_before_the_call(console, keycloak):
    username = f"reader-target-{next(_n)}"
    who_id = keycloak.new_user(REALM, username)
    keycloak.mint(REALM, "td-confidential", username)
    assert console.find("kc-reader", "alice@example.com")
    with pytest.raises(MissingScope) as missing:
        console.revoke("kc-reader", who_id, "all-sessions")
    assert missing.value.missing == ["manage-users"]
    assert "manage-users" in missing.value.message
    assert len(keycloak.sessions(REALM, who_id)) == 1  # nothing was sent
    assert "support revoke failed" in [e.action for e in
                                       console.audit_trail("Keycloak", who_id)]
    # a client with no realm-management role at all: named before the call too
    with pytest.raises(MissingScope, match="view-users"):
        console.find("kc-noroles", "alice@example.com")


def test_a_role_taken_away_after_the_token_was_issued_is_keycloaks_403(console, keycloak):
    """Keycloak checks the service account's roles at each call, not the token's: a role taken
    away since is a 403 in Keycloak's words."""
    assert console.find("kc-reader", "alice@example.com")
    keycloak.set_service_roles(REALM, "td-reader", [])
    try:
        with pytest.raises(AdminError) as refused:
            console.find("kc-reader", "alice@example.com")
        assert refused.value.status == 403
        assert refused.value.message == ("Keycloak answered HTTP 403 to GET /users: HTTP 403 "
                                         "Forbidden (the admin client is not allowed to do "
                                         "this)")
    finally:
        keycloak.set_service_roles(REALM, "td-reader", ["view-users", "query-users"])


def test_pagination_over_more_than_a_thousand_users(console, keycloak):
    keycloak.bulk_users(REALM, "bulk", 1050)
    progress: list[str] = []
    found = console.find("kc-support", "bulk", progress.append)
    count = int(keycloak.api.request("GET", f"/{REALM}/users/count",
                                     params={"search": "bulk"}).text)
    assert len(found) == len({u.id for u in found}) == count == 1050
    assert any("page 11" in p for p in progress)  # first/max, 100 a page
    assert {u.name for u in found[:2]} <= {f"Bulk Person {i}" for i in range(1050)}


def test_no_secret_or_token_reaches_the_audit_or_the_log(console, keycloak, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    who = customer(keycloak, console)
    console.revoke("kc-support", who.id, "all-tokens")
    machine = console.connection("kc-support").api.token.get()
    texts = [console.audit_csv("Keycloak", who.id), caplog.text,
             *(str(e) for e in console.vault.index.audit_log())]
    for secret in (CLIENTS["td-support"][0], machine, who.online, who.offline, who.consented):
        assert secret and not any(secret in text for text in texts), secret[:6]


# -- the fake Keycloak (tests/helpers/fake_admin.py) answers as the real one does ---------------
@pytest.fixture
def fake(console):
    from tests.helpers.fake_admin import FakeKeycloak

    with FakeKeycloak(roles=["view-users", "manage-users"]) as server:
        console.vault.add_client(Client(
            "fake-kc", server.issuer, server.CLIENT_ID, "client_secret_post",
            endpoints={"token_endpoint": server.url + server.TOKEN_PATH},
            admin_provider="keycloak"), server.CLIENT_SECRET)
        yield server


def _same_people(fake, keycloak, users: list[tuple[str, str, str]]) -> dict[str, str]:
    """The same users at both; username -> (real) id."""
    import uuid

    ids = {}
    for username, first, last in users:
        ids[username] = keycloak.new_user(REALM, username, first, last)
        fake.add_user(str(uuid.uuid4()), f"{username}@example.com", first, last)
    return ids


def test_the_fake_finds_the_people_the_real_one_finds(console, keycloak, fake):
    tag = f"zq{next(_n)}"
    _same_people(fake, keycloak, [(f"{tag}-ada", "Ada", f"{tag}ley"),
                                  (f"{tag}-bob", "Bob", f"{tag}ley")])
    for query in (tag, f"{tag}LEY", f"ada {tag}ley", f"{tag}ley ada", f"ada bob {tag}",
                  f"{tag[1:]}ley", f"*{tag[1:]}le*", f'"{tag}-bob"', f"{tag}-ADA@example.COM",
                  f"{tag}-ada@example"):
        real = sorted(u.email for u in console.find("kc-support", query))
        assert sorted(u.email for u in console.find("fake-kc", query)) == real, query
    assert console.scopes("fake-kc") == console.scopes("kc-support")


def test_the_fake_lists_what_the_real_one_lists(console, keycloak, fake):
    who = customer(keycloak, console)
    fake_id = "5c1d7e2a-1111-4222-8333-444455556666"
    fake.add_user(fake_id, f"{who.username}@example.com", "Grace", "Hopper")
    fake.add_session(fake_id, "s-1", client="td-confidential")
    fake.add_session(fake_id, "o-1", offline=True, client="td-public")
    fake.add_session(fake_id, "o-2", offline=True, client="td-consent")
    granted = next(c for c in keycloak.consents(REALM, who.id)
                   if c["clientId"] == "td-consent")["grantedClientScopes"]
    fake.add_consent(fake_id, "td-consent", offline=True, scopes=granted)
    fake.add_consent(fake_id, "td-public", offline=True, consented=False)

    def shape(items) -> list[tuple[str, str, str, bool, bool]]:
        # the same kinds, clients and details (sessions: "from" an address), times or none
        return sorted((i.kind, i.client, i.detail.split(" ")[0] if i.kind.endswith("session")
                       else i.detail, i.created_at is None, i.last_used is None) for i in items)

    assert shape(console.items("fake-kc", fake_id)) == shape(console.items("kc-support", who.id))
    for name, uid in (("fake-kc", fake_id), ("kc-support", who.id)):
        result = console.revoke(name, uid, "all-tokens")
        assert result.ok and sorted(o.target for o in result.outcomes) == [
            "all online sessions (logout)", "offline tokens of td-consent (consent)",
            "offline tokens of td-public (consent)"]
        assert {o.status for o in result.outcomes} == {204}
        assert [i.kind for i in console.items(name, uid)] == []


def test_the_fakes_refusals_read_as_the_real_ones(console, keycloak, fake):
    ghost = "00000000-0000-4000-8000-00000000beef"
    messages = []
    for name in ("fake-kc", "kc-support"):
        with pytest.raises(AdminError) as missing:
            console.user(name, ghost)
        messages.append((missing.value.status, missing.value.message))
    assert messages[0] == messages[1] == (
        404, f"Keycloak answered HTTP 404 to GET /users/{ghost}: User not found")
    # a role taken away after the token was issued: Keycloak's own 403
    console.find("kc-reader", "alice@example.com")
    fake.scopes = []
    keycloak.set_service_roles(REALM, "td-reader", [])
    try:
        refusals = []
        for name in ("fake-kc", "kc-reader"):
            with pytest.raises(AdminError) as refused:
                console.find(name, "alice@example.com")
            refusals.append(refused.value.message)
        assert refusals[0] == refusals[1]
    finally:
        keycloak.set_service_roles(REALM, "td-reader", ["view-users", "query-users"])
    # a wrong admin secret: the token endpoint's refusal, in the same words
    console.vault.add_client(Client("fake-wrong", fake.issuer, fake.CLIENT_ID,
                                    "client_secret_basic", admin_provider="keycloak",
                                    endpoints={"token_endpoint": fake.url + fake.TOKEN_PATH}),
                             "not-the-secret")
    console.vault.add_client(Client("real-wrong", keycloak.issuer(REALM), "td-support",
                                    "client_secret_basic", admin_provider="keycloak"),
                             "not-the-secret")
    wrong = []
    for name in ("fake-wrong", "real-wrong"):
        with pytest.raises(AdminError) as failed:
            console.find(name, "alice@example.com")
        wrong.append((failed.value.status, failed.value.message))
    assert wrong[0] == wrong[1] and wrong[0][0] == 401
