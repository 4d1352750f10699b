"""Provider presets: from what a person types to the issuer their provider publishes."""

from __future__ import annotations

import pytest

from tokendesk.core.presets import PRESETS, PresetError, issuer_for, preset


@pytest.mark.parametrize(("key", "typed", "issuer"), [
    ("auth0", "dev-abc.eu.auth0.com", "https://dev-abc.eu.auth0.com/"),
    ("auth0", "https://Dev-ABC.eu.auth0.com/", "https://dev-abc.eu.auth0.com/"),
    ("auth0", "dev-abc", "https://dev-abc.auth0.com/"),
    ("okta", "dev-123456.okta.com", "https://dev-123456.okta.com/oauth2/default"),
    ("okta", "https://dev-1.okta.com/oauth2/aus1abc", "https://dev-1.okta.com/oauth2/aus1abc"),
    ("entra", "contoso.onmicrosoft.com",
     "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0"),
    ("entra", "72f988bf-86f1-41af-91ab-2d7cd011db47",
     "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"),
    ("google", "", "https://accounts.google.com"),
    ("keycloak", "https://sso.example.com/realms/qa", "https://sso.example.com/realms/qa"),
    ("keycloak", "sso.example.com/auth/realms/qa", "https://sso.example.com/auth/realms/qa"),
    ("keycloak", "http://127.0.0.1:8080/realms/dev", "http://127.0.0.1:8080/realms/dev"),
    ("authing", "myapp.authing.cn", "https://myapp.authing.cn/oidc"),
    ("generic", "http://127.0.0.1:4000", "http://127.0.0.1:4000"),
])
def test_issuers(key, typed, issuer):
    assert issuer_for(key, typed) == issuer


@pytest.mark.parametrize(("key", "typed", "message"), [
    ("auth0", "", "not a tenant domain"),
    ("auth0", "dev abc", "not a tenant domain"),
    ("okta", "bad_host!", "not a Okta domain"),
    ("entra", "not a tenant", "not a tenant id"),
    ("keycloak", "https://sso.example.com", "realm's URL"),
    ("keycloak", "https://sso.example.com/realms/", "realm.s URL"),
    ("keycloak", "https://sso.example.com/realms/a/b", "does not end with"),
    ("generic", "http://login.example.com/", "https:// URL"),
    ("generic", "nonsense", "https:// URL"),
    ("nope", "", "no preset"),
])
def test_bad_input_gets_a_clear_message(key, typed, message):
    with pytest.raises(PresetError, match=message):
        issuer_for(key, typed)


def test_every_preset_asks_for_refresh_tokens_and_names_its_admin_api():
    for p in PRESETS:
        assert "openid" in p.scope.split()
        assert "offline_access" in p.scope.split() or p.extra_params.get("access_type") == \
            "offline"
    assert {p.key: p.admin_provider for p in PRESETS if p.admin_provider} == {
        "auth0": "auth0", "okta": "okta", "keycloak": "keycloak"}
    assert preset("google").extra_params == {"access_type": "offline", "prompt": "consent"}
