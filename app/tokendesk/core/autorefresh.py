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

And three rules that keep a short-lived token from turning auto-refresh into a storm (a 5-minute
lead on 5-minute tokens once refreshed every second):

* the lead is at most half the access token's lifetime (a 300 s token with a 10 min lead is
  refreshed 150 s after it was issued);
* a credential is not refreshed again while its access token is younger than
  :data:`MIN_AGE` (or half its lifetime, when that is shorter);
* a refresh that brings an access token living :data:`MIN_LIFE` seconds or less stops
  auto-refresh with a warning instead of looping.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .errors import (
    InvalidGrant,
    MissingClientSecret,
    MissingEndpoint,
    ProviderError,
    RotationLost,
    TokendeskError,
)
from .oauth.exchange import needs_refresh
from .vault.model import Credential, Status

__all__ = ["BACKOFF_MAX", "BACKOFF_START", "Failure", "Scheduler"]

BACKOFF_START = 30.0
BACKOFF_MAX = 15 * 60.0
#: No credential is auto-refreshed twice within this many seconds (or half its token's life).
MIN_AGE = 60.0
#: An access token that lives no longer than this cannot be kept fresh by auto-refresh.
MIN_LIFE = 10.0


@dataclass
class _Entry:
    before: float
    expires_at: float | None
    has_access_token: bool
    skew: float
    issued_at: float | None = None  # when the access token was issued (its last refresh)
    failures: int = 0
    retry_at: float = 0.0
    stopped: str = ""

    @property
    def lifetime(self) -> float | None:
        if self.expires_at is None or self.issued_at is None:
            return None
        return self.expires_at - self.issued_at

    @property
    def lead(self) -> float:
        """The lead time in force: the user's, at most half the token's lifetime."""
        life = self.lifetime
        return min(self.before, life / 2) if life is not None and life > 0 else self.before

    def too_young(self, now: float) -> bool:
        if self.issued_at is None:
            return False
        life = self.lifetime
        floor = min(MIN_AGE, life / 2) if life is not None and life > 0 else MIN_AGE
        return now - self.issued_at < floor


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
            skew = skews.get(c.client, 0.0)
            issued = c.last_refreshed_at or c.created_at or None
            # expiry times are on the server's clock; the issue time is on ours
            entry = _Entry(c.auto_refresh, c.access_expires_at, c.has_access_token, skew,
                           issued + skew if issued is not None else None)
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
        """How long before the access token's expiry ``name`` is refreshed (the user's lead,
        at most half the token's lifetime)."""
        return self._entries[name].lead

    def capped(self, name: str) -> str:
        """Why the lead in force is shorter than the one chosen ("" when it is not)."""
        entry = self._entries.get(name)
        if entry is None or entry.lead >= entry.before:
            return ""
        return (f"the access tokens live {entry.lifetime:.0f} s, less than twice the "
                f"{entry.before:.0f} s lead: refreshed {entry.lead:.0f} s before expiry")

    def restart(self, name: str) -> None:
        """The user turned auto-refresh on again (even with the same lead): forget a stop and
        the back-off."""
        entry = self._entries.get(name)
        if entry is not None:
            entry.stopped, entry.failures, entry.retry_at = "", 0, 0.0

    def stopped(self, name: str) -> str:
        """Why auto-refresh of ``name`` stopped ("" when it did not)."""
        entry = self._entries.get(name)
        return entry.stopped if entry else ""

    def due(self, now: float) -> list[str]:
        """The credentials whose refresh should start now (not already in flight)."""
        return [name for name, e in self._entries.items()
                if not e.stopped and name not in self._in_flight and now >= e.retry_at
                and not (e.has_access_token and e.too_young(now + e.skew))
                and needs_refresh(e.expires_at, now, e.lead, e.has_access_token, e.skew)]

    def begin(self, name: str) -> bool:
        """Claim ``name`` for one refresh; ``False`` when one is already running."""
        if name in self._in_flight:
            return False
        self._in_flight.add(name)
        return True

    def succeeded(self, name: str, access_expires_at: float | None, now: float,
                  refreshed: bool = True) -> Failure | None:
        """Record a finished refresh (``refreshed``: False when another window or a script
        had just refreshed it). Returns a stop when the new token lives too short to keep
        fresh automatically."""
        self._in_flight.discard(name)
        entry = self._entries.get(name)
        if entry is None:
            return None
        entry.failures, entry.retry_at = 0, 0.0
        entry.expires_at = access_expires_at
        entry.has_access_token = True
        if refreshed:
            entry.issued_at = now + entry.skew
        left = None if access_expires_at is None else access_expires_at - (now + entry.skew)
        if refreshed and left is not None and left <= MIN_LIFE:
            entry.stopped = (f"the server issued an access token that lives only {left:.0f} s: "
                             "too short to refresh automatically without a loop")
            return Failure(name, True, None, f"Auto-refresh of {name} stopped: "
                           f"{entry.stopped}.")
        return None

    def failed(self, name: str, exc: BaseException, now: float) -> Failure:
        self._in_flight.discard(name)
        entry = self._entries.get(name)
        reason = exc.message if isinstance(exc, TokendeskError) else type(exc).__name__
        if isinstance(exc, InvalidGrant | RotationLost):
            stop = (f"the server refused the refresh token ({reason}): sign in again in the "
                    "Exchange view")
        elif isinstance(exc, ProviderError) and not exc.unavailable:
            stop = f"the server refused the client's request ({reason}): check the client settings"
        elif isinstance(exc, MissingEndpoint | MissingClientSecret):
            stop = f"the client is not set up to refresh ({reason})"
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
