"""What the vault knows: clients and credentials. Nothing in here is secret.

Secrets (client secrets, private keys, refresh/access/ID tokens) live only in the secret store;
these records hold their fingerprints (a short SHA-256, never the value), expiry times and state.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from ..choices import AUTH_METHODS, ENVIRONMENTS
from ..timefmt import is_json_number

__all__ = [
    "AUTH_METHODS",
    "ENVIRONMENTS",
    "AuditEntry",
    "Client",
    "Credential",
    "Status",
    "fingerprint",
]



class Status(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    REUSE_DETECTED = "reuse detected"
    REVOKE_PENDING = "revoke pending"
    NEEDS_SIGN_IN = "needs sign-in"
    UNKNOWN = "unknown"


def fingerprint(secret: str | None) -> str | None:
    """A short SHA-256 of a token, to tell tokens apart without revealing them."""
    if not secret:
        return None
    return "sha256:" + hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()[:12]


@dataclass(frozen=True)
class Client:
    """An OAuth client at an issuer. ``has_secret`` says whether a secret is in the store."""

    name: str
    issuer: str
    client_id: str
    auth_method: str = "client_secret_basic"
    scope: str = ""
    audience: str = ""
    discovery_url: str = ""
    endpoints: dict[str, str] = field(default_factory=dict)
    extra_params: dict[str, str] = field(default_factory=dict)
    environment: str = ""
    admin_provider: str = ""
    has_secret: bool = False
    uid: str = ""
    created_at: float = 0.0
    #: Warn this many minutes before one of this client's tokens expires.
    warn_minutes: float = 5.0
    #: A refresh-token lifetime the user states when the server does not say (seconds), and
    #: whether it is "idle" (resets on each refresh) or "absolute" (from the sign-in).
    refresh_lifetime: float | None = None
    refresh_lifetime_kind: str = ""
    #: The server's clock minus ours, from the Date header of its last token response.
    clock_skew: float = 0.0
    #: Changes (randomly) whenever the client's secret or private key does: a cached client
    #: built with the old secret knows to read the new one (the secret itself is never here).
    secret_rev: str = ""
    #: DPoP (RFC 9449): the algorithm of the key made for each credential of this client
    #: (``ES256``, ``EdDSA``, ``RS256``); "" sends no proofs unless a sign-in asks for them.
    dpop_alg: str = ""

    _PREFS = ("warn_minutes", "refresh_lifetime", "refresh_lifetime_kind", "clock_skew",
              "secret_rev")

    def prefs(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._PREFS}

    @classmethod
    def prefs_from(cls, stored: Any) -> dict[str, Any]:
        """The known preferences from a stored JSON object (unknown or mistyped ones dropped)."""
        if not isinstance(stored, dict):
            return {}
        out: dict[str, Any] = {}
        for name in ("warn_minutes", "refresh_lifetime", "clock_skew"):
            value = stored.get(name)
            if is_json_number(value):
                out[name] = float(value)
        if stored.get("refresh_lifetime_kind") in ("idle", "absolute"):
            out["refresh_lifetime_kind"] = stored["refresh_lifetime_kind"]
        if isinstance(stored.get("secret_rev"), str):
            out["secret_rev"] = stored["secret_rev"]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "issuer": self.issuer, "client_id": self.client_id,
            "auth_method": self.auth_method, "scope": self.scope, "audience": self.audience,
            "discovery_url": self.discovery_url, "endpoints": self.endpoints,
            "extra_params": self.extra_params, "environment": self.environment,
            "admin_provider": self.admin_provider, "has_secret": self.has_secret,
            "created_at": self.created_at, **self.prefs(), "dpop_alg": self.dpop_alg,
        }


class Credential(NamedTuple):
    """One user's tokens at one client (the tokens themselves are in the secret store).

    A ``NamedTuple``: listing 10,000 of them must take well under 100 ms (issue 4), and a frozen
    dataclass of 21 fields costs several times more to build.
    """

    name: str
    client: str
    uid: str
    status: Status = Status.ACTIVE
    subject: str = ""
    scope: str = ""
    refresh_fp: str | None = None
    access_fp: str | None = None
    id_fp: str | None = None
    access_expires_at: float | None = None
    id_expires_at: float | None = None
    refresh_expires_at: float | None = None
    refresh_expiry_kind: str = ""  # "absolute (exp)", "idle (refresh_expires_in)", ...
    created_at: float = 0.0
    last_refreshed_at: float | None = None
    rotation_count: int = 0
    notes: str = ""
    environment: str = ""
    slot: str = ""
    has_access_token: bool = False
    has_id_token: bool = False
    #: Auto-refresh this many seconds before the access token expires (None: off).
    auto_refresh: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "client": self.client, "status": str(self.status),
            "subject": self.subject, "scope": self.scope, "environment": self.environment,
            "fingerprints": {"refresh_token": self.refresh_fp, "access_token": self.access_fp,
                             "id_token": self.id_fp},
            "expires_at": {"access_token": self.access_expires_at,
                           "id_token": self.id_expires_at,
                           "refresh_token": self.refresh_expires_at},
            "refresh_expiry_kind": self.refresh_expiry_kind,
            "created_at": self.created_at, "last_refreshed_at": self.last_refreshed_at,
            "rotation_count": self.rotation_count, "notes": self.notes,
            "auto_refresh_before_s": self.auto_refresh,
        }


@dataclass(frozen=True)
class AuditEntry:
    at: float
    action: str  # added, refreshed, rotated, revoked, deleted, exported, imported, ...
    target: str  # the credential or client name
    detail: str = ""  # plain words; fingerprints, never secrets
    actor: str = ""  # who ran it locally
