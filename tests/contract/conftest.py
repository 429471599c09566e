"""Fixtures for the Store contract suite: one backend per parameter.

A ``Backend`` opens any number of stores over the same data (a second SQLite connection
to the same file, a second Redis client on the same prefix), which the concurrency,
key-rotation and no-plaintext tests need. Redis that does not answer fails the test when
``CI`` is set and skips it otherwise.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.secrets import SecretBox, generate_key
from core.store.cached import CachingStore
from core.store.memory import MemoryStore
from core.store.port import Store
from core.store.redis_store import RedisStore
from core.store.sqlite import SqliteStore

REDIS_URL = os.environ.get("SNOWOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class Backend:
    """Opens stores that share one backing database; closes them all at teardown."""

    name = "?"

    def __init__(self) -> None:
        self.opened: list[Store] = []

    def make(self, box: SecretBox) -> Store:
        """A new, unopened store on this backend's data."""
        raise NotImplementedError

    async def open(self, box: SecretBox) -> Store:
        """A new opened store on this backend's data."""
        store = self.make(box)
        await store.open()
        self.opened.append(store)
        return store

    async def raw_dump(self) -> bytes:
        """Everything the backend holds, as raw bytes (for the no-plaintext test)."""
        raise NotImplementedError

    async def teardown(self) -> None:
        """Close every store this backend opened."""
        for store in self.opened:
            await store.close()


class MemoryBackend(Backend):
    """One MemoryStore, shared (it cannot be reopened)."""

    name = "memory"

    def __init__(self) -> None:
        super().__init__()
        self._store: MemoryStore | None = None

    def make(self, box: SecretBox) -> Store:
        """The same in-memory store every time."""
        if self._store is None:
            self._store = MemoryStore(box)
        return self._store


class SqliteBackend(Backend):
    """A file in a temporary directory."""

    name = "sqlite"

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def make(self, box: SecretBox) -> Store:
        """A new connection to the file."""
        return SqliteStore(str(self.path), box)

    async def raw_dump(self) -> bytes:
        """The database, WAL and shared-memory files."""
        files = [self.path, *(self.path.with_name(self.path.name + s) for s in ("-wal", "-shm"))]
        return b"".join(f.read_bytes() for f in files if f.exists())


class RedisBackend(Backend):
    """The real server, under a prefix unique to the test; its keys are deleted after."""

    name = "redis"

    def __init__(self, client: Redis) -> None:
        super().__init__()
        self.client = client
        self.prefix = f"snowops-test:{uuid.uuid4().hex}:"

    def make(self, box: SecretBox) -> Store:
        """A new client on the same prefix."""
        return RedisStore(REDIS_URL, box, prefix=self.prefix)

    async def keys(self) -> list[str]:
        """Every key under the test prefix."""
        return [str(k) async for k in self.client.scan_iter(match=self.prefix + "*")]

    async def raw_dump(self) -> bytes:
        """Every value of every key, whatever its type."""
        out: list[str] = []
        for key in await self.keys():
            kind = await self.client.type(key)
            if kind == "string":
                value: object = await self.client.get(key)
            elif kind == "hash":
                value = await self.client.hgetall(key)
            elif kind == "list":
                value = await self.client.lrange(key, 0, -1)
            elif kind == "stream":
                value = await self.client.xrange(key)
            elif kind == "zset":
                value = await self.client.zrange(key, 0, -1, withscores=True)
            elif kind == "set":
                value = await self.client.smembers(key)
            else:
                value = f"<{kind}>"
            out.append(f"{key} {value!r}")
        return "\n".join(out).encode()

    async def teardown(self) -> None:
        """Close the stores, delete the test's keys, close the admin client."""
        await super().teardown()
        keys = await self.keys()
        if keys:
            await self.client.delete(*keys)
        await self.client.aclose()


async def redis_admin() -> Redis:
    """A client for the test server; fails under CI and skips elsewhere if it is down."""
    client = Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        message = f"Redis at {REDIS_URL} does not answer: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: Redis is required)")
        pytest.skip(message)
    return client


class CachedSqliteBackend(SqliteBackend):
    """SQLite behind the read cache the app puts in front of every store."""

    name = "cached-sqlite"

    def make(self, box: SecretBox) -> Store:
        """A cached store on the file."""
        return CachingStore(super().make(box))


async def make_backend(name: str, tmp_path: Path) -> Backend:
    """Build the named backend."""
    if name == "memory":
        return MemoryBackend()
    if name == "sqlite":
        return SqliteBackend(tmp_path / "store.db")
    if name == "cached-sqlite":
        return CachedSqliteBackend(tmp_path / "store.db")
    return RedisBackend(await redis_admin())


@pytest.fixture
def secret_key() -> str:
    """A fresh Fernet key."""
    return generate_key()


@pytest.fixture
def box(secret_key: str) -> SecretBox:
    """A secret box on that key."""
    return SecretBox(secret_key)


@pytest.fixture(params=["memory", "sqlite", "cached-sqlite", "redis"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """Each backend in turn."""
    b = await make_backend(request.param, tmp_path)
    try:
        yield b
    finally:
        await b.teardown()


@pytest.fixture(params=["sqlite", "redis"])
async def durable(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """The backends whose data outlives a store (reopen, raw bytes)."""
    b = await make_backend(request.param, tmp_path)
    try:
        yield b
    finally:
        await b.teardown()


@pytest.fixture
async def store(backend: Backend, box: SecretBox) -> Store:
    """An opened store (closed by the backend's teardown)."""
    return await backend.open(box)
