"""Group commit on a real SQLite file: the writes asked for in one turn of the loop share a
transaction, each keeps its own result or error, and the log stays bounded under steady
writes without this process's own commits looking like another process's."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.secrets import SecretBox, generate_key
from core.store.sqlite import SqliteStore
from core.store.sqlite_group import Committer, Work


class Rig:
    """A committer over a file: the loop's writer, and a "database thread" with its own
    connection (as aiosqlite's), counting what each did."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.writer: sqlite3.Connection | None = self._connect(busy_ms=0)
        self.thread_conn = self._connect(busy_ms=5000, same_thread=False)
        self.thread_conn.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)")
        self.lock = asyncio.Lock()
        self.commits = 0  # the loop writer's
        self.thread_groups = 0
        self.committer = Committer(lambda: self.writer, self.lock, self._in_thread, self._count)

    def _connect(self, *, busy_ms: int, same_thread: bool = True) -> sqlite3.Connection:
        c = sqlite3.connect(self.path, isolation_level=None, check_same_thread=same_thread)
        c.execute("PRAGMA journal_mode = WAL")
        c.execute(f"PRAGMA busy_timeout = {busy_ms}")
        return c

    def _count(self) -> None:
        self.commits += 1

    async def _in_thread(self, work: Work) -> Any:
        self.thread_groups += 1
        return await asyncio.to_thread(work, self.thread_conn)

    def rows(self) -> dict[str, int]:
        reader = sqlite3.connect(self.path)
        try:
            return dict(reader.execute("SELECT k, v FROM t").fetchall())
        finally:
            reader.close()

    def close(self) -> None:
        for c in (self.writer, self.thread_conn):
            if c is not None:
                c.close()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = Rig(tmp_path / "group.db")
    yield r
    r.close()


def log_size(wal: Path) -> int:
    """The log file's size now (a stat: quick enough for the loop in a test)."""
    return wal.stat().st_size


def insert(key: str, value: int) -> Work:
    def work(c: sqlite3.Connection) -> int:
        c.execute("INSERT INTO t (k, v) VALUES (?, ?)", (key, value))
        return value

    return work


def insert_then_fail(key: str) -> Work:
    def work(c: sqlite3.Connection) -> None:
        c.execute("INSERT INTO t (k, v) VALUES (?, 0)", (key,))
        raise ValueError(f"{key} refused")

    return work


async def test_writes_of_one_turn_share_one_commit_and_each_gets_its_result(rig: Rig) -> None:
    results = await asyncio.gather(*(rig.committer.write(insert(f"k{n}", n)) for n in range(30)))
    assert results == list(range(30))
    assert rig.commits == 1
    assert rig.rows() == {f"k{n}": n for n in range(30)}


async def test_a_failing_write_is_rolled_back_alone_and_its_caller_gets_its_error(
    rig: Rig,
) -> None:
    outcomes = await asyncio.gather(
        rig.committer.write(insert("a", 1)),
        rig.committer.write(insert_then_fail("bad")),
        rig.committer.write(insert("b", 2)),
        return_exceptions=True,
    )
    assert outcomes[0] == 1
    assert outcomes[2] == 2
    assert isinstance(outcomes[1], ValueError)
    assert str(outcomes[1]) == "bad refused"
    assert rig.rows() == {"a": 1, "b": 2}  # its own insert undone, the others kept
    assert rig.commits == 1


async def test_a_lone_write_that_fails_leaves_nothing_and_the_next_one_commits(
    rig: Rig,
) -> None:
    """A group of one runs without a savepoint: its failure rolls its transaction back."""
    with pytest.raises(ValueError, match="alone refused"):
        await rig.committer.write(insert_then_fail("alone"))
    assert rig.writer is not None
    assert not rig.writer.in_transaction
    assert rig.rows() == {}
    assert await rig.committer.write(insert("next", 3)) == 3
    assert rig.rows() == {"next": 3}
    assert rig.commits == 2


async def test_a_write_that_breaks_its_neighbour_fails_that_one_only(rig: Rig) -> None:
    """A duplicate key is the second write's error, not the group's."""
    outcomes = await asyncio.gather(
        rig.committer.write(insert("same", 1)),
        rig.committer.write(insert("same", 2)),
        return_exceptions=True,
    )
    assert outcomes[0] == 1
    assert isinstance(outcomes[1], sqlite3.IntegrityError)
    assert rig.rows() == {"same": 1}


async def test_a_caller_cancelled_before_its_group_runs_is_left_out(rig: Rig) -> None:
    kept = asyncio.ensure_future(rig.committer.write(insert("kept", 1)))
    gone = asyncio.ensure_future(rig.committer.write(insert("gone", 2)))
    await asyncio.sleep(0)  # both queued
    gone.cancel()
    assert await kept == 1
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert rig.rows() == {"kept": 1}


async def test_while_the_lock_is_held_writes_wait_then_commit_on_the_loop_writer(
    rig: Rig,
) -> None:
    async with rig.lock:  # a checkpoint catching up, say
        pending = [asyncio.ensure_future(rig.committer.write(insert(f"k{n}", n))) for n in range(5)]
        await asyncio.sleep(0.05)
        assert not any(p.done() for p in pending)
        assert rig.rows() == {}
    assert await asyncio.gather(*pending) == list(range(5))
    assert rig.thread_groups == 0  # not sent to the other connection
    assert rig.commits == 1


async def test_with_another_connection_writing_the_group_waits_for_it_on_the_thread(
    rig: Rig,
) -> None:
    other = sqlite3.connect(rig.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t (k, v) VALUES ('other', 0)")
    write = asyncio.ensure_future(rig.committer.write(insert("mine", 1)))
    await asyncio.sleep(0.2)
    assert not write.done()  # waiting for the file's lock, not failed
    other.execute("COMMIT")
    other.close()
    assert await asyncio.wait_for(write, timeout=5) == 1
    assert rig.thread_groups == 1
    assert rig.commits == 0
    assert rig.rows() == {"other": 0, "mine": 1}


async def test_a_broken_connection_fails_every_caller_of_the_group(rig: Rig) -> None:
    assert rig.writer is not None
    rig.writer.close()  # every statement on it now raises ProgrammingError
    outcomes = await asyncio.gather(
        *(rig.committer.write(insert(f"k{n}", n)) for n in range(3)), return_exceptions=True
    )
    assert all(isinstance(o, sqlite3.ProgrammingError) for o in outcomes)
    rig.writer = None
    assert rig.rows() == {}


async def test_steady_writes_keep_the_log_bounded_and_tell_no_one(tmp_path: Path) -> None:
    """Writes that never pause (two writers, so commits go on while each checkpoint runs)
    still let the log start over, and this process's commits never look like another
    process's to the cache signals."""
    path = tmp_path / "snowops.db"
    store = SqliteStore(
        str(path), SecretBox(generate_key()), checkpoint_every=20, restart_frames=200
    )
    await store.open()
    drops: list[object] = []
    signals = store.cache_signals()
    assert signals is not None
    await signals.start(drops.append)
    wal = Path(f"{path}-wal")
    sizes = []
    try:

        async def writer(name: str) -> None:
            for n in range(1500):
                await store.put_document(name, f"k{n % 50}", {"n": n, "pad": "x" * 2000})
                if n % 100 == 0:
                    sizes.append(log_size(wal))

        await asyncio.gather(writer("a"), writer("b"))
        await asyncio.sleep(0.4)  # the signals look every quarter second
        assert drops == []
        # 3,000 commits of about a page each: 12 MB of log had it never started over.
        assert max(sizes) < 4 * 1024 * 1024, sizes
        assert await store.get_document("a", "k49") == {"n": 1499, "pad": "x" * 2000}
        other = sqlite3.connect(path, isolation_level=None)  # the test can fail: a real
        other.execute("INSERT INTO documents VALUES ('x', 'y', 0, '{}')")  # foreign write
        other.close()
        await asyncio.sleep(0.4)
        assert drops == [None]
    finally:
        await signals.stop()
        await store.close()
