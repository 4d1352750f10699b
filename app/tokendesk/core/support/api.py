"""The HTTP side of an admin connection: a cached machine token, rate limits, errors in words.

* The machine token comes from the client credentials grant of the admin client stored in the
  vault, and is reused until a minute before it expires (or until the API answers 401 once).
* Its granted scopes (the response's ``scope``, or the token's ``scope``/``scp``/``permissions``
  claims, or Keycloak's ``realm-management`` roles) are known before any call, so a missing one
  is named before a request fails.
* 429 answers are waited out (``Retry-After``, or the ``X-RateLimit-Reset`` /
  ``X-Rate-Limit-Reset`` epoch) up to ``max_wait`` seconds each, five times at most; a
  ``Remaining: 0`` header pauses the next call until the reset, so long lists slow down instead
  of failing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from ..errors import AdminError, MissingScope, NotFound, ProviderError, RateLimited
from ..oauth.client import TokenResponse
from ..oauth.http import HttpClient, JsonResponse, retry_after, same_origin, without_query
from ..timefmt import finite_number
from .model import Progress

__all__ = ["AdminApi", "MachineToken"]

_MAX_RETRIES = 5


class MachineToken:
    """The admin connection's access token, from client credentials, cached until it expires."""

    def __init__(self, fetch: Callable[[], TokenResponse], *,
                 clock: Callable[[], float] = time.time) -> None:
        self._fetch = fetch
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self.scopes: set[str] | None = None  # None: the provider did not say
        self.roles: set[str] | None = None  # Keycloak realm-management roles, when present
        self.fetched = 0  # how many tokens were fetched (the cache is visible in tests)

    def get(self) -> str:
        if self._token is None or self._clock() >= self._expires_at - 60:
            try:
                response = self._fetch()
            except ProviderError as exc:
                raise AdminError(f"the admin client could not get a machine token from its "
                                 f"token endpoint ({exc.message})", status=exc.status) from None
            token = response.access_token
            if not token:
                raise AdminError("the token endpoint gave no access token for the admin client")
            self.fetched += 1
            self._token = token
            # a lifetime that is not a finite number (true, NaN, 1e400) is not believed
            expires_in = finite_number(response.raw.get("expires_in"))
            self._expires_at = self._clock() + (expires_in if expires_in is not None
                                                and expires_in > 0 else 300)
            self.scopes, self.roles = _granted(response.raw.get("scope"), token)
        return self._token

    @property
    def expires_at(self) -> float:
        return self._expires_at

    def invalidate(self) -> None:
        self._token = None

    def require(self, needed: Iterable[str], what: str, provider: str, *,
                roles: bool = False) -> None:
        """Raise :class:`MissingScope` naming what the token lacks for ``what`` (its scopes,
        or with ``roles`` its Keycloak roles); nothing when the token does not say."""
        self.get()
        granted = self.roles if roles else self.scopes
        if granted is None:
            return
        missing = [s for s in needed if s not in granted]
        if missing:
            raise MissingScope(
                f"the {provider} admin client's token lacks {', '.join(missing)} (needed to "
                f"{what}); grant it to the client at {provider}, then try again", missing)


def _granted(scope: Any, token: str) -> tuple[set[str] | None, set[str] | None]:
    """(scopes, Keycloak roles) granted to a machine token, each None when not stated."""
    scopes: set[str] = set(scope.split()) if isinstance(scope, str) and scope else set()
    roles: set[str] | None = None
    from ..tokens.decoding import decode_token

    claims = decode_token(token).claims or {}
    for name in ("scope", "scp", "permissions"):
        value = claims.get(name)
        if isinstance(value, str):
            scopes.update(value.split())
        elif isinstance(value, list):
            scopes.update(v for v in value if isinstance(v, str))
    access = claims.get("resource_access")
    if isinstance(access, dict):
        # Keycloak lists every client the account has roles of: no realm-management entry in a
        # token that has the claim means no admin role at all (named before a call, not a 403)
        entry = access.get("realm-management")
        found = entry.get("roles") if isinstance(entry, dict) else []
        if isinstance(found, list):
            roles = {r for r in found if isinstance(r, str)}
    return scopes or None, roles


class AdminApi:
    def __init__(self, http: HttpClient, base_url: str, token: MachineToken, provider: str, *,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time, max_wait: float = 60.0) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.provider = provider
        self.sleep = sleep
        self.clock = clock
        self.max_wait = max_wait
        self._pause_until = 0.0
        self.calls = 0

    def url(self, path: str, params: dict[str, Any] | None = None) -> str:
        query = urlencode({k: v for k, v in (params or {}).items() if v is not None})
        return self.base_url + path + (f"?{query}" if query else "")

    def call(self, method: str, path_or_url: str, params: dict[str, Any] | None = None, *,
             progress: Progress | None = None) -> JsonResponse:
        if "://" in path_or_url[:12] or path_or_url.startswith("//"):
            url = path_or_url
            if not same_origin(url, self.base_url):  # SECURITY.md 36: the token stays home
                raise AdminError(f"{self.provider} pointed at {url[:200]}, another origin than "
                                 f"its admin API ({self.base_url}): not followed, so the "
                                 "machine token is not sent there")
        else:
            url = self.url(path_or_url, params)
        refreshed = False
        for _attempt in range(_MAX_RETRIES + 1):
            pause = self._pause_until - self.clock()
            if pause > 0:
                if progress:
                    progress(f"{self.provider} rate limit: pausing {pause:.0f} s")
                self.sleep(min(pause, self.max_wait))
            self.calls += 1
            response = self.http.request_json(
                method, url, headers={"Authorization": f"Bearer {self.token.get()}"},
                allow_any_body=True)
            self._note_limits(response.headers)
            if response.status == 429:
                wait = self._wait_for(response.headers)
                if wait > self.max_wait:
                    raise RateLimited(
                        f"{self.provider} is rate limiting this client for {wait:.0f} s more; "
                        "try again later", retry_after=wait)
                if progress:
                    progress(f"{self.provider} rate limit (HTTP 429): waiting {wait:.0f} s")
                self.sleep(wait)
                self._pause_until = 0.0  # that wait was the pause the headers asked for
                continue
            if response.status == 401 and not refreshed:
                refreshed = True  # the cached token may have been revoked: fetch a new one
                self.token.invalidate()
                continue
            if response.status >= 400:
                raise self._error(response, method, url)
            return response
        raise RateLimited(f"{self.provider} kept answering 429 after {_MAX_RETRIES} waits; "
                          "try again later")

    def _wait_for(self, headers: dict[str, str]) -> float:
        retry = retry_after(headers, self.clock())
        if retry is not None:
            return retry
        reset = headers.get("x-ratelimit-reset") or headers.get("x-rate-limit-reset") or ""
        if reset.strip().isdigit():
            return max(1.0, float(reset) - self.clock())
        return 1.0

    def _note_limits(self, headers: dict[str, str]) -> None:
        remaining = headers.get("x-ratelimit-remaining") or headers.get("x-rate-limit-remaining")
        reset = headers.get("x-ratelimit-reset") or headers.get("x-rate-limit-reset")
        if remaining == "0" and reset and reset.isdigit():
            self._pause_until = float(reset)

    def _error(self, response: JsonResponse, method: str, url: str) -> AdminError:
        body = response.body if isinstance(response.body, dict) else {}
        said = next((str(body[k]) for k in ("message", "errorSummary", "error_description",
                                            "errorMessage", "error") if body.get(k)), "")
        where = f"{method} {url[len(self.base_url):].split('?')[0] or '/'}"
        status = response.status
        text = f"{self.provider} answered HTTP {status} to {where}" + (f": {said}" if said
                                                                       else "")
        at = without_query(url)
        if status == 404:
            return NotFound(text, status=status, url=at)
        if status == 401:
            return AdminError(text + " (the admin client's token was refused: check its "
                              "credentials)", status=status, url=at)
        if status == 403:
            return AdminError(text + " (the admin client is not allowed to do this)",
                              status=status, url=at)
        return AdminError(text, status=status, url=at)
