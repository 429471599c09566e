"""HTTP client benchmark: CPU per ServiceNow request, side by side, on the simulator.

Run: ``.venv/bin/python bench/bench_http.py [--requests N] [--rounds R]``. The ServiceNow
simulator runs in its own process; this process sends the poll's query (this workspace's
tickets changed in the last minute, SnowOps's fields, ordered by update) ``N`` times, one
at a time, through:

- ``httpx2``: a bare ``httpx2.AsyncClient`` (what authlib's OAuth client is);
- ``aiohttp``: a bare ``aiohttp.ClientSession``;
- ``httptools``: SnowOps's own kept-alive connections parsed by httptools
  (``core.servicenow.wire.Wire``), bare;
- ``SnowOps``: the whole Table API path a poll takes (``ServiceNowGateway.changes``: the
  stored connection, the token, retries, the client, metrics, JSON, dates, tickets).

Each request's CPU is the process's CPU time across it (nothing else runs meanwhile); it
prints p50 and p95 per request, alternating the clients over ``R`` rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import httpx2

from bot.app import build_services
from bot.settings import load_settings
from core.models import OAuthClientConfig, TicketKind
from core.secrets import generate_key
from core.servicenow.http import table_url
from core.servicenow.mapping import TICKET_FIELDS, correlation_prefix, format_sn_datetime
from core.servicenow.wire import Wire
from sim.servicenow.config import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
)

ROOT = Path(__file__).resolve().parent.parent
WS = "bench:HTTP"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def cpu_per_call(call: Callable[[], Awaitable[object]], n: int) -> list[float]:
    """CPU seconds of each of ``n`` calls, one at a time."""
    out = []
    for _ in range(n):
        before = time.process_time()
        await call()
        out.append(time.process_time() - before)
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def wait_up(url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(100):
            try:
                async with http.get(f"{url}/sim/health") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)


async def run(args: argparse.Namespace) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    sim = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "bot.cli", "sim", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await wait_up(url)
        with tempfile.TemporaryDirectory() as tmp:
            os.environ.update(
                SNOWOPS_STORE=f"sqlite:///{tmp}/bench.db",
                SNOWOPS_SECRET_KEY=generate_key(),
                SNOWOPS_SYNC="false",
                SNOWOPS_LOG_LEVEL="ERROR",
            )
            services = build_services(load_settings())
            await services.store.open()
            try:
                await compare(services, url, args)
            finally:
                await services.stop()
    finally:
        sim.terminate()
        await sim.wait()


async def compare(services: object, url: str, args: argparse.Namespace) -> None:
    s: Any = services
    await s.connections.connect_with_password(
        WS,
        url,
        OAuthClientConfig(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        DEFAULT_USERNAME,
        DEFAULT_PASSWORD,
        actor="bench",
    )
    conn = await s.store.get_connection(WS)
    since = s.clock.now() - timedelta(seconds=60)
    query = (
        f"correlation_idSTARTSWITH{correlation_prefix(WS)}"
        f"^sys_updated_on>={format_sn_datetime(since)}^ORDERBYsys_updated_on"
    )
    params: dict[str, str | int] = {
        "sysparm_query": query,
        "sysparm_limit": 100,
        "sysparm_offset": 0,
        "sysparm_display_value": "false",
        "sysparm_exclude_reference_link": "true",
        "sysparm_fields": ",".join(TICKET_FIELDS),
    }
    headers = {"Authorization": f"Bearer {conn.access_token}", "Accept": "application/json"}
    full = table_url(url, "/api/now/table/incident", params)
    results: dict[str, list[float]] = {"httpx2": [], "aiohttp": [], "httptools": [], "SnowOps": []}
    wire = Wire()
    async with (
        httpx2.AsyncClient(base_url=url, headers=headers) as hx,
        aiohttp.ClientSession(headers=headers) as ah,
    ):

        async def with_httpx2() -> object:
            r = await hx.get("/api/now/table/incident", params=params)
            return r.json()

        async def with_aiohttp() -> object:
            async with ah.get(full) as r:
                return await r.json()

        async def with_httptools() -> object:
            r = await wire.request("GET", full, list(headers.items()), None, 30.0)
            return json.loads(r.content)

        async def with_snowops() -> object:
            return await s.gateway.changes(WS, (TicketKind.INCIDENT,), since, limit=10_000)

        calls = {
            "httpx2": with_httpx2,
            "aiohttp": with_aiohttp,
            "httptools": with_httptools,
            "SnowOps": with_snowops,
        }
        for call in calls.values():
            await cpu_per_call(call, 50)  # warm up: connections open, caches filled
        for _ in range(args.rounds):
            for name, call in calls.items():
                results[name] += await cpu_per_call(call, args.requests // args.rounds)
    await wire.aclose()
    print(f"CPU per request, {args.requests} requests each over {args.rounds} rounds:")
    print("| client | p50 ms | p95 ms | mean ms |")
    print("|---|---|---|---|")
    for name, values in results.items():
        print(
            f"| {name} | {pct(values, 0.5) * 1000:.3f} | {pct(values, 0.95) * 1000:.3f} "
            f"| {statistics.fmean(values) * 1000:.3f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
