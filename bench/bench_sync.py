"""Sync benchmark at service scale: polling cost and change-to-post latency, on simulators.

Run: ``.venv/bin/python bench/bench_sync.py`` (defaults: 1,000 connections, 100 tracked
tickets each, 1% changing per cycle, a 5 s poll interval, the connections spread over four
ServiceNow simulators in child processes, so only SnowOps's CPU is measured). It prints:

- ServiceNow requests per cycle (one cycle = every connection polled once, 20 polls in
  flight at a time, as the real loops overlap), to show they
  grow with connections, channel filters (``--watches N`` per connection, one query each)
  and changes, not with tickets;
- SnowOps CPU per cycle, idle and with 1% changed (a changed cycle's also as a share of the
  simulators' CPU in it: this host's speed moves both), and from those the CPU per request
  (idle cycle CPU / its requests) and per change (extra CPU of a changed cycle / changes);
  after each changed cycle, the CPU of working its deliveries (500 a round, to the sink
  below): the delivery loop's own, outside the cycle's figure;
  and the CPU per request of the Table API path alone, p50 (``bench_http.py`` compares it
  with bare HTTP clients);
- CPU per changed ticket from the query answer to the outbox entry alone (``StatusSync.apply``
  on each connection's changed incidents, as a cycle hands them over: stored tickets and
  baselines read, compared, events built, deliveries queued, baselines written), with 20
  polls in flight (their applies batched, as the real loops' are) and one at a time;
- change-to-post latency p50/p95 by polling (the real poll loops) and by push (the
  simulators playing the business rule against the real ``/servicenow/events``);
- the CPU of the real loops, idle, as a share of one core: polling only, and once pushes
  have arrived for every connection (their polls slow down towards the ceiling);
- peak resident memory of the SnowOps process.

Notifications go to an in-process sink that timestamps them: the figures are SnowOps's own
pipeline (ServiceNow → outbox → chat call), not a chat platform's network.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web

from bench.sync_world import IN_FLIGHT, PhasePeaks, World, in_flight, pct, rss_mb
from bot.routes import add_core_routes
from core.models import TicketKind


async def loops_cpu(seconds: float) -> float:
    """The process's CPU over ``seconds`` of real loops, as a share of one core."""
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.sleep(seconds)
    return (time.process_time() - cpu) / (time.perf_counter() - wall)


async def request_cpu(world: World, n: int = 1000) -> float:
    """p50 CPU of one Table API poll request (token, client, JSON, dates, tickets), as
    the poll sends it: the versions handled already are left unread."""
    s = world.services
    assert s is not None
    since = s.clock.now() - timedelta(seconds=60)
    spent = []
    for i in range(n):
        ws = world.workspaces[i % len(world.workspaces)]
        before = time.process_time()
        await s.gateway.changes(
            ws, (TicketKind.INCIDENT,), since, limit=10_000, known=s.sync.known(ws)
        )
        spent.append(time.process_time() - before)
    return pct(spent, 0.5)


async def apply_cpu(world: World, changes: int, limit: int = IN_FLIGHT) -> float:
    """CPU per changed ticket from the query answer to the outbox entry: a sample of
    incidents the size of a changed cycle, each connection's handed to ``StatusSync.apply``
    as its poll would, ``limit`` polls at a time (comments known: their query is a
    request of its own, as is a change's look-up of approvers)."""
    s = world.services
    assert s is not None
    incidents = [t for t in world.tickets if t[2] == TicketKind.INCIDENT.value]
    by_ws: dict[str, list[str]] = {}
    for ws, number, _, _ in random.sample(incidents, min(changes, len(incidents))):
        by_ws.setdefault(ws, []).append(number)
    pages = []
    for ws, numbers in by_ws.items():
        stored = await s.store.get_tickets(ws, numbers)
        flipped = [
            replace(t, state="3" if t.state == "2" else "2", mod_count=t.mod_count + 1)
            for t in stored.values()
        ]
        pages.append((ws, flipped))
    n = sum(len(page) for _, page in pages)
    cpu = time.process_time()
    await in_flight([s.sync.apply(ws, page, comments=[]) for ws, page in pages], limit)
    cpu = time.process_time() - cpu
    while await s.notifier.deliver("bench", limit=500):
        pass
    return cpu / n


async def cycles(world: World, args: argparse.Namespace, changes: int) -> None:
    """Idle and changed cycles (every connection polled once, IN_FLIGHT at a time)."""
    idle = []
    for _ in range(3):
        req, wall, cpu, _ = await world.cycle()
        idle.append(cpu)
        print(
            f"idle cycle: {req} requests, {wall:.2f} s, CPU {cpu:.2f} s "
            f"(simulators {world.sims_cpu:.2f} s)"
        )
    idle_cpu, idle_req = sorted(idle)[1], req
    changed = []
    for n in range(args.cycles):
        await world.change(random.sample(world.tickets, changes))
        req, wall, cpu, events = await world.cycle()
        changed.append(cpu)
        print(
            f"cycle {n + 1} with {changes} changed tickets: {req} requests "
            f"({req / args.connections:.2f} per connection), {events} events, "
            f"{wall:.2f} s, CPU {cpu:.2f} s (simulators {world.sims_cpu:.2f} s; "
            f"SnowOps {cpu / world.sims_cpu if world.sims_cpu else float('nan'):.2f} of that); "
            f"then its {world.delivered} deliveries, CPU {world.delivery_cpu:.2f} s "
            f"({world.delivery_cpu / max(1, world.delivered) * 1000:.3f} ms each)"
        )
    per_change = (sorted(changed)[len(changed) // 2] - idle_cpu) / changes
    print(
        f"CPU per request (median idle cycle / requests): {idle_cpu / idle_req * 1000:.2f} ms; "
        f"per change (median changed cycle less idle, / changes): {per_change * 1000:.2f} ms"
    )
    print(f"CPU per Table API request alone, p50: {await request_cpu(world) * 1000:.3f} ms")


async def serve_events(world: World) -> web.AppRunner:
    """``/servicenow/events`` on the bench's port, and the push rule in every simulator."""
    s = world.services
    assert s is not None
    app = web.Application()  # the services run already: routes only
    add_core_routes(app, s)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", world.port).start()
    for url in world.sim_urls:
        key = await s.push.create_key(url)
        events = f"http://127.0.0.1:{world.port}/servicenow/events"
        await world.sim(url, "POST", "/sim/push", {"url": events, "key": key})
    return runner


def show(what: str, lat: list[float]) -> None:
    print(f"change-to-post {what}: p50 {pct(lat, 0.5) * 1000:.0f} ms, "
          f"p95 {pct(lat, 0.95) * 1000:.0f} ms (n={len(lat)})")  # fmt: skip


async def live(
    world: World, args: argparse.Namespace, changes: int, peaks: PhasePeaks | None = None
) -> None:
    """Pushes first (one change per connection, only the delivery loop running), then the
    real poll loops: idle CPU once pushes slowed them, and the delay of changes whose push
    is lost. Without pushes (``--no-push``): the loops at the interval."""
    s = world.services
    assert s is not None
    assert s.workers is not None
    runner = None
    peaks = peaks or PhasePeaks()
    if not args.no_push:
        peaks.phase = "pushes"
        runner = await serve_events(world)
        delivering = asyncio.create_task(world.deliver_forever())
        show("by push", await world.latency(world.one_per_connection(), args.interval * 2))
        delivering.cancel()
    peaks.phase = "loops starting"
    await s.workers.start()
    try:
        cadence = s.coordinator.cadence
        pushing = sum(cadence.pushing(ws) for ws in world.workspaces)
        settle = cadence.ceiling * 1.5 if pushing else args.interval * 1.5
        await asyncio.sleep(settle)  # pushed connections' waits double towards the ceiling
        peaks.phase = "loops idle"
        print(f"idle, real loops, {pushing} of {len(world.workspaces)} connections with pushes "
              f"(interval {args.interval:g} s, ceiling {cadence.ceiling:g} s): "
              f"{await loops_cpu(settle * 1.5) * 100:.1f}% of one core")  # fmt: skip
        if runner is not None:
            await world.each_sim("DELETE", "/sim/push")  # every push from now on is lost
        picks = random.sample(world.tickets, min(changes, 200))
        peaks.phase = "loops, pushes lost"
        show("by polling", await world.latency(picks, args.interval * 2))
    finally:
        if runner is not None:
            await runner.cleanup()


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        world = World(args.connections, args.tickets, args.interval, tmp, args.sims)
        try:
            await world.start()
            t = time.perf_counter()
            await world.seed()
            print(
                f"{args.connections} connections, {len(world.tickets):,} tracked tickets "
                f"on {len(world.sim_urls)} simulators (seeded in {time.perf_counter() - t:.0f} s)"
            )
            if args.watches:
                await world.watch(args.watches)
                print(f"{args.watches} channel filters (subscribe query) per connection")
            req, wall, cpu, _ = await world.cycle()
            print(f"first cycle (no watermark yet): {req} requests, {wall:.2f} s, CPU {cpu:.2f} s")
            print(f"peak RSS so far (seeded, first cycle): {rss_mb():.0f} MB")
            changes = max(1, int(len(world.tickets) * args.change))
            # Steady state: the tickets were made long before the sync's 60 s overlap, and
            # a round of changes moves every watermark past them. (Pushes are signed with
            # the simulators' clocks, so the run waits in real time instead of moving them.)
            print("waiting 61 s for the seeded tickets to leave the sync overlap")
            await asyncio.sleep(61)
            await world.change(random.sample(world.tickets, changes))
            await world.cycle()
            await cycles(world, args, changes)
            print(f"peak RSS so far (after the cycles): {rss_mb():.0f} MB")
            if not args.no_live:
                peaks = PhasePeaks()
                sampling = asyncio.create_task(peaks.sample())
                await live(world, args, changes, peaks)
                sampling.cancel()
                print(f"peak RSS so far (after the real loops): {rss_mb():.0f} MB")
                print(f"resident memory, highest by phase: {peaks.report()}")
            # Last, the loops stopped (their CPU is not this figure's): it moves stored
            # tickets ahead of the simulators (versions they never had).
            assert world.services is not None
            assert world.services.workers is not None
            await world.services.workers.stop()
            print(
                "CPU per changed ticket, query answer to outbox entry (StatusSync.apply, "
                f"{changes} incidents, {IN_FLIGHT} polls in flight): "
                f"{await apply_cpu(world, changes) * 1000:.3f} ms; one poll at a time: "
                f"{await apply_cpu(world, changes, 1) * 1000:.3f} ms"
            )
            print(f"peak RSS (SnowOps process): {rss_mb():.0f} MB")
        finally:
            await world.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--change", type=float, default=0.01, help="share changing per cycle")
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument(
        "--watches", type=int, default=0, help="channel filters (subscribe query) per connection"
    )
    parser.add_argument("--interval", type=float, default=5.0, help="poll interval, seconds")
    parser.add_argument("--sims", type=int, default=4, help="simulator processes")
    parser.add_argument("--no-live", action="store_true", help="cycles only, no real loops")
    parser.add_argument("--no-push", action="store_true", help="real loops without pushes")
    args = parser.parse_args()
    random.seed(7)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
