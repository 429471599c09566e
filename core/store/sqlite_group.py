"""Group commit: the writes asked for in one turn of the event loop share one transaction.

In WAL mode a commit appends every page its transaction changed to the log and updates the
log's shared-memory index: 50 to 70 microseconds of CPU on a 2-core VM, whatever the
transaction did. A sync cycle over 1,000 connections asks for thousands of small writes
(watermarks, applies, idempotency keys, notes), tens of them in each turn of the loop. Here
they share one ``BEGIN IMMEDIATE`` and one ``COMMIT``, each write in a ``SAVEPOINT`` of its
own (a group of one needs none: its transaction is one), so that:

- a write that raises is rolled back alone, and its caller gets its exception, while the
  others in the group commit;
- a write runs whole, before or after any other, as it did in a transaction of its own
  (they run one after the other, on one connection);
- every caller resumes only once its write is committed (or the group failed as a whole:
  then every caller gets that error, and none of the group is in the file).

A caller cancelled before its group starts is left out, as it was when it waited for the
lock; one cancelled later finds its write done, as before.

A group runs whole on the loop's writing connection, synchronously, unless the store's lock
is held (a checkpoint catching up, or a group on the database thread): then it waits for
the lock, in order. Only when the file's write lock is held by another connection (another
process) does a group go to the database thread, whose connection waits for it up to
``busy_timeout``: this process's commits stay on one connection, so the cache signals
(``PRAGMA data_version``) tell only of other processes' writes.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

__all__ = ["Committer", "Queued", "Work", "run_group"]

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], Any]
#: A write and the future its caller awaits.
Queued = tuple[Work, "asyncio.Future[Any]"]
#: What a write did: (its future, True and its result, or False and its exception).
Outcome = tuple["asyncio.Future[Any]", bool, Any]
#: The file's write lock is held elsewhere (SQLITE_BUSY, SQLITE_LOCKED).
_BUSY = frozenset({5, 6})


def run_group(c: sqlite3.Connection, group: list[Queued]) -> list[Outcome]:
    """Run ``group``'s writes in one transaction on ``c``, each in a savepoint (a lone
    write in its transaction alone). Raises (the transaction rolled back) when the
    transaction itself fails: it could not begin (the file's write lock is held
    elsewhere), or SQLite gave up on it (disk full, I/O)."""
    if len(group) == 1:
        return [_run_alone(c, *group[0])]
    outcomes: list[Outcome] = []
    c.execute("BEGIN IMMEDIATE")
    try:
        for work, future in group:
            c.execute("SAVEPOINT w")
            try:
                result = work(c)
            except Exception as exc:
                # Fails too when SQLite already rolled the whole transaction back: then
                # the group fails, and nothing of it was kept.
                c.execute("ROLLBACK TO w")
                c.execute("RELEASE w")
                outcomes.append((future, False, exc))
            else:
                c.execute("RELEASE w")
                outcomes.append((future, True, result))
        c.execute("COMMIT")
    except BaseException:
        if c.in_transaction:
            c.execute("ROLLBACK")
        raise
    return outcomes


def _run_alone(c: sqlite3.Connection, work: Work, future: asyncio.Future[Any]) -> Outcome:
    """A group of one: its transaction is its savepoint (most groups are one write, and a
    savepoint costs two statements)."""
    c.execute("BEGIN IMMEDIATE")
    try:
        try:
            result = work(c)
        except Exception as exc:
            if c.in_transaction:  # SQLite may have rolled it back already
                c.execute("ROLLBACK")
            return (future, False, exc)
        c.execute("COMMIT")
    except BaseException:
        if c.in_transaction:
            c.execute("ROLLBACK")
        raise
    return (future, True, result)


class Committer:
    """Queues a store's writes and commits them in groups (see the module docstring)."""

    def __init__(
        self,
        writer: Callable[[], sqlite3.Connection | None],
        lock: asyncio.Lock,
        in_thread: Callable[[Work], Awaitable[Any]],
        committed: Callable[[], None],
    ) -> None:
        self._writer = writer
        self._lock = lock
        self._in_thread = in_thread
        self._committed = committed
        self._queued: list[Queued] = []
        self._flush_due = False
        #: Groups waiting for the lock, and their tasks.
        self._waiting = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work`` in a transaction; returns once it is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queued.append((work, future))
        if not self._flush_due:
            self._flush_due = True
            loop.call_soon(self._flush)
        return await future

    async def drain(self) -> None:
        """Wait for the groups under way (a store closing)."""
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _flush(self) -> None:
        self._flush_due = False
        group = _live(self._queued)
        self._queued = []
        if not group:
            return
        if self._lock.locked() or self._waiting or not self._commit(group):
            self._waiting += 1
            task = asyncio.ensure_future(self._flush_later(group))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _commit(self, group: list[Queued]) -> bool:
        """Commit ``group`` on the loop's writer; False (nothing done) when the file's
        write lock is held elsewhere, or there is no such writer (``":memory:"``)."""
        writer = self._writer()
        if writer is None:
            return False
        try:
            outcomes = run_group(writer, group)
        except sqlite3.OperationalError as exc:
            if writer.in_transaction:
                writer.rollback()  # a COMMIT that could not finish
            if exc.sqlite_errorcode & 0xFF in _BUSY:  # extended codes too
                return False
            _fail(group, exc)
        except BaseException as exc:
            _fail(group, exc)
            if not isinstance(exc, Exception):
                raise
        else:
            self._committed()
            _settle(outcomes)
        return True

    async def _flush_later(self, group: list[Queued]) -> None:
        """``group`` once the lock is free: on the loop's writer, or on the database
        thread when the file's write lock is held elsewhere."""
        waiting = True
        try:
            async with self._lock:
                self._waiting -= 1
                waiting = False
                group = _live(group)
                if group and not self._commit(group):
                    _settle(await self._in_thread(lambda c: run_group(c, group)))
        except BaseException as exc:
            _fail(group, exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            if waiting:
                self._waiting -= 1


def _live(group: list[Queued]) -> list[Queued]:
    """The writes whose callers still wait (a cancelled one is left out)."""
    return [q for q in group if not q[1].done()]


def _settle(outcomes: list[Outcome]) -> None:
    """Hand each caller its result or its exception (a cancelled caller gets neither)."""
    for future, ok, value in outcomes:
        if future.done():
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


def _fail(group: list[Queued], exc: BaseException) -> None:
    """The whole group failed: every caller still waiting gets ``exc`` (nothing of the
    group was committed)."""
    for _, future in group:
        if future.done():
            continue
        if isinstance(exc, asyncio.CancelledError):
            future.cancel()
        else:
            future.set_exception(exc)
