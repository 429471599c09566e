"""The SQLite store's schema, and the upgrades from each older version of it."""

from __future__ import annotations

import aiosqlite

__all__ = ["AUDIT_KEEP", "OUTBOX_INDEXES", "SCHEMA", "SCHEMA_VERSION", "upgrade"]

SCHEMA_VERSION = 3
AUDIT_KEEP = 10_000

#: The outbox's indexes, each over the rows in one state only: an entry written, claimed
#: or delivered changes its old state's and its new state's, where indexes over every row
#: led by the state changed all three (an entry is written in 6 pages of log, not 8; a
#: changed sync cycle and its deliveries in a fifth fewer: README, Speed).
OUTBOX_INDEXES = """
CREATE INDEX IF NOT EXISTS outbox_ready ON outbox (seq) WHERE state = 'ready';
CREATE INDEX IF NOT EXISTS outbox_leased ON outbox (lease_until) WHERE state = 'leased';
CREATE INDEX IF NOT EXISTS outbox_acked ON outbox (acked_at) WHERE state = 'done';
CREATE INDEX IF NOT EXISTS outbox_parked ON outbox (seq) WHERE state = 'parked';
"""

SCHEMA = """
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
""" + OUTBOX_INDEXES + """
CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY, owner TEXT, expires_at REAL NOT NULL, fence INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, workspace TEXT NOT NULL, at TEXT NOT NULL,
    actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_workspace ON audit (workspace, id DESC);
"""

# Statements that take a file from schema version N (the key) to N + 1.
# 1 -> 2: record when a delivery was acknowledged (retention); older ones count from now.
# 2 -> 3: the outbox's indexes over the rows of one state each (OUTBOX_INDEXES).
_UPGRADES: dict[int, list[str]] = {
    1: [
        "ALTER TABLE outbox ADD COLUMN acked_at REAL",
        "UPDATE outbox SET acked_at = strftime('%s', 'now') + 0.0 WHERE state = 'done'",
        "CREATE INDEX IF NOT EXISTS outbox_done ON outbox (state, acked_at)",
    ],
    2: [
        "DROP INDEX IF EXISTS outbox_queue",
        "DROP INDEX IF EXISTS outbox_leases",
        "DROP INDEX IF EXISTS outbox_done",
        *(sql for sql in OUTBOX_INDEXES.split(";") if sql.strip()),
    ],
}


async def upgrade(db: aiosqlite.Connection) -> None:
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
