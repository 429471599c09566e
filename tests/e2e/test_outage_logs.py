"""A store outage is logged once when it starts and once when it ends, never as a traceback
per request or per loop turn; people are told what is wrong, and nothing is lost."""

from __future__ import annotations

import asyncio
import logging
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.conftest import free_port
from tests.e2e.conftest import SlackHarness

REDIS = shutil.which("redis-server")


class PrivateRedis:
    """A redis-server of this test's own, so it can be stopped and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert REDIS, "redis-server is needed (CI installs it)"
        self.proc = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ping = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, check=False
            )
            if ping.stdout.strip() == b"PONG":
                return
            time.sleep(0.05)
        raise AssertionError("private redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    redis = PrivateRedis()
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


@pytest.fixture
def slack_env(private_redis: PrivateRedis) -> dict[str, str]:
    """SnowOps on the private Redis, with its delivery and poll loops running."""
    return {
        "SNOWOPS_STORE": f"redis://127.0.0.1:{private_redis.port}/0",
        "SNOWOPS_SYNC": "true",
        "SNOWOPS_POLL_INTERVAL": "1",
    }


async def test_a_store_outage_logs_once_each_way(
    slack: SlackHarness, private_redis: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.clear()
    private_redis.stop()
    for _ in range(5):
        acked = await slack.command("tickets")
        assert acked.status == 200
        assert "cannot reach its own store" in await acked.text()
        async with slack.http.get(f"{slack.url}/readyz") as r:
            assert r.status == 503
    await asyncio.sleep(2.5)  # the loops run into it too, turn after turn

    private_redis.start()
    deadline = time.monotonic() + 10
    while True:
        async with slack.http.get(f"{slack.url}/readyz") as r:
            if r.status == 200:
                break
        assert time.monotonic() < deadline, "the store never answered again"
        await asyncio.sleep(0.1)

    mine = [r for r in caplog.records if r.name.startswith(("core", "bot", "adapters"))]
    assert [r for r in mine if r.exc_info] == [], [r.getMessage() for r in mine if r.exc_info]
    assert len([r for r in mine if "store not answering" in r.getMessage()]) == 1
    assert len([r for r in mine if "store answering again" in r.getMessage()]) == 1
    assert [r.getMessage() for r in mine if r.levelno >= logging.WARNING] == [
        m for m in (r.getMessage() for r in mine) if "store not answering" in m
    ]
