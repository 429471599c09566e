"""Several real SnowOps processes (`python -m bot.cli serve`) sharing one Redis, for the
scale-out tests of every chat platform (tests/e2e/test_scale_out.py for Slack,
tests/e2e/test_teams_scale_out.py for Teams).

Every wait is for an outcome in Redis or at a fake platform, bounded by
:data:`OUTCOME_TIMEOUT`, never a guess at how long something takes: a loaded CI machine is
slower, not red. Keys live under a prefix of the test's own (``SNOWOPS_STORE=…?prefix=``);
only those are deleted afterwards, never the database.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.app import build_services
from bot.settings import load_settings
from core.connections import OAuthClientConfig
from sim.servicenow.config import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
)
from tests.conftest import free_port

ROOT = Path(__file__).parents[2]
REDIS = os.environ.get("SNOWOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
#: Bounds on waiting for an outcome on a loaded machine; a healthy run takes a fraction.
START_TIMEOUT = 60.0
OUTCOME_TIMEOUT = 60.0
#: Settings of the product; a replica gets only those the test gives it.
_SETTINGS = ("SNOWOPS_", "SERVICENOW_", "SLACK_", "TEAMS_", "GRAPH_")


@dataclass
class SharedRedis:
    """The Redis the replicas share, seen through the test's key prefix."""

    client: Redis
    prefix: str

    @property
    def url(self) -> str:
        """``SNOWOPS_STORE`` for the replicas."""
        return f"{REDIS}?prefix={self.prefix}"

    async def polled(self, workspace: str, table: str = "incident") -> bool:
        """A replica polled ServiceNow for ``workspace`` (its watermark document is set)."""
        return bool(
            await self.client.hget(f"{self.prefix}doc:sync_watermark", f"{workspace}|{table}")
        )

    async def told(self, workspace: str, numbers: list[str], state: str) -> bool:
        """Every one of ``numbers`` has a baseline (what users were told) in ``state``."""
        raw = await self.client.hmget(
            f"{self.prefix}doc:sync_baseline", [f"{workspace}|{n}" for n in numbers]
        )
        return all(r is not None and json.loads(r).get("state") == state for r in raw)

    async def queued(self) -> int:
        """How many deliveries were ever queued in the outbox."""
        return len([k async for k in self.client.scan_iter(match=f"{self.prefix}outbox:d:*")])

    async def settled(self) -> bool:
        """Every queued delivery was acknowledged (none ready, leased, waiting or parked)."""
        async for key in self.client.scan_iter(match=f"{self.prefix}outbox:d:*", _type="hash"):
            if await self.client.hget(key, "state") != "done":
                return False
        return True

    async def poll_lease_owner(self, workspace: str) -> str:
        """Who holds the poll lease of ``workspace`` (it names the replica's pid), or ""."""
        lease = await self.client.hgetall(f"{self.prefix}lease:sync:{workspace}")
        return str(lease.get("owner", ""))


@pytest.fixture
async def shared_redis() -> AsyncIterator[SharedRedis]:
    """Redis on 127.0.0.1:6379 with a prefix of this test's own; its keys go afterwards."""
    client = Redis.from_url(REDIS, decode_responses=True)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        if os.environ.get("CI"):
            pytest.fail(f"Redis is needed on 127.0.0.1:6379 ({exc})")
        pytest.skip(f"no Redis on 127.0.0.1:6379 ({exc})")
    shared = SharedRedis(client, f"snowops-test:{uuid.uuid4().hex}:")
    try:
        yield shared
    finally:
        keys = [k async for k in client.scan_iter(match=shared.prefix + "*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


async def until(check: Callable[[], Awaitable[bool] | bool], what: str) -> None:
    """Wait for ``check()`` to be true: an outcome, not a guess."""
    try:
        async with asyncio.timeout(OUTCOME_TIMEOUT):
            while True:
                done = check()
                if inspect.isawaitable(done):
                    done = await done
                if done:
                    return
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"{what}: not within {OUTCOME_TIMEOUT:.0f} s") from None


def replica_env(settings: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any product setting, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SETTINGS)}
    return {**env, **settings}


async def connect_once(settings: Mapping[str, str], workspace: str, sim_url: str) -> None:
    """Connect ``workspace`` to the ServiceNow simulator once, as an admin would; every
    replica reads the connection from the shared store."""
    old = dict(os.environ)
    os.environ.update({**settings, "SNOWOPS_SYNC": "false"})
    try:
        loaded = load_settings(_env_file=None)
    finally:
        os.environ.clear()
        os.environ.update(old)
    setup = build_services(loaded)
    await setup.store.open()
    try:
        await setup.connections.connect_with_password(
            workspace,
            sim_url,
            OAuthClientConfig(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
            DEFAULT_USERNAME,
            DEFAULT_PASSWORD,
            actor="test",
        )
    finally:
        await setup.pool.aclose()
        await setup.store.close()


class Replica:
    """One `snowops serve` process; its log goes to ``log`` (kept for a failed run)."""

    def __init__(self, env: dict[str, str], port: int, log: Path | None = None) -> None:
        self.env = {
            **env,
            "SNOWOPS_PORT": str(port),
            "SNOWOPS_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, http: aiohttp.ClientSession) -> None:
        """Start it and wait until it is ready (``/readyz``)."""
        out = self.log.open("ab") if self.log is not None else asyncio.subprocess.DEVNULL
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "serve",
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=out,
            )
        finally:
            if not isinstance(out, int):
                out.close()
        async with asyncio.timeout(START_TIMEOUT):  # a loaded CI machine starts slowly
            while True:
                assert self.proc.returncode is None, f"{self.url} exited: see {self.log}"
                try:
                    async with http.get(f"{self.url}/readyz") as r:
                        if r.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)

    def holds(self, lease_owner: str) -> bool:
        """True if ``lease_owner`` (a lease's owner) names this process."""
        return self.proc is not None and f"-{self.proc.pid}-" in lease_owner

    def has_socket(self, port: int) -> bool:
        """True if this process has a TCP socket on local port ``port`` (Linux: /proc),
        i.e. a call a fake platform took from port ``port`` came from this replica."""
        if self.proc is None or self.proc.returncode is not None:
            return False
        inodes = _sockets_on(port)
        try:
            fds = list(Path(f"/proc/{self.proc.pid}/fd").iterdir())
        except OSError:
            return False
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue  # closed meanwhile
            if target.startswith("socket:[") and target[8:-1] in inodes:
                return True
        return False

    def kill(self) -> None:
        """SIGKILL: no clean stop, leases and deliveries left as they were."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                async with asyncio.timeout(10):
                    await self.proc.wait()
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


def _sockets_on(port: int) -> set[str]:
    """The inodes of this network namespace's TCP sockets whose local port is ``port``."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


@asynccontextmanager
async def replicas(
    env: dict[str, str], http: aiohttp.ClientSession, count: int, logs: Path
) -> AsyncIterator[list[Replica]]:
    """``count`` ready replicas, each on its own loopback port; stopped on exit."""
    running = [Replica(env, free_port(), logs / f"replica-{n}.log") for n in range(count)]
    try:
        for replica in running:
            await replica.start(http)
        yield running
    finally:
        for replica in running:
            await replica.stop()


async def kill_the_poller(
    shared: SharedRedis,
    running: list[Replica],
    workspace: str,
    when: Callable[[Replica], bool] = lambda _: True,
    what: str = "a replica holds the poll lease",
) -> Replica:
    """SIGKILL the replica that holds ``workspace``'s poll lease, once ``when`` is true of
    it; returns it."""
    holder: Replica | None = None

    async def found() -> bool:
        nonlocal holder
        owner = await shared.poll_lease_owner(workspace)
        holder = next((r for r in running if r.holds(owner)), None)
        return holder is not None and when(holder)

    await until(found, what)
    assert holder is not None
    holder.kill()
    return holder
