"""Keycloak Admin REST API (https://www.keycloak.org/docs-api/latest/rest-api/).

Paths under ``{server}/admin/realms/{realm}`` (the realm from the issuer
``{server}/realms/{realm}``):

* users: ``GET /users?email=&exact=true`` (case-insensitive), ``GET /users/{id}``,
  ``GET /users?search=`` (a prefix of the username, email, first or last name) with
  ``first``/``max`` pagination;
* sessions: ``GET /users/{id}/sessions`` (online ones only); offline sessions (the handles of
  offline refresh tokens): ``GET /users/{id}/offline-sessions/{client-uuid}``, the client's
  internal id taken from the consent's ``additionalGrants`` (``{"client": uuid, "key":
  "Offline Token"}``), so no client role (``query-clients``) is needed;
* consents: ``GET /users/{id}/consents`` -- the user's consents, and one entry (no scopes, no
  dates) for each client that holds offline tokens without a consent;
  ``DELETE /users/{id}/consents/{clientId}`` (also revokes that client's offline tokens);
* ``POST /users/{id}/logout`` ends every online session of the user and sets the user's
  not-before to now: offline sessions stay listed, but every refresh token issued before that
  second, offline ones included, is refused from then on ("Stale token");
* ``DELETE /sessions/{id}`` ends one session; with ``?isOffline=true`` an offline one.

Keycloak has no per-refresh-token revocation: a refresh token lives as long as its session, so
"revoke one refresh token" ends its (offline) session, and "revoke all refresh tokens" logs the
user out and removes the consents that hold offline tokens.

The admin client's service account needs the ``realm-management`` roles ``view-users`` (lists)
and ``manage-users`` (revocations); they appear in its token's ``resource_access`` (with the
roles they contain: ``view-users`` brings ``query-users`` and ``query-groups``) and are checked
before a call; Keycloak itself checks the roles the service account has at the time of each
call. ``DELETE /sessions/{id}?isOffline=true`` is documented from Keycloak 22; older servers
answer 404 for offline sessions, which is reported as such. Checked against a real Keycloak 26
(tests/integration/test_keycloak_support.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

from ..errors import AdminError
from .connector import Connector
from .model import AdminItem, AdminUser, Outcome, Progress, ts

__all__ = ["Keycloak"]

_PAGE = 100


def _user(u: dict[str, Any]) -> AdminUser:
    name = " ".join(str(u[k]) for k in ("firstName", "lastName") if u.get(k))
    return AdminUser(str(u.get("id", "")), str(u.get("email") or ""),
                     name or str(u.get("username") or ""), ts(u.get("createdTimestamp")), None,
                     not u.get("enabled", True), {"username": u.get("username")})


def _q(value: str) -> str:
    return quote(value, safe="")


def _offline_clients(consent: dict[str, Any]) -> list[str]:
    """The internal ids of the clients whose offline tokens a consent entry names."""
    return [str(g["client"]) for g in consent.get("additionalGrants") or []
            if isinstance(g, dict) and g.get("key") == "Offline Token"
            and isinstance(g.get("client"), str) and g["client"]]


class Keycloak(Connector):
    _to_user = staticmethod(_user)
    provider = "Keycloak"
    ROLES = True
    CONSEQUENCES = {
        **Connector.CONSEQUENCES,
        "all-sessions": "every browser session of this user ends, and Keycloak refuses every "
                        "refresh token issued to them before now, offline ones included (their "
                        "offline sessions stay listed); the user signs in again everywhere",
    }
    SCOPES = {
        "find": ["view-users"], "items": ["view-users"],
        "token": ["manage-users"], "all-tokens": ["manage-users"],
        "session": ["manage-users"], "all-sessions": ["manage-users"],
        "grant": ["manage-users"],
    }

    @staticmethod
    def api_base(issuer: str) -> str:
        parts = urlsplit(issuer.rstrip("/"))
        path = parts.path
        if "/realms/" not in path:
            raise AdminError(f"{issuer} is not a Keycloak realm issuer (…/realms/NAME)")
        root, realm = path.rsplit("/realms/", 1)
        return f"{parts.scheme}://{parts.netloc}{root}/admin/realms/{realm}"

    def find(self, query: str, progress: Progress | None = None) -> list[AdminUser]:
        self.require("find")
        query = query.strip()
        if "@" in query and " " not in query:
            params: dict[str, Any] = {"email": query, "exact": "true"}
        elif len(query) == 36 and query.count("-") == 4:
            return self._lookup(query)
        else:
            params = {"search": query}

        def page(first: int) -> tuple[list[Any], Any]:
            body = self.api.call("GET", "/users", {**params, "first": first, "max": _PAGE},
                                 progress=progress).body
            users = [u for u in body if isinstance(u, dict)] if isinstance(body, list) else []
            return users, (first + _PAGE if len(users) == _PAGE else None)

        return [_user(u) for u in self._pages(lambda: page(0), page, "users", progress)]

    def items(self, user_id: str, progress: Progress | None = None) -> list[AdminItem]:
        self.require("items")
        uid = _q(user_id)
        out = [self._session(s, "session")
               for s in self._list(f"/users/{uid}/sessions", progress)]
        consents = self._list(f"/users/{uid}/consents", progress)
        for c in consents:
            client = str(c.get("clientId") or "")
            scopes = ", ".join(str(s) for s in c.get("grantedClientScopes") or [])
            offline = any(isinstance(g, dict) and g.get("key") == "Offline Token"
                          for g in c.get("additionalGrants") or [])
            detail = " · ".join(p for p in (scopes, "holds offline tokens" if offline else "")
                                if p)
            out.append(AdminItem("grant", client, client, ts(c.get("createdDate")),
                                 ts(c.get("lastUpdatedDate")), None, detail))
            for internal in _offline_clients(c):
                out += [self._session(s, "offline session", client) for s in
                        self._list(f"/users/{uid}/offline-sessions/{_q(internal)}", progress)]
        return out

    def _list(self, path: str, progress: Progress | None) -> list[dict[str, Any]]:
        body = self.api.call("GET", path, progress=progress).body
        return [x for x in body if isinstance(x, dict)] if isinstance(body, list) else []

    @staticmethod
    def _session(s: dict[str, Any], kind: str, client: str = "") -> AdminItem:
        clients = s.get("clients")
        names = ", ".join(str(v) for v in clients.values()) if isinstance(clients, dict) else ""
        return AdminItem(kind, str(s.get("id", "")), client or names, ts(s.get("start")),
                         ts(s.get("lastAccess")), None,
                         f"from {s['ipAddress']}" if s.get("ipAddress") else "")

    def _revoke(self, user_id: str, action: str, item: AdminItem | None,
                items: Callable[[], list[AdminItem]]) -> list[Outcome]:
        uid = _q(user_id)
        if action in ("token", "session") and item is not None:
            offline = item.kind == "offline session"
            return [self._delete(f"/sessions/{_q(item.id)}", f"{item.kind} {item.id}",
                                 params={"isOffline": "true"} if offline else None)]
        if action == "all-sessions":
            return [self._delete(f"/users/{uid}/logout", "all sessions (logout)", "POST")]
        if action == "all-tokens":
            outcomes = [self._delete(f"/users/{uid}/logout", "all online sessions (logout)",
                                     "POST")]
            outcomes += [self._delete(f"/users/{uid}/consents/{_q(i.id)}",
                                      f"offline tokens of {i.id} (consent)")
                         for i in items() if i.kind == "grant" and "offline" in i.detail]
            return outcomes
        if action == "grant" and item is not None:
            return [self._delete(f"/users/{uid}/consents/{_q(item.id)}", f"consent {item.id}")]
        return []
