"""The Redis store records its data format, upgrades older data on start and refuses newer."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from core.secrets import SecretBox, generate_key
from core.store import redis_format
from core.store.redis_format import FORMAT, NewerFormatError, upgrade
from core.store.redis_store import RedisStore

URL = os.environ.get("SNOWOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BOX = SecretBox(generate_key())


@pytest.fixture
async def prefixed() -> AsyncIterator[tuple[Redis, str]]:
    client = Redis.from_url(URL, decode_responses=True)
    prefix = f"snowops-test:{uuid.uuid4().hex}:"
    try:
        yield client, prefix
    finally:
        keys = [k async for k in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


async def test_a_new_store_starts_at_the_current_format(prefixed: tuple[Redis, str]) -> None:
    client, prefix = prefixed
    store = RedisStore(URL, BOX, prefix=prefix)
    await store.open()
    await store.close()
    assert await client.hget(f"{prefix}meta", "format") == str(FORMAT)


async def test_data_from_before_formats_were_recorded_is_format_one(
    prefixed: tuple[Redis, str],
) -> None:
    client, prefix = prefixed
    await client.hset(f"{prefix}conn", "slack:T1", "{}")
    assert await upgrade(client, prefix) == 1
    assert await client.hget(f"{prefix}meta", "format") == str(FORMAT)


async def test_a_store_written_by_a_newer_snowops_is_refused(prefixed: tuple[Redis, str]) -> None:
    client, prefix = prefixed
    await client.hset(f"{prefix}meta", "format", FORMAT + 1)
    store = RedisStore(URL, BOX, prefix=prefix)
    with pytest.raises(NewerFormatError, match="written by a newer SnowOps"):
        await store.open()
    assert await client.hget(f"{prefix}meta", "format") == str(FORMAT + 1)  # left alone


async def test_older_data_is_upgraded_step_by_step_once(
    prefixed: tuple[Redis, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, prefix = prefixed
    ran: list[int] = []

    async def rename_field(c: Redis, p: str) -> None:
        ran.append(1)
        await c.hset(f"{p}conn", "upgraded", "yes")

    monkeypatch.setitem(redis_format.UPGRADES, FORMAT, rename_field)
    await client.hset(f"{prefix}meta", "format", FORMAT)
    assert await upgrade(client, prefix, target=FORMAT + 1) == FORMAT
    assert await upgrade(client, prefix, target=FORMAT + 1) == FORMAT + 1
    assert ran == [1]
    assert await client.hget(f"{prefix}conn", "upgraded") == "yes"
    assert await client.hget(f"{prefix}meta", "format") == str(FORMAT + 1)
