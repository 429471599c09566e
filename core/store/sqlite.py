"""SQLite Store (the embedded default) on aiosqlite.

One connection, WAL mode. Every operation holds an ``asyncio.Lock``: a statement issued by
one task while another task has ``BEGIN IMMEDIATE`` open on the same connection would
silently join (and could be rolled back with) that transaction. Several processes may share
the file; ``BEGIN IMMEDIATE`` plus ``busy_timeout`` makes their read-modify-write steps
atomic too.

Each entity is the codec's JSON document in a ``body`` column, plus the columns queries need.
Expiry times are wall-clock epoch seconds: rows outlive the process, monotonic time does not.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from core.models import CardLocation, ChannelRef, Connection, Subscription, Ticket, TicketKind
from core.secrets import SecretBox
from core.store import codec
from core.store.port import OutboxItem, Store

__all__ = ["SCHEMA_VERSION", "SqliteStore"]

Doc = dict[str, Any]

SCHEMA_VERSION = 2
AUDIT_KEEP = 10_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    namespace TEXT NOT NULL, key TEXT NOT NULL, secret INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (namespace, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS once (
    namespace TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL, expires_at REAL NOT NULL,
    PRIMARY KEY (namespace, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS once_expiry ON once (expires_at);
CREATE TABLE IF NOT EXISTS connections (workspace TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tickets (
    workspace TEXT NOT NULL, number TEXT NOT NULL, kind TEXT NOT NULL,
    active INTEGER NOT NULL, created_us INTEGER NOT NULL, correlation_id TEXT NOT NULL,
    body TEXT NOT NULL, PRIMARY KEY (workspace, number));
CREATE INDEX IF NOT EXISTS tickets_list
    ON tickets (workspace, kind, active, created_us DESC, number DESC);
CREATE INDEX IF NOT EXISTS tickets_newest ON tickets (workspace, created_us DESC, number DESC);
CREATE INDEX IF NOT EXISTS tickets_active
    ON tickets (workspace, active, created_us DESC, number DESC);
CREATE INDEX IF NOT EXISTS tickets_correlation
    ON tickets (workspace, correlation_id, created_us DESC, number DESC);
CREATE TABLE IF NOT EXISTS card_locations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, workspace TEXT NOT NULL, number TEXT NOT NULL,
    body TEXT NOT NULL, UNIQUE (workspace, number, body));
CREATE TABLE IF NOT EXISTS subscriptions (
    workspace TEXT NOT NULL, channel TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (workspace, channel)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY, result TEXT NOT NULL, expires_at REAL NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, delivery_id TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, error TEXT,
    state TEXT NOT NULL DEFAULT 'ready', due REAL NOT NULL DEFAULT 0,
    lease_until REAL NOT NULL DEFAULT 0, owner TEXT, acked_at REAL);
CREATE INDEX IF NOT EXISTS outbox_queue ON outbox (state, seq);
CREATE INDEX IF NOT EXISTS outbox_leases ON outbox (state, lease_until);
CREATE INDEX IF NOT EXISTS outbox_done ON outbox (state, acked_at);
CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY, owner TEXT, expires_at REAL NOT NULL, fence INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, workspace TEXT NOT NULL, at TEXT NOT NULL,
    actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_workspace ON audit (workspace, id DESC);
"""

# Statements that take a file from schema version N (the key) to N + 1.
# 1 -> 2: record when a delivery was acknowledged (retention); older ones count from now.
_UPGRADES: dict[int, list[str]] = {
    1: [
        "ALTER TABLE outbox ADD COLUMN acked_at REAL",
        "UPDATE outbox SET acked_at = strftime('%s', 'now') + 0.0 WHERE state = 'done'",
        "CREATE INDEX IF NOT EXISTS outbox_done ON outbox (state, acked_at)",
    ],
}


async def _upgrade(db: aiosqlite.Connection) -> None:
    """Apply :data:`_UPGRADES` in one transaction, from the version read inside it
    (another process may have upgraded the file since we looked)."""
    await db.execute("BEGIN IMMEDIATE")
    try:
        async with db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"schema {version} is newer than this SnowOps ({SCHEMA_VERSION})")
        for step in range(version, SCHEMA_VERSION):
            for sql in _UPGRADES[step]:
                await db.execute(sql)
        await db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        await db.commit()
    except BaseException:
        await db.rollback()
        raise


def _dumps(doc: Doc) -> str:
    # Sorted keys make equal documents equal strings (card location dedupe relies on it).
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


class SqliteStore(Store):
    """Store on one SQLite file (``":memory:"`` works for quick tests)."""

    def __init__(self, path: str, box: SecretBox, *, busy_timeout_ms: int = 5000) -> None:
        self._path = path
        self._box = box
        self._busy_timeout_ms = busy_timeout_ms
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    # -- life cycle -------------------------------------------------------------------
    async def open(self) -> None:
        """Open the file, set pragmas, create or upgrade the schema. Idempotent."""
        if self._db is not None:
            return
        if self._path != ":memory:":
            await asyncio.to_thread(_make_parent, self._path)
        db = await aiosqlite.connect(self._path, isolation_level=None)
        try:
            await db.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA foreign_keys = ON")
            async with db.execute("PRAGMA user_version") as cur:
                row = await cur.fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"{self._path} has schema {version}, newer than this SnowOps "
                    f"({SCHEMA_VERSION}); upgrade SnowOps"
                )
            if version == 0:
                # One script: executescript() commits any transaction opened before it.
                await db.executescript(
                    f"BEGIN IMMEDIATE;{_SCHEMA}PRAGMA user_version = {SCHEMA_VERSION};COMMIT;"
                )
            elif version < SCHEMA_VERSION:
                await _upgrade(db)
        except BaseException:
            await db.close()
            raise
        self._db = db
        if self._path != ":memory:":
            # The file holds ciphertext only, but there is no reason for others to read it.
            await asyncio.to_thread(_restrict, self._path)

    async def close(self) -> None:
        """Close the connection (checkpoints the WAL)."""
        db, self._db = self._db, None
        if db is not None:
            await db.close()

    async def ping(self) -> None:
        """Run a trivial query."""
        await self._one("SELECT 1", ())

    # -- helpers ----------------------------------------------------------------------
    @property
    def _conn(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("SqliteStore is not open")
        return self._db

    async def _run(self, sql: str, params: Iterable[Any]) -> int:
        async with self._lock:
            cur = await self._conn.execute(sql, tuple(params))
            count = int(cur.rowcount)
            await cur.close()
            return count

    async def _one(self, sql: str, params: Iterable[Any]) -> Any:
        async with self._lock, self._conn.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()

    async def _all(self, sql: str, params: Iterable[Any]) -> list[Any]:
        async with self._lock, self._conn.execute(sql, tuple(params)) as cur:
            return list(await cur.fetchall())

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            db = self._conn
            await db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                await db.commit()
            except BaseException:
                await db.rollback()
                raise

    # -- documents --------------------------------------------------------------------
    async def put_document(
        self, namespace: str, key: str, data: Doc, *, secret: bool = False
    ) -> None:
        """Store a document, encrypted whole if ``secret``."""
        raw = json.dumps(data)
        body = self._box.encrypt(raw) if secret else raw
        await self._run(
            "INSERT INTO documents (namespace, key, secret, body) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (namespace, key) DO UPDATE SET secret = excluded.secret, "
            "body = excluded.body",
            (namespace, key, int(secret), body),
        )

    async def get_document(self, namespace: str, key: str) -> Doc | None:
        """Read a document back, or None."""
        row = await self._one(
            "SELECT secret, body FROM documents WHERE namespace = ? AND key = ?",
            (namespace, key),
        )
        return None if row is None else self._load(row[0], row[1])

    async def delete_document(self, namespace: str, key: str) -> bool:
        """Delete a document; True if it existed."""
        n = await self._run(
            "DELETE FROM documents WHERE namespace = ? AND key = ?", (namespace, key)
        )
        return n > 0

    async def list_documents(self, namespace: str, prefix: str = "") -> dict[str, Doc]:
        """Documents of a namespace whose key starts with ``prefix``, by key."""
        # substr() rather than LIKE: LIKE treats % and _ as wildcards and ignores case.
        rows = await self._all(
            "SELECT key, secret, body FROM documents WHERE namespace = ? AND key >= ? "
            "AND substr(key, 1, ?) = ? ORDER BY key",
            (namespace, prefix, len(prefix), prefix),
        )
        return {r[0]: self._load(r[1], r[2]) for r in rows}

    def _load(self, secret: int, body: str) -> Doc:
        doc: Doc = json.loads(self._box.decrypt(body) if secret else body)
        return doc

    # -- single-use values ------------------------------------------------------------
    async def put_once(self, namespace: str, key: str, data: Doc, ttl_seconds: float) -> None:
        """Store an encrypted single-use value."""
        now = time.time()
        body = self._box.encrypt(json.dumps(data))
        async with self._tx() as db:
            # Expired values that were never taken would otherwise stay forever.
            await db.execute("DELETE FROM once WHERE expires_at < ?", (now,))
            await db.execute(
                "INSERT OR REPLACE INTO once (namespace, key, body, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (namespace, key, body, now + ttl_seconds),
            )

    async def take_once(self, namespace: str, key: str) -> Doc | None:
        """Atomically take and delete a value (one statement: DELETE … RETURNING)."""
        row = await self._one(
            "DELETE FROM once WHERE namespace = ? AND key = ? RETURNING body, expires_at",
            (namespace, key),
        )
        if row is None or row[1] < time.time():
            return None
        doc: Doc = json.loads(self._box.decrypt(row[0]))
        return doc

    # -- connections ------------------------------------------------------------------
    async def save_connection(self, connection: Connection) -> None:
        """Create or replace a workspace's connection."""
        doc = codec.connection_to_doc(connection, self._box)
        await self._run(
            "INSERT OR REPLACE INTO connections (workspace, body) VALUES (?, ?)",
            (connection.workspace, _dumps(doc)),
        )

    async def get_connection(self, workspace: str) -> Connection | None:
        """The workspace's connection, or None."""
        row = await self._one("SELECT body FROM connections WHERE workspace = ?", (workspace,))
        return None if row is None else codec.connection_from_doc(json.loads(row[0]), self._box)

    async def delete_connection(self, workspace: str) -> bool:
        """Forget a connection."""
        return await self._run("DELETE FROM connections WHERE workspace = ?", (workspace,)) > 0

    async def list_connections(self) -> list[Connection]:
        """Every connection, by workspace."""
        rows = await self._all("SELECT body FROM connections ORDER BY workspace", ())
        return [codec.connection_from_doc(json.loads(r[0]), self._box) for r in rows]

    # -- tickets ----------------------------------------------------------------------
    async def save_ticket(self, ticket: Ticket) -> None:
        """Create or replace a ticket."""
        await self._run(
            "INSERT OR REPLACE INTO tickets (workspace, number, kind, active, created_us, "
            "correlation_id, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                ticket.workspace,
                ticket.number,
                ticket.kind.value,
                int(ticket.active),
                codec.created_micros(ticket.created_at),
                ticket.correlation_id,
                _dumps(codec.ticket_to_doc(ticket)),
            ),
        )

    async def get_ticket(self, workspace: str, number: str) -> Ticket | None:
        """A ticket by number."""
        row = await self._one(
            "SELECT body FROM tickets WHERE workspace = ? AND number = ?", (workspace, number)
        )
        return None if row is None else codec.ticket_from_doc(json.loads(row[0]))

    async def find_ticket_by_correlation(
        self, workspace: str, correlation_id: str
    ) -> Ticket | None:
        """The newest ticket with this correlation id."""
        row = await self._one(
            "SELECT body FROM tickets WHERE workspace = ? AND correlation_id = ? "
            "ORDER BY created_us DESC, number DESC LIMIT 1",
            (workspace, correlation_id),
        )
        return None if row is None else codec.ticket_from_doc(json.loads(row[0]))

    async def list_tickets(
        self,
        workspace: str,
        kind: TicketKind | None = None,
        *,
        active_only: bool = False,
        limit: int = 20,
        offset: int = 0,
    ) -> list[Ticket]:
        """Tickets of a workspace, newest first."""
        where = ["workspace = ?"]
        params: list[Any] = [workspace]
        if kind is not None:
            where.append("kind = ?")
            params.append(kind.value)
        if active_only:
            where.append("active = 1")
        params += [max(limit, 0), max(offset, 0)]
        rows = await self._all(
            f"SELECT body FROM tickets WHERE {' AND '.join(where)} "
            "ORDER BY created_us DESC, number DESC LIMIT ? OFFSET ?",
            params,
        )
        return [codec.ticket_from_doc(json.loads(r[0])) for r in rows]

    async def add_card_location(self, workspace: str, number: str, where: CardLocation) -> None:
        """Remember a card location once."""
        await self._run(
            "INSERT OR IGNORE INTO card_locations (workspace, number, body) VALUES (?, ?, ?)",
            (workspace, number, _dumps(codec.card_location_to_doc(where))),
        )

    async def list_card_locations(self, workspace: str, number: str) -> list[CardLocation]:
        """Card locations, oldest first."""
        rows = await self._all(
            "SELECT body FROM card_locations WHERE workspace = ? AND number = ? ORDER BY seq",
            (workspace, number),
        )
        return [codec.card_location_from_doc(json.loads(r[0])) for r in rows]

    # -- subscriptions ----------------------------------------------------------------
    async def save_subscription(self, subscription: Subscription) -> None:
        """Create or replace a channel's subscription."""
        ch = subscription.channel
        await self._run(
            "INSERT OR REPLACE INTO subscriptions (workspace, channel, body) VALUES (?, ?, ?)",
            (ch.workspace, ch.channel, _dumps(codec.subscription_to_doc(subscription))),
        )

    async def delete_subscription(self, channel: ChannelRef) -> bool:
        """Remove a channel's subscription."""
        n = await self._run(
            "DELETE FROM subscriptions WHERE workspace = ? AND channel = ?",
            (channel.workspace, channel.channel),
        )
        return n > 0

    async def list_subscriptions(self, workspace: str) -> list[Subscription]:
        """Subscriptions of a workspace, by channel."""
        rows = await self._all(
            "SELECT body FROM subscriptions WHERE workspace = ? ORDER BY channel", (workspace,)
        )
        return [codec.subscription_from_doc(json.loads(r[0])) for r in rows]

    # -- idempotency ------------------------------------------------------------------
    async def begin_idempotent(self, key: str, ttl_seconds: float) -> str | None:
        """Claim a key, or return its stored result ("" while pending)."""
        now = time.time()
        async with self._tx() as db:
            async with db.execute(
                "SELECT result FROM idempotency WHERE key = ? AND expires_at >= ?", (key, now)
            ) as cur:
                row = await cur.fetchone()
            if row is not None:
                return str(row[0])
            await db.execute(
                "INSERT OR REPLACE INTO idempotency (key, result, expires_at) VALUES (?, '', ?)",
                (key, now + ttl_seconds),
            )
            return None

    async def finish_idempotent(self, key: str, result: str, ttl_seconds: float) -> None:
        """Record the result of a claimed key."""
        now = time.time()
        async with self._tx() as db:
            await db.execute("DELETE FROM idempotency WHERE expires_at < ?", (now,))
            await db.execute(
                "INSERT OR REPLACE INTO idempotency (key, result, expires_at) VALUES (?, ?, ?)",
                (key, result, now + ttl_seconds),
            )

    async def abort_idempotent(self, key: str) -> None:
        """Release a claim."""
        await self._run("DELETE FROM idempotency WHERE key = ?", (key,))

    # -- outbox -----------------------------------------------------------------------
    async def outbox_put(self, delivery_id: str, payload: Doc) -> bool:
        """Queue a delivery once (delivered ids are refused too, until forgotten)."""
        n = await self._run(
            "INSERT OR IGNORE INTO outbox (delivery_id, payload) VALUES (?, ?)",
            (delivery_id, json.dumps(payload)),
        )
        return n > 0

    async def outbox_claim(
        self, consumer: str, limit: int, lease_seconds: float, now: datetime
    ) -> list[OutboxItem]:
        """Lease due deliveries, including those whose lease ran out."""
        ts = now.timestamp()
        async with self._tx() as db:
            # Two indexed halves: an OR across both would scan every leased and done row.
            async with db.execute(
                "SELECT * FROM (SELECT seq, delivery_id, payload, attempts, error FROM outbox "
                "WHERE state = 'ready' AND due <= ? ORDER BY seq LIMIT ?) UNION ALL "
                "SELECT * FROM (SELECT seq, delivery_id, payload, attempts, error FROM outbox "
                "WHERE state = 'leased' AND lease_until <= ? ORDER BY seq LIMIT ?) "
                "ORDER BY seq LIMIT ?",
                (ts, max(limit, 0), ts, max(limit, 0), max(limit, 0)),
            ) as cur:
                rows = list(await cur.fetchall())
            await db.executemany(
                "UPDATE outbox SET state = 'leased', lease_until = ?, owner = ?, "
                "attempts = attempts + 1 WHERE seq = ?",
                [(ts + lease_seconds, consumer, r[0]) for r in rows],
            )
        return [OutboxItem(r[1], json.loads(r[2]), r[3] + 1, r[4]) for r in rows]

    async def outbox_ack(self, delivery_id: str, consumer: str) -> bool:
        """Mark delivered if ``consumer`` holds the lease; the row stays (without payload,
        with ``acked_at``) to refuse the id until :meth:`outbox_forget_done`."""
        n = await self._run(
            "UPDATE outbox SET state = 'done', owner = NULL, payload = '{}', acked_at = ? "
            "WHERE delivery_id = ? AND state = 'leased' AND owner = ?",
            (time.time(), delivery_id, consumer),
        )
        return n > 0

    async def outbox_retry(
        self, delivery_id: str, consumer: str, error: str, not_before: datetime
    ) -> bool:
        """Hand out again from ``not_before``, if ``consumer`` holds the lease."""
        n = await self._run(
            "UPDATE outbox SET state = 'ready', error = ?, due = ?, owner = NULL "
            "WHERE delivery_id = ? AND state = 'leased' AND owner = ?",
            (error, not_before.timestamp(), delivery_id, consumer),
        )
        return n > 0

    async def outbox_park(self, delivery_id: str, consumer: str, error: str) -> bool:
        """Stop retrying a delivery, if ``consumer`` holds the lease."""
        n = await self._run(
            "UPDATE outbox SET state = 'parked', error = ?, owner = NULL "
            "WHERE delivery_id = ? AND state = 'leased' AND owner = ?",
            (error, delivery_id, consumer),
        )
        return n > 0

    async def outbox_requeue(self, delivery_id: str) -> bool:
        """Parked → ready now, attempts from zero."""
        n = await self._run(
            "UPDATE outbox SET state = 'ready', due = 0, attempts = 0, error = NULL, "
            "owner = NULL WHERE delivery_id = ? AND state = 'parked'",
            (delivery_id,),
        )
        return n > 0

    async def outbox_forget_done(self, older_than: datetime) -> int:
        """Delete deliveries acknowledged before ``older_than``."""
        return await self._run(
            "DELETE FROM outbox WHERE state = 'done' AND acked_at < ?",
            (older_than.timestamp(),),
        )

    async def outbox_parked(self) -> list[OutboxItem]:
        """Parked deliveries, oldest first."""
        rows = await self._all(
            "SELECT delivery_id, payload, attempts, error FROM outbox WHERE state = 'parked' "
            "ORDER BY seq",
            (),
        )
        return [OutboxItem(r[0], json.loads(r[1]), r[2], r[3], parked=True) for r in rows]

    # -- leases -----------------------------------------------------------------------
    async def acquire_lease(self, name: str, owner: str, ttl_seconds: float) -> int | None:
        """Take or renew a lease; the fence grows with each new holder."""
        now = time.time()
        async with self._tx() as db:
            async with db.execute(
                "SELECT owner, expires_at, fence FROM leases WHERE name = ?", (name,)
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                fence = 1
            elif row[0] is not None and row[1] > now:
                if row[0] != owner:
                    return None
                fence = int(row[2])
            else:
                # The row outlives release and expiry so the fence never goes back.
                fence = int(row[2]) + 1
            await db.execute(
                "INSERT OR REPLACE INTO leases (name, owner, expires_at, fence) "
                "VALUES (?, ?, ?, ?)",
                (name, owner, now + ttl_seconds, fence),
            )
            return fence

    async def release_lease(self, name: str, owner: str) -> None:
        """Give a lease up if ``owner`` holds it."""
        await self._run(
            "UPDATE leases SET owner = NULL, expires_at = 0 WHERE name = ? AND owner = ?",
            (name, owner),
        )

    # -- audit ------------------------------------------------------------------------
    async def audit(self, workspace: str, actor: str, action: str, detail: Doc) -> None:
        """Append an audit entry; keeps the newest AUDIT_KEEP per workspace."""
        at = datetime.now(UTC).isoformat()
        async with self._tx() as db:
            cur = await db.execute(
                "INSERT INTO audit (workspace, at, actor, action, detail) VALUES (?, ?, ?, ?, ?)",
                (workspace, at, actor, action, json.dumps(detail)),
            )
            last = cur.lastrowid
            await cur.close()
            if last is not None and last % 100 == 0:
                await db.execute(
                    "DELETE FROM audit WHERE workspace = ? AND id <= (SELECT id FROM audit "
                    "WHERE workspace = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
                    (workspace, workspace, AUDIT_KEEP),
                )

    async def list_audit(self, workspace: str, limit: int = 50) -> list[Doc]:
        """Newest audit entries first."""
        rows = await self._all(
            "SELECT at, actor, action, detail FROM audit WHERE workspace = ? "
            "ORDER BY id DESC LIMIT ?",
            (workspace, max(limit, 0)),
        )
        return [
            {
                "workspace": workspace,
                "at": r[0],
                "actor": r[1],
                "action": r[2],
                "detail": json.loads(r[3]),
            }
            for r in rows
        ]


def _make_parent(path: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)


def _restrict(path: str) -> None:
    # The WAL and shared-memory files hold the same data as the database itself.
    for name in (path, f"{path}-wal", f"{path}-shm"):
        try:
            if os.path.exists(name):
                os.chmod(name, 0o600)
        except OSError:
            pass  # not our file (shared volume): leave its mode alone
