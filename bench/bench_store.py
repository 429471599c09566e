"""Store micro-benchmark: ops/s and p50/p99 latency per operation, SQLite and Redis.

Run: ``.venv/bin/python bench/bench_store.py [--ops N] [--redis URL]``. Each operation is
timed on its own, one at a time (latency, not peak throughput). The SQLite file lives in a
temporary directory; Redis keys go under a unique prefix and are deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from redis.asyncio import Redis

from core.models import Ticket, TicketKind
from core.secrets import SecretBox, generate_key
from core.store.port import Store
from core.store.redis_store import RedisStore
from core.store.sqlite import SqliteStore

WS = "slack:TBENCH"
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def make_ticket(i: int) -> Ticket:
    """A realistic ticket."""
    return Ticket(
        workspace=WS,
        kind=TicketKind.INCIDENT if i % 3 else TicketKind.CHANGE,
        sys_id=uuid.uuid4().hex,
        number=f"INC{i:07d}",
        title=f"Enable MFA for all administrators ({i})",
        state="New",
        priority=1 + i % 4,
        url=f"https://acme.service-now.com/incident.do?sys_id={i}",
        correlation_id=f"snowops:rec-{i}",
        created_at=T0 + timedelta(seconds=i),
        active=i % 5 != 0,
    )


async def timed(n: int, op: Callable[[int], Awaitable[object]]) -> list[float]:
    """Latencies in seconds of ``op(0) … op(n-1)``, run one after another."""
    out: list[float] = []
    for i in range(n):
        start = time.perf_counter()
        await op(i)
        out.append(time.perf_counter() - start)
    return out


def report(backend: str, name: str, lat: list[float]) -> None:
    """One line: ops/s, p50, p99."""
    lat = sorted(lat)
    p50 = statistics.median(lat) * 1e3
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1e3
    print(
        f"{backend:<7} {name:<14} {len(lat) / sum(lat):>9.0f} ops/s"
        f"   p50 {p50:6.3f} ms   p99 {p99:6.3f} ms"
    )


async def bench(backend: str, store: Store, n: int) -> None:
    """Every measured operation on one store."""
    tickets = [make_ticket(i) for i in range(n)]
    report(backend, "save_ticket", await timed(n, lambda i: store.save_ticket(tickets[i])))
    report(backend, "get_ticket", await timed(n, lambda i: store.get_ticket(WS, tickets[i].number)))
    report(
        backend,
        "list_tickets",
        await timed(n, lambda i: store.list_tickets(WS, active_only=i % 2 == 0, offset=i % 100)),
    )
    payload = {"text": "INC0000042 moved to In Progress", "channel": "C123", "blocks": []}
    report(backend, "outbox_put", await timed(n, lambda i: store.outbox_put(f"d{i}", payload)))
    claimed: list[str] = []

    async def claim(_: int) -> None:
        claimed.extend(i.delivery_id for i in await store.outbox_claim("bench", 1, 60, T0))

    report(backend, "outbox_claim", await timed(n, claim))
    report(
        backend,
        "outbox_ack",
        await timed(len(claimed), lambda i: store.outbox_ack(claimed[i], "bench")),
    )


async def main() -> None:
    """Run SQLite, then Redis if it answers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ops", type=int, default=2000, help="operations per measurement")
    parser.add_argument(
        "--redis", default=os.environ.get("SNOWOPS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args()
    box = SecretBox(generate_key())

    with tempfile.TemporaryDirectory() as tmp:
        sqlite = SqliteStore(str(Path(tmp) / "bench.db"), box)
        await sqlite.open()
        try:
            await bench("sqlite", sqlite, args.ops)
        finally:
            await sqlite.close()

    prefix = f"snowops-bench:{uuid.uuid4().hex}:"
    redis = RedisStore(args.redis, box, prefix=prefix)
    try:
        await redis.open()
    except OSError as exc:
        print(f"redis   skipped: {exc}")
        return
    admin = Redis.from_url(args.redis, decode_responses=True)
    try:
        await bench("redis", redis, args.ops)
    finally:
        await redis.close()
        keys = [k async for k in admin.scan_iter(match=prefix + "*")]
        if keys:
            await admin.delete(*keys)
        await admin.aclose()


if __name__ == "__main__":
    asyncio.run(main())
