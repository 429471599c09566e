"""The SQLite store's connection: opening, the schema, one lock, and transactions.

SQLite Store (the embedded default) on aiosqlite.

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
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aiosqlite

from core.secrets import SecretBox
from core.store.codec import ConnectionMemo
from core.store.sqlite_schema import SCHEMA, SCHEMA_VERSION, upgrade

__all__ = ["Doc", "SqliteBase", "dumps"]

Doc = dict[str, Any]
T = TypeVar("T")


def dumps(doc: Doc) -> str:
    # Sorted keys make equal documents equal strings (card location dedupe relies on it).
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


class SqliteBase:
    """One SQLite file (``":memory:"`` works for quick tests), opened lazily."""

    """Store on one SQLite file (``":memory:"`` works for quick tests)."""

    def __init__(self, path: str, box: SecretBox, *, busy_timeout_ms: int = 5000) -> None:
        self._path = path
        self._box = box
        self._connections = ConnectionMemo(box)
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
                    f"BEGIN IMMEDIATE;{SCHEMA}PRAGMA user_version = {SCHEMA_VERSION};COMMIT;"
                )
            elif version < SCHEMA_VERSION:
                await upgrade(db)
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
            raise RuntimeError("the SQLite store is not open")
        return self._db

    async def _in_thread(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` on the database thread in one hop. aiosqlite's cursor API takes a
        hop per step (execute, fetch, close), each a round trip through the event loop,
        and those hops were most of a sync cycle's CPU; this uses aiosqlite's own queue
        (``_execute``, pinned by the locks) to run the whole statement at once."""
        db = self._conn
        queue: Any = db._execute  # untyped in aiosqlite
        result: T = await queue(work, db._conn)
        return result

    async def _tx_in_thread(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work`` in one ``BEGIN IMMEDIATE`` transaction, in one hop."""

        def tx(c: sqlite3.Connection) -> T:
            c.execute("BEGIN IMMEDIATE")
            try:
                result = work(c)
            except BaseException:
                c.execute("ROLLBACK")
                raise
            c.execute("COMMIT")
            return result

        async with self._lock:
            return await self._in_thread(tx)

    async def _run(self, sql: str, params: Iterable[Any]) -> int:
        args = tuple(params)
        async with self._lock:
            return await self._in_thread(lambda c: int(c.execute(sql, args).rowcount))

    async def _one(self, sql: str, params: Iterable[Any]) -> Any:
        args = tuple(params)
        async with self._lock:
            return await self._in_thread(lambda c: c.execute(sql, args).fetchone())

    async def _all(self, sql: str, params: Iterable[Any]) -> list[Any]:
        args = tuple(params)
        async with self._lock:
            return await self._in_thread(lambda c: c.execute(sql, args).fetchall())

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
