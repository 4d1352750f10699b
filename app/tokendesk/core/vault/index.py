"""The vault index: sqlite3 under ``TOKENDESK_HOME``. Names, issuers, expiry times, fingerprints,
history — never a secret.

The schema version is ``PRAGMA user_version``; :data:`MIGRATIONS` upgrades it one step at a
time, each step in its own transaction. A database from a newer Tokendesk is refused, not
guessed at.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import VaultCorrupt, VaultError
from .model import AuditEntry, Client, Credential, Status
from .schema import MIGRATIONS, SCHEMA_VERSION
from .sqlite_errors import mapped, vault_error

__all__ = ["MAX_SEARCH", "MIGRATIONS", "SCHEMA_VERSION", "Index"]

#: The longest search text: sqlite refuses LIKE patterns past 50,000 bytes, and no name,
#: subject or note needs more.
MAX_SEARCH = 1000


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


#: The columns of ``clients`` in the order :meth:`Index._client` reads them.
_CLIENT_COLUMNS = (
    "uid, name, issuer, client_id, auth_method, scope, audience, discovery_url, endpoints, "
    "extra_params, environment, admin_provider, has_secret, created_at, prefs, dpop_alg"
)


class _Slot:
    """One thread's connection, kept in a ``threading.local``: when the thread ends (or a
    foreign thread's Python state goes), the slot is collected and its connection closed."""

    __slots__ = ("conn", "__weakref__")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn


def _forget(connections: dict[int, sqlite3.Connection], guard: threading.Lock,
            key: int) -> None:
    with guard:
        conn = connections.pop(key, None)
    if conn is not None:
        conn.close()


class Index:
    """The index, usable from any thread: each thread has its own connection (opened on its
    first use, with the same pragmas), so one thread's transaction is never joined by another
    thread's statements (DESIGN.md "Threading"; SECURITY.md 21a). sqlite's own locking (WAL, a
    busy timeout) orders the writers of all threads and processes. Errors are the vault's own
    (:class:`VaultError`, :class:`VaultCorrupt`), never sqlite's."""

    def __init__(self, path: Path, *, migrations: Sequence[Callable[[sqlite3.Connection], None]]
                 = MIGRATIONS, busy_timeout: float = 10.0) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        #: every connection this index opened and has not closed, by id
        self._connections: dict[int, sqlite3.Connection] = {}
        self._guard = threading.Lock()
        self._closed = False
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._migrate(migrations)  # once, on the first connection
        except sqlite3.DatabaseError as exc:
            self.close()
            if isinstance(exc, sqlite3.OperationalError):
                raise vault_error(exc, path) from None
            raise VaultCorrupt(f"the vault index {path.name} cannot be read ({exc})") from None
        except BaseException:
            self.close()
            raise
        try:
            path.chmod(0o600)
        except OSError:
            pass

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        slot = getattr(self._local, "slot", None)
        if slot is None or self._closed:
            return self._connect()
        conn: sqlite3.Connection = slot.conn
        return conn

    def _connect(self) -> sqlite3.Connection:
        if self._closed:
            raise VaultError(f"the vault index {self.path.name} is closed")
        # check_same_thread=False only so that close() can close it from another thread:
        # nothing but its own thread uses it
        conn = sqlite3.connect(str(self.path), isolation_level=None,
                               timeout=self.busy_timeout, check_same_thread=False)
        try:
            self._set_wal(conn)
            # WAL with synchronous=NORMAL: a commit is durable against a crash or a kill of
            # this process (the kill tests) without an fsync each (4 ms apiece here, three per
            # refresh); :meth:`make_durable` is the barrier before a step that must not outrun
            # a power loss (deleting a rotated-out token's slot)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
        except BaseException:
            conn.close()
            raise
        slot = _Slot(conn)
        with self._guard:
            if self._closed:
                conn.close()
                raise VaultError(f"the vault index {self.path.name} is closed")
            self._connections[id(conn)] = conn
        weakref.finalize(slot, _forget, self._connections, self._guard, id(conn))
        self._local.slot = slot
        return conn

    @staticmethod
    def _set_wal(db: sqlite3.Connection) -> None:
        """Switch to WAL. Two processes creating the index at the same moment can get
        'database is locked' here at once (the busy timeout does not cover this change of
        journal mode), so it is tried again for a few seconds."""
        for attempt in range(50):
            try:
                db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 49:
                    raise
                time.sleep(0.1)

    @mapped
    def data_version(self) -> int:
        """A number that changes when another connection (another thread, another process: the
        CLI beside the app) commits a change; cheap enough to ask once a second."""
        return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    @mapped
    def make_durable(self) -> None:
        """Make every commit so far survive a power loss (a WAL checkpoint, which fsyncs)."""
        self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        """Close every connection this index opened, whichever thread opened it."""
        with self._guard:
            self._closed = True
            connections = list(self._connections.values())
            self._connections.clear()
        for conn in connections:
            conn.close()

    @property
    @mapped
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
        """This thread's connection inside a write transaction (``BEGIN IMMEDIATE``): committed
        at the end, rolled back on any exception. Inside another transaction of the same
        thread it is a savepoint of that one."""
        db = self.db
        nested = db.in_transaction
        try:
            db.execute("SAVEPOINT tokendesk_nested" if nested else "BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise vault_error(exc, self.path) from None
        try:
            yield db
        except BaseException as exc:
            self._roll_back(db, nested)
            if isinstance(exc, sqlite3.Error):
                raise vault_error(exc, self.path) from None
            raise
        try:
            db.execute("RELEASE tokendesk_nested" if nested else "COMMIT")
        except sqlite3.Error as exc:
            self._roll_back(db, nested)
            raise vault_error(exc, self.path) from None

    @staticmethod
    def _roll_back(db: sqlite3.Connection, nested: bool) -> None:
        if not db.in_transaction:
            return  # sqlite rolled back already (after some errors it does)
        try:
            if nested:
                db.execute("ROLLBACK TO tokendesk_nested")
                db.execute("RELEASE tokendesk_nested")
            else:
                db.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the error that made us roll back is the one to report

    # -- clients ------------------------------------------------------------------------------
    @mapped
    def add_client(self, client: Client) -> None:
        try:
            self.db.execute(
                f"INSERT INTO clients ({_CLIENT_COLUMNS}) "  # noqa: S608 - constant columns
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (client.uid, client.name, client.issuer, client.client_id, client.auth_method,
                 client.scope, client.audience, client.discovery_url,
                 json.dumps(client.endpoints), json.dumps(client.extra_params),
                 client.environment, client.admin_provider, int(client.has_secret),
                 client.created_at or time.time(), json.dumps(client.prefs()), client.dpop_alg))
        except sqlite3.IntegrityError:
            raise VaultError(f"a client named {client.name!r} already exists") from None

    @mapped
    def update_client(self, client: Client) -> None:
        self.db.execute(
            "UPDATE clients SET issuer=?, client_id=?, auth_method=?, scope=?, audience=?, "
            "discovery_url=?, endpoints=?, extra_params=?, environment=?, admin_provider=?, "
            "has_secret=?, prefs=?, dpop_alg=? WHERE uid=?",
            (client.issuer, client.client_id, client.auth_method, client.scope, client.audience,
             client.discovery_url, json.dumps(client.endpoints), json.dumps(client.extra_params),
             client.environment, client.admin_provider, int(client.has_secret),
             json.dumps(client.prefs()), client.dpop_alg, client.uid))

    @mapped
    def set_client_skew(self, name: str, skew: float) -> None:
        """Remember the clock skew last measured at this client's server."""
        self.db.execute("UPDATE clients SET prefs = json_set(prefs, '$.clock_skew', ?) "
                        "WHERE name=?", (skew, name))

    @mapped
    def client(self, name: str) -> Client | None:
        row = self.db.execute(f"SELECT {_CLIENT_COLUMNS} FROM clients "  # noqa: S608
                              "WHERE name=?", (name,)).fetchone()
        return self._client(row) if row else None

    @mapped
    def clients(self) -> list[Client]:
        return [self._client(r) for r in self.db.execute(
            f"SELECT {_CLIENT_COLUMNS} FROM clients ORDER BY name")]  # noqa: S608

    @staticmethod
    def _client(row: Sequence[Any]) -> Client:
        return Client(row[1], row[2], row[3], row[4], row[5], row[6], row[7], json.loads(row[8]),
                      json.loads(row[9]), row[10], row[11], bool(row[12]), row[0], row[13],
                      **Client.prefs_from(json.loads(row[14])), dpop_alg=row[15])

    @mapped
    def remove_client(self, name: str) -> None:
        self.db.execute("DELETE FROM clients WHERE name=?", (name,))

    @mapped
    def client_uid(self, name: str) -> str | None:
        row = self.db.execute("SELECT uid FROM clients WHERE name=?", (name,)).fetchone()
        return row[0] if row else None

    # -- credentials --------------------------------------------------------------------------
    @mapped
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

    @mapped
    def credential(self, name: str) -> Credential | None:
        row = self.db.execute(
            f"SELECT {_CREDENTIAL_COLUMNS} FROM credentials c JOIN clients k "  # noqa: S608
            "ON c.client_uid = k.uid WHERE c.name=?", (name,)).fetchone()
        return _credential(row) if row else None

    @mapped
    def credentials(self, search: str = "", *, client: str | None = None,
                    environment: str | None = None, status: str | None = None,
                    order: str = "name", summary: bool = False) -> list[Credential]:
        """All credentials matching a search over name, client, subject and notes.

        With ``summary`` only what a list shows is read (name, client, status, expiry times,
        last refresh, refresh fingerprint, environment); other fields keep their defaults."""
        where, args = [], []
        if len(search) > MAX_SEARCH:
            raise VaultError(f"the search text is too long ({len(search):,} characters; at most "
                             f"{MAX_SEARCH:,}): search for a shorter text")
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

    @mapped
    def update_credential(self, name: str, **fields: Any) -> None:
        allowed = {"status", "subject", "scope", "refresh_fp", "access_fp", "id_fp",
                   "access_expires_at", "id_expires_at", "refresh_expires_at",
                   "refresh_expiry_kind", "last_refreshed_at", "rotation_count", "notes",
                   "has_access_token", "has_id_token", "auto_refresh", "pending_slot"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"not a credential field: {sorted(unknown)}")
        if not fields:
            return
        values = [str(v) if isinstance(v, Status) else v for v in fields.values()]
        sets = ", ".join(f"{k}=?" for k in fields)
        self.db.execute(f"UPDATE credentials SET {sets} WHERE name=?", (*values, name))  # noqa: S608

    @mapped
    def switch_slot(self, name: str, new_slot: str, refresh_fp: str | None,
                    rotation: bool, *, fields: dict[str, Any] | None = None,
                    audit: tuple[str, str, str] | None = None) -> str:
        """Point the credential at a new refresh-token slot (one transaction); the old slot is
        remembered as stale until :meth:`clear_stale_slot`. Returns the old slot.

        ``fields`` (as for :meth:`update_credential`) and an ``audit`` entry (action, detail,
        actor) are written in the same transaction: one commit for everything a refresh
        changes in the index."""
        with self.transaction() as db:
            row = db.execute("SELECT slot FROM credentials WHERE name=?", (name,)).fetchone()
            if row is None:
                raise VaultError(f"no credential named {name!r}")
            old = str(row[0])
            db.execute("UPDATE credentials SET slot=?, stale_slot=?, refresh_fp=?, "
                       "pending_slot=NULL, "
                       "rotation_count = rotation_count + ? WHERE name=?",
                       (new_slot, old, refresh_fp, 1 if rotation else 0, name))
            if fields:
                self.update_credential(name, **fields)
            if audit is not None:
                self.audit(audit[0], name, audit[1], audit[2])
        return old

    @mapped
    def clear_stale_slot(self, name: str, slot: str | None = None) -> None:
        """Forget the stale slot of ``name`` (only if it is still ``slot``, when given: a later
        rotation may have recorded another one meanwhile)."""
        if slot is None:
            self.db.execute("UPDATE credentials SET stale_slot=NULL WHERE name=?", (name,))
        else:
            self.db.execute("UPDATE credentials SET stale_slot=NULL WHERE name=? AND "
                            "stale_slot=?", (name, slot))

    @mapped
    def set_pending_slot(self, name: str, slot: str | None) -> None:
        """Name the slot a rotation is about to write (``None``: forget it)."""
        self.db.execute("UPDATE credentials SET pending_slot=? WHERE name=?", (slot, name))

    @mapped
    def pending_slots(self) -> list[tuple[str, str, str]]:
        """(name, uid, pending slot) of credentials whose rotation stopped before its switch."""
        return list(self.db.execute(
            "SELECT name, uid, pending_slot FROM credentials WHERE pending_slot IS NOT NULL"))

    @mapped
    def stale_slots(self) -> list[tuple[str, str, str]]:
        """(name, uid, stale slot) of credentials whose old slot was not deleted (a crash)."""
        return list(self.db.execute(
            "SELECT name, uid, stale_slot FROM credentials WHERE stale_slot IS NOT NULL"))

    @mapped
    def remove_credential(self, name: str) -> None:
        self.db.execute("DELETE FROM credentials WHERE name=?", (name,))

    @mapped
    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM credentials").fetchone()[0])

    # -- exchange history ---------------------------------------------------------------------
    @mapped
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

    @mapped
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
    @mapped
    def audit(self, action: str, target: str, detail: str = "", actor: str = "") -> None:
        self.db.execute("INSERT INTO audit (at, action, target, detail, actor) VALUES (?,?,?,?,?)",
                        (time.time(), action, target, detail, actor))

    @mapped
    def audit_log(self, target: str | None = None, limit: int = 10_000) -> list[AuditEntry]:
        if target is None:
            rows = self.db.execute("SELECT at, action, target, detail, actor FROM audit "
                                   "ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = self.db.execute("SELECT at, action, target, detail, actor FROM audit "
                                   "WHERE target=? ORDER BY id DESC LIMIT ?", (target, limit))
        return [AuditEntry(*r) for r in rows]
