"""Auth0 Management API v2 (https://auth0.com/docs/api/management/v2).

Endpoints used (paths under ``https://{tenant}/api/v2``):

* users: ``GET /users-by-email?email=``, ``GET /users/{id}``, ``GET /users?q=&search_engine=v3``
  (page/per_page/include_totals);
* refresh tokens: ``GET /users/{id}/refresh-tokens`` (checkpoint pagination: ``take``/``from``,
  answer ``{"refresh_tokens": [...], "next": "..."}``), ``DELETE /refresh-tokens/{id}``,
  ``DELETE /users/{id}/refresh-tokens``. These are available on some plans only: on 403 the
  older ``GET /device-credentials?type=refresh_token&user_id=`` and
  ``DELETE /device-credentials/{id}`` are used instead;
* sessions: ``GET /users/{id}/sessions`` (checkpoint pagination), ``DELETE /sessions/{id}``,
  ``DELETE /users/{id}/sessions``;
* grants: ``GET /grants?user_id=`` (page/per_page/include_totals), ``DELETE /grants/{id}``.

Deletions of refresh tokens and sessions answer 202 (accepted; Auth0 completes them
asynchronously): the console reports that as "accepted", not as "gone". Rate limits: 429 with
``X-RateLimit-Limit``/``-Remaining``/``-Reset`` (epoch seconds), handled by :class:`AdminApi`.

Uncertain: the exact shape of ``GET /users/{id}/sessions`` items (``clients`` as a list of
``{"client_id"}``) follows the 2024 reference; fields missing from an answer are shown as
unknown rather than guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import AdminError
from .connector import Connector
from .model import AdminItem, AdminUser, Outcome, Progress, ts

__all__ = ["Auth0"]

_PAGE = 50


def _user(u: dict[str, Any]) -> AdminUser:
    return AdminUser(str(u.get("user_id", "")), str(u.get("email") or ""),
                     str(u.get("name") or u.get("nickname") or ""), ts(u.get("created_at")),
                     ts(u.get("last_login")), bool(u.get("blocked")))


class Auth0(Connector):
    _to_user = staticmethod(_user)
    provider = "Auth0"
    SCOPES = {
        "find": ["read:users"],
        "items": ["read:users"],
        "token": ["delete:refresh_tokens"],
        "all-tokens": ["delete:refresh_tokens"],
        "session": ["delete:sessions"],
        "all-sessions": ["delete:sessions"],
        "grant": ["delete:grants"],
    }

    @staticmethod
    def api_base(issuer: str) -> str:
        return issuer.rstrip("/") + "/api/v2"

    def find(self, query: str, progress: Progress | None = None) -> list[AdminUser]:
        self.require("find")
        query = query.strip()
        if "@" in query and " " not in query:
            body = self.api.call("GET", "/users-by-email", {"email": query}).body
            return [_user(u) for u in body if isinstance(u, dict)] if isinstance(body, list) \
                else []
        if "|" in query:
            return self._lookup(query)
        escaped = query.replace('"', '\\"')

        def page(n: int) -> tuple[list[Any], Any]:
            body = self.api.call("GET", "/users", {
                "q": f'name:"{escaped}*" OR nickname:"{escaped}*"', "search_engine": "v3",
                "page": n, "per_page": _PAGE, "include_totals": "true"}).body
            users = body.get("users", []) if isinstance(body, dict) else []
            total = body.get("total", 0) if isinstance(body, dict) else 0
            more = (n + 1) * _PAGE < total and len(users) == _PAGE
            return users, (n + 1 if more else None)

        return [_user(u) for u in self._pages(lambda: page(0), page, "users", progress)
                if isinstance(u, dict)]

    # -- lists ------------------------------------------------------------------------------------
    def items(self, user_id: str, progress: Progress | None = None) -> list[AdminItem]:
        self.require("items")
        out = self._refresh_tokens(user_id, progress)
        out += [AdminItem("session", str(s.get("id")), _clients(s.get("clients")),
                          ts(s.get("created_at")),
                          ts(s.get("last_interacted_at") or s.get("updated_at")),
                          ts(s.get("expires_at") or s.get("idle_expires_at")),
                          _device(s.get("device")))
                for s in self._checkpoint(f"/users/{_q(user_id)}/sessions", "sessions",
                                          progress)]
        out += [AdminItem("grant", str(g.get("id")), str(g.get("clientID") or ""), None, None,
                          None, " ".join(str(x) for x in g.get("scope") or [])
                          + (f" for {g['audience']}" if g.get("audience") else ""))
                for g in self._paged("/grants", "grants", {"user_id": user_id}, progress)]
        return out

    def _refresh_tokens(self, user_id: str, progress: Progress | None) -> list[AdminItem]:
        try:
            tokens = list(self._checkpoint(f"/users/{_q(user_id)}/refresh-tokens",
                                           "refresh_tokens", progress))
        except AdminError as exc:
            if exc.status != 403:
                raise
            # the plan lacks the refresh-token endpoints (each item's detail says so)
            return [AdminItem("device credential", str(d.get("id")),
                              str(d.get("client_id") or ""), None, None, None,
                              f"device {d.get('device_name') or d.get('device_id') or '?'} "
                              "(older device-credentials API: this plan has no refresh-token "
                              "endpoints)")
                    for d in self._paged("/device-credentials", "device_credentials",
                                         {"user_id": user_id, "type": "refresh_token"},
                                         progress)]
        return [AdminItem("refresh token", str(t.get("id")), str(t.get("client_id") or ""),
                          ts(t.get("created_at")), ts(t.get("last_exchanged_at")),
                          ts(t.get("expires_at") or t.get("idle_expires_at")),
                          ("rotating" if t.get("rotating") else "non-rotating")
                          + (f", session {t['session_id']}" if t.get("session_id") else ""))
                for t in tokens]

    def _checkpoint(self, path: str, key: str, progress: Progress | None) -> Any:
        def page(cursor: str | None) -> tuple[list[Any], Any]:
            body = self.api.call("GET", path, {"take": _PAGE, "from": cursor},
                                 progress=progress).body
            if not isinstance(body, dict):
                return [], None
            records = [r for r in body.get(key) or [] if isinstance(r, dict)]
            return records, body.get("next") or None

        return self._pages(lambda: page(None), page, key.replace("_", " "), progress)

    def _paged(self, path: str, key: str, params: dict[str, Any],
               progress: Progress | None) -> Any:
        def page(n: int) -> tuple[list[Any], Any]:
            body = self.api.call("GET", path, {**params, "page": n, "per_page": _PAGE,
                                               "include_totals": "true"}, progress=progress).body
            if isinstance(body, list):  # without totals Auth0 answers a bare list
                return body, (n + 1 if len(body) == _PAGE else None)
            records = [r for r in (body or {}).get(key) or [] if isinstance(r, dict)]
            total = (body or {}).get("total", 0)
            return records, (n + 1 if (n + 1) * _PAGE < total and records else None)

        return self._pages(lambda: page(0), page, key.replace("_", " "), progress)

    # -- revocations ------------------------------------------------------------------------------
    def _revoke(self, user_id: str, action: str, item: AdminItem | None,
                items: Callable[[], list[AdminItem]]) -> list[Outcome]:
        uid = _q(user_id)
        if action == "token" and item is not None:
            if item.kind == "device credential":
                return [self._delete(f"/device-credentials/{_q(item.id)}",
                                     f"device credential {item.id}")]
            return [self._delete(f"/refresh-tokens/{_q(item.id)}", f"refresh token {item.id}")]
        if action == "all-tokens":
            listed = [i for i in items() if i.kind in ("refresh token", "device credential")]
            if any(i.kind == "device credential" for i in listed):
                return [self._delete(f"/device-credentials/{_q(i.id)}",
                                     f"device credential {i.id}") for i in listed]
            return [self._delete(f"/users/{uid}/refresh-tokens", "all refresh tokens")]
        if action == "session" and item is not None:
            return [self._delete(f"/sessions/{_q(item.id)}", f"session {item.id}")]
        if action == "all-sessions":
            return [self._delete(f"/users/{uid}/sessions", "all sessions")]
        if action == "grant" and item is not None:
            return [self._delete(f"/grants/{_q(item.id)}", f"grant {item.id}")]
        return []


def _q(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def _clients(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(c.get("client_id")) for c in value if isinstance(c, dict))
    return ""


def _device(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    agent = value.get("last_user_agent") or value.get("initial_user_agent") or ""
    ip = value.get("last_ip") or value.get("initial_ip") or ""
    return " · ".join(str(x) for x in (agent, ip) if x)
