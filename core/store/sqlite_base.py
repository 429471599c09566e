"""The SQLite store's connection: opening, the schema, one lock, and transactions.

SQLite Store (the embedded default) on aiosqlite.

WAL mode. Writes are committed in groups, those asked for in one turn of the loop together,
each in a savepoint of its own (:mod:`core.store.sqlite_group`). A group runs whole on the
loop's thread, or holds an ``asyncio.Lock`` while it waits for the database thread: a
statement issued by one task while another task has ``BEGIN IMMEDIATE`` open on the same
connection would silently join (and could be rolled back with) that transaction. Several
processes may share the file; ``BEGIN IMMEDIATE`` plus ``busy_timeout`` makes their
read-modify-write steps atomic too.

A file store's statements run on the event loop's own thread, on two plain connections:
plain ``SELECT``s on a read-only one (in WAL mode a reader never waits for a writer, nor for
another process), writes on another that never waits for the file's write lock: when another
process holds it, the write goes to aiosqlite's database thread, which waits up to
``busy_timeout``. An indexed statement takes tens of microseconds; the hop to the database
thread and back (a queue, a wake-up pipe, two context switches) cost more than the statement.
Each read sees every write committed before it, as a write's caller resumes only once it is
committed. The loop's writer never checkpoints: the database thread copies the WAL into the
file every :data:`_CHECKPOINT_EVERY` commits, so an fsync never stalls the loop. Those
checkpoints are passive (they never wait), and under steady writes never catch up with the
log's end, which is the only point where SQLite starts the log over: a sync of 1,000
connections grew it by 100 MB a cycle, without end. Once the log is
:data:`_RESTART_FRAMES` long, a second checkpoint copies the rest with this process's
writes held (they wait; the loop and its reads go on), and the next write starts the log
over; ``journal_size_limit`` gives the space back. (Not a ``RESTART`` checkpoint: the
writes it blocks would go to the database thread's connection, whose commits look like
another process's to the cache signals, which then drop every cached entry.)

Each entity is the codec's JSON document in a ``body`` column, plus the columns queries need.
Expiry times are wall-clock epoch seconds: rows outlive the process, monotonic time does not.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import aiosqlite

from core import jsonfast
from core.secrets import SecretBox
from core.store.codec import ConnectionMemo
from core.store.sqlite_group import Committer
from core.store.sqlite_schema import SCHEMA, SCHEMA_VERSION, upgrade
from core.store.sqlite_signals import DataVersionSignals

__all__ = ["Doc", "SqliteBase", "dumps", "in_values", "pairs_values"]

Doc = dict[str, Any]
T = TypeVar("T")
#: Commits of the loop's writer between two checkpoints on the database thread.
_CHECKPOINT_EVERY = 200
#: A log this long (pages of 4 KiB: 40 MB) is copied whole and started over.
_RESTART_FRAMES = 10_000
#: The log's file is cut back to this size whenever it starts over.
_WAL_KEEP_BYTES = 64 * 1024 * 1024


def _first(c: sqlite3.Connection, sql: str, args: tuple[Any, ...]) -> Any:
    """The first row, the statement closed (an open one would pin the connection's read
    snapshot, and later reads would miss newer commits)."""
    cursor = c.execute(sql, args)
    try:
        return cursor.fetchone()
    finally:
        cursor.close()


def pairs_values(pairs: Sequence[tuple[str, str]]) -> Iterator[tuple[str, list[str]]]:
    """``pairs`` 400 at a time, as SQL ``(?, ?), …`` and its parameters (800 of them stay
    far under SQLite's limit on a statement's parameters)."""
    for at in range(0, len(pairs), 400):
        chunk = pairs[at : at + 400]
        yield ", ".join("(?, ?)" for _ in chunk), [v for pair in chunk for v in pair]


def in_values(values: Sequence[str]) -> Iterator[tuple[str, list[str]]]:
    """``values``, each once, 500 at a time, as SQL ``?, ?, …`` for an ``IN (…)`` and its
    parameters."""
    wanted = list(dict.fromkeys(values))
    for at in range(0, len(wanted), 500):
        chunk = wanted[at : at + 500]
        yield ", ".join("?" * len(chunk)), chunk


def dumps(doc: Doc) -> str:
    # Sorted keys make equal documents equal strings (card location dedupe relies on it).
    return jsonfast.dumps(doc, sort_keys=True)


class SqliteBase:
    """One SQLite file (``":memory:"`` works for quick tests), opened lazily.
    ``checkpoint_every`` and ``restart_frames`` tune the checkpoints (module docstring)."""

    def __init__(
        self,
        path: str,
        box: SecretBox,
        *,
        busy_timeout_ms: int = 5000,
        checkpoint_every: int = _CHECKPOINT_EVERY,
        restart_frames: int = _RESTART_FRAMES,
    ) -> None:
        self._checkpoint_every = checkpoint_every
        self._restart_frames = restart_frames
        self._path = path
        self._box = box
        self._connections = ConnectionMemo(box)
        self._busy_timeout_ms = busy_timeout_ms
        self._db: aiosqlite.Connection | None = None
        # Read-only, used from the event loop's thread only (none for ":memory:", which a
        # second connection would not share).
        self._reader: sqlite3.Connection | None = None
        # Writes, on the event loop's thread too (see _write_tx).
        self._writer: sqlite3.Connection | None = None
        self._commits = 0
        self._checkpoint: asyncio.Future[Any] | None = None
        self._lock = asyncio.Lock()
        self._committer = Committer(
            lambda: self._writer, self._lock, self._in_thread, self._written
        )
        #: When expired idempotency keys were last swept (time.time()).
        self._swept = 0.0

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
            await db.execute(f"PRAGMA journal_size_limit = {_WAL_KEEP_BYTES}")
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
            reader = sqlite3.connect(self._path, isolation_level=None)
            reader.execute("PRAGMA query_only = ON")
            self._reader = reader
            writer = sqlite3.connect(self._path, isolation_level=None)
            # Never wait on the loop's thread (busy: the database thread writes instead);
            # checkpoints run on the database thread (see _written).
            for pragma in (
                "busy_timeout = 0",
                "synchronous = NORMAL",
                "foreign_keys = ON",
                f"journal_size_limit = {_WAL_KEEP_BYTES}",
            ):
                writer.execute(f"PRAGMA {pragma}")
            writer.execute("PRAGMA wal_autocheckpoint = 0")
            self._writer = writer

    async def close(self) -> None:
        """Close the connections (checkpoints the WAL)."""
        if self._checkpoint is not None:
            await asyncio.gather(self._checkpoint, return_exceptions=True)
        await self._committer.drain()
        for own in (self._reader, self._writer):
            if own is not None:
                own.close()
        self._reader = self._writer = None
        db, self._db = self._db, None
        if db is not None:
            await db.close()

    def cache_signals(self) -> DataVersionSignals | None:
        """Another process's commits, noticed by the writing connection (none for
        ``":memory:"``, which no other process can open)."""
        return None if self._path == ":memory:" else DataVersionSignals(self._data_version)

    def _data_version(self) -> int | None:
        if self._writer is None:
            return None
        row = self._writer.execute("PRAGMA data_version").fetchone()
        return int(row[0]) if row else None

    async def ping(self) -> None:
        """Run a trivial query on the writing connection's thread."""
        async with self._lock:
            await self._in_thread(lambda c: c.execute("SELECT 1").fetchone())

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

    async def _write_tx(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work`` in a transaction, committed with the other writes asked for in this
        turn of the loop (:mod:`core.store.sqlite_group`)."""
        return await self._committer.write(work)

    def _written(self) -> None:
        """Count a commit of the loop's writer, whose WAL pages the database thread copies
        into the file now and then (a checkpoint's fsync must not stall the loop)."""
        self._commits += 1
        if self._commits >= self._checkpoint_every and (
            self._checkpoint is None or self._checkpoint.done()
        ):
            self._commits = 0
            self._checkpoint = asyncio.ensure_future(self._checkpoint_wal())
            # A failed checkpoint is retried with the next ones; its error is not news.
            self._checkpoint.add_done_callback(lambda f: f.cancelled() or f.exception())

    async def _checkpoint_wal(self) -> None:
        """Copy the log into the file without holding up writes; once the log is long,
        copy the rest with the loop's writes held (they wait, the loop does not), so that
        the next write starts the log over."""
        row = await self._in_thread(_passive)
        if row is not None and row[1] >= self._restart_frames:
            async with self._lock:
                await self._in_thread(_passive)

    async def _run(self, sql: str, params: Iterable[Any]) -> int:
        args = tuple(params)
        return await self._write_tx(lambda c: int(c.execute(sql, args).rowcount))

    async def _one(self, sql: str, params: Iterable[Any]) -> Any:
        args = tuple(params)
        if self._reader is not None and sql.startswith("SELECT"):
            return _first(self._reader, sql, args)
        return await self._write_tx(lambda c: _first(c, sql, args))

    async def _pairs_in(
        self, table: str, columns: str, pairs: Sequence[tuple[str, str]]
    ) -> list[Any]:
        """``columns`` of ``table``'s rows (``t``) whose (workspace, number) is one of
        ``pairs``, each pair once, one statement per 400. A join, not ``(a, b) IN``, which
        SQLite answers with a scan of the table."""
        rows: list[Any] = []
        for values, args in pairs_values(list(dict.fromkeys(pairs))):
            sql = (
                f"SELECT {columns} FROM (VALUES {values}) AS v CROSS JOIN {table} AS t "
                "ON t.workspace = v.column1 AND t.number = v.column2"
            )
            rows += await self._all(sql, args)
        return rows

    async def _rows_in(self, sql: str, scope: str, values: Sequence[str]) -> list[Any]:
        """The rows of ``sql`` (ending with the column to match) ``IN`` ``values``, first
        parameter ``scope``: each value once, one statement per 500 of them."""
        rows: list[Any] = []
        for marks, chunk in in_values(values):
            rows += await self._all(f"{sql} IN ({marks})", (scope, *chunk))
        return rows

    async def _all(self, sql: str, params: Iterable[Any]) -> list[Any]:
        args = tuple(params)
        if self._reader is not None and sql.startswith("SELECT"):
            return self._reader.execute(sql, args).fetchall()
        return await self._write_tx(lambda c: c.execute(sql, args).fetchall())


def _passive(c: sqlite3.Connection) -> Any:
    """A passive checkpoint: (busy, frames in the log, frames copied)."""
    return c.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()


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
