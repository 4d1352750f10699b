"""The vault index's schema: :data:`MIGRATIONS` takes it from version ``i`` to ``i + 1``, one
step at a time, each in its own transaction (see :class:`tokendesk.core.vault.index.Index`).
A step is never edited once released: a change is a new step.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]


def _run(db: sqlite3.Connection, script: str) -> None:
    """Run several statements inside the caller's transaction (``executescript`` would commit
    it first)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _v1(db: sqlite3.Connection) -> None:
    _run(db, """
        CREATE TABLE clients (
            uid TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, issuer TEXT NOT NULL,
            client_id TEXT NOT NULL, auth_method TEXT NOT NULL, scope TEXT NOT NULL DEFAULT '',
            audience TEXT NOT NULL DEFAULT '', discovery_url TEXT NOT NULL DEFAULT '',
            endpoints TEXT NOT NULL DEFAULT '{}', extra_params TEXT NOT NULL DEFAULT '{}',
            environment TEXT NOT NULL DEFAULT '', admin_provider TEXT NOT NULL DEFAULT '',
            has_secret INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL
        );
        CREATE TABLE credentials (
            uid TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,
            client_uid TEXT NOT NULL REFERENCES clients(uid),
            status TEXT NOT NULL, subject TEXT NOT NULL DEFAULT '', scope TEXT NOT NULL DEFAULT '',
            refresh_fp TEXT, access_fp TEXT, id_fp TEXT,
            access_expires_at REAL, id_expires_at REAL, refresh_expires_at REAL,
            refresh_expiry_kind TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL, last_refreshed_at REAL,
            rotation_count INTEGER NOT NULL DEFAULT 0, notes TEXT NOT NULL DEFAULT '',
            slot TEXT NOT NULL, stale_slot TEXT,
            has_access_token INTEGER NOT NULL DEFAULT 0, has_id_token INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX credentials_client ON credentials(client_uid);
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, action TEXT NOT NULL,
            target TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '', actor TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX audit_target ON audit(target)
    """)


def _v2(db: sqlite3.Connection) -> None:
    """The exchange history: what was asked of a server and what it said (redacted)."""
    _run(db, """
        CREATE TABLE exchanges (
            id INTEGER PRIMARY KEY AUTOINCREMENT, credential TEXT NOT NULL, at REAL NOT NULL,
            operation TEXT NOT NULL, endpoint TEXT NOT NULL DEFAULT '', status TEXT NOT NULL,
            duration_ms REAL, rotated INTEGER NOT NULL DEFAULT 0, old_fp TEXT, new_fp TEXT,
            scope_before TEXT, scope_after TEXT, request TEXT NOT NULL DEFAULT '{}',
            response TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX exchanges_credential ON exchanges(credential, id)
    """)


def _v3(db: sqlite3.Connection) -> None:
    """Expiry settings: per-client preferences (warning minutes, a stated refresh-token
    lifetime, the measured clock skew) and per-credential auto-refresh."""
    _run(db, """
        ALTER TABLE clients ADD COLUMN prefs TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE credentials ADD COLUMN auto_refresh REAL
    """)


def _v4(db: sqlite3.Connection) -> None:
    """The slot a rotation is writing, named before the secret store is written: a crash
    between writing the server's new token and switching to it leaves it findable."""
    _run(db, "ALTER TABLE credentials ADD COLUMN pending_slot TEXT")


def _v5(db: sqlite3.Connection) -> None:
    """Sender-constrained tokens (RFC 9449, issue 18): a client's DPoP setting (the algorithm
    of the keys made for its credentials; '' for none) and the RFC 7638 thumbprint of the DPoP
    key a credential's tokens are bound to (the key itself is in the secret store)."""
    _run(db, """
        ALTER TABLE clients ADD COLUMN dpop_alg TEXT NOT NULL DEFAULT '';
        ALTER TABLE credentials ADD COLUMN dpop_jkt TEXT
    """)


#: MIGRATIONS[i] takes the schema from version i to i + 1.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3, _v4, _v5]
SCHEMA_VERSION = len(MIGRATIONS)
