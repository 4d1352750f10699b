"""The connector interface: what every provider's admin API offers the support console.

A connector maps one provider's admin API onto :mod:`.model`'s records. To add a provider,
subclass :class:`Connector` in a module of its own, fill :attr:`Connector.SCOPES`, implement the
five methods, and add one row to :data:`.registry.REGISTRY`: the console, the window's choices
and the CLI's ``--admin`` read it from there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any, ClassVar
from urllib.parse import quote

from ..errors import AdminError, NotFound
from .api import AdminApi
from .model import AdminItem, AdminUser, Outcome, Progress, Revocation

__all__ = ["ACTIONS", "MAX_PAGES", "Connector"]

#: Pages of one listing followed at most: a provider that always says "next" (or repeats a
#: cursor) must not keep the console listing forever (SECURITY.md 35).
MAX_PAGES = 1000

#: action -> what it does, in words (for confirmations, the CLI and the audit log).
ACTIONS = {
    "token": "revoke one refresh token",
    "all-tokens": "revoke all refresh tokens",
    "session": "end one session",
    "all-sessions": "end all sessions",
    "grant": "revoke a grant (consent)",
}


class Connector:
    provider: ClassVar[str] = ""
    #: The scopes (or roles) each operation needs: "find", "items", and each action.
    SCOPES: ClassVar[dict[str, list[str]]] = {}
    #: What stops working after each action, for the confirmation.
    CONSEQUENCES: ClassVar[dict[str, str]] = {
        "token": "the app holding this refresh token can no longer renew its access; the user "
                 "signs in again there when its access token expires",
        "all-tokens": "every app of this user can no longer renew its access; the user signs in "
                      "again everywhere once access tokens expire",
        "session": "this browser session ends; the user signs in again there",
        "all-sessions": "every browser session of this user ends; single sign-on asks for the "
                        "password again",
        "grant": "the app loses the user's consent (and tokens built on it); the user is asked "
                 "to consent again",
    }

    #: Whether SCOPES are Keycloak-style roles (``resource_access``) rather than OAuth scopes.
    ROLES: ClassVar[bool] = False
    #: Actions this provider's API cannot do, with the reason (shown instead of offering them).
    UNSUPPORTED: ClassVar[dict[str, str]] = {}

    def __init__(self, api: AdminApi, **options: Any) -> None:
        self.api = api
        self.options = options

    # -- to implement ---------------------------------------------------------------------------
    @staticmethod
    def api_base(issuer: str) -> str:
        """The admin API's base URL for a client at ``issuer``."""
        raise NotImplementedError

    def find(self, query: str, progress: Progress | None = None) -> list[AdminUser]:
        raise NotImplementedError

    @staticmethod
    def _to_user(u: dict[str, Any]) -> AdminUser:
        """One user object of the provider's API as an :class:`AdminUser`."""
        raise NotImplementedError

    def user(self, user_id: str) -> AdminUser:
        """``GET /users/{id}`` (every provider here has it, relative to its API base)."""
        self.require("find")
        body = self.api.call("GET", f"/users/{quote(user_id, safe='')}").body
        if not isinstance(body, dict):
            raise AdminError(f"{self.provider} answered the user lookup with something that is "
                             "not a user")
        return self._to_user(body)

    def _lookup(self, user_id: str) -> list[AdminUser]:
        """A find by id (or login): the user, or no one."""
        try:
            return [self.user(user_id)]
        except NotFound:
            return []

    def items(self, user_id: str, progress: Progress | None = None) -> list[AdminItem]:
        """The user's refresh tokens, sessions, offline sessions and grants."""
        raise NotImplementedError

    def _revoke(self, user_id: str, action: str, item: AdminItem | None,
                items: Callable[[], list[AdminItem]]) -> list[Outcome]:
        raise NotImplementedError

    # -- shared -----------------------------------------------------------------------------------
    def require(self, operation: str) -> None:
        self.api.token.require(self.SCOPES.get(operation, []),
                               ACTIONS.get(operation, f"{operation} users"), self.provider,
                               roles=self.ROLES)

    def granted(self) -> list[str]:
        """What the machine token is granted (scopes, or roles), fetching it if needed."""
        token = self.api.token
        token.get()
        return sorted((token.roles if self.ROLES else token.scopes) or [])

    def revoke(self, user_id: str, action: str, item_id: str | None = None,
               progress: Progress | None = None) -> Revocation:
        if action not in ACTIONS:
            raise AdminError(f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
        if action in self.UNSUPPORTED:
            raise AdminError(self.UNSUPPORTED[action])
        self.require(action)
        cache: list[list[AdminItem]] = []

        def items() -> list[AdminItem]:
            if not cache:
                cache.append(self.items(user_id, progress))
            return cache[0]

        item = None
        if action in ("token", "session", "grant"):
            if not item_id:
                raise AdminError(f"say which {action} to revoke (its id)")
            kinds = {"token": ("refresh token", "device credential", "offline session"),
                     "session": ("session", "offline session"), "grant": ("grant",)}[action]
            item = next((i for i in items() if i.id == item_id and i.kind in kinds), None)
            if item is None:
                raise AdminError(f"{self.provider} lists no {action} {item_id!r} for {user_id}")
        outcomes = self._revoke(user_id, action, item, items)
        return Revocation(self.provider, user_id, ACTIONS[action], outcomes)

    def _delete(self, path: str, target: str, method: str = "DELETE",
                params: dict[str, Any] | None = None) -> Outcome:
        """One revocation call; a refusal becomes a failed outcome, not an exception, so that a
        batch reports what was and was not done."""
        try:
            response = self.api.call(method, path, params)
        except AdminError as exc:
            return Outcome(target, False, exc.status, exc.message)
        note = " (accepted: the provider finishes it shortly)" if response.status == 202 else ""
        return Outcome(target, True, response.status, f"HTTP {response.status}{note}")

    def _pages(self, first: Callable[[], tuple[list[Any], Any]],
               following: Callable[[Any], tuple[list[Any], Any]], label: str,
               progress: Progress | None) -> Iterator[Any]:
        """Follow a provider's pagination: ``first()`` and ``following(cursor)`` each return
        (records, next cursor or None)."""
        records, cursor = first()
        count, page = len(records), 1
        seen: set[bytes] = set()
        yield from records
        while cursor is not None and records:
            # a cursor may be an int (a page number), a token or a URL; keep only its digest
            key = hashlib.sha256(repr(cursor).encode("utf-8", "backslashreplace")).digest()
            if key in seen:
                raise AdminError(f"{self.provider} sent the same next-page cursor twice while "
                                 f"listing {label} (after {page} pages, {count} records): "
                                 "stopped, the listing would never end")
            if page >= MAX_PAGES:
                raise AdminError(f"{self.provider} still had more {label} after {MAX_PAGES:,} "
                                 f"pages ({count} records): stopped; narrow the search")
            seen.add(key)
            page += 1
            if progress:
                progress(f"{self.provider}: {label}, page {page} ({count} so far)")
            records, cursor = following(cursor)
            count += len(records)
            yield from records
