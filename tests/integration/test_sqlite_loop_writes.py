"""The SQLite store runs its statements on the event loop's thread, and still shares its
file with other processes: a write waits for another process's write lock (on the database
thread) instead of failing, and every read sees what was written before it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from core.secrets import SecretBox, generate_key
from core.store.sqlite import SqliteStore


async def test_a_write_while_another_process_holds_the_lock_waits_for_it(tmp_path: Path) -> None:
    path = tmp_path / "snowops.db"
    store = SqliteStore(str(path), SecretBox(generate_key()))
    await store.open()
    try:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process, mid-transaction
        other.execute(
            "INSERT INTO documents (namespace, key, secret, body) VALUES ('x', 'y', 0, '{}')"
        )
        write = asyncio.ensure_future(store.put_document("ns", "k", {"n": 1}))
        await asyncio.sleep(0.3)
        assert not write.done()  # waiting for the lock, not failed
        assert await store.get_document("ns", "k") is None  # reads go on meanwhile
        other.execute("COMMIT")
        other.close()
        await asyncio.wait_for(write, timeout=5)
        assert await store.get_document("ns", "k") == {"n": 1}
        assert await store.get_document("x", "y") == {}
    finally:
        await store.close()


async def test_every_read_sees_the_writes_before_it_across_many_commits(tmp_path: Path) -> None:
    """Hundreds of commits (checkpoints run on the database thread meanwhile), each read
    back at once; a second store on the same file (a restart) sees them all."""
    path = tmp_path / "snowops.db"
    box = SecretBox(generate_key())
    store = SqliteStore(str(path), box)
    await store.open()
    try:
        for n in range(450):
            await store.put_document("ns", f"k{n % 7}", {"n": n})
            assert await store.get_document("ns", f"k{n % 7}") == {"n": n}
    finally:
        await store.close()
    again = SqliteStore(str(path), box)
    await again.open()
    try:
        docs = await again.list_documents("ns", "k")
        assert {k: v["n"] for k, v in docs.items()} == {f"k{n % 7}": n for n in range(450)}
    finally:
        await again.close()
