"""Cache signals: a replica's cache keeps entries long while the backend tells it of other
processes' writes, and sees those writes at once (SQLite: another connection's commit;
Redis: the writer's message). Every durable backend, two processes' stores on one data."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from core.secrets import SecretBox
from core.store.cached import CachingStore
from core.store.port import Store
from tests.contract.conftest import REDIS_URL, Backend, make_backend


class Counting:
    """Counts an inner store's document reads."""

    def __init__(self, inner: Store) -> None:
        self.reads = 0
        real = inner.get_document

        async def get_document(namespace: str, key: str) -> Any:
            self.reads += 1
            return await real(namespace, key)

        inner.get_document = get_document  # type: ignore[method-assign]


async def cached(backend: Backend, box: SecretBox) -> tuple[CachingStore, Counting]:
    """A replica's cache: 50 ms without signals, a minute with them."""
    inner = backend.make(box)
    counting = Counting(inner)
    store = CachingStore(inner, ttl=0.05, signalled_ttl=60)
    await store.open()
    backend.opened.append(store)
    return store, counting


async def eventually(read: Any, want: Any) -> Any:
    """What ``read()`` gives once it gives ``want``, or after 3 s."""
    for _ in range(150):
        if (got := await read()) == want:
            break
        await asyncio.sleep(0.02)
    return got


async def told(store: CachingStore, live: bool = True) -> bool:
    """Whether the store's signals came (or went) within 3 s."""
    for _ in range(150):
        if store.signalled is live:
            return True
        await asyncio.sleep(0.02)
    return False


async def test_an_entry_outlives_the_short_time_while_nothing_else_writes(
    durable: Backend, box: SecretBox
) -> None:
    store, counting = await cached(durable, box)
    await store.put_document("ns", "k", {"v": 1})
    assert await store.get_document("ns", "k") == {"v": 1}
    await asyncio.sleep(0.4)  # past the short time, and past a SQLite version check
    assert await store.get_document("ns", "k") == {"v": 1}
    assert counting.reads == 1


async def test_another_replicas_write_shows_at_once(durable: Backend, box: SecretBox) -> None:
    mine, counting = await cached(durable, box)
    theirs, _ = await cached(durable, box)
    await mine.put_document("ns", "k", {"v": 1})
    assert await mine.get_document("ns", "k") == {"v": 1}
    await theirs.put_document("ns", "k", {"v": 2})
    assert await eventually(lambda: mine.get_document("ns", "k"), {"v": 2}) == {"v": 2}
    assert await eventually(lambda: mine.list_documents("ns"), {"k": {"v": 2}}) == {"k": {"v": 2}}
    # Connections and ticket pages too: the other replica's delete is seen.
    await theirs.delete_document("ns", "k")
    assert await eventually(lambda: mine.get_document("ns", "k"), None) is None
    assert counting.reads >= 2


@pytest.fixture
async def redis(tmp_path: Path) -> AsyncIterator[Backend]:
    """Redis alone (SQLite tells only that something was written, by anyone)."""
    backend = await make_backend("redis", tmp_path)
    try:
        yield backend
    finally:
        await backend.teardown()


async def test_a_write_elsewhere_in_the_backend_does_not_drop_this_group(
    redis: Backend, box: SecretBox
) -> None:
    """Redis tells which groups were written: another namespace's write keeps this one."""
    durable = redis
    mine, counting = await cached(durable, box)
    theirs, _ = await cached(durable, box)
    await mine.put_document("ns", "k", {"v": 1})
    await mine.get_document("ns", "k")
    assert await mine.get_document("ns", "x") is None  # kept: seen again only once told
    await theirs.put_document("other", "k", {"v": 2})
    await theirs.put_document("ns", "x", {"v": 3})  # same namespace: this one drops
    assert await eventually(lambda: mine.get_document("ns", "x"), {"v": 3}) == {"v": 3}
    # Messages come in order: "x" seen means the one before it came too.
    reads = counting.reads
    await mine.get_document("ns", "k")
    assert await mine.get_document("mark", "m") is None
    await theirs.put_document("other", "k", {"v": 4})
    await theirs.put_document("mark", "m", {"v": 5})
    # "mark" seen again: the message of the "other" write, sent before it, has come too.
    assert await eventually(lambda: mine.get_document("mark", "m"), {"v": 5}) == {"v": 5}
    kept = counting.reads
    assert await mine.get_document("ns", "k") == {"v": 1}
    assert counting.reads == kept  # "k" was not dropped with "other"
    assert kept - reads == 3  # "k" read once after the "ns" drop, and "mark" twice


async def test_a_lost_subscription_drops_everything_and_comes_back(
    redis: Backend, box: SecretBox
) -> None:
    """Redis pub/sub keeps nothing for a subscriber that is away: the cache forgets what it
    held, keeps entries briefly meanwhile, and listens again."""
    durable = redis
    mine, _ = await cached(durable, box)
    assert mine.signalled
    raw = durable.make(box)  # a process without a cache: it tells nobody
    await raw.open()
    durable.opened.append(raw)
    await mine.put_document("ns", "k", {"v": 1})
    assert await mine.get_document("ns", "k") == {"v": 1}
    await raw.put_document("ns", "k", {"v": 2})
    await asyncio.sleep(0.1)
    assert await mine.get_document("ns", "k") == {"v": 1}  # kept: nobody told
    admin = Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        assert await admin.client_kill_filter(_type="pubsub") >= 1
    finally:
        await admin.aclose()
    assert await eventually(lambda: mine.get_document("ns", "k"), {"v": 2}) == {"v": 2}
    assert await told(mine)
    assert await mine.get_document("ns", "k") == {"v": 2}  # kept a minute now
    # Listening again: another replica's write is told, and entries live long again.
    theirs, _ = await cached(durable, box)
    await theirs.put_document("ns", "k", {"v": 3})
    assert await eventually(lambda: mine.get_document("ns", "k"), {"v": 3}) == {"v": 3}
    await raw.put_document("ns", "k", {"v": 4})
    await asyncio.sleep(0.2)
    assert await mine.get_document("ns", "k") == {"v": 3}
