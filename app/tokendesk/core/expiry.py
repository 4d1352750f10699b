"""Expiry: how long each stored token has left, and its state — pure, with an injectable clock.

The same :func:`tokendesk.core.oauth.exchange.needs_refresh` decides when a refresh is due for
the CLI (``tokendesk token``) and the GUI.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import NamedTuple

from .timefmt import human_duration
from .vault.model import Client, Credential

__all__ = ["ExpiryRow", "State", "Timeline", "countdown", "expiry_rows", "lifetime_left",
           "state_of", "time_left"]

#: Warn this long before a token expires, unless a client says otherwise.
DEFAULT_WARN_BEFORE = 5 * 60.0


class State(StrEnum):
    FRESH = "fresh"
    EXPIRING = "expiring soon"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


class ExpiryRow(NamedTuple):
    credential: str
    client: str
    environment: str
    kind: str  # "access token", "ID token", "refresh token"
    expires_at: float | None  # on the local clock (a server's measured skew taken out)
    note: str = ""  # what is known about this expiry (absolute, idle, as the server said)
    issued_at: float | None = None  # for the lifetime bar
    warn_before: float = DEFAULT_WARN_BEFORE
    pinned: bool = False  # pinned from the Inspector, not a vault credential
    status: str = ""  # the credential's state when it is not "active" ("needs sign-in"...)


def state_of(expires_at: float | None, now: float, warn_before: float = DEFAULT_WARN_BEFORE,
             skew: float = 0.0) -> State:
    """The state at ``now``; ``skew`` is server time minus local time (from a Date header)."""
    if expires_at is None:
        return State.UNKNOWN
    left = expires_at - (now + skew)
    if left <= 0:
        return State.EXPIRED
    return State.EXPIRING if left <= warn_before else State.FRESH


def time_left(expires_at: float | None, now: float, skew: float = 0.0) -> str:
    """ "4 min 12 s", "expired 2 min ago", or "not known"."""
    if expires_at is None:
        return "not known"
    left = expires_at - (now + skew)
    return human_duration(left) if left > 0 else f"expired {human_duration(left)} ago"


def countdown(expires_at: float, now: float,
              warn_before: float = DEFAULT_WARN_BEFORE) -> tuple[str, State]:
    """A countdown for one token, as the Inspector shows it: ("expires in 4 min 12 s", state)
    or ("expired 2 min ago", EXPIRED)."""
    state = state_of(expires_at, now, warn_before)
    left = expires_at - now
    text = (f"expires in {human_duration(left)}" if state is not State.EXPIRED
            else f"expired {human_duration(left)} ago")
    return text, state


def lifetime_left(row: ExpiryRow, now: float) -> float | None:
    """The share of the token's lifetime still ahead (0..1), when its start is known."""
    if row.expires_at is None or row.issued_at is None or row.expires_at <= row.issued_at:
        return None
    return max(0.0, min(1.0, (row.expires_at - now) / (row.expires_at - row.issued_at)))


def _stated_refresh_expiry(c: Credential, client: Client | None) -> tuple[float | None, str,
                                                                           float | None]:
    """The refresh token's expiry: what the server said, else the lifetime the user stated
    for the client (idle lifetimes restart at each refresh; absolute ones at the sign-in)."""
    if c.refresh_expires_at is not None:
        return c.refresh_expires_at, c.refresh_expiry_kind, c.last_refreshed_at or c.created_at
    if client is not None and client.refresh_lifetime:
        if client.refresh_lifetime_kind == "absolute":
            start = c.created_at
            note = (f"absolute lifetime you stated for {client.name}, from the sign-in; the "
                    "idle lifetime is not known")
        else:
            start = c.last_refreshed_at or c.created_at
            note = (f"idle lifetime you stated for {client.name}, restarting at each refresh; "
                    "the absolute lifetime is not known")
        return start + client.refresh_lifetime, note, start
    return None, ("not known: the server did not say; state the client's refresh-token "
                  "lifetime in its settings"), None


def expiry_rows(credentials: Iterable[Credential], clients: Iterable[Client] = (),
                pinned: Iterable[ExpiryRow] = ()) -> list[ExpiryRow]:
    """One row per token of each credential, plus the pinned tokens, soonest expiry first
    (unknown last). Times are moved onto the local clock by each client's measured skew, and
    each row warns as many minutes ahead as its client says (at most half its lifetime)."""
    by_name = {c.name: c for c in clients}
    rows = list(pinned)
    for c in credentials:
        client = by_name.get(c.client)
        skew = client.clock_skew if client else 0.0
        warn = client.warn_minutes * 60 if client else DEFAULT_WARN_BEFORE
        issued = c.last_refreshed_at or c.created_at or None

        def local(at: float | None, skew: float = skew) -> float | None:
            return None if at is None else at - skew

        def warn_for(at: float | None, start: float | None, warn: float = warn) -> float:
            # a token that lives no longer than the warning time would warn at every refresh:
            # its warning comes at half its lifetime instead
            if at is not None and start is not None and at > start:
                return min(warn, (at - start) / 2)
            return warn

        status = "" if c.status == "active" else str(c.status)
        access_at = local(c.access_expires_at)
        rows.append(ExpiryRow(c.name, c.client, c.environment, "access token", access_at, "",
                              issued, warn_for(access_at, issued), status=status))
        if c.id_expires_at is not None:
            id_at = local(c.id_expires_at)
            rows.append(ExpiryRow(c.name, c.client, c.environment, "ID token", id_at, "",
                                  issued, warn_for(id_at, issued), status=status))
        refresh_at, note, start = _stated_refresh_expiry(c, client)
        refresh_local = local(refresh_at)
        rows.append(ExpiryRow(c.name, c.client, c.environment, "refresh token", refresh_local,
                              note, start, warn_for(refresh_local, start), status=status))
    rows.sort(key=lambda r: (r.expires_at is None, r.expires_at or 0.0))
    return rows


class Timeline:
    """Rows sorted by expiry, unknown last (as :func:`expiry_rows` returns them): the known
    times are a sorted prefix, so the warning window and the counts per state are found by
    bisection, not by a scan. The Expiry table and the warnings (over every row, whatever the
    table's filter) share it."""

    def __init__(self, rows: Sequence[ExpiryRow] = ()) -> None:
        self.rows = rows
        self.times = [r.expires_at for r in rows if r.expires_at is not None]
        self._max_warn = max((r.warn_before for r in rows), default=DEFAULT_WARN_BEFORE)
        self._min_warn = min((r.warn_before for r in rows), default=DEFAULT_WARN_BEFORE)

    def warning_window(self, now: float) -> Sequence[int]:
        """Indexes of the rows that expire within their warning time (not yet expired): by
        bisection alone when every row warns equally early (O(log n)), else by bisection up to
        the longest warning time and then each row's own."""
        first = bisect_right(self.times, now)
        last = bisect_right(self.times, now + self._max_warn)
        if self._min_warn == self._max_warn:
            return range(first, last)
        rows = self.rows
        return [i for i in range(first, last)
                if rows[i].expires_at - now <= rows[i].warn_before]  # type: ignore[operator]

    def counts(self, now: float) -> dict[State, int]:
        """How many rows are in each state at ``now``."""
        expired = bisect_right(self.times, now)
        expiring = len(self.warning_window(now))
        return {State.EXPIRED: expired, State.EXPIRING: expiring,
                State.FRESH: len(self.times) - expired - expiring,
                State.UNKNOWN: len(self.rows) - len(self.times)}
