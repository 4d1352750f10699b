"""What the tests' Keycloak holds, set up through its admin REST API, and a person at its pages.

Three realms, each with the same users and clients: ``rotate`` (refresh-token rotation on:
``revokeRefreshToken`` with a reuse count of 0), ``norotate`` (rotation off: Keycloak still
hands back a new refresh token on each refresh, and the old one stays valid) and ``support``
(rotation on; the support console's tests make and end sessions there). Clients:

* ``td-confidential`` -- a secret, code flow, device flow, standard token exchange (V2, on by
  default in Keycloak 26), a service account without roles (client credentials), and direct
  grants so that a test can get a refresh token without a browser (:meth:`mint`);
* ``td-public`` -- public, code flow with PKCE (S256 required); its access tokens name
  ``td-confidential`` as an audience, so that client may exchange them;
* ``td-device`` -- public, device flow only (Keycloak applies a PKCE policy to the device
  request too, and RFC 8628 has no PKCE: so not on this one);
* ``td-consent`` -- public, code flow + PKCE, asks the person's consent (a real consent for
  the support console to list and revoke);
* ``td-support`` -- the support console's admin client: a service account with the
  ``realm-management`` roles ``view-users``, ``query-users`` and ``manage-users``;
* ``td-reader`` -- the same with ``view-users`` and ``query-users`` only.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

import httpx

REALMS = {"rotate": True, "norotate": False, "support": True}
PASSWORD = "kc-password-for-tests"  # noqa: S105 - the test users', on loopback
USERS = {"alice": ("Alice", "Liddell"), "bob": ("Bob", "Builder"), "carol": ("Carol", "Danvers"),
         "dev-user": ("Dev", "User")}
#: client_id -> (secret, Tokendesk auth method)
CLIENTS: dict[str, tuple[str | None, str]] = {
    "td-confidential": ("kc-confidential-secret-0123456789", "client_secret_basic"),
    "td-public": (None, "none"),
    "td-device": (None, "none"),
    "td-consent": (None, "none"),
    "td-support": ("kc-support-secret-0123456789", "client_secret_basic"),
    "td-reader": ("kc-reader-secret-0123456789", "client_secret_basic"),
}
SUPPORT_ROLES = ["view-users", "query-users", "manage-users"]
READER_ROLES = ["view-users", "query-users"]
_LOOPBACK = ["http://127.0.0.1/*"]  # Keycloak ignores the port of a loopback redirect


def user(name: str, realm: str, first: str, last: str, *, password: bool = True
         ) -> dict[str, Any]:
    rep: dict[str, Any] = {"username": name, "email": f"{name}@example.com", "firstName": first,
                           "lastName": last, "enabled": True, "emailVerified": True,
                           # as a user made in the console: offline_access among them
                           "realmRoles": [f"default-roles-{realm}"]}
    if password:
        rep["credentials"] = [{"type": "password", "value": PASSWORD, "temporary": False}]
    return rep


def _service_account(client_id: str, roles: list[str]) -> dict[str, Any]:
    return {"username": f"service-account-{client_id}", "enabled": True,
            "serviceAccountClientId": client_id, "clientRoles": {"realm-management": roles}}


def _client(client_id: str, **rep: Any) -> dict[str, Any]:
    secret = CLIENTS[client_id][0]
    base: dict[str, Any] = {"clientId": client_id, "enabled": True, "protocol": "openid-connect",
                            "publicClient": secret is None, "standardFlowEnabled": False,
                            "directAccessGrantsEnabled": False, "redirectUris": _LOOPBACK,
                            "attributes": {}}
    if secret is not None:
        base["secret"] = secret
    base.update(rep)
    return base


def realm_representation(name: str, rotation: bool) -> dict[str, Any]:
    device = {"oauth2.device.authorization.grant.enabled": "true"}
    audience = {"name": "td-confidential audience", "protocol": "openid-connect",
                "protocolMapper": "oidc-audience-mapper",
                "config": {"included.client.audience": "td-confidential",
                           "access.token.claim": "true", "id.token.claim": "false"}}
    return {
        "realm": name, "enabled": True,
        "revokeRefreshToken": rotation, "refreshTokenMaxReuse": 0,
        "oauth2DevicePollingInterval": 1,
        "users": [*(user(n, name, *names) for n, names in USERS.items()),
                  _service_account("td-support", SUPPORT_ROLES),
                  _service_account("td-reader", READER_ROLES)],
        "clients": [
            _client("td-confidential", standardFlowEnabled=True, directAccessGrantsEnabled=True,
                    serviceAccountsEnabled=True,
                    attributes={**device, "standard.token.exchange.enabled": "true"}),
            _client("td-public", standardFlowEnabled=True, directAccessGrantsEnabled=True,
                    attributes={"pkce.code.challenge.method": "S256"},
                    protocolMappers=[audience]),
            _client("td-device", attributes=device),
            _client("td-consent", standardFlowEnabled=True, consentRequired=True,
                    attributes={"pkce.code.challenge.method": "S256"}),
            _client("td-support", serviceAccountsEnabled=True),
            _client("td-reader", serviceAccountsEnabled=True),
        ],
    }


# -- a person at Keycloak's pages ---------------------------------------------------------------
FORM = re.compile(r"<form([^>]*)>(.*?)</form>", re.S)
INPUT = re.compile(r"<input([^>]*)>")
ATTR = re.compile(r'([a-z_-]+)="([^"]*)"')


def browser() -> httpx.Client:
    """httpx as a browser at Keycloak's pages. Keycloak marks its login cookies ``Secure``
    (and RFC 2965 ``Version=1``); a browser sends them to http://127.0.0.1 (a secure context),
    Python's cookie jar does not: this client keeps them itself, by name (one server, one
    realm at a time: paths and domains do not matter here)."""
    jar: dict[str, str] = {}

    def send(request: httpx.Request) -> None:
        if jar:
            request.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())

    def keep(response: httpx.Response) -> None:
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "max-age=0" not in header.lower():
                jar[name.strip()] = value
            else:
                jar.pop(name.strip(), None)

    # a browser's Accept: Keycloak's device page posts to a path that also answers the device
    # authorization request (JSON); which of the two runs is chosen by what the client accepts
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    return httpx.Client(follow_redirects=True, timeout=20, headers={"Accept": accept},
                        event_hooks={"request": [send], "response": [keep]})


def fill(page: httpx.Response, username: str, password: str, user_code: str | None,
         consent: bool) -> tuple[str, dict[str, str]] | None:
    """The next form a person submits on this page (its URL and fields), or None."""
    match = FORM.search(page.text)
    if match is None:
        return None
    attrs, body = match.groups()
    data = {}
    for field in INPUT.findall(body):
        found = dict(ATTR.findall(field))
        if found.get("type") == "hidden" and "name" in found:
            data[found["name"]] = html.unescape(found.get("value", ""))
    if 'name="username"' in body:
        data.update(username=username, password=password)
    elif 'name="device_user_code"' in body:
        data["device_user_code"] = user_code or ""
    elif 'name="accept"' in body:
        data["accept" if consent else "cancel"] = "Yes" if consent else "No"
    else:
        return None
    action = html.unescape(dict(ATTR.findall(attrs)).get("action", ""))
    return urljoin(str(page.url), action), data


def person(username: str, password: str = PASSWORD, user_code: str | None = None, *,
           consent: bool = True) -> Callable[[str], None]:
    """A person at Keycloak's pages (in a thread, as a browser beside the app): signs in,
    types the device code, grants (or refuses) consent. ``.done`` is set when they finish,
    ``.pages`` holds the text of the last page they saw."""
    done = threading.Event()
    pages: list[str] = []

    def open_url(url: str) -> None:
        def run() -> None:
            try:
                with browser() as web:
                    page = web.get(url)
                    for _ in range(6):
                        step = fill(page, username, password, user_code, consent)
                        if step is None:
                            break
                        page = web.post(step[0], data=step[1])
                    pages.append(page.text)
            finally:
                done.set()
        threading.Thread(target=run, daemon=True).start()

    open_url.done = done  # type: ignore[attr-defined]
    open_url.pages = pages  # type: ignore[attr-defined]
    return open_url
