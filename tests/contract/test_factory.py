"""open_store: which URL gives which Store, and which URLs are refused."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.secrets import SecretBox, generate_key
from core.store.factory import open_store
from core.store.memory import MemoryStore
from core.store.redis_store import RedisStore
from core.store.sqlite import SCHEMA_VERSION, SqliteStore

BOX = SecretBox(generate_key())


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///data/snowops.db", "data/snowops.db"),
        ("sqlite:////var/lib/snowops/s.db", "/var/lib/snowops/s.db"),
        ("sqlite:///:memory:", ":memory:"),
    ],
)
def test_sqlite_urls(url: str, path: str) -> None:
    store = open_store(url, BOX)
    assert isinstance(store, SqliteStore)
    assert store._path == path


@pytest.mark.parametrize(
    "url",
    [
        "redis://localhost:6379/0",
        "redis://127.0.0.1",
        "redis://127.0.0.2:6380",
        "redis://[::1]:6379",
        "redis://:pw@localhost/1",
        "rediss://cache.internal:6380/0",
        "rediss://user:pw@10.0.0.5",
    ],
)
def test_redis_urls(url: str) -> None:
    assert isinstance(open_store(url, BOX), RedisStore)


def test_memory_url() -> None:
    assert isinstance(open_store("memory://", BOX), MemoryStore)


@pytest.mark.parametrize("url", ["redis://cache.internal:6379", "redis://:hunter2@10.0.0.5/0"])
def test_plaintext_redis_off_loopback_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="rediss://") as info:
        open_store(url, BOX)
    assert "hunter2" not in str(info.value)


@pytest.mark.parametrize(
    "url",
    ["postgres://db/x", "sqlite://relative.db", "sqlite:///", "snowops.db", "redis://", ""],
)
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match=r"sqlite:///|host"):
        open_store(url, BOX)


def test_unknown_scheme_message_names_the_forms_and_hides_passwords() -> None:
    with pytest.raises(ValueError, match="memory://") as info:
        open_store("mysql://root:s3cret@db/snow", BOX)
    assert "s3cret" not in str(info.value)


async def test_sqlite_schema_version_and_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "s.db"
    store = open_store(f"sqlite:///{path}", BOX)
    await store.open()
    await store.open()
    await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    assert path.stat().st_mode & 0o077 == 0
    reopened = open_store(f"sqlite:///{path}", BOX)
    await reopened.open()
    await reopened.ping()
    await reopened.close()


async def test_sqlite_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    store = SqliteStore(str(path), BOX)
    with pytest.raises(RuntimeError, match="newer"):
        await store.open()


async def test_sqlite_upgrades_a_version_1_file(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SqliteStore(str(path), BOX)
    await store.open()
    await store.close()
    # Turn it back into a version 1 file (no acked_at) holding a delivered and a leased item.
    with sqlite3.connect(path) as db:
        db.execute("DROP INDEX outbox_done")
        db.execute("ALTER TABLE outbox DROP COLUMN acked_at")
        db.execute("INSERT INTO outbox (delivery_id, payload, state) VALUES ('old', '{}', 'done')")
        db.execute(
            "INSERT INTO outbox (delivery_id, payload, state, lease_until, owner) "
            "VALUES ('busy', '{\"x\": 1}', 'leased', 1, 'w')"
        )
        db.execute("PRAGMA user_version = 1")
    db.close()
    upgraded = SqliteStore(str(path), BOX)
    await upgraded.open()
    try:
        assert await upgraded.outbox_put("old", {}) is False
        assert await upgraded.outbox_ack("busy", "w") is True
        # Items delivered before the upgrade count as acknowledged at upgrade time.
        assert await upgraded.outbox_forget_done(datetime.now(UTC) - timedelta(hours=1)) == 0
        assert await upgraded.outbox_forget_done(datetime.now(UTC) + timedelta(hours=1)) == 2
        assert await upgraded.outbox_put("old", {}) is True
    finally:
        await upgraded.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    db.close()


async def test_sqlite_memory_path_works() -> None:
    store = open_store("sqlite:///:memory:", BOX)
    await store.open()
    await store.put_document("ns", "k", {"a": 1}, secret=True)
    assert await store.get_document("ns", "k") == {"a": 1}
    await store.close()


async def test_a_redis_prefix_keeps_deployments_apart() -> None:
    """``?prefix=`` starts every key: two deployments on one database never see each other."""
    import os
    import uuid

    base = os.environ.get("SNOWOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    run = uuid.uuid4().hex
    a = open_store(f"{base}?prefix=snowops-test:{run}:a:", BOX)
    b = open_store(f"{base}?prefix=snowops-test:{run}:b:", BOX)
    await a.open()
    await b.open()
    try:
        await a.put_document("ns", "k", {"v": 1})
        assert await b.get_document("ns", "k") is None
        assert await a.get_document("ns", "k") == {"v": 1}
    finally:
        await a.close()
        await b.close()
        from redis.asyncio import Redis

        client = Redis.from_url(base)
        keys = [k async for k in client.scan_iter(match=f"snowops-test:{run}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
    with pytest.raises(ValueError, match="prefix= cannot be empty"):
        open_store(f"{base}?prefix=", BOX)
