"""``snowops export`` / ``import`` / ``rotate-key`` / ``audit`` on real stores: SQLite on
one machine moves to Redis for many, pending notifications included."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from bot.cli import main
from core.secrets import SecretBox, generate_key
from core.store.factory import open_store
from core.store.port import Store
from tests.contract.test_store import OTHER_WS, WS, connection
from tests.contract.test_store_backup import fill, same_content

REDIS = os.environ.get("SNOWOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis store URL under a prefix of its own; its keys are deleted afterwards."""
    prefix = f"snowops-test:{uuid.uuid4().hex}:"
    yield f"{REDIS}?prefix={prefix}"
    client = Redis.from_url(REDIS)
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


async def opened(url: str, box: SecretBox) -> Store:
    store = open_store(url, box)
    await store.open()
    return store


def use(monkeypatch: pytest.MonkeyPatch, store: str, key: str) -> None:
    monkeypatch.setenv("SNOWOPS_STORE", store)
    monkeypatch.setenv("SNOWOPS_SECRET_KEY", key)


def test_export_from_sqlite_and_import_into_redis_keep_everything(
    tmp_path: Path,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = generate_key()
    box = SecretBox(key)
    sqlite_url = f"sqlite:///{tmp_path}/one.db"

    async def seed() -> None:
        source = await opened(sqlite_url, box)
        await fill(source)
        await source.close()

    asyncio.run(seed())
    use(monkeypatch, sqlite_url, key)
    backup = tmp_path / "backup.jsonl"
    assert main(["export", "-o", str(backup)]) == 0
    assert backup.stat().st_mode & 0o777 == 0o600
    assert "xoxb-SECRET" not in backup.read_text()

    use(monkeypatch, redis_url, key)
    assert main(["import", str(backup)]) == 0
    assert "2 ticket" in capsys.readouterr().out
    # A second import into the same store is refused: it already holds data.
    assert main(["import", str(backup)]) == 1
    assert "already holds data" in capsys.readouterr().err

    async def check() -> None:
        source, target = await opened(sqlite_url, box), await opened(redis_url, box)
        try:
            await same_content(source, target)
        finally:
            await source.close()
            await target.close()

    asyncio.run(check())


def test_import_refuses_a_file_that_is_not_an_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use(monkeypatch, f"sqlite:///{tmp_path}/x.db", generate_key())
    junk = tmp_path / "junk.jsonl"
    junk.write_text('{"hello": "world"}\n')
    assert main(["import", str(junk)]) == 1
    assert "line 1: not a SnowOps export" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "missing.jsonl")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_rotate_key_leaves_every_connection_usable_under_the_new_key_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = generate_key(), generate_key()
    url = f"sqlite:///{tmp_path}/rk.db"

    async def seed() -> None:
        store = await opened(url, SecretBox(old))
        await fill(store)
        await store.close()

    asyncio.run(seed())
    use(monkeypatch, url, old)
    assert main(["rotate-key"]) == 2
    assert "SNOWOPS_SECRET_KEY=<new>,<old>" in capsys.readouterr().err
    use(monkeypatch, url, f"{new},{old}")
    assert main(["rotate-key"]) == 0
    assert "re-encrypted 3 secrets" in capsys.readouterr().out

    async def check() -> None:
        store = await opened(url, SecretBox(new))
        try:
            assert await store.get_connection(WS) == connection()
            assert (await store.get_connection(OTHER_WS)) is not None
            assert await store.get_document("slack_install", "T1") == {"bot_token": "xoxb-SECRET"}
        finally:
            await store.close()

    asyncio.run(check())


def test_audit_prints_json_lines_since_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = generate_key()
    url = f"sqlite:///{tmp_path}/audit.db"

    async def seed() -> None:
        store = await opened(url, SecretBox(key))
        await fill(store)
        await store.close()

    asyncio.run(seed())
    use(monkeypatch, url, key)
    assert main(["audit", "--since", "1h"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["workspace"], r["action"]) for r in rows] == [
        (WS, "ticket.create"),
        (OTHER_WS, "subscription.save"),
    ]
    assert main(["audit", "--since", "2026-01-01", "--workspace", OTHER_WS]) == 0
    assert [json.loads(x)["actor"] for x in capsys.readouterr().out.splitlines()] == ["teams:U2"]
    assert main(["audit", "--since", "2999-01-01"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["audit", "--since", "last tuesday"]) == 2
    assert "--since 'last tuesday'" in capsys.readouterr().err
