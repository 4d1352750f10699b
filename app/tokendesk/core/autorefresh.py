"""When to auto-refresh which credential, and what to do after a failure — pure, clock-injected.

The GUI asks :meth:`Scheduler.due` once per tick, runs each due refresh through
:meth:`tokendesk.core.oauth.exchange.Exchange.refresh_if_needed` (which decides again under the
credential's lock, so two windows or a window and a script never refresh twice), and reports the
outcome with :meth:`Scheduler.succeeded` or :meth:`Scheduler.failed`:

* one refresh per credential in flight at a time (:meth:`Scheduler.begin`);
* after a failure that may pass (network, 5xx, ``temporarily_unavailable``, an unusable answer,
  a locked keyring) the next attempt
  waits, doubling from 30 s up to 15 min, or as long as the server's ``Retry-After`` says;
* ``invalid_grant`` (the refresh token is dead) and configuration errors (``invalid_client``,
  ``unauthorized_client``, ``invalid_scope``) stop auto-refresh for that credential until the
  user turns it on again: retrying cannot help and would only hammer the server.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .errors import InvalidGrant, ProviderError, RotationLost, TokendeskError
from .oauth.exchange import needs_refresh
from .vault.model import Credential, Status

__all__ = ["BACKOFF_MAX", "BACKOFF_START", "Failure", "Scheduler"]

BACKOFF_START = 30.0
BACKOFF_MAX = 15 * 60.0


@dataclass
class _Entry:
    before: float
    expires_at: float | None
    has_access_token: bool
    skew: float
    failures: int = 0
    retry_at: float = 0.0
    stopped: str = ""


@dataclass(frozen=True)
class Failure:
    """What a failed scheduled refresh means for a person (never the token)."""

    name: str
    stopped: bool
    retry_in: float | None
    message: str


class Scheduler:
    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._in_flight: set[str] = set()

    def update(self, credentials: Iterable[Credential], skews: dict[str, float] | None = None
               ) -> None:
        """Take the current credentials (from the vault list): those with auto-refresh on are
        scheduled; back-off and a stop survive an update, a changed lead time resets them."""
        skews = skews or {}
        seen = set()
        for c in credentials:
            if c.auto_refresh is None or c.status in (Status.REVOKED, Status.NEEDS_SIGN_IN,
                                                      Status.REUSE_DETECTED):
                continue
            seen.add(c.name)
            old = self._entries.get(c.name)
            entry = _Entry(c.auto_refresh, c.access_expires_at, c.has_access_token,
                           skews.get(c.client, 0.0))
            if old is not None and old.before == entry.before:
                entry.failures, entry.retry_at, entry.stopped = (old.failures, old.retry_at,
                                                                 old.stopped)
            self._entries[c.name] = entry
        for name in set(self._entries) - seen:
            del self._entries[name]

    @property
    def scheduled(self) -> list[str]:
        return sorted(n for n, e in self._entries.items() if not e.stopped)

    def lead(self, name: str) -> float:
        """How long before the access token's expiry ``name`` is refreshed."""
        return self._entries[name].before

    def stopped(self, name: str) -> str:
        """Why auto-refresh of ``name`` stopped ("" when it did not)."""
        entry = self._entries.get(name)
        return entry.stopped if entry else ""

    def due(self, now: float) -> list[str]:
        """The credentials whose refresh should start now (not already in flight)."""
        return [name for name, e in self._entries.items()
                if not e.stopped and name not in self._in_flight and now >= e.retry_at
                and needs_refresh(e.expires_at, now, e.before, e.has_access_token, e.skew)]

    def begin(self, name: str) -> bool:
        """Claim ``name`` for one refresh; ``False`` when one is already running."""
        if name in self._in_flight:
            return False
        self._in_flight.add(name)
        return True

    def succeeded(self, name: str, access_expires_at: float | None) -> None:
        self._in_flight.discard(name)
        entry = self._entries.get(name)
        if entry is not None:
            entry.failures, entry.retry_at = 0, 0.0
            entry.expires_at = access_expires_at
            entry.has_access_token = True

    def failed(self, name: str, exc: BaseException, now: float) -> Failure:
        self._in_flight.discard(name)
        entry = self._entries.get(name)
        reason = exc.message if isinstance(exc, TokendeskError) else type(exc).__name__
        if isinstance(exc, InvalidGrant | RotationLost):
            stop = (f"the server refused the refresh token ({reason}): sign in again in the "
                    "Exchange view")
        elif isinstance(exc, ProviderError) and not exc.unavailable:
            stop = f"the server refused the client's request ({reason}): check the client settings"
        else:  # network, 5xx, a bad answer, a locked keyring: may pass, so back off
            stop = ""
        if entry is None:
            return Failure(name, bool(stop), None, f"Auto-refresh of {name} failed: {reason}.")
        if stop:
            entry.stopped = stop
            return Failure(name, True, None, f"Auto-refresh of {name} stopped: {stop}.")
        entry.failures += 1
        wait = min(BACKOFF_MAX, BACKOFF_START * 2 ** (entry.failures - 1))
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int | float) and retry_after > 0:
            wait = max(wait, min(float(retry_after), 3600.0))
        entry.retry_at = now + wait
        return Failure(name, False, wait, f"Auto-refresh of {name} failed ({reason}); the token "
                       f"is kept and the next try is in {int(wait)} s.")
