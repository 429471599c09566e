"""Sync benchmark: polling cost and change-to-post latency, on the ServiceNow simulator.

Run: ``.venv/bin/python bench/bench_sync.py`` (defaults: 100 connections, 10,000 tracked
tickets, 1% changing per cycle, a 5 s poll interval, then a memory run with 100,000
tickets in a child process). It prints:

- ServiceNow requests per cycle (one cycle = every connection polled once), with the
  tickets tracked, to show they grow with connections and changes, not with tickets;
- cycle wall time and SnowOps CPU per cycle (the simulator runs in its own process);
- change-to-post latency p50/p95 by polling (the real poll loops) and by push (the
  simulator playing the business rule against the real ``/servicenow/events``);
- peak resident memory of the SnowOps process.

Notifications go to an in-process sink that timestamps them: the figures are SnowOps's own
pipeline (ServiceNow → outbox → chat call), not a chat platform's network.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from aiohttp import web

from bot.app import Services, build_services
from bot.routes import add_core_routes
from bot.settings import load_settings
from core.models import CardLocation, ChannelRef, OAuthClientConfig, TicketKind
from core.repos import Baselines
from core.secrets import generate_key
from core.servicenow.mapping import correlation_id, ticket_from_record
from core.views import Notice, TicketCard
from sim.servicenow.config import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
)

ROOT = Path(__file__).resolve().parent.parent
# Two states per kind to move between, so every change is a real state change.
TOGGLE = {TicketKind.INCIDENT: ("2", "3"), TicketKind.CHANGE: ("-4", "-3")}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
            self.first_reply.setdefault(message.text.split(" ", 1)[0], time.time())

    async def was_posted(self, channel: ChannelRef, key: str, *, thread: str | None = None) -> bool:
        return False

    async def direct(self, workspace: str, user: str) -> ChannelRef:
        return ChannelRef(workspace, user)


class Bench:
    """The simulator in a child process and SnowOps in this one."""

    def __init__(self, connections: int, tickets: int, interval: float, tmp: str) -> None:
        self.n_conn, self.n_tickets, self.interval = connections, tickets, interval
        self.sim_port, self.port = free_port(), free_port()
        self.sim_url = f"http://127.0.0.1:{self.sim_port}"
        self.tmp = tmp
        self.sink = RecordingSink()
        self.http: aiohttp.ClientSession | None = None
        self.sim: asyncio.subprocess.Process | None = None
        self.services: Services | None = None
        self.tickets: list[tuple[str, str, TicketKind]] = []  # workspace, number, kind
        self.state: dict[str, int] = {}

    async def start(self) -> None:
        self.sim = await asyncio.create_subprocess_exec(
            *[sys.executable, "-m", "bot.cli", "sim", "--port", str(self.sim_port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.http = aiohttp.ClientSession()
        for _ in range(100):
            try:
                async with self.http.get(f"{self.sim_url}/sim/health") as r:
                    if r.status == 200:
                        break
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
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

    async def stop(self) -> None:
        if self.services is not None:
            await self.services.stop()
        if self.http is not None:
            await self.http.close()
        if self.sim is not None:
            self.sim.terminate()
            await self.sim.wait()

    async def _sim(self, method: str, path: str, body: Any = None) -> Any:
        assert self.http is not None
        async with self.http.request(method, f"{self.sim_url}{path}", json=body) as r:
            return await r.json()

    async def seed(self) -> None:
        """Connect every workspace and give each its share of tracked tickets, with a card."""
        s = self.services
        assert s is not None
        per = self.n_tickets // self.n_conn
        for c in range(self.n_conn):
            ws = f"bench:W{c:03d}"
            await s.connections.connect_with_password(
                ws,
                self.sim_url,
                OAuthClientConfig(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
                DEFAULT_USERNAME,
                DEFAULT_PASSWORD,
                actor="bench",
            )
            for kind in TicketKind:
                count = per // 2 if kind is TicketKind.INCIDENT else per - per // 2
                records = [
                    {
                        "short_description": f"Bench ticket {i} of {ws}",
                        "correlation_id": correlation_id(ws, f"{kind.value}-{i}"),
                    }
                    for i in range(count)
                ]
                rows = (
                    await self._sim("POST", "/sim/bulk", {"table": kind.table, "records": records})
                )["records"]
                for row in rows:
                    ticket = ticket_from_record(ws, kind, self.sim_url, row)
                    await s.store.save_ticket(ticket)
                    await Baselines(s.store).remember(ticket)
                    await s.store.add_card_location(
                        ws, ticket.number, CardLocation(ChannelRef(ws, "C1"), ticket.number)
                    )
                    self.tickets.append((ws, ticket.number, kind))

    async def change(self, numbers: list[tuple[str, str, TicketKind]]) -> dict[str, float]:
        """Move each ticket to its other state (every fifth also gets a comment)."""
        at = {}
        for i, (_ws, number, kind) in enumerate(numbers):
            flip = self.state.get(number, 0) % 2
            self.state[number] = flip + 1
            at[number] = time.time()
            await self._sim("POST", f"/sim/tickets/{number}/state", {"state": TOGGLE[kind][flip]})
            if i % 5 == 0:
                await self._sim("POST", f"/sim/tickets/{number}/journal", {"text": "Bench note"})
        return at

    async def cycle(self) -> tuple[int, float, float, int]:
        """Poll every connection once: (requests, wall s, CPU s, events)."""
        s = self.services
        assert s is not None
        await self._sim("DELETE", "/sim/requests")
        wall, cpu = time.perf_counter(), time.process_time()
        events = 0
        for c in range(self.n_conn):
            events += await s.workers.run_cycle(f"bench:W{c:03d}")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        requests = len((await self._sim("GET", "/sim/requests"))["requests"])
        while await s.notifier.deliver("bench", limit=500):
            pass
        return requests, wall, cpu, events

    async def latency(self, changes: int, spread: float) -> list[float]:
        """Make ``changes`` changes at random moments over ``spread`` seconds while the real
        loops run; the delay from each change to its first chat reply, in seconds."""
        self.sink.reset()
        picks = random.sample(self.tickets, changes)
        times = sorted(random.uniform(0, spread) for _ in picks)
        start, made = time.time(), {}
        for (ws, number, kind), t in zip(picks, times, strict=True):
            await asyncio.sleep(max(0.0, start + t - time.time()))
            made |= await self.change([(ws, number, kind)])
        for _ in range(int((self.interval * 3 + 10) / 0.02)):
            if made.keys() <= self.sink.first_reply.keys():
                break
            await asyncio.sleep(0.02)
        missing = len(made.keys() - self.sink.first_reply.keys())
        if missing:
            print(f"  ({missing} of {len(made)} changes not delivered in time)")
        return [self.sink.first_reply[n] - made[n] for n in made if n in self.sink.first_reply]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(args.connections, args.tickets, args.interval, tmp)
        try:
            await bench.start()
            t = time.perf_counter()
            await bench.seed()
            print(
                f"{args.connections} connections, {len(bench.tickets):,} tracked tickets "
                f"(seeded in {time.perf_counter() - t:.0f} s)"
            )
            req, wall, cpu, _ = await bench.cycle()
            print(f"first cycle (no watermark yet): {req} requests, {wall:.2f} s, CPU {cpu:.2f} s")
            changes = max(1, int(len(bench.tickets) * args.change))
            # Steady state: the tickets were made long before the sync's 60 s overlap, and
            # a round of changes moves every watermark past them. (The memory run moves the
            # simulator's clock instead of waiting; pushes, signed with that clock, would
            # then be refused as stale, so the main run waits in real time.)
            if args.memory_only:
                await bench._sim("POST", "/sim/clock/advance", {"seconds": 120})
            else:
                print("waiting 61 s for the seeded tickets to leave the sync overlap")
                await asyncio.sleep(61)
            await bench.change(random.sample(bench.tickets, changes))
            await bench.cycle()
            req, wall, cpu, _ = await bench.cycle()
            print(f"idle cycle: {req} requests, {wall:.2f} s, CPU {cpu:.2f} s")
            for n in range(args.cycles):
                await bench.change(random.sample(bench.tickets, changes))
                req, wall, cpu, events = await bench.cycle()
                print(
                    f"cycle {n + 1} with {changes} changed tickets: {req} requests "
                    f"({req / args.connections:.2f} per connection), {events} events, "
                    f"{wall:.2f} s, CPU {cpu:.2f} s"
                )
            if args.memory_only:
                print(f"peak RSS (SnowOps process): {rss_mb():.0f} MB")
                return
            s = bench.services
            assert s is not None
            await s.workers.start()
            await asyncio.sleep(args.interval * 1.5)
            lat = await bench.latency(changes, args.interval * 2)
            print(
                f"change-to-post by polling every {args.interval:g} s: "
                f"p50 {pct(lat, 0.5):.2f} s, p95 {pct(lat, 0.95):.2f} s (n={len(lat)})"
            )
            app = web.Application()  # the services run already: routes only
            add_core_routes(app, s)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", bench.port).start()
            key = await s.push.create_key(bench.sim_url)
            await bench._sim(
                "POST",
                "/sim/push",
                {"url": f"http://127.0.0.1:{bench.port}/servicenow/events", "key": key},
            )
            lat = await bench.latency(changes, args.interval * 2)
            print(
                f"change-to-post by push: p50 {pct(lat, 0.5) * 1000:.0f} ms, "
                f"p95 {pct(lat, 0.95) * 1000:.0f} ms (n={len(lat)})"
            )
            await runner.cleanup()
            print(f"peak RSS (SnowOps process): {rss_mb():.0f} MB")
        finally:
            await bench.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--change", type=float, default=0.01, help="share changing per cycle")
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--interval", type=float, default=5.0, help="poll interval, seconds")
    parser.add_argument("--memory-tickets", type=int, default=100_000)
    parser.add_argument("--memory-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    random.seed(7)
    asyncio.run(run(args))
    if not args.memory_only and args.memory_tickets:
        print(f"\nmemory run: {args.memory_tickets:,} tracked tickets")
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--memory-only",
                "--cycles=1",
                f"--tickets={args.memory_tickets}",
                f"--connections={args.connections}",
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
