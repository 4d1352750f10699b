"""Expiry: how long each stored token has left, and its state — pure, with an injectable clock.

The same :func:`tokendesk.core.oauth.exchange.needs_refresh` decides when a refresh is due for
the CLI (``tokendesk token``) and the GUI.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import NamedTuple

from .timefmt import human_duration
from .vault.model import Credential

__all__ = ["ExpiryRow", "State", "expiry_rows", "state_of", "time_left"]

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
    expires_at: float | None
    note: str = ""  # what is known about this expiry (absolute, idle, as the server said)


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


def expiry_rows(credentials: Iterable[Credential]) -> list[ExpiryRow]:
    """One row per token of each credential, soonest expiry first (unknown last)."""
    rows = []
    for c in credentials:
        rows.append(ExpiryRow(c.name, c.client, c.environment, "access token",
                              c.access_expires_at))
        if c.id_expires_at is not None:
            rows.append(ExpiryRow(c.name, c.client, c.environment, "ID token", c.id_expires_at))
        rows.append(ExpiryRow(c.name, c.client, c.environment, "refresh token",
                              c.refresh_expires_at,
                              c.refresh_expiry_kind or "not known: the server did not say"))
    rows.sort(key=lambda r: (r.expires_at is None, r.expires_at or 0.0))
    return rows
