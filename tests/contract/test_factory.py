"""open_store: which URL gives which Store, and which URLs are refused."""

from __future__ import annotations

import re
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


async def _a_fresh_file(tmp_path: Path) -> Path:
    """A store file as this SnowOps creates it (closed)."""
    path = tmp_path / "s.db"
    store = SqliteStore(str(path), BOX)
    await store.open()
    await store.close()
    return path


async def test_sqlite_upgrades_a_version_1_file(tmp_path: Path) -> None:
    path = await _a_fresh_file(tmp_path)
    # Turn it back into a version 1 file (no acked_at) holding a delivered and a leased item.
    with sqlite3.connect(path) as db:
        _version_2_indexes(db)
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
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
        assert _outbox_indexes(db) == ONE_STATE_EACH
    db.close()


#: The outbox's indexes since version 3, each over the rows of one state.
ONE_STATE_EACH = {
    "outbox_ready": "state = 'ready'",
    "outbox_leased": "state = 'leased'",
    "outbox_acked": "state = 'done'",
    "outbox_parked": "state = 'parked'",
}


def _version_2_indexes(db: sqlite3.Connection) -> None:
    """The outbox's indexes as versions 1 and 2 had them (every row, led by the state)."""
    for name in ONE_STATE_EACH:
        db.execute(f"DROP INDEX {name}")
    db.execute("CREATE INDEX outbox_queue ON outbox (state, seq)")
    db.execute("CREATE INDEX outbox_leases ON outbox (state, lease_until)")
    db.execute("CREATE INDEX outbox_done ON outbox (state, acked_at)")


def _outbox_indexes(db: sqlite3.Connection) -> dict[str, str]:
    """The outbox's own indexes: name → the rows each covers (its WHERE), "" for all."""
    rows = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox' "
        "AND sql IS NOT NULL"
    ).fetchall()
    return {name: sql.partition(" WHERE ")[2] for name, sql in rows}


async def test_sqlite_upgrades_a_version_2_file_to_indexes_of_one_state(tmp_path: Path) -> None:
    path = await _a_fresh_file(tmp_path)
    with sqlite3.connect(path) as db:
        _version_2_indexes(db)
        db.execute(
            "INSERT INTO outbox (delivery_id, payload, state, lease_until, owner) "
            "VALUES ('lapsed', '{\"n\": 1}', 'leased', 1, 'gone')"
        )
        db.execute("INSERT INTO outbox (delivery_id, payload) VALUES ('waiting', '{\"n\": 2}')")
        db.execute("PRAGMA user_version = 2")
    db.close()
    upgraded = SqliteStore(str(path), BOX)
    await upgraded.open()
    try:
        # Both halves of a claim still find their rows: the ready one, and the lapsed lease.
        claimed = await upgraded.outbox_claim("w", 10, 30, datetime.now(UTC))
        assert sorted(i.delivery_id for i in claimed) == ["lapsed", "waiting"]
        assert await upgraded.outbox_ack("waiting", "w") is True
        assert await upgraded.outbox_park("lapsed", "w", "no channel") is True
        assert [i.delivery_id for i in await upgraded.outbox_parked()] == ["lapsed"]
        assert await upgraded.outbox_forget_done(datetime.now(UTC) + timedelta(hours=1)) == 1
    finally:
        await upgraded.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert _outbox_indexes(db) == ONE_STATE_EACH
    db.close()


async def test_sqlite_outbox_reads_go_through_their_states_indexes(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "s.db"), BOX)
    await store.open()
    # The statements as the store sends them (parameters bound), on both its connections.
    sent: list[str] = []
    for own in (store._reader, store._writer):
        assert own is not None
        own.set_trace_callback(sent.append)
    try:
        await store.outbox_claim("w", 5, 30, datetime.now(UTC))
        await store.outbox_ack_many(["d1", "d2"], "w")
        await store.outbox_parked()
        await store.outbox_forget_done(datetime.now(UTC))
    finally:
        await store.close()
    plans: dict[str, list[str]] = {}
    with sqlite3.connect(tmp_path / "s.db") as db:
        for sql in sent:
            acks = sql.startswith("UPDATE outbox") and " IN (" in sql
            if acks or ("FROM outbox" in sql and sql.startswith(("SELECT", "DELETE"))):
                # The store binds its numbers, and the planner may choose otherwise for
                # literals: they go back to parameters.
                bound = re.sub(r"(?<![\w.'])\d+(?:\.\d+)?(?![\w'])", "?", sql)
                args = (1,) * bound.count("?")
                plans[sql] = [r[3] for r in db.execute(f"EXPLAIN QUERY PLAN {bound}", args)]
    db.close()
    used = {p for steps in plans.values() for p in steps}
    # A claim's two halves, the parked list and the forgetting each use their state's index,
    # a round's acknowledgement the ids'; none walks the table (an outbox keeps every
    # delivered id for days).
    assert {
        "SEARCH outbox USING INDEX sqlite_autoindex_outbox_1 (delivery_id=?)",
        "SCAN outbox USING INDEX outbox_ready",
        "SEARCH outbox USING INDEX outbox_leased (lease_until<?)",
        "SCAN outbox USING INDEX outbox_parked",
        "SEARCH outbox USING INDEX outbox_acked (acked_at<?)",
    } <= used
    assert "SCAN outbox" not in used


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
