"""Okta Users API (https://developer.okta.com/docs/api/openapi/okta-management/management/).

Paths under ``https://{org}/api/v1``:

* users: ``GET /users?search=profile.email eq "…"``, ``GET /users/{id or login}``,
  ``GET /users?q=`` — cursor pagination through the ``Link: <…>; rel="next"`` header;
* refresh tokens: ``GET /users/{id}/clients`` (the apps holding grants or tokens), then
  ``GET /users/{id}/clients/{clientId}/tokens``; ``DELETE …/tokens/{tokenId}`` and
  ``DELETE …/tokens`` (all of one app);
* grants: ``GET /users/{id}/grants``, ``DELETE /users/{id}/grants/{grantId}``;
* sessions: ``DELETE /users/{id}/sessions?oauthTokens=true`` ends every session and revokes
  the OAuth tokens issued in them.

Okta's management API has no call that lists one user's sessions or ends just one of them (the
``/sessions/{id}`` API needs the session id from the browser's cookie): the Support view says
so instead of offering it. Rate limits: 429 with ``X-Rate-Limit-Limit``/``-Remaining``/
``-Reset`` (epoch seconds). OAuth for Okta needs a service app with ``private_key_jwt`` and the
scopes ``okta.users.read`` (lists) and ``okta.users.manage`` (revocations).

Uncertain: whether ``GET /users/{id}/grants`` needs ``okta.users.read`` or a separate grants
scope; ``okta.users.read`` is assumed and a 403 is reported with Okta's own message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

from ..errors import AdminError
from ..oauth.http import same_origin
from .connector import Connector
from .model import AdminItem, AdminUser, Outcome, Progress, ts

__all__ = ["Okta"]

_PAGE = 200
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def _within(url: str, base: str) -> bool:
    """``url`` is on the origin of ``base`` (scheme, host and port compared exactly, SECURITY.md
    36) and under its path: a string prefix would let ``http://localhost:38769/`` pass for
    ``http://localhost``."""
    if not same_origin(url, base):
        return False
    path, root = urlsplit(url).path, urlsplit(base).path.rstrip("/")
    return path == root or path.startswith(root + "/")


def _user(u: dict[str, Any]) -> AdminUser:
    found = u.get("profile")
    profile: dict[str, Any] = found if isinstance(found, dict) else {}
    name = " ".join(str(profile[k]) for k in ("firstName", "lastName") if profile.get(k))
    return AdminUser(str(u.get("id", "")), str(profile.get("email") or ""),
                     name or str(profile.get("login") or ""), ts(u.get("created")),
                     ts(u.get("lastLogin")), u.get("status") in ("SUSPENDED", "LOCKED_OUT",
                                                                  "DEPROVISIONED"),
                     {"status": u.get("status")})


def _q(value: str) -> str:
    return quote(value, safe="")


class Okta(Connector):
    _to_user = staticmethod(_user)
    provider = "Okta"
    SCOPES = {
        "find": ["okta.users.read"], "items": ["okta.users.read"],
        "token": ["okta.users.manage"], "all-tokens": ["okta.users.manage"],
        "all-sessions": ["okta.users.manage"], "grant": ["okta.users.manage"],
    }
    UNSUPPORTED = {"session": "Okta's API cannot end one session of a user (it lists none): "
                              "end all sessions instead"}

    @staticmethod
    def api_base(issuer: str) -> str:
        parts = urlsplit(issuer)
        return f"{parts.scheme}://{parts.netloc}/api/v1"

    def _all(self, path: str, params: dict[str, Any] | None, label: str,
             progress: Progress | None) -> list[dict[str, Any]]:
        def page(url: str | None) -> tuple[list[Any], Any]:
            response = self.api.call("GET", url or path, None if url else params,
                                     progress=progress)
            body = response.body
            records = [x for x in body if isinstance(x, dict)] if isinstance(body, list) else []
            found = _NEXT.search(response.headers.get("link", ""))
            nxt = found.group(1) if found else None
            if nxt and not _within(nxt, self.api.base_url):
                raise AdminError(f"Okta's next-page link points elsewhere ({nxt[:200]}): not "
                                 "followed (another scheme, host, port or path than its API)")
            return records, nxt

        return list(self._pages(lambda: page(None), page, label, progress))

    def find(self, query: str, progress: Progress | None = None) -> list[AdminUser]:
        self.require("find")
        query = query.strip()
        if "@" in query and " " not in query:
            escaped = query.replace('"', '\\"')
            users = self._all("/users", {"search": f'profile.email eq "{escaped}"',
                                         "limit": _PAGE}, "users", progress)
            if not users:  # the login may differ from the email
                return self._lookup(query)
            return [_user(u) for u in users]
        if re.fullmatch(r"00u[0-9A-Za-z]{10,}", query):
            return self._lookup(query)
        return [_user(u) for u in self._all("/users", {"q": query, "limit": _PAGE}, "users",
                                             progress)]

    def items(self, user_id: str, progress: Progress | None = None) -> list[AdminItem]:
        self.require("items")
        uid = _q(user_id)
        out: list[AdminItem] = []
        for app in self._all(f"/users/{uid}/clients", None, "apps", progress):
            client = str(app.get("client_id") or "")
            if not client:
                continue
            out += [AdminItem("refresh token", str(t.get("id")), client, ts(t.get("created")),
                              ts(t.get("lastUpdated")), ts(t.get("expiresAt")),
                              f"{t.get('status', '?')}; scopes "
                              + " ".join(str(s) for s in t.get("scopes") or []))
                    for t in self._all(f"/users/{uid}/clients/{_q(client)}/tokens",
                                       {"limit": _PAGE}, "refresh tokens", progress)]
        out += [AdminItem("grant", str(g.get("id")), str(g.get("clientId") or ""),
                          ts(g.get("created")), ts(g.get("lastUpdated")), None,
                          f"{g.get('scopeId', '')} ({g.get('status', '?')})")
                for g in self._all(f"/users/{uid}/grants", {"limit": _PAGE}, "grants",
                                   progress)]
        return out

    def _revoke(self, user_id: str, action: str, item: AdminItem | None,
                items: Callable[[], list[AdminItem]]) -> list[Outcome]:
        uid = _q(user_id)
        if action == "token" and item is not None:
            return [self._delete(f"/users/{uid}/clients/{_q(item.client)}/tokens/{_q(item.id)}",
                                 f"refresh token {item.id}")]
        if action == "all-tokens":
            clients = sorted({i.client for i in items() if i.kind == "refresh token"})
            return [self._delete(f"/users/{uid}/clients/{_q(c)}/tokens",
                                 f"all refresh tokens of {c}") for c in clients]
        if action == "all-sessions":
            return [self._delete(f"/users/{uid}/sessions", "all sessions and their tokens",
                                 params={"oauthTokens": "true"})]
        if action == "grant" and item is not None:
            return [self._delete(f"/users/{uid}/grants/{_q(item.id)}", f"grant {item.id}")]
        return []
