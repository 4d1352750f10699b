"""Provider presets for the first client: from a tenant name, domain or realm URL to an issuer.

Each preset knows how its provider spells issuers, the scope that yields a refresh token, and
any extra authorization parameters it needs. Nothing here touches the network: the endpoints
come from OpenID discovery only when the user asks for them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import urlsplit

from .errors import PresetError

__all__ = ["PRESETS", "Preset", "PresetError", "issuer_for", "preset"]


class Preset(NamedTuple):
    key: str
    name: str
    ask: str  # what the user types, in words ("" when nothing is needed)
    example: str
    build: Callable[[str], str]
    scope: str
    admin_provider: str = ""
    extra_params: dict[str, str] = {}
    note: str = ""


_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d+)?$")


def _host(value: str, what: str) -> str:
    """A bare host from what was typed (a URL or a host), lower-cased and checked."""
    text = value.strip()
    if "://" in text:
        text = urlsplit(text).netloc
    text = text.strip("/").lower()
    if not text or not _HOST.match(text):
        raise PresetError(f"{value.strip() or 'nothing'!r} is not a {what}")
    return text


def _auth0(value: str) -> str:
    host = _host(value, "tenant domain (like dev-abc.eu.auth0.com)")
    if "." not in host:  # a bare tenant name: the US region's domain
        host += ".auth0.com"
    return f"https://{host}/"


def _okta(value: str) -> str:
    text = value.strip().rstrip("/")
    if "/oauth2/" in text:  # a whole custom authorization server URL
        return text if text.startswith("https://") else "https://" + text.split("://")[-1]
    return f"https://{_host(value, 'Okta domain (like dev-123456.okta.com)')}/oauth2/default"


def _entra(value: str) -> str:
    tenant = value.strip().strip("/")
    if not re.fullmatch(r"[0-9a-fA-F-]{36}|[A-Za-z0-9.-]+\.[A-Za-z]{2,}|common|organizations|"
                        r"consumers", tenant):
        raise PresetError(f"{tenant or 'nothing'!r} is not a tenant id (a GUID) or a tenant "
                          "domain (like contoso.onmicrosoft.com)")
    return f"https://login.microsoftonline.com/{tenant}/v2.0"


def _keycloak(value: str) -> str:
    text = value.strip().rstrip("/")
    if "/realms/" not in text:
        raise PresetError("give the realm's URL: https://HOST/realms/REALM (older servers: "
                          "https://HOST/auth/realms/REALM)")
    base, realm = text.rsplit("/realms/", 1)
    if not realm or "/" in realm:
        raise PresetError(f"{text!r} does not end with /realms/REALM")
    parts = urlsplit(base if "://" in base else "https://" + base)
    scheme = parts.scheme if parts.hostname in ("127.0.0.1", "localhost", "::1") else "https"
    return f"{scheme}://{_host(parts.netloc, 'server address')}{parts.path}/realms/{realm}"


def _authing(value: str) -> str:
    return f"https://{_host(value, 'Authing app domain (like myapp.authing.cn)')}/oidc"


def _generic(value: str) -> str:
    text = value.strip()
    parts = urlsplit(text)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise PresetError("the issuer must be an https:// URL (http only on this machine)")
    if not parts.netloc:
        raise PresetError(f"{text!r} is not a URL")
    return text


PRESETS: tuple[Preset, ...] = (
    Preset("auth0", "Auth0", "Tenant domain", "dev-abc.eu.auth0.com", _auth0,
           "openid profile email offline_access", "auth0",
           note="For a refresh token, allow 'Refresh Token' in the application's grant types."),
    Preset("okta", "Okta", "Okta domain", "dev-123456.okta.com", _okta,
           "openid profile email offline_access", "okta",
           note="Uses the 'default' custom authorization server; paste a whole "
                "https://…/oauth2/ID URL for another one."),
    Preset("entra", "Microsoft Entra ID", "Tenant id or domain", "contoso.onmicrosoft.com",
           _entra, "openid profile email offline_access",
           note="Entra access tokens for Microsoft Graph cannot be verified by anyone but Graph."),
    Preset("google", "Google", "", "", lambda _v: "https://accounts.google.com",
           "openid email profile", extra_params={"access_type": "offline", "prompt": "consent"},
           note="Google gives a refresh token only with access_type=offline (set here)."),
    Preset("keycloak", "Keycloak", "Realm URL", "https://sso.example.com/realms/myrealm",
           _keycloak, "openid profile email offline_access", "keycloak"),
    Preset("authing", "Authing", "App domain", "myapp.authing.cn", _authing,
           "openid profile email offline_access"),
    Preset("generic", "Another OpenID provider", "Issuer URL", "https://login.example.com/",
           _generic, "openid offline_access"),
)


def preset(key: str) -> Preset:
    for p in PRESETS:
        if p.key == key:
            return p
    raise PresetError(f"no preset {key!r} (one of {', '.join(p.key for p in PRESETS)})")


def issuer_for(key: str, value: str = "") -> str:
    """The issuer URL for a preset and what the user typed."""
    return preset(key).build(value)
