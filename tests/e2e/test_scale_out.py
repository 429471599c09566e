"""Three SnowOps processes share one Redis; one is killed (SIGKILL) mid-run. Every ticket
change still reaches the card's thread and the subscribed channel exactly once.

Real processes (`python -m bot.cli serve`), real Redis, the ServiceNow simulator and the
fake Slack Web API on loopback: nothing is patched.
"""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.app import build_services
from bot.settings import load_settings
from core.connections import OAuthClientConfig
from core.secrets import generate_key
from sim.servicenow.config import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
)
from tests.conftest import Sim, free_port
from tests.e2e.conftest import ADMIN, BOT_TOKEN, SIGNING_SECRET, WORKSPACE, form_state
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_signing import (
    interactivity_body,
    signed_headers,
    slash_command_body,
    view_submission_payload,
)

pytestmark = pytest.mark.redis

ROOT = Path(__file__).parents[2]
REDIS = os.environ.get("SNOWOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
#: Every key of this run starts with it; only those keys are deleted afterwards.
PREFIX = f"snowops-test:{uuid.uuid4().hex}:"
REDIS_URL = f"{REDIS}?prefix={PREFIX}"
TICKETS = 4
#: Bounds on waiting for an outcome on a loaded machine; a healthy run takes a fraction.
START_TIMEOUT = 60.0
OUTCOME_TIMEOUT = 60.0


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS, decode_responses=True)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        if os.environ.get("CI"):
            pytest.fail(f"Redis is needed on 127.0.0.1:6379 ({exc})")
        pytest.skip(f"no Redis on 127.0.0.1:6379 ({exc})")
    yield client
    keys = [k async for k in client.scan_iter(match=PREFIX + "*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def until(check: object, what: str) -> None:
    """Wait for ``check()`` (an async callable) to be true: an outcome, not a guess."""
    assert callable(check)
    try:
        async with asyncio.timeout(OUTCOME_TIMEOUT):
            while not await check():  # noqa: ASYNC110 - polling another process's state
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"{what}: not within {OUTCOME_TIMEOUT:.0f} s") from None


async def outbox_settled(redis: Redis) -> bool:
    """Every queued delivery was acknowledged (none ready, leased, waiting or parked)."""
    async for key in redis.scan_iter(match=f"{PREFIX}outbox:d:*", _type="hash"):
        if await redis.hget(key, "state") != "done":
            return False
    return True


class Replica:
    """One `snowops serve` process."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env = {
            **env,
            "SNOWOPS_PORT": str(port),
            "SNOWOPS_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
        self.url = f"http://127.0.0.1:{port}"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, http: aiohttp.ClientSession) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            cwd=ROOT,
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        async with asyncio.timeout(START_TIMEOUT):  # a loaded CI machine starts slowly
            while True:
                try:
                    async with http.get(f"{self.url}/readyz") as r:
                        if r.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                async with asyncio.timeout(10):
                    await self.proc.wait()
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


async def slack_post(http: aiohttp.ClientSession, url: str, body: bytes, **kw: str) -> None:
    async with http.post(
        f"{url}/slack/events", data=body, headers=signed_headers(SIGNING_SECRET, body, **kw)
    ) as r:
        assert r.status == 200, await r.text()


async def create_ticket(
    http: aiohttp.ClientSession, api: FakeSlackApi, url: str, name: str
) -> None:
    """`/snow create` in #security through one replica, and the form submitted."""
    opened = len(api.calls_to("views.open"))
    posted = len(api.calls_to("chat.postMessage"))
    await slack_post(
        http,
        url,
        slash_command_body(f"create {name}", user_id=ADMIN, response_url=api.response_url()),
    )
    await api.wait_for("views.open", count=opened + 1, timeout=10)
    view = [v for v in api.views.values() if v.get("callback_id") == "ticket_form"][-1]
    payload = view_submission_payload(
        view["id"], "ticket_form", form_state(name=name), private_metadata=view["private_metadata"]
    )
    await slack_post(http, url, interactivity_body(payload))
    await api.wait_for("chat.postMessage", count=posted + 1, timeout=10)


@pytest.mark.timeout(400)  # bounds a stuck run; each wait below is for an outcome
async def test_three_replicas_one_killed_deliver_every_change_once(
    sim: Sim, redis: Redis, tmp_path: Path
) -> None:
    api = FakeSlackApi()  # with the history scopes: a redo first looks for its copy
    await api.start()
    api.set_user(ADMIN, is_admin=True, email="beth.anglin@example.com", real_name="Beth Anglin")
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SNOWOPS_", "SLACK_", "GRAPH_"))
    }
    env.update(
        SNOWOPS_STORE=REDIS_URL,
        SNOWOPS_SECRET_KEY=generate_key(),
        SNOWOPS_POLL_INTERVAL="0.3",
        SNOWOPS_DELIVERY_LEASE="2",
        SNOWOPS_LOG_LEVEL="WARNING",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=api.base_url,
    )
    # Connect the workspace once, as an admin would; every replica reads it from Redis.
    setup_env = {**env, "SNOWOPS_SYNC": "false"}
    old = dict(os.environ)
    os.environ.update(setup_env)
    try:
        settings = load_settings()
    finally:
        os.environ.clear()
        os.environ.update(old)
    setup = build_services(settings)
    await setup.store.open()
    await setup.connections.connect_with_password(
        WORKSPACE,
        sim.url,
        OAuthClientConfig(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        DEFAULT_USERNAME,
        DEFAULT_PASSWORD,
        actor="test",
    )
    await setup.pool.aclose()
    await setup.store.close()

    replicas = [Replica(env, free_port()) for _ in range(3)]
    async with aiohttp.ClientSession() as http:
        try:
            for r in replicas:
                await r.start(http)
            first = replicas[0].url
            await slack_post(
                http,
                first,
                slash_command_body(
                    "subscribe incident",
                    user_id=ADMIN,
                    channel_id="C0OPS",
                    response_url=api.response_url("sub"),
                ),
            )
            numbers = []
            for i in range(TICKETS):
                await create_ticket(http, api, replicas[i % 3].url, f"Rotate certificate {i}")
                numbers.append(f"INC{10001 + i:07d}")
            cards = [
                c
                for c in api.calls_to("chat.postMessage")
                if c.args.get("blocks") and not c.args.get("thread_ts")
            ]
            assert len(cards) == TICKETS  # one card each, in #security

            async def polled() -> bool:
                return bool(
                    await redis.hget(f"{PREFIX}doc:sync_watermark", f"{WORKSPACE}|incident")
                )

            await until(polled, "a replica polled ServiceNow")
            api.clear()
            # Slack acts, then answers slowly: a replica killed now dies holding deliveries
            # that went out but were never acknowledged.
            api.latency["chat.postMessage"] = 0.15

            for n in numbers:
                sim.instance.set_state(n, "2")

            async def seen() -> bool:
                # Each change is a card update, a thread reply and a #ops post: once all are
                # queued, the poller saw every ticket move (a later poll would fold In
                # Progress and On Hold into one change).
                queued = [k async for k in redis.scan_iter(match=f"{PREFIX}outbox:d:*")]
                return len(queued) >= 3 * TICKETS

            await until(seen, "the poller saw every ticket move to In Progress")
            # Kill the replica that polls ServiceNow now (its lease names its pid).
            holder: Replica | None = None

            async def found_holder() -> bool:
                nonlocal holder
                owner = (await redis.hgetall(f"{PREFIX}lease:sync:{WORKSPACE}")).get("owner", "")
                holder = next((r for r in replicas if r.proc and f"-{r.proc.pid}-" in owner), None)
                return holder is not None

            await until(found_holder, "a replica holds the poll lease")
            assert holder is not None
            holder.kill()
            for n in numbers:
                sim.instance.add_journal(n, f"Work started on {n}")
            for n in numbers:
                sim.instance.set_state(n, "3")

            expected_per_ticket = 3  # In Progress, the comment, On Hold
            want = TICKETS * expected_per_ticket

            def replies() -> list[str]:
                return [c.args["text"] for c in api.calls_to("chat.postMessage")]

            await api.wait_for("chat.postMessage", count=want * 2, timeout=OUTCOME_TIMEOUT)
            # Nothing doubled can still come once every delivery is acknowledged, and the
            # killed replica's leases (2 s) have run out and were taken over.
            await until(lambda: outbox_settled(redis), "every delivery acknowledged")

            texts = replies()
            counts = collections.Counter(texts)
            assert [t for t, c in counts.items() if c > 1] == []
            assert len(texts) == want * 2  # each change: thread reply + #ops post
            for n in numbers:
                mine = [t for t in texts if t.startswith(n)]
                assert sum("New → In Progress" in t for t in mine) == 2
                assert sum(f"Work started on {n}" in t for t in mine) == 2
                assert sum("In Progress → On Hold" in t for t in mine) == 2
            # Every card ends showing the truth.
            for (channel, _ts), message in api.messages.items():
                if channel == "C0SEC" and "blocks" in message and "thread_ts" not in message:
                    assert "On Hold" in str(message["blocks"])
        finally:
            for r in replicas:
                await r.stop()
            await api.close()
