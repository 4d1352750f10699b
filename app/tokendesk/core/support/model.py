"""What a support console shows and does: users, their tokens, sessions and grants, revocations.

Plain records, the same for every provider; the connectors map each provider's answers onto
them. Nothing here is secret: token *ids* from an admin API are handles, not tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

__all__ = ["AdminItem", "AdminUser", "Outcome", "Progress", "Revocation", "ts"]

#: Reports progress on long work ("page 3 of refresh tokens: 300 so far").
Progress = Callable[[str], None]


class AdminUser(NamedTuple):
    id: str
    email: str = ""
    name: str = ""
    created_at: float | None = None
    last_login: float | None = None
    blocked: bool = False
    extra: dict[str, Any] = {}

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "email": self.email, "name": self.name,
                "created_at": self.created_at, "last_login": self.last_login,
                "blocked": self.blocked, **({"extra": self.extra} if self.extra else {})}


class AdminItem(NamedTuple):
    """A refresh token, session, grant or offline session at the provider."""

    kind: str  # "refresh token", "session", "grant", "offline session", "device credential"
    id: str
    client: str = ""
    created_at: float | None = None
    last_used: float | None = None
    expires_at: float | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "client": self.client,
                "created_at": self.created_at, "last_used": self.last_used,
                "expires_at": self.expires_at, "detail": self.detail}


class Outcome(NamedTuple):
    """One revocation as the provider answered it."""

    target: str  # what: "refresh token rt_1", "all sessions"
    ok: bool
    status: int | None  # the provider's HTTP status (None: not sent)
    message: str = ""


class Revocation(NamedTuple):
    provider: str
    user_id: str
    action: str
    outcomes: list[Outcome]

    @property
    def ok(self) -> bool:
        return bool(self.outcomes) and all(o.ok for o in self.outcomes)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    def summary(self) -> str:
        done = len(self.outcomes) - len(self.failed)
        if not self.outcomes:
            return f"Nothing to revoke for {self.user_id} ({self.action})."
        if self.ok:
            return f"{self.provider}: {self.action} for {self.user_id}: done ({done} confirmed)."
        first = self.failed[0]
        return (f"{self.provider}: {self.action} for {self.user_id}: {done} of "
                f"{len(self.outcomes)} confirmed, {len(self.failed)} failed (first: "
                f"{first.target}: {first.message}).")

    def to_dict(self) -> dict[str, Any]:
        return {"provider": self.provider, "user_id": self.user_id, "action": self.action,
                "ok": self.ok, "outcomes": [o._asdict() for o in self.outcomes]}


def ts(value: Any) -> float | None:
    """A provider's time (ISO 8601 text, epoch seconds, or epoch milliseconds) as epoch
    seconds."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) / 1000 if value > 10_000_000_000 else float(value)
    if isinstance(value, str) and value:
        from datetime import datetime

        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None
