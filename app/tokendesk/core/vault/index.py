"""The vault index: sqlite3 under ``TOKENDESK_HOME``. Names, issuers, expiry times, fingerprints,
history — never a secret.

The schema version is ``PRAGMA user_version``; :data:`MIGRATIONS` upgrades it one step at a
time, each step in its own transaction. A database from a newer Tokendesk is refused, not
guessed at.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import VaultCorrupt, VaultError
from .model import AuditEntry, Client, Credential, Status

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Index"]


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


#: MIGRATIONS[i] takes the schema from version i to i + 1.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3]
SCHEMA_VERSION = len(MIGRATIONS)

_CREDENTIAL_COLUMNS = (
    "c.name, k.name, c.uid, c.status, c.subject, c.scope, c.refresh_fp, c.access_fp, c.id_fp, "
    "c.access_expires_at, c.id_expires_at, c.refresh_expires_at, c.refresh_expiry_kind, "
    "c.created_at, c.last_refreshed_at, c.rotation_count, c.notes, k.environment, c.slot, "
    "c.has_access_token, c.has_id_token, c.auto_refresh"
)


_STATUS = {status.value: status for status in Status}
#: What a list shows: each value read from sqlite costs microseconds, times 10,000 rows.
_SUMMARY_COLUMNS = (
    "c.name, k.name, c.uid, c.status, c.access_expires_at, c.refresh_expires_at, "
    "c.refresh_expiry_kind, c.last_refreshed_at, c.refresh_fp, k.environment, c.auto_refresh"
)


def _summary(row: Sequence[Any]) -> Credential:
    return Credential(row[0], row[1], row[2], _STATUS.get(row[3], Status.UNKNOWN),
                      access_expires_at=row[4], refresh_expires_at=row[5],
                      refresh_expiry_kind=row[6], last_refreshed_at=row[7], refresh_fp=row[8],
                      environment=row[9], auto_refresh=row[10])


def _credential(row: Sequence[Any]) -> Credential:
    return Credential(row[0], row[1], row[2], _STATUS.get(row[3], Status.UNKNOWN), row[4], row[5],
                      row[6], row[7],
                      row[8], row[9], row[10], row[11], row[12], row[13], row[14], row[15],
                      row[16], row[17], row[18], bool(row[19]), bool(row[20]), row[21])


class Index:
    def __init__(self, path: Path, *, migrations: Sequence[Callable[[sqlite3.Connection], None]]
                 = MIGRATIONS) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(str(path), isolation_level=None, timeout=10,
                                      check_same_thread=False)
            self._set_wal()
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate(migrations)
        except sqlite3.DatabaseError as exc:
            raise VaultCorrupt(f"the vault index {path.name} cannot be read ({exc})") from None
        try:
            path.chmod(0o600)
        except OSError:
            pass

    def _set_wal(self) -> None:
        """Switch to WAL. Two processes creating the index at the same moment can get
        'database is locked' here at once (the busy timeout does not cover this change of
        journal mode), so it is tried again for a few seconds."""
        for attempt in range(50):
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 49:
                    raise
                time.sleep(0.1)

    def close(self) -> None:
        self.db.close()

    @property
    def version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self, migrations: Sequence[Callable[[sqlite3.Connection], None]]) -> None:
        current = self.version
        if current > len(migrations):
            raise VaultError(
                f"the vault index is at schema version {current}, newer than this Tokendesk "
                f"knows ({len(migrations)}): update Tokendesk rather than risk the data")
        for step in range(current, len(migrations)):
            with self.transaction():
                # another process (or window) opening the same index at the same moment may
                # have taken this step already: the version is read again under the write lock
                if self.version > step:
                    continue
                migrations[step](self.db)
                self.db.execute(f"PRAGMA user_version = {step + 1}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    # -- clients ------------------------------------------------------------------------------
    def add_client(self, client: Client) -> None:
        try:
            self.db.execute(
                "INSERT INTO clients VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (client.uid, client.name, client.issuer, client.client_id, client.auth_method,
                 client.scope, client.audience, client.discovery_url,
                 json.dumps(client.endpoints), json.dumps(client.extra_params),
                 client.environment, client.admin_provider, int(client.has_secret),
                 client.created_at or time.time(), json.dumps(client.prefs())))
        except sqlite3.IntegrityError:
            raise VaultError(f"a client named {client.name!r} already exists") from None

    def update_client(self, client: Client) -> None:
        self.db.execute(
            "UPDATE clients SET issuer=?, client_id=?, auth_method=?, scope=?, audience=?, "
            "discovery_url=?, endpoints=?, extra_params=?, environment=?, admin_provider=?, "
            "has_secret=?, prefs=? WHERE uid=?",
            (client.issuer, client.client_id, client.auth_method, client.scope, client.audience,
             client.discovery_url, json.dumps(client.endpoints), json.dumps(client.extra_params),
             client.environment, client.admin_provider, int(client.has_secret),
             json.dumps(client.prefs()), client.uid))

    def set_client_skew(self, name: str, skew: float) -> None:
        """Remember the clock skew last measured at this client's server."""
        self.db.execute("UPDATE clients SET prefs = json_set(prefs, '$.clock_skew', ?) "
                        "WHERE name=?", (skew, name))

    def client(self, name: str) -> Client | None:
        row = self.db.execute("SELECT * FROM clients WHERE name=?", (name,)).fetchone()
        return self._client(row) if row else None

    def clients(self) -> list[Client]:
        return [self._client(r) for r in self.db.execute("SELECT * FROM clients ORDER BY name")]

    @staticmethod
    def _client(row: Sequence[Any]) -> Client:
        return Client(row[1], row[2], row[3], row[4], row[5], row[6], row[7], json.loads(row[8]),
                      json.loads(row[9]), row[10], row[11], bool(row[12]), row[0], row[13],
                      **Client.prefs_from(json.loads(row[14])))

    def remove_client(self, name: str) -> None:
        self.db.execute("DELETE FROM clients WHERE name=?", (name,))

    def client_uid(self, name: str) -> str | None:
        row = self.db.execute("SELECT uid FROM clients WHERE name=?", (name,)).fetchone()
        return row[0] if row else None

    # -- credentials --------------------------------------------------------------------------
    def add_credential(self, cred: Credential, client_uid: str) -> None:
        try:
            self.db.execute(
                "INSERT INTO credentials (uid, name, client_uid, status, subject, scope, "
                "refresh_fp, access_fp, id_fp, access_expires_at, id_expires_at, "
                "refresh_expires_at, refresh_expiry_kind, created_at, last_refreshed_at, "
                "rotation_count, notes, slot, has_access_token, has_id_token) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (cred.uid, cred.name, client_uid, str(cred.status), cred.subject, cred.scope,
                 cred.refresh_fp, cred.access_fp, cred.id_fp, cred.access_expires_at,
                 cred.id_expires_at, cred.refresh_expires_at, cred.refresh_expiry_kind,
                 cred.created_at or time.time(), cred.last_refreshed_at, cred.rotation_count,
                 cred.notes, cred.slot, int(cred.has_access_token), int(cred.has_id_token)))
        except sqlite3.IntegrityError:
            raise VaultError(f"a credential named {cred.name!r} already exists") from None

    def credential(self, name: str) -> Credential | None:
        row = self.db.execute(
            f"SELECT {_CREDENTIAL_COLUMNS} FROM credentials c JOIN clients k "  # noqa: S608
            "ON c.client_uid = k.uid WHERE c.name=?", (name,)).fetchone()
        return _credential(row) if row else None

    def credentials(self, search: str = "", *, client: str | None = None,
                    environment: str | None = None, status: str | None = None,
                    order: str = "name", summary: bool = False) -> list[Credential]:
        """All credentials matching a search over name, client, subject and notes.

        With ``summary`` only what a list shows is read (name, client, status, expiry times,
        last refresh, refresh fingerprint, environment); other fields keep their defaults."""
        where, args = [], []
        if search:
            where.append("(c.name LIKE ? OR k.name LIKE ? OR c.subject LIKE ? OR c.notes LIKE ?)")
            args += [f"%{search}%"] * 4
        if client:
            where.append("k.name = ?")
            args.append(client)
        if environment is not None:
            where.append("k.environment = ?")
            args.append(environment)
        if status:
            where.append("c.status = ?")
            args.append(status)
        orders = {"name": "c.name", "expiry": "COALESCE(c.access_expires_at, 1e18), c.name",
                  "client": "k.name, c.name"}
        # only constant SQL is joined here; every value is a bound parameter
        columns = _SUMMARY_COLUMNS if summary else _CREDENTIAL_COLUMNS
        sql = (f"SELECT {columns} FROM credentials c JOIN clients k "  # noqa: S608
               "ON c.client_uid = k.uid" + (" WHERE " + " AND ".join(where) if where else "")
               + f" ORDER BY {orders.get(order, 'c.name')}")
        build = _summary if summary else _credential
        return [build(r) for r in self.db.execute(sql, args)]

    def update_credential(self, name: str, **fields: Any) -> None:
        allowed = {"status", "subject", "scope", "refresh_fp", "access_fp", "id_fp",
                   "access_expires_at", "id_expires_at", "refresh_expires_at",
                   "refresh_expiry_kind", "last_refreshed_at", "rotation_count", "notes",
                   "has_access_token", "has_id_token", "auto_refresh"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"not a credential field: {sorted(unknown)}")
        if not fields:
            return
        values = [str(v) if isinstance(v, Status) else v for v in fields.values()]
        sets = ", ".join(f"{k}=?" for k in fields)
        self.db.execute(f"UPDATE credentials SET {sets} WHERE name=?", (*values, name))  # noqa: S608

    def switch_slot(self, name: str, new_slot: str, refresh_fp: str | None,
                    rotation: bool) -> str:
        """Point the credential at a new refresh-token slot (one transaction); the old slot is
        remembered as stale until :meth:`clear_stale_slot`. Returns the old slot."""
        with self.transaction() as db:
            row = db.execute("SELECT slot FROM credentials WHERE name=?", (name,)).fetchone()
            if row is None:
                raise VaultError(f"no credential named {name!r}")
            old = str(row[0])
            db.execute("UPDATE credentials SET slot=?, stale_slot=?, refresh_fp=?, "
                       "rotation_count = rotation_count + ? WHERE name=?",
                       (new_slot, old, refresh_fp, 1 if rotation else 0, name))
        return old

    def clear_stale_slot(self, name: str) -> None:
        self.db.execute("UPDATE credentials SET stale_slot=NULL WHERE name=?", (name,))

    def stale_slots(self) -> list[tuple[str, str, str]]:
        """(name, uid, stale slot) of credentials whose old slot was not deleted (a crash)."""
        return list(self.db.execute(
            "SELECT name, uid, stale_slot FROM credentials WHERE stale_slot IS NOT NULL"))

    def remove_credential(self, name: str) -> None:
        self.db.execute("DELETE FROM credentials WHERE name=?", (name,))

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM credentials").fetchone()[0])

    # -- exchange history ---------------------------------------------------------------------
    def add_exchange(self, credential: str, operation: str, status: str, *, endpoint: str = "",
                     duration_ms: float | None = None, rotated: bool = False,
                     old_fp: str | None = None, new_fp: str | None = None,
                     scope_before: str | None = None, scope_after: str | None = None,
                     request: dict[str, Any] | None = None,
                     response: dict[str, Any] | None = None) -> None:
        """Record one exchange. ``request`` and ``response`` must already be redacted."""
        self.db.execute(
            "INSERT INTO exchanges (credential, at, operation, endpoint, status, duration_ms, "
            "rotated, old_fp, new_fp, scope_before, scope_after, request, response) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (credential, time.time(), operation, endpoint, status, duration_ms, int(rotated),
             old_fp, new_fp, scope_before, scope_after, json.dumps(request or {}),
             json.dumps(response or {})))

    def exchanges(self, credential: str, limit: int = 200) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT at, operation, endpoint, status, duration_ms, rotated, old_fp, new_fp, "
            "scope_before, scope_after, request, response FROM exchanges WHERE credential=? "
            "ORDER BY id DESC LIMIT ?", (credential, limit))
        keys = ("at", "operation", "endpoint", "status", "duration_ms", "rotated", "old_fp",
                "new_fp", "scope_before", "scope_after", "request", "response")
        out = []
        for row in rows:
            item = dict(zip(keys, row, strict=True))
            item["rotated"] = bool(item["rotated"])
            item["request"] = json.loads(item["request"])
            item["response"] = json.loads(item["response"])
            out.append(item)
        return out

    # -- audit --------------------------------------------------------------------------------
    def audit(self, action: str, target: str, detail: str = "", actor: str = "") -> None:
        self.db.execute("INSERT INTO audit (at, action, target, detail, actor) VALUES (?,?,?,?,?)",
                        (time.time(), action, target, detail, actor))

    def audit_log(self, target: str | None = None, limit: int = 10_000) -> list[AuditEntry]:
        if target is None:
            rows = self.db.execute("SELECT at, action, target, detail, actor FROM audit "
                                   "ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = self.db.execute("SELECT at, action, target, detail, actor FROM audit "
                                   "WHERE target=? ORDER BY id DESC LIMIT ?", (target, limit))
        return [AuditEntry(*r) for r in rows]
