"""The world ``bench_sync.py`` measures: ServiceNow simulators in child processes, SnowOps in
this one with its notifications going to a sink that notes when each arrives."""

from __future__ import annotations

import asyncio
import os
import random
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, cast

import aiohttp

from bot.app import Services, build_services
from bot.server import settle_heap
from bot.settings import load_settings
from core.models import CardLocation, ChannelRef, OAuthClientConfig, TicketKind
from core.repos import Baselines
from core.secrets import generate_key
from core.servicenow.mapping import correlation_id, ticket_from_record
from core.views import Notice, TicketCard
from core.watch import QueryWatches
from sim.servicenow.config import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
)

ROOT = Path(__file__).resolve().parent.parent
# Two states per kind to move between, so every change is a real state change.
TOGGLE = {TicketKind.INCIDENT.value: ("2", "3"), TicketKind.CHANGE.value: ("-4", "-3")}
#: A tracked ticket: workspace, number, kind (its value) and simulator. Strings only, so the
#: collector stops tracking the bench's 100,000 of them: they are not SnowOps's to walk.
Pick = tuple[str, str, str, str]


#: Polls under way at once in a cycle. The real loops overlap: 1,000 connections at a 5 s
#: interval are 200 polls a second, and an instance answering in 100 ms keeps 20 in flight.
IN_FLIGHT = 20


async def in_flight[T](calls: list[Coroutine[Any, Any, T]], limit: int = IN_FLIGHT) -> list[T]:
    """Await ``calls`` with at most ``limit`` running at once; their results in order.
    ``limit`` workers take the next call as each finishes (a task per call waiting on a
    semaphore cost the measured process a few percent of a cycle: the real loops have no
    such queue)."""
    results: list[T | None] = [None] * len(calls)
    pending = iter(enumerate(calls))

    async def worker() -> None:
        for i, call in pending:
            results[i] = await call

    await asyncio.gather(*(worker() for _ in range(min(limit, len(calls)))))
    return cast(list[T], results)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """The process's resident memory now (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class PhasePeaks:
    """The highest resident memory seen in each phase of a run (sampled 4 times a
    second): which phase sets the process's peak."""

    def __init__(self) -> None:
        self.phase = "start"
        self.peaks: dict[str, float] = {}

    async def sample(self) -> None:
        """Sample until cancelled."""
        while True:
            rss = current_rss_mb()
            if rss > self.peaks.get(self.phase, 0.0):
                self.peaks[self.phase] = rss
            await asyncio.sleep(0.25)

    def report(self) -> str:
        """Each phase's peak, in order."""
        return ", ".join(f"{name} {mb:.0f} MB" for name, mb in self.peaks.items())


def cpu_of(pids: list[int]) -> float:
    """CPU seconds (user + system) the processes ``pids`` have used so far (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


class RecordingSink:
    """A chat platform that notes when each ticket's first reply arrives."""

    def __init__(self) -> None:
        self.first_reply: dict[str, float] = {}
        self.calls = 0

    def reset(self) -> None:
        self.first_reply.clear()

    async def post_card(self, channel: ChannelRef, card: TicketCard) -> CardLocation:
        self.calls += 1
        return CardLocation(channel, "m")

    async def update_card(self, where: CardLocation, card: TicketCard) -> None:
        self.calls += 1

    async def post(
        self, channel: ChannelRef, message: Notice, *, key: str, thread: str | None = None
    ) -> None:
        self.calls += 1
        if thread is not None:
            # Ticket numbers repeat across simulators: the workspace tells them apart.
            number = message.text.split(" ", 1)[0]
            self.first_reply.setdefault(f"{channel.workspace}|{number}", time.time())

    async def was_posted(self, channel: ChannelRef, key: str, *, thread: str | None = None) -> bool:
        return False

    async def direct(self, workspace: str, user: str) -> ChannelRef:
        return ChannelRef(workspace, user)


class World:
    """``sims`` simulator processes (connections spread over them, so one simulator's
    table scans do not set the pace) and SnowOps in this process."""

    def __init__(
        self, connections: int, tickets: int, interval: float, tmp: str, sims: int
    ) -> None:
        self.n_conn, self.n_tickets, self.interval = connections, tickets, interval
        self.sim_urls = [f"http://127.0.0.1:{free_port()}" for _ in range(max(1, sims))]
        self.port = free_port()
        self.tmp = tmp
        self.sink = RecordingSink()
        self.http: aiohttp.ClientSession | None = None
        self.procs: list[asyncio.subprocess.Process] = []
        self.sims_cpu = 0.0
        #: The last cycle's deliveries (to the recording sink), and their CPU.
        self.delivered, self.delivery_cpu = 0, 0.0
        self.services: Services | None = None
        self.workspaces = [f"bench:W{c:04d}" for c in range(connections)]
        self.tickets: list[Pick] = []
        self.state: dict[str, int] = {}

    def ceiling(self) -> float:
        assert self.services is not None
        return self.services.coordinator.cadence.ceiling

    async def deliver_forever(self) -> None:
        """The delivery loop alone (no poll loops), woken by each queued delivery."""
        s = self.services
        assert s is not None
        while True:
            await s.notifier.queued.wait()
            s.notifier.queued.clear()
            while await s.notifier.deliver("bench", limit=500):
                pass

    def sim_of(self, index: int) -> str:
        return self.sim_urls[index % len(self.sim_urls)]

    async def start(self) -> None:
        for url in self.sim_urls:
            self.procs.append(
                await asyncio.create_subprocess_exec(
                    *[sys.executable, "-m", "bot.cli", "sim", "--port", url.rsplit(":", 1)[1]],
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    # Lowest priority: SnowOps, the process measured, runs whenever it can.
                    preexec_fn=lambda: os.nice(19),
                )
            )
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=20))
        for url in self.sim_urls:
            await self._wait_up(url)
        os.environ.update(
            SNOWOPS_STORE=f"sqlite:///{self.tmp}/bench.db",
            SNOWOPS_SECRET_KEY=generate_key(),
            SNOWOPS_SYNC="false",
            SNOWOPS_POLL_INTERVAL=str(self.interval),
            SNOWOPS_PORT=str(self.port),
            SNOWOPS_PUBLIC_URL=f"http://127.0.0.1:{self.port}",
            SNOWOPS_LOG_LEVEL="ERROR",
        )
        self.services = build_services(load_settings(), sinks={"bench": self.sink})
        await self.services.store.open()
        settle_heap()  # as ``snowops serve`` does once started

    async def _wait_up(self, url: str) -> None:
        assert self.http is not None
        for _ in range(200):
            try:
                async with self.http.get(f"{url}/sim/health") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)

    async def stop(self) -> None:
        if self.services is not None:
            await self.services.stop()
        if self.http is not None:
            await self.http.close()
        for proc in self.procs:
            proc.terminate()
            await proc.wait()

    async def sim(self, url: str, method: str, path: str, body: Any = None) -> Any:
        assert self.http is not None
        async with self.http.request(method, f"{url}{path}", json=body) as r:
            return await r.json()

    async def each_sim(self, method: str, path: str, body: Any = None) -> list[Any]:
        return [await self.sim(url, method, path, body) for url in self.sim_urls]

    async def seed(self) -> None:
        """Connect every workspace and give each its share of tracked tickets, with a card."""
        s = self.services
        assert s is not None
        per = self.n_tickets // self.n_conn
        for c, ws in enumerate(self.workspaces):
            url = self.sim_of(c)
            await s.connections.connect_with_password(
                ws,
                url,
                OAuthClientConfig(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
                DEFAULT_USERNAME,
                DEFAULT_PASSWORD,
                actor="bench",
            )
            for kind in (TicketKind.INCIDENT, TicketKind.CHANGE):  # the others stay empty
                count = per // 2 if kind is TicketKind.INCIDENT else per - per // 2
                records = [
                    {
                        "short_description": f"Bench ticket {i} of {ws}",
                        "correlation_id": correlation_id(ws, f"{kind.value}-{i}"),
                    }
                    for i in range(count)
                ]
                body = {"table": kind.table, "records": records}
                for row in (await self.sim(url, "POST", "/sim/bulk", body))["records"]:
                    ticket = ticket_from_record(ws, kind, url, row)
                    await s.store.save_ticket(ticket)
                    await Baselines(s.store).remember(ticket)
                    await s.store.add_card_location(
                        ws, ticket.number, CardLocation(ChannelRef(ws, "C1"), ticket.number)
                    )
                    self.tickets.append((ws, ticket.number, kind.value, url))

    async def watch(self, per_connection: int) -> None:
        """Give every connection ``per_connection`` channel filters (``/snow subscribe
        query``): each costs one query per cycle, whatever the filter matches."""
        s = self.services
        assert s is not None
        watches = QueryWatches(s.store)
        for ws in self.workspaces:
            for n in range(per_connection):
                channel = ChannelRef(ws, f"W{n}")
                await watches.add(channel, TicketKind.INCIDENT, "priority=1", s.clock.now())

    def one_per_connection(self) -> list[Pick]:
        """A random ticket of every connection."""
        by_ws: dict[str, list[Pick]] = {}
        for t in self.tickets:
            by_ws.setdefault(t[0], []).append(t)
        return [random.choice(ts) for ts in by_ws.values()]

    async def change(self, picks: list[Pick]) -> dict[str, float]:
        """Move each ticket to its other state (every fifth also gets a comment)."""
        at = {}
        for i, (ws, number, kind, url) in enumerate(picks):
            key = f"{ws}|{number}"
            flip = self.state.get(key, 0) % 2
            self.state[key] = flip + 1
            at[key] = time.time()
            state = {"state": TOGGLE[kind][flip]}
            await self.sim(url, "POST", f"/sim/tickets/{number}/state", state)
            if i % 5 == 0:
                await self.sim(url, "POST", f"/sim/tickets/{number}/journal", {"text": "Note"})
        return at

    async def cycle(self) -> tuple[int, float, float, int]:
        """Poll every connection once, ``IN_FLIGHT`` at a time: (requests, wall s, CPU s,
        events)."""
        s = self.services
        assert s is not None
        await self.each_sim("DELETE", "/sim/requests")
        sims = cpu_of([p.pid for p in self.procs])
        wall, cpu = time.perf_counter(), time.process_time()
        events = sum(await in_flight([s.workers.run_cycle(ws) for ws in self.workspaces]))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        #: The simulators' CPU over the last cycle (they share the machine's cores).
        self.sims_cpu = cpu_of([p.pid for p in self.procs]) - sims
        # HTTP requests: a Batch API request's items are not requests of their own.
        logs = await self.each_sim("GET", "/sim/requests")
        requests = sum(1 for r in logs for method, _ in r["requests"] if "BATCH" not in method)
        # The cycle's deliveries, to the recording sink, 500 a round (outside its CPU).
        started, self.delivered = time.process_time(), 0
        while done := await s.notifier.deliver("bench", limit=500):
            self.delivered += done
        self.delivery_cpu = time.process_time() - started
        return requests, wall, cpu, events

    async def latency(self, picks: list[Pick], spread: float) -> list[float]:
        """Change ``picks`` at random moments over ``spread`` seconds while the real loops
        run; the delay from each change to its first chat reply, in seconds."""
        self.sink.reset()
        times = sorted(random.uniform(0, spread) for _ in picks)
        start, made = time.time(), {}
        for pick, t in zip(picks, times, strict=True):
            await asyncio.sleep(max(0.0, start + t - time.time()))
            made |= await self.change([pick])
        for _ in range(int((self.ceiling() + self.interval * 3 + 30) / 0.05)):
            if made.keys() <= self.sink.first_reply.keys():
                break
            await asyncio.sleep(0.05)
        missing = len(made.keys() - self.sink.first_reply.keys())
        if missing:
            print(f"  ({missing} of {len(made)} changes not delivered in time)")
        return [self.sink.first_reply[n] - made[n] for n in made if n in self.sink.first_reply]
