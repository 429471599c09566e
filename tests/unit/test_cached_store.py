"""The read cache: fewer reads, never a stale answer after a write through it."""

from __future__ import annotations

import asyncio
from typing import Any

from core.models import Connection, Ticket
from core.secrets import SecretBox, generate_key
from core.store.cached import CachingStore
from core.store.memory import MemoryStore


class CountingStore(MemoryStore):
    """A MemoryStore that counts connection reads and can be slow."""

    def __init__(self) -> None:
        super().__init__(SecretBox(generate_key()))
        self.reads = 0
        self.delay = 0.0

    async def get_connection(self, workspace: str) -> Connection | None:
        self.reads += 1
        await asyncio.sleep(self.delay)
        return await super().get_connection(workspace)


def conn(error: str | None = None) -> Connection:
    return Connection("slack:T1", "https://a.service-now.com", "cid", "s", last_error=error)


async def test_concurrent_misses_load_once() -> None:
    inner = CountingStore()
    await inner.save_connection(conn())
    store = CachingStore(inner, ttl=60)
    inner.delay = 0.05
    results = await asyncio.gather(*(store.get_connection("slack:T1") for _ in range(20)))
    assert all(r == conn() for r in results)
    assert inner.reads == 1
    assert await store.get_connection("slack:T1") == conn()
    assert inner.reads == 1


async def test_a_write_through_the_cache_is_seen_at_once() -> None:
    inner = CountingStore()
    store = CachingStore(inner, ttl=60)
    await store.save_connection(conn())
    assert await store.get_connection("slack:T1") == conn()
    await store.save_connection(conn("broken"))
    assert await store.get_connection("slack:T1") == conn("broken")
    await store.delete_connection("slack:T1")
    assert await store.get_connection("slack:T1") is None


async def test_a_load_overtaken_by_a_write_is_not_kept() -> None:
    inner = CountingStore()
    await inner.save_connection(conn())
    store = CachingStore(inner, ttl=60)
    inner.delay = 0.05
    slow = asyncio.create_task(store.get_connection("slack:T1"))
    await asyncio.sleep(0.01)
    inner.delay = 0.0
    await store.save_connection(conn("newer"))
    await slow
    assert await store.get_connection("slack:T1") == conn("newer")  # nothing stale kept


async def test_entries_expire() -> None:
    inner = CountingStore()
    await inner.save_connection(conn())
    store = CachingStore(inner, ttl=0.05)
    await store.get_connection("slack:T1")
    await inner.save_connection(conn("elsewhere"))  # another replica wrote
    await asyncio.sleep(0.06)
    assert await store.get_connection("slack:T1") == conn("elsewhere")


class ListingStore(MemoryStore):
    """A MemoryStore that counts ticket listings."""

    def __init__(self) -> None:
        super().__init__(SecretBox(generate_key()))
        self.listings = 0

    async def list_tickets(self, *args: Any, **kwargs: Any) -> list[Ticket]:
        self.listings += 1
        return await super().list_tickets(*args, **kwargs)


async def test_a_page_is_kept_and_a_scan_of_every_ticket_is_not() -> None:
    """A person's page (a command, a home tab) is kept; a timer's scan of every ticket is
    read each time, never held (a thousand workspaces' scans held every ticket decoded)."""
    inner = ListingStore()
    store = CachingStore(inner, ttl=60)
    for limit, kept in ((20, True), (200, True), (1000, False)):
        before = inner.listings
        await store.list_tickets("slack:T1", limit=limit)
        await store.list_tickets("slack:T1", limit=limit)
        assert inner.listings - before == (1 if kept else 2), limit
