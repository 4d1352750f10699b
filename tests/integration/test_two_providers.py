"""The exchanges against independent real providers (issues 14 and 17): panva/oidc-provider,
Django OAuth Toolkit in three configurations (tests/helpers/dot_provider.py) and Keycloak with
rotation on and off (tests/helpers/keycloak.py). Each test runs wherever the servers support the
feature; where they differ, the test asserts what Tokendesk reports, not one server's quirk."""

from __future__ import annotations

import html
import io
import json
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

from tokendesk.core.errors import InvalidGrant
from tokendesk.core.oauth.exchange import Exchange
from tokendesk.core.oauth.http import HttpClient
from tokendesk.core.oauth.signin import finish_device, identity, sign_in, start_device
from tokendesk.core.vault import Status, TokenSet

pytestmark = pytest.mark.integration

FORM = re.compile(r"<form([^>]*)>(.*?)</form>", re.S)
INPUT = re.compile(r"<input([^>]*)>")
ATTR = re.compile(r'([a-z_-]+)="([^"]*)"')


@dataclass
class Provider:
    """What a test needs of one provider: its clients, a way to mint a refresh token, its
    policy, and a person at its pages."""

    label: str
    issuer: str
    rotation: bool
    reuse_protection: bool
    oidc: bool
    confidential: str  # a code-flow client with a secret (refresh, revoke, introspect)
    public: str  # a public code-flow client (PKCE)
    device: str  # a device-flow client
    secrets: dict[str, str | None]
    methods: dict[str, str]
    scope: str
    #: the token kind the server introspects (DOT: access tokens only)
    introspects: str
    mint: Callable[..., str]
    person: Callable[..., Callable[[str], None]]
    endpoints: dict[str, dict[str, str]]
    #: Whether every refresh brings a new refresh token (None: when it rotates). Keycloak with
    #: rotation off issues a new one each time and keeps the old one valid.
    new_each_refresh: bool | None = None

    @property
    def issues_new(self) -> bool:
        return self.rotation if self.new_each_refresh is None else self.new_each_refresh

    def client(self, client_id: str) -> Any:
        from tokendesk.core.vault.model import Client

        return Client(client_id, self.issuer, client_id, self.methods[client_id], self.scope,
                      endpoints=dict(self.endpoints.get(client_id, {})))


def _forms_person(user: str, password: str, user_code: str | None = None
                  ) -> Callable[[str], None]:
    """A person at a provider's pages, as httpx: signs in, types the device code, approves."""
    done = threading.Event()

    def open_url(url: str) -> None:
        def run() -> None:
            try:
                with httpx.Client(follow_redirects=True, timeout=10) as web:
                    page = web.get(url)
                    for _ in range(6):
                        match = FORM.search(page.text)
                        if match is None:
                            break
                        attrs, body = match.groups()
                        action = dict(ATTR.findall(attrs)).get("action")
                        data = {}
                        for field in INPUT.findall(body):
                            found = dict(ATTR.findall(field))
                            if found.get("type") == "hidden" and "name" in found:
                                data[found["name"]] = html.unescape(found.get("value", ""))
                        if 'name="username"' in body:  # DOT's (Django's) login
                            data.update(username=user, password=password)
                        elif 'name="login"' in body:  # oidc-provider's dev login
                            data.update(login=user, password=password)
                        elif 'name="user_code"' in body:
                            data["user_code"] = user_code or ""
                        elif 'value="accept"' in body:
                            data["action"] = "accept"
                        elif 'name="allow"' in body:
                            data["allow"] = "Authorize"
                        target = urljoin(str(page.url), html.unescape(action)) if action \
                            else str(page.url)
                        page = web.post(target, data=data)
            finally:
                done.set()
        threading.Thread(target=run, daemon=True).start()

    open_url.done = done  # type: ignore[attr-defined]
    return open_url


def _oidc_provider(op: Any) -> Provider:
    from tests.helpers.oidc_provider import CLIENTS

    return Provider(
        "oidc-provider", op.issuer, True, True, True, "tokendesk-basic", "tokendesk-public",
        "tokendesk-public", {k: v[0] for k, v in CLIENTS.items()},
        {k: v[1] for k, v in CLIENTS.items()}, "openid offline_access email", "refresh_token",
        lambda client_id, sub="alice": op.mint(client_id, sub=sub),
        lambda user, user_code=None: _forms_person(user, "any", user_code), {})


def _dot(server: Any) -> Provider:
    from tests.helpers.dot_provider import CLIENTS, PASSWORD

    return Provider(
        f"dot-{server.config}", server.issuer, server.rotation, server.reuse_protection,
        server.oidc, "td-basic", "td-public", "td-device", {k: v[0] for k, v in CLIENTS.items()},
        {k: v[1] for k, v in CLIENTS.items()}, server.scope, "access_token",
        lambda client_id, sub="alice": server.mint(client_id, sub=sub),
        lambda user, user_code=None: _forms_person(user, PASSWORD, user_code),
        # DOT publishes no device authorization endpoint: set by hand
        {"td-device": {"device_authorization_endpoint": server.device_endpoint}})


def _keycloak(kc: Any, realm: str) -> Provider:
    from tests.helpers.keycloak_realms import CLIENTS, PASSWORD, REALMS, person

    rotation = REALMS[realm]
    return Provider(
        f"keycloak-{realm}", kc.issuer(realm), rotation, rotation, True, "td-confidential",
        "td-public", "td-device", {k: v[0] for k, v in CLIENTS.items()},
        {k: v[1] for k, v in CLIENTS.items()}, "openid", "refresh_token",
        lambda client_id, sub="alice": kc.mint(realm, client_id, user=sub),
        lambda user, user_code=None: person(user, PASSWORD, user_code), {},
        new_each_refresh=True)


@pytest.fixture(params=["oidc-provider", "dot-rotate", "dot-norotate", "dot-plain",
                        "keycloak-rotate", "keycloak-norotate"])
def provider(request) -> Provider:
    if request.param == "oidc-provider":
        return _oidc_provider(request.getfixturevalue("oidc_provider"))
    if request.param.startswith("keycloak-"):
        return _keycloak(request.getfixturevalue("keycloak"),
                         request.param.removeprefix("keycloak-"))
    return _dot(request.getfixturevalue("dot_providers")[request.param.removeprefix("dot-")])


@pytest.fixture
def exchange(keyring_vault, provider):
    for client_id in {provider.confidential, provider.public, provider.device}:
        keyring_vault.add_client(provider.client(client_id), provider.secrets[client_id])
    with HttpClient(timeout=10) as http:
        yield Exchange(keyring_vault, http)


def _store(exchange: Exchange, provider: Provider, name: str = "alice") -> str:
    exchange.vault.add_credential(name, provider.confidential,
                                  TokenSet(provider.mint(provider.confidential, sub="alice")))
    return name


def test_refresh_with_and_without_rotation(exchange, provider):
    name = _store(exchange, provider)
    before = exchange.vault.credential(name).refresh_fp
    first = exchange.refresh(name)
    assert first.rotated is provider.issues_new
    after = exchange.vault.credential(name).refresh_fp
    if provider.issues_new:  # stored, whether or not the server retired the old one
        assert after != before
    else:  # the server sent the same refresh token back (or none): the stored one is kept
        assert after == before
    second = exchange.refresh(name)  # the stored token still works, rotated or not
    assert second.rotated is provider.issues_new
    assert exchange.vault.credential(name).status is Status.ACTIVE
    ops = [r["operation"] for r in exchange.vault.index.exchanges(name)]
    assert ops == ["refresh", "refresh"]


# (dot-norotate and keycloak-norotate retire no token, so there is nothing to reuse: they are
# not among these; tests/integration/test_keycloak_exchange.py replays keycloak-norotate's)
@pytest.mark.parametrize("provider", ["oidc-provider", "dot-rotate", "dot-plain",
                                      "keycloak-rotate"], indirect=True)
def test_reuse_after_rotation(exchange, provider):
    assert provider.rotation
    from tokendesk.core.oauth.qa import rotation

    name = _store(exchange, provider)
    report = rotation(exchange, name)
    assert report.rotated is True
    assert report.old_refused is True  # every rotating server refuses a retired token
    # reuse protection: the whole family is revoked; without it the current token lives on
    assert report.family_revoked is provider.reuse_protection
    status = exchange.vault.credential(name).status
    assert status is (Status.NEEDS_SIGN_IN if provider.reuse_protection else Status.ACTIVE)


def test_revoke_then_the_server_refuses_the_token(exchange, provider):
    name = _store(exchange, provider)
    exchange.refresh(name)
    report = exchange.revoke(name)
    assert report[0].startswith("refresh token") and "revoked" in report[0]
    assert exchange.vault.credential(name).status is Status.REVOKED
    with pytest.raises(InvalidGrant):
        exchange.refresh(name)
    assert exchange.vault.credential(name).status is Status.NEEDS_SIGN_IN
    rows = [(r["operation"], r["status"].split(":")[0]) for r in
            exchange.vault.index.exchanges(name)][::-1]
    assert rows[1] == ("revoke", "revoked") and rows[2][0] == "refresh"
    # the revocation endpoint came from discovery (DOT: its RFC 8414 document only)
    assert exchange.endpoints(provider.confidential).endpoints[
        "revocation_endpoint"].source == "from discovery"


def test_introspect(exchange, provider):
    name = _store(exchange, provider)
    exchange.refresh(name)
    assert exchange.introspect(name, provider.introspects)["active"] is True
    other = "refresh_token" if provider.introspects == "access_token" else None
    if other:  # DOT introspects access tokens only: Tokendesk reports what it said, inactive
        assert exchange.introspect(name, other)["active"] is False
    exchange.revoke(name)
    assert exchange.introspect(name, provider.introspects)["active"] is False


def test_authorization_code_with_pkce(exchange, provider):
    person = provider.person("carol")
    cred = sign_in(exchange, provider.public, "carol-signed-in", scope=provider.scope,
                   open_browser=person, timeout=30)
    assert cred.status is Status.ACTIVE and cred.refresh_fp
    if provider.oidc:  # an ID token, checked against the issuer's keys, names the person
        assert cred.has_id_token and cred.subject
        assert exchange.userinfo("carol-signed-in").get("sub") == cred.subject
    else:
        assert not cred.has_id_token
    assert exchange.refresh("carol-signed-in").rotated is provider.issues_new
    ops = [r["operation"] for r in exchange.vault.index.exchanges("carol-signed-in")][::-1]
    assert ops[0] == "sign-in"


def test_device_sign_in(exchange, provider):
    device = start_device(exchange, provider.device, scope=provider.scope)
    assert device.user_code and device.verification_uri.startswith("http://127.0.0.1")
    source = exchange.endpoints(provider.device).endpoints["device_authorization_endpoint"]
    assert source.source == ("set by hand" if provider.label.startswith("dot")
                             else "from discovery")
    person = provider.person("dev-user", device.user_code)
    threading.Timer(0.3, person, args=(device.verification_uri,)).start()
    cred = finish_device(exchange, provider.device, "via-device", device,
                         sleep=lambda s: threading.Event().wait(min(s, 0.5)))
    assert cred.refresh_fp and cred.status is Status.ACTIVE
    who = identity(exchange, cred)  # never "signed in as ?"
    if cred.subject:
        assert who == f"signed in as {cred.subject}"
    elif provider.oidc:  # DOT's device flow gives no ID token: userinfo names the person
        assert who.endswith("(from userinfo)")
    else:
        assert "no ID token" in who
    assert exchange.refresh("via-device").rotated is provider.issues_new
    rows = [(r["operation"], r["status"]) for r in exchange.vault.index.exchanges("via-device")]
    assert rows[-1] == ("device sign-in", "signed in")


def test_qa_rotation_from_a_script(provider, tmp_path, monkeypatch, secret_service, capsys):
    import keyring

    from tokendesk.cli import main

    keyring.set_keyring(secret_service.backend())
    monkeypatch.setenv("TOKENDESK_HOME", str(tmp_path / "cli-home"))
    secret = provider.secrets[provider.confidential]
    monkeypatch.setattr(sys, "stdin", io.StringIO(secret or ""))
    assert main(["client", "add", "c", "--issuer", provider.issuer, "--client-id",
                 provider.confidential, "--client-secret-stdin", "--scope", provider.scope]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(provider.mint(provider.confidential)))
    assert main(["vault", "add", "bob", "--client", "c", "--refresh-token-stdin"]) == 0
    capsys.readouterr()
    argv = ["qa", "rotation", "bob", "--yes", "--json",
            "--expect-rotation", "yes" if provider.rotation else "no"]
    if provider.rotation:
        argv += ["--expect-reuse-detection", "yes" if provider.reuse_protection else "no"]
    code = main(argv)
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["expectations_met"], report
    assert report["rotated"] is provider.rotation
    # a script that states the wrong policy exits 1
    monkeypatch.setattr(sys, "stdin", io.StringIO(provider.mint(provider.confidential)))
    assert main(["vault", "add", "carol", "--client", "c", "--refresh-token-stdin"]) == 0
    capsys.readouterr()
    assert main(["qa", "rotation", "carol", "--yes",
                 "--expect-rotation", "no" if provider.rotation else "yes"]) == 1


def test_client_show_names_where_each_endpoint_came_from(provider, tmp_path, monkeypatch,
                                                         secret_service, capsys):
    import keyring

    from tokendesk.cli import main

    keyring.set_keyring(secret_service.backend())
    monkeypatch.setenv("TOKENDESK_HOME", str(tmp_path / "cli-home"))
    args = ["client", "add", "d", "--issuer", provider.issuer, "--client-id", provider.device,
            "--auth-method", "none"]
    for member, url in provider.endpoints.get(provider.device, {}).items():
        args += ["--" + member.replace("_", "-"), url]
    assert main(args) == 0
    capsys.readouterr()
    assert main(["client", "show", "d", "--json"]) == 0
    ends = json.loads(capsys.readouterr().out)["resolved"]["endpoints"]
    assert ends["token_endpoint"]["source"] == "from discovery"
    assert ends["revocation_endpoint"]["url"] and ends["introspection_endpoint"]["url"]
    assert ends["device_authorization_endpoint"]["url"]
    if provider.label.startswith("dot"):
        # DOT lists these only in its RFC 8414 document; its device endpoint is by hand
        assert ends["revocation_endpoint"]["document"] == "oauth-authorization-server"
        assert ends["introspection_endpoint"]["document"] == "oauth-authorization-server"
        assert ends["device_authorization_endpoint"]["source"] == "set by hand"
        assert (ends["userinfo_endpoint"]["url"] is not None) is provider.oidc


def test_qa_race_and_replay_report_one_outcome_per_request(exchange, provider):
    """Concurrent refreshes of one token: each server answers with its own races (DOT may
    accept both, refuse one, or fail one with a server error); Tokendesk reports one outcome per
    request and stores one refresh token whatever happened."""
    from tokendesk.core.oauth.qa import race, replay

    name = _store(exchange, provider)
    report = race(exchange, name, 3)
    assert [o.request for o in report.outcomes] == [1, 2, 3]
    assert all(o.result in ("accepted", "refused", "server error", "network error",
                            "bad answer") for o in report.outcomes)
    accepted = [o for o in report.outcomes if o.result == "accepted"]
    assert accepted  # at least one of the three got through
    if provider.rotation:  # of several new refresh tokens, one is the credential's now
        assert sum(o.stored for o in report.outcomes) == 1
    assert report.summary
    rows = [r["operation"] for r in exchange.vault.index.exchanges(name)]
    assert rows.count("race") == 3
    if provider.rotation and exchange.vault.credential(name).status is Status.ACTIVE:
        try:
            exchange.refresh(name)  # a token to retire, then present the retired one
        except InvalidGrant:
            # the race itself presented a retired token: a server with reuse protection may
            # have revoked the family, and Tokendesk says the credential needs a new sign-in
            assert provider.reuse_protection
            assert exchange.vault.credential(name).status is Status.NEEDS_SIGN_IN
            return
        again = replay(exchange, name)
        assert len(again.outcomes) == 1
        assert again.outcomes[0].result == "refused"  # both servers refuse a retired token
