"""Small stand-ins for the Auth0, Keycloak and Okta admin APIs, on 127.0.0.1.

The real services cannot run here. Each fake implements the documented request and response
shapes the connectors use, their error bodies, pagination and rate-limit headers — written from
the providers' API references:

* Auth0 Management API v2: https://auth0.com/docs/api/management/v2 (users, users-by-email,
  refresh-tokens, sessions, grants, device-credentials), rate limits
  https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy
  (``X-RateLimit-Limit``/``-Remaining``/``-Reset``), errors ``{"statusCode", "error",
  "message", "errorCode"}``.
* Keycloak Admin REST API: https://www.keycloak.org/docs-api/latest/rest-api/ (users, sessions,
  offline-sessions, consents, logout, ``DELETE /sessions/{id}``), errors ``{"error": "..."}``.
* Okta Management API: https://developer.okta.com/docs/api/openapi/okta-management/ (users,
  user clients/tokens/grants, ``DELETE /users/{id}/sessions``), pagination by ``Link`` headers,
  rate limits https://developer.okta.com/docs/reference/rl-global-mgmt/
  (``X-Rate-Limit-*``), errors ``{"errorCode", "errorSummary", ...}``.

Each fake issues machine tokens at its own token endpoint (client credentials) with the scopes
(or Keycloak roles) a test configures, and checks them on every call as the provider would.
Tests can throttle the next N calls (429), make chosen deletions fail (500), and for Auth0
switch off the refresh-token endpoints (403, as on plans without them).
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import time
from collections.abc import Callable
from typing import Any

from .http_server import LocalServer, Reply, Request

Handler = Callable[..., Reply]


def _unsigned_jwt(claims: dict[str, Any]) -> str:
    def seg(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{seg({'alg': 'HS256', 'typ': 'JWT'})}.{seg(claims)}.c2ln"


class FakeAdmin(LocalServer):
    CLIENT_ID = "support-admin"
    CLIENT_SECRET = "s3cret-admin-client-value"  # noqa: S105 - a test credential
    TOKEN_PATH = "/oauth/token"

    def __init__(self, scopes: list[str]) -> None:
        super().__init__()
        self.scopes = list(scopes)
        self.tokens: set[str] = set()
        self.accept_any_token = False
        self.throttle = 0  # the next N admin calls answer 429
        self.retry_after = 1
        self.retry_after_as_date = False  # Retry-After as an HTTP date instead of seconds
        #: The clock its rate-limit reset times are counted on (a test gives the console the
        #: same one, so a wait does not depend on where in a second the test started).
        self.clock = time.time
        self.fail_deletes: set[str] = set()  # ids whose deletion answers 500
        self.deleted: list[str] = []
        self.bearers: list[str] = []
        self._n = itertools.count(1)
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.route(self.TOKEN_PATH, self._token)
        self.fallback = self._dispatch

    # -- plumbing ---------------------------------------------------------------------------------
    def on(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(pattern + "$"), handler))

    def _token(self, req: Request) -> Reply:
        form = req.form
        client_id, secret = form.get("client_id"), form.get("client_secret")
        auth = req.headers.get("authorization", "")
        if auth.startswith("Basic "):
            from urllib.parse import unquote

            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            client_id, secret = unquote(client_id), unquote(secret)
        if form.get("grant_type") != "client_credentials" or client_id != self.CLIENT_ID \
                or secret != self.CLIENT_SECRET:
            return self.token_refused()
        token = self.make_token(form)
        self.tokens.add(token)
        return Reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": 86400,
                           **self.token_extra()})

    def make_token(self, form: dict[str, str]) -> str:
        return f"m2m-{next(self._n)}"

    def token_refused(self) -> Reply:
        return Reply(401, {"error": "access_denied", "error_description": "Unauthorized"})

    def token_extra(self) -> dict[str, Any]:
        return {"scope": " ".join(self.scopes)}

    def rate_headers(self) -> dict[str, str]:
        return {}

    def unauthorized(self) -> Reply:
        return self.error(401, "Invalid token")

    def error(self, status: int, message: str) -> Reply:
        return Reply(status, {"error": message})

    def _dispatch(self, req: Request) -> Reply:
        bearer = req.headers.get("authorization", "")[7:]
        self.bearers.append(bearer)
        if not self.accept_any_token and bearer not in self.tokens:
            return self.unauthorized()
        if self.throttle > 0:
            self.throttle -= 1
            return self.throttled()
        for method, pattern, handler in self._routes:
            found = pattern.match(req.path)
            if found and method == req.method:
                reply = handler(req, *found.groups())
                reply.headers.update(self.rate_headers())
                return reply
        return self.error(404, f"no route {req.method} {req.path}")

    def throttled(self) -> Reply:
        from email.utils import formatdate

        value = (formatdate(self.clock() + self.retry_after, usegmt=True)
                 if self.retry_after_as_date else str(self.retry_after))
        return Reply(429, {"error": "Too Many Requests"}, headers={"Retry-After": value})

    def needs(self, scope: str) -> Reply | None:
        if self.accept_any_token or scope in self.scopes:
            return None
        return self.error(403, f"Insufficient scope, expected any of: {scope}")

    def delete(self, store: list[dict[str, Any]], key: str, value: str,
               status: int = 204) -> Reply:
        if value in self.fail_deletes:
            return self.error(500, "Internal error")
        before = len(store)
        store[:] = [x for x in store if x.get(key) != value]
        if len(store) == before:
            return self.error(404, f"{value} not found")
        self.deleted.append(value)
        return Reply(status)

    def count_admin(self, method: str, prefix: str) -> int:
        return sum(1 for h in self.hits if h.method == method and h.path.startswith(prefix))


def _page(items: list[Any], req: Request, page_key: str = "page", size_key: str = "per_page",
          default: int = 50) -> list[Any]:
    page = int(req.query.get(page_key, 0))
    size = int(req.query.get(size_key, default))
    return items[page * size:(page + 1) * size]


class FakeAuth0(FakeAdmin):
    """The Auth0 Management API v2 (see the module docstring for the reference)."""

    ALL_SCOPES = ["read:users", "delete:refresh_tokens", "delete:sessions", "delete:grants"]

    def __init__(self, scopes: list[str] | None = None) -> None:
        super().__init__(self.ALL_SCOPES if scopes is None else scopes)
        self.plan_has_refresh_token_api = True
        self.users: list[dict[str, Any]] = []
        self.refresh_tokens: list[dict[str, Any]] = []
        self.sessions: list[dict[str, Any]] = []
        self.grants: list[dict[str, Any]] = []
        self.device_credentials: list[dict[str, Any]] = []
        self.remaining = 1000
        a = "/api/v2"
        self.on("GET", a + "/users-by-email", self._by_email)
        self.on("GET", a + "/users", self._search)
        self.on("GET", a + "/users/([^/]+)", self._user)
        self.on("GET", a + "/users/([^/]+)/refresh-tokens", self._rt_list)
        self.on("DELETE", a + "/users/([^/]+)/refresh-tokens", self._rt_delete_all)
        self.on("DELETE", a + "/refresh-tokens/([^/]+)", self._rt_delete)
        self.on("GET", a + "/users/([^/]+)/sessions", self._s_list)
        self.on("DELETE", a + "/users/([^/]+)/sessions", self._s_delete_all)
        self.on("DELETE", a + "/sessions/([^/]+)", self._s_delete)
        self.on("GET", a + "/grants", self._g_list)
        self.on("DELETE", a + "/grants/([^/]+)", self._g_delete)
        self.on("GET", a + "/device-credentials", self._dc_list)
        self.on("DELETE", a + "/device-credentials/([^/]+)", self._dc_delete)

    def error(self, status: int, message: str) -> Reply:
        names = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                 429: "Too Many Requests", 500: "Internal Server Error"}
        return Reply(status, {"statusCode": status, "error": names.get(status, "Error"),
                              "message": message,
                              "errorCode": "insufficient_scope" if "scope" in message
                              else "inexistent_user" if status == 404 else "error"})

    def rate_headers(self) -> dict[str, str]:
        self.remaining = max(0, self.remaining - 1)
        return {"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": str(int(self.clock()) + 1)}

    def throttled(self) -> Reply:
        return Reply(429, {"statusCode": 429, "error": "Too Many Requests",
                           "message": "Global limit has been reached", "errorCode": "too_many_requests"},
                     headers={"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0",
                              "X-RateLimit-Reset": str(int(self.clock()) + self.retry_after)})

    # -- seed -----------------------------------------------------------------------------------
    def add_user(self, user_id: str, email: str, name: str) -> dict[str, Any]:
        user = {"user_id": user_id, "email": email, "name": name, "nickname": name.split()[0],
                "created_at": "2026-01-05T10:00:00.000Z", "last_login": "2026-11-20T08:30:00.000Z",
                "blocked": False}
        self.users.append(user)
        return user

    def add_refresh_tokens(self, user_id: str, count: int, client: str = "app-1") -> None:
        for i in range(count):
            rid = f"rt_{user_id.split('|')[-1]}_{len(self.refresh_tokens)}_{i}"
            self.refresh_tokens.append({
                "id": rid, "user_id": user_id, "client_id": client,
                "created_at": "2026-11-01T12:00:00.000Z", "expires_at": "2026-12-01T12:00:00.000Z",
                "last_exchanged_at": "2026-11-21T12:00:00.000Z", "rotating": True,
                "session_id": f"sess_{i}", "resource_servers": []})
            self.device_credentials.append({"id": f"dcr_{rid}", "device_name": f"phone {i}",
                                            "device_id": f"dev{i}", "client_id": client,
                                            "user_id": user_id, "type": "refresh_token"})

    def add_session(self, user_id: str, sid: str) -> None:
        self.sessions.append({"id": sid, "user_id": user_id,
                              "created_at": "2026-11-21T09:00:00.000Z",
                              "updated_at": "2026-11-21T10:00:00.000Z",
                              "last_interacted_at": "2026-11-21T10:00:00.000Z",
                              "expires_at": "2026-11-24T09:00:00.000Z",
                              "clients": [{"client_id": "app-1"}],
                              "device": {"last_user_agent": "Firefox 140",
                                         "last_ip": "203.0.113.7"}})

    def add_grant(self, user_id: str, gid: str) -> None:
        self.grants.append({"id": gid, "clientID": "app-1", "user_id": user_id,
                            "audience": "https://api.example/", "scope": ["openid", "read:x"]})

    # -- handlers -------------------------------------------------------------------------------
    def _by_email(self, req: Request) -> Reply:
        return self.needs("read:users") or Reply(200, [u for u in self.users
                                                       if u["email"] == req.query.get("email")])

    def _search(self, req: Request) -> Reply:
        denied = self.needs("read:users")
        if denied:
            return denied
        found = re.search(r'name:"([^"*]*)', req.query.get("q", ""))
        prefix = (found.group(1) if found else "").lower()
        users = [u for u in self.users if u["name"].lower().startswith(prefix)
                 or u["nickname"].lower().startswith(prefix)]
        return Reply(200, {"users": _page(users, req), "total": len(users),
                           "start": int(req.query.get("page", 0)) * 50, "limit": 50})

    def _user(self, req: Request, uid: str) -> Reply:
        from urllib.parse import unquote

        denied = self.needs("read:users")
        if denied:
            return denied
        user = next((u for u in self.users if u["user_id"] == unquote(uid)), None)
        return Reply(200, user) if user else self.error(404, "The user does not exist.")

    def _checkpoint(self, items: list[Any], req: Request, key: str) -> Reply:
        start = int(req.query.get("from") or 0)
        take = int(req.query.get("take", 50))
        chunk = items[start:start + take]
        body: dict[str, Any] = {key: chunk}
        if start + take < len(items):
            body["next"] = str(start + take)
        return Reply(200, body)

    def _uid(self, uid: str) -> str:
        from urllib.parse import unquote

        return unquote(uid)

    def _rt_list(self, req: Request, uid: str) -> Reply:
        if not self.plan_has_refresh_token_api:
            return self.error(403, "This endpoint is not available on your plan")
        return self.needs("read:users") or self._checkpoint(
            [t for t in self.refresh_tokens if t["user_id"] == self._uid(uid)], req,
            "refresh_tokens")

    def _rt_delete_all(self, req: Request, uid: str) -> Reply:
        denied = self.needs("delete:refresh_tokens")
        if denied:
            return denied
        mine = [t["id"] for t in self.refresh_tokens if t["user_id"] == self._uid(uid)]
        self.refresh_tokens[:] = [t for t in self.refresh_tokens
                                  if t["user_id"] != self._uid(uid)]
        self.deleted += mine
        return Reply(202)

    def _rt_delete(self, req: Request, rid: str) -> Reply:
        if not self.plan_has_refresh_token_api:
            return self.error(403, "This endpoint is not available on your plan")
        return self.needs("delete:refresh_tokens") or self.delete(self.refresh_tokens, "id",
                                                                  rid, 202)

    def _s_list(self, req: Request, uid: str) -> Reply:
        return self.needs("read:users") or self._checkpoint(
            [s for s in self.sessions if s["user_id"] == self._uid(uid)], req, "sessions")

    def _s_delete_all(self, req: Request, uid: str) -> Reply:
        denied = self.needs("delete:sessions")
        if denied:
            return denied
        self.sessions[:] = [s for s in self.sessions if s["user_id"] != self._uid(uid)]
        return Reply(202)

    def _s_delete(self, req: Request, sid: str) -> Reply:
        return self.needs("delete:sessions") or self.delete(self.sessions, "id", sid, 202)

    def _g_list(self, req: Request) -> Reply:
        denied = self.needs("read:users")
        if denied:
            return denied
        mine = [g for g in self.grants if g["user_id"] == req.query.get("user_id")]
        if req.query.get("include_totals") == "true":
            return Reply(200, {"grants": _page(mine, req), "total": len(mine),
                               "start": 0, "limit": 50})
        return Reply(200, _page(mine, req))

    def _g_delete(self, req: Request, gid: str) -> Reply:
        return self.needs("delete:grants") or self.delete(self.grants, "id", gid)

    def _dc_list(self, req: Request) -> Reply:
        mine = [d for d in self.device_credentials if d["user_id"] == req.query.get("user_id")
                and d["type"] == req.query.get("type", d["type"])]
        return Reply(200, {"device_credentials": _page(mine, req), "total": len(mine),
                           "start": 0, "limit": 50})

    def _dc_delete(self, req: Request, did: str) -> Reply:
        return self.delete(self.device_credentials, "id", did)


def _kc_match(user: dict[str, Any], word: str) -> bool:
    """Keycloak's ``search``: each word a prefix (``foo`` or ``foo*``), an infix (``*foo*``) or
    an exact value (``"foo"``) of the username, email, first or last name, case-insensitive."""
    fields = [str(user.get(k) or "").lower() for k in ("username", "email", "firstName",
                                                       "lastName")]
    if len(word) > 1 and word[0] == word[-1] == '"':
        return word[1:-1] in fields
    if len(word) > 1 and word[0] == word[-1] == "*":
        return any(word[1:-1] in f for f in fields)
    return any(f.startswith(word.rstrip("*")) for f in fields)


class FakeKeycloak(FakeAdmin):
    """The Keycloak Admin REST API for one realm (see the module docstring), checked against a
    real Keycloak 26 (tests/integration/test_keycloak_support.py, which runs the same checks on
    both): its error bodies, a search by prefixes of each word, a case-insensitive email match,
    the roles its tokens list (``view-users`` brings ``query-users`` and ``query-groups``), the
    client's internal id in a consent's offline grant, and ``GET /clients`` refused without a
    client role."""

    #: realm-management roles and the roles they contain, as Keycloak's tokens list them
    COMPOSITES = {"view-users": ["query-users", "query-groups"],
                  "view-clients": ["query-clients"]}

    REALM = "support"
    TOKEN_PATH = f"/realms/{REALM}/protocol/openid-connect/token"

    def __init__(self, roles: list[str] | None = None) -> None:
        super().__init__(["view-users", "manage-users"] if roles is None else roles)
        self.users: list[dict[str, Any]] = []
        self.sessions: list[dict[str, Any]] = []  # with "offline": bool and "client"
        self.consents: list[dict[str, Any]] = []
        self.clients = {"app-1": "8d3c1f0e-0000-4000-8000-000000000001"}
        self.logouts: list[str] = []
        a = f"/admin/realms/{self.REALM}"
        self.on("GET", a + "/users", self._search)
        self.on("GET", a + "/users/([^/]+)", self._user)
        self.on("GET", a + "/users/([^/]+)/sessions", self._sessions)
        self.on("GET", a + "/users/([^/]+)/offline-sessions/([^/]+)", self._offline)
        self.on("GET", a + "/users/([^/]+)/consents", self._consents)
        self.on("DELETE", a + "/users/([^/]+)/consents/([^/]+)", self._consent_delete)
        self.on("POST", a + "/users/([^/]+)/logout", self._logout)
        self.on("DELETE", a + "/sessions/([^/]+)", self._session_delete)
        self.on("GET", a + "/clients", self._clients)

    @property
    def issuer(self) -> str:
        return f"{self.url}/realms/{self.REALM}"

    def make_token(self, form: dict[str, str]) -> str:
        roles = list(self.scopes)
        for role in self.scopes:
            roles += [r for r in self.COMPOSITES.get(role, []) if r not in roles]
        return _unsigned_jwt({"iss": self.issuer, "azp": self.CLIENT_ID, "n": next(self._n),
                              "resource_access": {"realm-management": {"roles": roles}}})

    def token_refused(self) -> Reply:
        return Reply(401, {"error": "unauthorized_client",
                           "error_description": "Invalid client or Invalid client credentials"})

    def unauthorized(self) -> Reply:
        return Reply(401, {"error": "HTTP 401 Unauthorized"})

    def token_extra(self) -> dict[str, Any]:
        return {"scope": "profile email"}

    def error(self, status: int, message: str) -> Reply:
        return Reply(status, {"error": message} if status != 403 else {"error": "HTTP 403 Forbidden"})

    def needs(self, scope: str) -> Reply | None:
        granted = set(self.scopes)
        for role in self.scopes:
            granted.update(self.COMPOSITES.get(role, []))
        return None if self.accept_any_token or scope in granted else self.error(403, "")

    def add_user(self, uid: str, email: str, first: str, last: str) -> None:
        self.users.append({"id": uid, "username": email.split("@")[0], "email": email,
                           "firstName": first, "lastName": last, "enabled": True,
                           "createdTimestamp": 1767600000000})

    def add_client(self, client_id: str) -> str:
        """Another client of the realm; its internal id."""
        return self.clients.setdefault(client_id, f"8d3c1f0e-0000-4000-8000-"
                                                  f"{len(self.clients) + 1:012d}")

    def add_session(self, uid: str, sid: str, offline: bool = False,
                    client: str = "app-1") -> None:
        username = next((u["username"] for u in self.users if u["id"] == uid), "u")
        self.sessions.append({"id": sid, "username": username, "userId": uid,
                              "offline": offline, "ipAddress": "198.51.100.4",
                              "start": 1795000000000, "lastAccess": 1795003600000,
                              "rememberMe": False, "clients": {self.add_client(client): client},
                              "transientUser": False})

    def add_consent(self, uid: str, client: str, offline: bool, *, consented: bool = True,
                    scopes: list[str] | None = None) -> None:
        """A consent; with ``consented=False`` the entry Keycloak lists for a client that holds
        offline tokens without a consent (no scopes, no dates)."""
        entry: dict[str, Any] = {"user": uid, "clientId": client, "grantedClientScopes": []}
        if consented:
            entry.update(grantedClientScopes=scopes or ["profile", "email"],
                         createdDate=1795000000000, lastUpdatedDate=1795000000000)
        entry["additionalGrants"] = ([{"client": self.add_client(client), "key": "Offline Token"}]
                                     if offline else [])
        self.consents.append(entry)

    def _search(self, req: Request) -> Reply:
        denied = self.needs("view-users")
        if denied:
            return denied
        q = req.query
        if "email" in q:
            users = [u for u in self.users if u["email"].lower() == q["email"].lower()]
        else:
            words = q.get("search", "").lower().split()
            users = [u for u in self.users if all(_kc_match(u, w) for w in words)]
        first, size = int(q.get("first", 0)), int(q.get("max", 100))
        return Reply(200, users[first:first + size])

    def _user(self, req: Request, uid: str) -> Reply:
        denied = self.needs("view-users")
        if denied:
            return denied
        user = next((u for u in self.users if u["id"] == uid), None)
        return Reply(200, user) if user else self.error(404, "User not found")

    def _public(self, s: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in s.items() if k not in ("offline",)}

    def _sessions(self, req: Request, uid: str) -> Reply:
        return self.needs("view-users") or Reply(200, [self._public(s) for s in self.sessions
                                                       if s["userId"] == uid
                                                       and not s["offline"]])

    def _offline(self, req: Request, uid: str, client_uuid: str) -> Reply:
        return self.needs("view-users") or Reply(200, [self._public(s) for s in self.sessions
                                                       if s["userId"] == uid and s["offline"]
                                                       and client_uuid in s["clients"]])

    def _consents(self, req: Request, uid: str) -> Reply:
        return self.needs("view-users") or Reply(200, [
            {k: v for k, v in c.items() if k != "user"} for c in self.consents
            if c["user"] == uid])

    def _consent_delete(self, req: Request, uid: str, client: str) -> Reply:
        denied = self.needs("manage-users")
        if denied:
            return denied
        if client in self.fail_deletes:
            return self.error(500, "unknown_error")
        if client not in self.clients:
            return self.error(404, "Client not found")
        before = len(self.consents)
        self.consents[:] = [c for c in self.consents if not (c["user"] == uid
                                                             and c["clientId"] == client)]
        if len(self.consents) == before:
            return self.error(404, "Consent nor offline token not found")
        # that client's offline tokens go with it; other clients' stay
        self.sessions[:] = [s for s in self.sessions if not (
            s["userId"] == uid and s["offline"] and self.clients[client] in s["clients"])]
        self.deleted.append(f"consent:{client}")
        return Reply(204)

    def _logout(self, req: Request, uid: str) -> Reply:
        denied = self.needs("manage-users")
        if denied:
            return denied
        self.sessions[:] = [s for s in self.sessions if not (s["userId"] == uid
                                                             and not s["offline"])]
        self.logouts.append(uid)
        return Reply(204)

    def _session_delete(self, req: Request, sid: str) -> Reply:
        denied = self.needs("manage-users")
        if denied:
            return denied
        offline = req.query.get("isOffline") == "true"
        match = [s for s in self.sessions if s["id"] == sid and s["offline"] == offline]
        if not match:
            return self.error(404, "Sesssion not found")
        self.sessions.remove(match[0])
        self.deleted.append(sid)
        return Reply(204)

    def _clients(self, req: Request) -> Reply:
        # Keycloak lists clients to query-clients (or view-clients) only; the support roles
        # (view-users, manage-users) do not include it
        denied = self.needs("query-clients")
        if denied:
            return denied
        cid = req.query.get("clientId")
        return Reply(200, [{"id": uuid, "clientId": c} for c, uuid in self.clients.items()
                           if c == cid])


class FakeOkta(FakeAdmin):
    """The Okta Management API (see the module docstring)."""

    TOKEN_PATH = "/oauth2/v1/token"

    def __init__(self, scopes: list[str] | None = None) -> None:
        super().__init__(["okta.users.read", "okta.users.manage"] if scopes is None else scopes)
        self.users: list[dict[str, Any]] = []
        self.tokens_: list[dict[str, Any]] = []
        self.grants: list[dict[str, Any]] = []
        self.cleared_sessions: list[tuple[str, str]] = []
        self.page_size_cap = 200
        a = "/api/v1"
        self.on("GET", a + "/users", self._search)
        self.on("GET", a + "/users/([^/]+)", self._user)
        self.on("GET", a + "/users/([^/]+)/clients", self._apps)
        self.on("GET", a + "/users/([^/]+)/clients/([^/]+)/tokens", self._tokens)
        self.on("DELETE", a + "/users/([^/]+)/clients/([^/]+)/tokens", self._tokens_delete_all)
        self.on("DELETE", a + "/users/([^/]+)/clients/([^/]+)/tokens/([^/]+)", self._token_delete)
        self.on("GET", a + "/users/([^/]+)/grants", self._grants)
        self.on("DELETE", a + "/users/([^/]+)/grants/([^/]+)", self._grant_delete)
        self.on("DELETE", a + "/users/([^/]+)/sessions", self._sessions_delete)

    def error(self, status: int, message: str) -> Reply:
        codes = {401: "E0000011", 403: "E0000006", 404: "E0000007", 429: "E0000047",
                 500: "E0000009"}
        return Reply(status, {"errorCode": codes.get(status, "E0000001"),
                              "errorSummary": message or "You do not have permission to "
                              "perform the requested action", "errorLink": codes.get(status),
                              "errorId": "oae-test", "errorCauses": []})

    def needs(self, scope: str) -> Reply | None:
        return None if self.accept_any_token or scope in self.scopes else self.error(403, "")

    def rate_headers(self) -> dict[str, str]:
        return {"X-Rate-Limit-Limit": "600", "X-Rate-Limit-Remaining": "599",
                "X-Rate-Limit-Reset": str(int(self.clock()) + 60)}

    def throttled(self) -> Reply:
        return Reply(429, {"errorCode": "E0000047", "errorSummary": "API call exceeded rate "
                           "limit due to too many requests."},
                     headers={"X-Rate-Limit-Limit": "600", "X-Rate-Limit-Remaining": "0",
                              "X-Rate-Limit-Reset": str(int(self.clock()) + self.retry_after)})

    def add_user(self, uid: str, email: str, first: str, last: str) -> None:
        self.users.append({"id": uid, "status": "ACTIVE", "created": "2026-02-01T00:00:00.000Z",
                           "lastLogin": "2026-11-21T07:00:00.000Z",
                           "profile": {"email": email, "login": email, "firstName": first,
                                       "lastName": last}})

    def add_tokens(self, uid: str, client: str, count: int) -> None:
        for i in range(count):
            self.tokens_.append({"id": f"oar{client}{len(self.tokens_)}x{i}", "status": "ACTIVE",
                                 "created": "2026-11-01T00:00:00.000Z",
                                 "lastUpdated": "2026-11-21T00:00:00.000Z",
                                 "expiresAt": "2026-12-01T00:00:00.000Z", "clientId": client,
                                 "userId": uid, "issuer": self.url,
                                 "scopes": ["openid", "offline_access"]})

    def add_grant(self, uid: str, gid: str, client: str) -> None:
        self.grants.append({"id": gid, "status": "ACTIVE", "created": "2026-11-01T00:00:00.000Z",
                            "lastUpdated": "2026-11-01T00:00:00.000Z", "clientId": client,
                            "userId": uid, "scopeId": "okta.users.read.self",
                            "issuer": self.url})

    def _paged(self, items: list[Any], req: Request) -> Reply:
        limit = min(int(req.query.get("limit", 200)), self.page_size_cap)
        after = int(req.query.get("after", 0))
        chunk = items[after:after + limit]
        headers = {}
        if after + limit < len(items):
            from urllib.parse import urlencode

            query = {**req.query, "after": str(after + limit), "limit": str(limit)}
            headers["Link"] = f'<{self.url}{req.path}?{urlencode(query)}>; rel="next"'
        return Reply(200, chunk, headers=headers)

    def _search(self, req: Request) -> Reply:
        denied = self.needs("okta.users.read")
        if denied:
            return denied
        search = re.search(r'profile\.email eq "([^"]+)"', req.query.get("search", ""))
        if search:
            users = [u for u in self.users if u["profile"]["email"] == search.group(1)]
        else:
            q = req.query.get("q", "").lower()
            users = [u for u in self.users if any(str(v).lower().startswith(q)
                                                  for v in u["profile"].values())]
        return self._paged(users, req)

    def _user(self, req: Request, uid: str) -> Reply:
        denied = self.needs("okta.users.read")
        if denied:
            return denied
        from urllib.parse import unquote

        uid = unquote(uid)
        user = next((u for u in self.users if uid in (u["id"], u["profile"]["login"])), None)
        return Reply(200, user) if user else self.error(404, f"Not found: Resource not found: "
                                                             f"{uid} (User)")

    def _apps(self, req: Request, uid: str) -> Reply:
        denied = self.needs("okta.users.read")
        if denied:
            return denied
        clients = sorted({t["clientId"] for t in self.tokens_ if t["userId"] == uid}
                         | {g["clientId"] for g in self.grants if g["userId"] == uid})
        return Reply(200, [{"client_id": c, "client_name": f"App {c}",
                            "_links": {}} for c in clients])

    def _tokens(self, req: Request, uid: str, client: str) -> Reply:
        return self.needs("okta.users.read") or self._paged(
            [t for t in self.tokens_ if t["userId"] == uid and t["clientId"] == client], req)

    def _tokens_delete_all(self, req: Request, uid: str, client: str) -> Reply:
        denied = self.needs("okta.users.manage")
        if denied:
            return denied
        if client in self.fail_deletes:
            return self.error(500, "Internal Server Error")
        gone = [t["id"] for t in self.tokens_ if t["userId"] == uid and t["clientId"] == client]
        self.tokens_[:] = [t for t in self.tokens_ if t["id"] not in gone]
        self.deleted += gone
        return Reply(204)

    def _token_delete(self, req: Request, uid: str, client: str, tid: str) -> Reply:
        return self.needs("okta.users.manage") or self.delete(self.tokens_, "id", tid)

    def _grants(self, req: Request, uid: str) -> Reply:
        return self.needs("okta.users.read") or self._paged(
            [g for g in self.grants if g["userId"] == uid], req)

    def _grant_delete(self, req: Request, uid: str, gid: str) -> Reply:
        return self.needs("okta.users.manage") or self.delete(self.grants, "id", gid)

    def _sessions_delete(self, req: Request, uid: str) -> Reply:
        denied = self.needs("okta.users.manage")
        if denied:
            return denied
        self.cleared_sessions.append((uid, req.query.get("oauthTokens", "false")))
        if req.query.get("oauthTokens") == "true":
            self.tokens_[:] = [t for t in self.tokens_ if t["userId"] != uid]
        return Reply(204)
