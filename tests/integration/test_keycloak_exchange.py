"""The exchanges against a real Keycloak (tests/helpers/keycloak.py), where it has its own
behaviour: rotation off still hands back a new refresh token (the old one stays valid), offline
tokens, client credentials, standard token exchange (V2), a JWKS that publishes an encryption
key beside the signing key, and the welcome's preset against the real discovery document.
Refresh, reuse, revocation, introspection, sign-in and device sign-in also run here as the
third provider of tests/integration/test_two_providers.py."""

from __future__ import annotations

import io
import json
import sys

import pytest

from tests.helpers.keycloak_realms import CLIENTS, person
from tokendesk.core.errors import InvalidGrant, ProviderError
from tokendesk.core.oauth.exchange import Exchange
from tokendesk.core.oauth.http import HttpClient
from tokendesk.core.oauth.remote_keys import RemoteKeys
from tokendesk.core.vault import Client, Status, TokenSet

pytestmark = pytest.mark.integration

NEW_NOT_ROTATED = "new refresh token issued; the old one may still be valid"


def _client(keycloak, realm: str, client_id: str, name: str | None = None, **extra) -> Client:
    return Client(name or f"{realm}-{client_id}", keycloak.issuer(realm), client_id,
                  CLIENTS[client_id][1], "openid", **extra)


@pytest.fixture
def exchange(keyring_vault, keycloak):
    for realm in ("rotate", "norotate"):
        for client_id in ("td-confidential", "td-public"):
            keyring_vault.add_client(_client(keycloak, realm, client_id), CLIENTS[client_id][0])
    with HttpClient(timeout=20) as http:
        yield Exchange(keyring_vault, http)


def _store(exchange: Exchange, keycloak, realm: str, name: str = "alice",
           client_id: str = "td-confidential", scope: str = "openid") -> str:
    token = keycloak.mint(realm, client_id, scope=scope)
    exchange.vault.add_credential(name, f"{realm}-{client_id}", TokenSet(token))
    return token


def test_rotation_off_a_new_token_is_issued_and_the_old_one_still_works(exchange, keycloak):
    """Keycloak without "Revoke Refresh Token" answers every refresh with a new refresh token
    (new iat, new id) while the one sent stays valid: Tokendesk stores the new one and says
    what it knows -- a new one was issued, the old one may still be valid -- never "rotated"."""
    from tokendesk.core.oauth.summary import summarize_refresh

    old = _store(exchange, keycloak, "norotate")
    result = exchange.refresh("alice")
    assert result.rotated and result.old_fp != result.new_fp  # a new token, stored
    assert exchange.vault.refresh_token("alice") != old
    summary = summarize_refresh(result.to_dict(), None, now=0)
    assert NEW_NOT_ROTATED in summary.headline and "rotated" not in summary.headline
    assert not keycloak.refresh_refused("norotate", "td-confidential", old)  # still valid
    assert exchange.refresh("alice").rotated  # and so is the new one
    assert exchange.vault.credential("alice").status is Status.ACTIVE


def test_rotation_off_qa_rotation_finds_the_old_token_still_accepted(exchange, keycloak):
    from tokendesk.core.oauth.qa import rotation

    _store(exchange, keycloak, "norotate")
    report = rotation(exchange, "alice")
    assert report.rotated is False  # a new token each time, but nothing retired
    assert report.old_refused is False
    assert "the old one is still accepted" in " ".join(report.steps)
    assert exchange.vault.credential("alice").status is Status.ACTIVE


def test_rotation_on_the_retired_token_is_refused_and_its_session_ends(exchange, keycloak):
    """refreshTokenMaxReuse 0: a second use of a retired refresh token is refused, and Keycloak
    drops the client from the session, so the current token is refused too."""
    from tokendesk.core.oauth.qa import rotation

    _store(exchange, keycloak, "rotate")
    report = rotation(exchange, "alice")
    assert (report.rotated, report.old_refused, report.family_revoked) == (True, True, True)
    assert "reuse exceeded" in " ".join(report.steps)  # Keycloak's own words
    assert exchange.vault.credential("alice").status is Status.NEEDS_SIGN_IN
    with pytest.raises(InvalidGrant):
        exchange.refresh("alice")


def test_the_cli_says_new_refresh_token_issued_not_rotated(keycloak, tmp_path, monkeypatch,
                                                            secret_service, capsys):
    import keyring

    from tokendesk.cli import main

    keyring.set_keyring(secret_service.backend())
    monkeypatch.setenv("TOKENDESK_HOME", str(tmp_path / "cli-home"))
    monkeypatch.chdir(tmp_path)
    secret = CLIENTS["td-confidential"][0] or ""
    monkeypatch.setattr(sys, "stdin", io.StringIO(secret))
    assert main(["client", "add", "kc", "--issuer", keycloak.issuer("norotate"), "--client-id",
                 "td-confidential", "--client-secret-stdin", "--scope", "openid"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(keycloak.mint("norotate")))
    assert main(["vault", "add", "alice", "--client", "kc", "--refresh-token-stdin"]) == 0
    capsys.readouterr()
    assert main(["refresh", "alice"]) == 0
    out = capsys.readouterr().out
    assert NEW_NOT_ROTATED in out and "rotated" not in out
    assert secret not in out


def test_offline_tokens_outlive_the_online_sessions_and_refresh(exchange, keycloak):
    """offline_access gives an offline token: its own (offline) session, no lifetime that
    Tokendesk mistakes for "expired" (Keycloak says refresh_expires_in 0), and it outlives the
    user's online sessions. (Not the admin API's logout of the user: that also makes every
    older token stale, offline ones included -- tests/integration/test_keycloak_support.py.)"""
    token = _store(exchange, keycloak, "rotate", "alice-offline", scope="openid offline_access")
    from tokendesk.core.tokens.decoding import decode_token

    assert (decode_token(token).claims or {}).get("typ") == "Offline"
    cred = exchange.vault.credential("alice-offline")
    assert cred.refresh_expires_at is None or cred.refresh_expires_at > cred.created_at
    alice = keycloak.user_id("rotate", "alice")
    assert keycloak.offline_sessions("rotate", alice, "td-confidential")
    for session in keycloak.sessions("rotate", alice):
        keycloak.api.delete(f"/rotate/sessions/{session['id']}")
    assert keycloak.sessions("rotate", alice) == []
    assert exchange.refresh("alice-offline").rotated
    assert exchange.introspect("alice-offline")["active"] is True
    exchange.revoke("alice-offline")  # RFC 7009 on an offline token ends its offline session
    assert not [s for s in keycloak.offline_sessions("rotate", alice, "td-confidential")
                if s["id"] == (decode_token(token).claims or {}).get("sid")]
    with pytest.raises(InvalidGrant):
        exchange.refresh("alice-offline")


def test_client_credentials_and_its_token_verified_with_the_issuers_keys(exchange, keycloak):
    response = exchange.client_credentials("rotate-td-confidential")
    assert response.access_token and not response.refresh_token
    keys = RemoteKeys(exchange.http).for_issuer(keycloak.issuer("rotate"))
    assert any("encryption key (use 'enc')" in reason for reason in keys.set_aside)
    verdict = RemoteKeys(exchange.http).verify(response.access_token,
                                               issuer=keycloak.issuer("rotate"))
    assert verdict.valid, verdict.reason
    assert "enc" in " ".join(c.reason for c in verdict.checks)  # the verdict names it


def test_the_cli_verifies_keycloak_tokens_with_its_published_keys(keycloak, capsys):
    from tokendesk.cli import main

    answer = keycloak.tokens("rotate")
    for token in (answer["access_token"], answer["id_token"]):
        code = main(["verify", token, "--issuer-keys", "--iss", keycloak.issuer("rotate"),
                     "--json"])
        report = json.loads(capsys.readouterr().out)
        assert code == 0 and report["valid"] is True, report
        assert "use 'enc'" in json.dumps(report)  # set aside, named, not fatal


def test_standard_token_exchange(exchange, keycloak):
    """Keycloak 26's standard token exchange (V2): a client named in the subject token's
    audience exchanges it for a token of its own, for the same person."""
    from tokendesk.core.tokens.decoding import decode_token

    subject = keycloak.tokens("rotate", "td-public")["access_token"]
    what, response = exchange.client_grant("rotate-td-confidential", subject_token=subject)
    assert what == "token exchange" and response.access_token
    before, after = decode_token(subject).claims or {}, decode_token(response.access_token).claims
    assert after is not None and after["azp"] == "td-confidential"
    assert after["sub"] == before["sub"]
    assert response.raw.get("issued_token_type") == "urn:ietf:params:oauth:token-type:access_token"
    verdict = RemoteKeys(exchange.http).verify(response.access_token,
                                               issuer=keycloak.issuer("rotate"))
    assert verdict.valid, verdict.reason
    # a client the subject token was not issued for is refused, in Keycloak's words
    own = keycloak.tokens("rotate")["access_token"]  # td-confidential's: not in its audience
    exchange.vault.add_client(_client(keycloak, "rotate", "td-public", "public-exchanger"))
    with pytest.raises(ProviderError) as refused:
        exchange.client_grant("public-exchanger", subject_token=own)
    assert refused.value.error in ("invalid_client", "unauthorized_client", "access_denied",
                                   "invalid_request")
    rows = [r["operation"] for r in exchange.vault.index.exchanges("rotate-td-confidential")]
    assert "client grant" in rows


def test_sign_in_with_consent_then_the_consent_is_there(exchange, keycloak):
    """Authorization code + PKCE through Keycloak's login and consent pages."""
    from tokendesk.core.oauth.signin import sign_in

    exchange.vault.add_client(_client(keycloak, "rotate", "td-consent", "consenting"))
    cred = sign_in(exchange, "consenting", "carol-consented",
                   scope="openid offline_access", open_browser=person("carol"), timeout=60)
    assert cred.status is Status.ACTIVE and cred.has_id_token
    carol = keycloak.user_id("rotate", "carol")
    assert cred.subject == carol
    consent = next(c for c in keycloak.consents("rotate", carol) if c["clientId"] == "td-consent")
    assert "offline_access" in consent["grantedClientScopes"]


def test_a_refused_consent_is_access_denied(exchange, keycloak):
    from tokendesk.core.oauth.signin import sign_in

    exchange.vault.add_client(_client(keycloak, "rotate", "td-consent", "consenting"))
    with pytest.raises(ProviderError) as refused:
        sign_in(exchange, "consenting", "x", open_browser=person("bob", consent=False),
                timeout=60)
    assert refused.value.error == "access_denied"


def test_the_welcome_preset_matches_the_real_discovery_document(keycloak):
    """The Keycloak preset turns the realm URL a person types into the issuer Keycloak
    publishes, asks for scopes Keycloak supports, and its admin connector finds the realm's
    admin API."""
    import httpx

    from tokendesk.core.oauth.discovery import Discovery
    from tokendesk.core.presets import issuer_for, preset
    from tokendesk.core.support.keycloak import Keycloak as Connector

    kc = preset("keycloak")
    typed = keycloak.issuer("rotate") + "/"  # as pasted from the browser
    issuer = issuer_for("keycloak", typed)
    with HttpClient(timeout=20) as http:
        meta = Discovery(http).get(issuer)
    doc = httpx.get(issuer + "/.well-known/openid-configuration", timeout=20).json()
    assert issuer == doc["issuer"] == meta.issuer
    assert not meta.conflicts  # its OpenID and RFC 8414 documents agree
    for endpoint in ("authorization_endpoint", "token_endpoint", "revocation_endpoint",
                     "introspection_endpoint", "userinfo_endpoint",
                     "device_authorization_endpoint", "jwks_uri"):
        assert meta.endpoint(endpoint) == doc[endpoint], endpoint
    assert set(kc.scope.split()) <= set(doc["scopes_supported"])
    assert "S256" in doc["code_challenge_methods_supported"]
    assert kc.admin_provider == "keycloak"
    assert Connector.api_base(issuer) == f"{keycloak.base}/admin/realms/rotate"
    # the preset's scope gives a refresh token (an offline one: offline_access is in it)
    answer = keycloak.tokens("rotate", "td-public", scope=kc.scope)
    assert answer["refresh_token"] and "offline_access" in answer["scope"].split()
