"""StatusSync reads and settles a page of changed tickets in a fixed number of store
calls, however many tickets changed (issue 18: cheaper changes), and still tells each
change once."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from typing import Any

from core.clock import FakeClock
from core.models import Connection
from core.secrets import SecretBox, generate_key
from core.store.memory import MemoryStore
from tests.fakes.ticket_gateway import DEFAULT_INSTANCE, InMemoryTicketGateway
from tests.unit.test_status_sync import WS, Env

_COUNTED = frozenset(
    (
        "get_document",
        "put_document",
        "get_documents",
        "put_documents",
        "get_ticket",
        "get_tickets",
        "save_ticket",
        "save_tickets",
    )
)


class CountingStore(MemoryStore):
    """A MemoryStore that counts the calls sync makes to it, when ``counting``."""

    def __init__(self, box: SecretBox) -> None:
        super().__init__(box)
        self.calls: Counter[str] = Counter()
        self.counting = False

    def __getattribute__(self, name: str) -> Any:
        found = super().__getattribute__(name)
        if name in _COUNTED and super().__getattribute__("counting"):
            super().__getattribute__("calls")[name] += 1
        return found


async def _env(count: int) -> tuple[Env, CountingStore, list[str]]:
    clock = FakeClock()
    store = CountingStore(SecretBox(generate_key()))
    await store.open()
    await store.save_connection(Connection(WS, DEFAULT_INSTANCE, "client", "secret"))
    env = Env(clock, InMemoryTicketGateway(clock), store)
    made = [(await env.create(f"k{n}")).number for n in range(count)]
    return env, store, made


async def _changed_cycle(count: int) -> tuple[Counter[str], int]:
    env, store, made = await _env(count)
    sync = env.sync()
    await sync.cycle(WS)
    env.clock.advance(120)
    for number in made:
        env.fake.set_state(number, "2")
    store.counting = True
    result = await sync.cycle(WS)
    store.counting = False
    for number in made:
        assert (await env.baseline(number)).state == "2"
    return store.calls, len(result.events)


async def test_baselines_and_tickets_are_read_and_written_once_per_page() -> None:
    few, told_few = await _changed_cycle(2)
    many, told_many = await _changed_cycle(12)

    assert (told_few, told_many) == (2, 12)
    # No per-ticket baseline or ticket reads: the same calls for 2 changes as for 12.
    for name in ("get_document", "put_document", "get_ticket", "save_ticket", "save_tickets"):
        assert many[name] == few[name], name
    assert many["get_tickets"] == few["get_tickets"] >= 1
    assert many["get_documents"] == few["get_documents"] >= 2
    assert many["put_documents"] == few["put_documents"] >= 1


async def test_applies_arriving_within_moments_share_one_batch() -> None:
    """While a poll waits for its answer, applies arriving a millisecond apart are stored in
    one batch (the store answers without yielding: without the batch's short wait, each
    went alone)."""
    env, store, made = await _env(5)
    sync = env.sync()
    fresh = [t for n in made if (t := await store.get_ticket(WS, n)) is not None]
    assert len(fresh) == 5
    answer = asyncio.Event()
    real = env.fake.changes

    async def slow_changes(*args: Any, **kwargs: Any) -> Any:
        await answer.wait()  # a poll under way: an instance taking its time
        return await real(*args, **kwargs)

    env.fake.changes = slow_changes  # type: ignore[method-assign]
    polling = asyncio.create_task(sync.cycle(WS))
    await asyncio.sleep(0)
    store.counting = True
    applies = []
    for n, ticket in enumerate(fresh):
        ws = f"slack:T{n}"
        applies.append(asyncio.create_task(sync.apply(ws, [replace(ticket, workspace=ws)])))
        await asyncio.sleep(0.001)
    await asyncio.gather(*applies)
    assert store.calls["save_tickets"] == 1
    for n, ticket in enumerate(fresh):
        assert await store.get_ticket(f"slack:T{n}", ticket.number) is not None
    answer.set()
    await polling
