"""StatusSync.apply in batches (core/sync_apply.py): the applies of many connections that
wait together share one write of tickets, one of deliveries and one of baselines; each
still gets its own events, its own guard and its own failures."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from core.clock import FakeClock
from core.models import (
    Connection,
    Priority,
    Requester,
    Ticket,
    TicketEvent,
    TicketKind,
    TicketRequest,
)
from core.repos.sync_state import Baselines, Watermarks
from core.secrets import SecretBox, generate_key
from core.servicenow.errors import UnavailableError
from core.store.memory import MemoryStore
from core.sync import StatusSync
from core.tickets import TicketService
from tests.fakes.ticket_gateway import DEFAULT_INSTANCE, InMemoryTicketGateway

SPACES = [f"slack:T{n:04d}" for n in range(6)]


class CountingStore(MemoryStore):
    """The in-memory store, counting the writes a batch is to share."""

    def __init__(self) -> None:
        super().__init__(SecretBox(generate_key()))
        self.writes: Counter[str] = Counter()

    async def save_tickets(self, tickets: Sequence[Ticket]) -> None:
        self.writes["tickets"] += 1
        await super().save_tickets(tickets)

    async def put_documents(self, namespace: str, docs: Mapping[str, dict[str, Any]]) -> None:
        self.writes[namespace] += 1
        await super().put_documents(namespace, docs)


class World:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.fake = InMemoryTicketGateway(self.clock)
        self.store = CountingStore()
        self.emitted: list[list[TicketEvent]] = []
        self.sync = StatusSync(
            self.fake,
            self.store,
            self.store,
            Baselines(self.store),
            Watermarks(self.store),
            self.clock,
            self.emit,
        )

    async def emit(self, events: list[TicketEvent]) -> None:
        self.emitted.append(list(events))

    async def create(self, workspace: str) -> Ticket:
        service = TicketService(
            self.fake, self.store, self.store, Baselines(self.store), self.store, self.clock
        )
        request = TicketRequest(
            workspace=workspace,
            kind=TicketKind.INCIDENT,
            name="Rotate the VPN certificate",
            description="",
            priority=Priority.MODERATE,
            requester=Requester("slack", "U_ABEL", "Abel Tuter"),
            idempotency_key=f"k-{workspace}",
        )
        return (await service.create(request)).ticket

    def moved(self, ticket: Ticket) -> Ticket:
        """``ticket`` as ServiceNow has it once an agent started work on it."""
        return self.fake.set_state(ticket.number, "2")


@pytest.fixture
async def world() -> World:
    w = World()
    await w.store.open()
    for ws in SPACES:
        await w.store.save_connection(Connection(ws, DEFAULT_INSTANCE, "client", "secret"))
    return w


async def made_and_moved(world: World) -> list[Ticket]:
    made = [await world.create(ws) for ws in SPACES]
    world.clock.advance(60)
    return [world.moved(t) for t in made]


async def test_applies_waiting_together_share_one_write_of_each(world: World) -> None:
    moved = await made_and_moved(world)
    world.store.writes.clear()

    told = await asyncio.gather(*(world.sync.apply(t.workspace, [t], comments=[]) for t in moved))

    # Each caller gets its own connection's event, and only that.
    assert [[(e.workspace, e.number, e.new) for e in events] for events in told] == [
        [(t.workspace, t.number, "2")] for t in moved
    ]
    assert len(world.emitted) == 1  # one queueing of every delivery
    assert len(world.emitted[0]) == len(SPACES)
    assert world.store.writes == {"tickets": 1, "sync_baseline": 1}
    for t in moved:
        baseline = await Baselines(world.store).get(t.workspace, t.number)
        assert baseline is not None
        assert (baseline.state, baseline.mod_count) == ("2", t.mod_count)


async def test_one_apply_alone_is_not_kept_waiting(world: World) -> None:
    [first, *_] = await made_and_moved(world)
    events = await asyncio.wait_for(world.sync.apply(first.workspace, [first], comments=[]), 1)
    assert [e.new for e in events] == ["2"]


async def test_a_push_beside_the_poll_of_the_same_connection_is_told_once(world: World) -> None:
    [ticket, *_] = await made_and_moved(world)

    # The same version, observed twice at once (a push and a poll): one event in all.
    told = await asyncio.gather(
        world.sync.apply(ticket.workspace, [ticket], comments=[]),
        world.sync.apply(ticket.workspace, [ticket], comments=[]),
    )

    assert sorted(len(events) for events in told) == [0, 1]
    assert sum(len(batch) for batch in world.emitted) == 1


async def test_a_lost_lease_fails_its_own_connection_only(world: World) -> None:
    moved = await made_and_moved(world)
    lost, kept = moved[0], moved[1:]

    async def lease_moved() -> None:
        raise RuntimeError("the lease moved to another replica")

    results = await asyncio.gather(
        world.sync.apply(lost.workspace, [lost], comments=[], guard=lease_moved),
        *(world.sync.apply(t.workspace, [t], comments=[]) for t in kept),
        return_exceptions=True,
    )

    assert isinstance(results[0], RuntimeError)
    assert all(isinstance(r, list) and len(r) == 1 for r in results[1:])
    # Its baseline stays as it was: its next observer tells the change again (same id).
    baseline = await Baselines(world.store).get(lost.workspace, lost.number)
    assert baseline is not None
    assert baseline.state == "1"
    again = await world.sync.apply(lost.workspace, [lost], comments=[])
    assert [e.event_id for e in again] == [
        e.event_id for batch in world.emitted for e in batch if e.number == lost.number
    ][:1]


async def test_a_failed_comment_query_fails_its_own_connection_only(world: World) -> None:
    moved = await made_and_moved(world)
    broken = moved[0]
    world.fake.fail_next("comments_since", UnavailableError("instance down", status=503))

    results = await asyncio.gather(
        world.sync.apply(broken.workspace, [broken]),
        *(world.sync.apply(t.workspace, [t], comments=[]) for t in moved[1:]),
        return_exceptions=True,
    )

    assert isinstance(results[0], UnavailableError)
    assert all(isinstance(r, list) and len(r) == 1 for r in results[1:])
    assert [e.workspace for batch in world.emitted for e in batch] == [
        t.workspace for t in moved[1:]
    ]


async def test_a_caller_that_stops_waiting_does_not_stop_the_others(world: World) -> None:
    moved = await made_and_moved(world)
    gone = asyncio.ensure_future(world.sync.apply(moved[0].workspace, [moved[0]], comments=[]))
    rest = [
        asyncio.ensure_future(world.sync.apply(t.workspace, [t], comments=[])) for t in moved[1:]
    ]
    gone.cancel()

    told = await asyncio.gather(*rest)

    assert [len(events) for events in told] == [1] * (len(SPACES) - 1)
    with pytest.raises(asyncio.CancelledError):
        await gone


async def test_an_emit_that_fails_fails_the_batch_and_marks_nothing(world: World) -> None:
    moved = await made_and_moved(world)

    async def outbox_down(events: list[TicketEvent]) -> None:
        raise RuntimeError("the outbox is down")

    world.sync.emit = outbox_down
    results = await asyncio.gather(
        *(world.sync.apply(t.workspace, [t], comments=[]) for t in moved),
        return_exceptions=True,
    )

    assert all(isinstance(r, RuntimeError) for r in results)
    for t in moved:
        baseline = await Baselines(world.store).get(t.workspace, t.number)
        assert baseline is not None
        assert baseline.state == "1"  # told again next time, nothing lost
    world.sync.emit = world.emit
    again = await world.sync.apply(moved[0].workspace, [moved[0]], comments=[])
    assert [e.new for e in again] == ["2"]


async def test_a_slow_instance_holds_up_its_own_connection_only(world: World) -> None:
    moved = await made_and_moved(world)
    slow = moved[0]
    world.fake.add_comment(slow.number, "Rebooted the gateway")
    gate = world.fake.block_next("comments_since")
    asking = asyncio.ensure_future(world.sync.apply(slow.workspace, [slow]))
    await asyncio.wait_for(gate.entered.wait(), 1)

    # Its comment query hangs; every other connection is told meanwhile.
    others = await asyncio.wait_for(
        asyncio.gather(*(world.sync.apply(t.workspace, [t], comments=[]) for t in moved[1:])),
        1,
    )
    # A push for the slow connection waits for it (one apply of a workspace at a time).
    pushed = asyncio.ensure_future(world.sync.apply(slow.workspace, [slow], comments=[]))
    for _ in range(100):  # loop turns, not time: every batch that could run has run
        await asyncio.sleep(0)

    assert [len(events) for events in others] == [1] * (len(SPACES) - 1)
    assert not asking.done()
    assert not pushed.done()
    gate.release.set()
    told = await asyncio.wait_for(asking, 1)
    assert sorted(e.change for e in told) == ["comment", "state"]
    assert await asyncio.wait_for(pushed, 1) == []  # told already: nothing twice


async def test_emit_is_handed_the_tickets_as_stored_and_only_while_it_runs(
    world: World,
) -> None:
    moved = await made_and_moved(world)
    seen: list[Ticket | None] = []

    async def emit(events: list[TicketEvent]) -> None:
        seen.extend(world.sync.stored(e.workspace, e.number) for e in events)

    world.sync.emit = emit
    await asyncio.gather(*(world.sync.apply(t.workspace, [t], comments=[]) for t in moved))

    assert [(t.number, t.state, t.mod_count) for t in seen if t] == [
        (t.number, "2", t.mod_count) for t in moved
    ]
    for t in moved:
        stored = await world.store.get_ticket(t.workspace, t.number)
        assert stored is not None
        assert stored.mod_count == t.mod_count
        assert world.sync.stored(t.workspace, t.number) is None  # the batch is over


async def test_a_caller_gone_while_comments_were_due_does_not_hold_its_workspace(
    world: World,
) -> None:
    [ticket, *_] = await made_and_moved(world)
    world.fake.add_comment(ticket.number, "Any news?")
    gate = world.fake.block_next("comments_since")
    asking = asyncio.ensure_future(world.sync.apply(ticket.workspace, [ticket]))
    await asyncio.wait_for(gate.entered.wait(), 1)
    asking.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asking

    # The next observer of that connection is not kept waiting, and tells it all.
    again = await asyncio.wait_for(world.sync.apply(ticket.workspace, [ticket]), 1)
    assert sorted(e.change for e in again) == ["comment", "state"]


async def test_a_page_handled_already_does_not_wait_behind_a_busy_batch(world: World) -> None:
    first, second, *_ = await made_and_moved(world)
    await world.sync.apply(first.workspace, [first], comments=[])  # handled: told once
    release = asyncio.Event()

    async def slow_emit(events: list[TicketEvent]) -> None:
        await release.wait()  # the outbox is slow: this batch holds on

    world.sync.emit = slow_emit
    busy = asyncio.ensure_future(world.sync.apply(second.workspace, [second], comments=[]))
    await asyncio.sleep(0)

    # The next poll of the first connection brings its ticket back (the overlap): nothing
    # to compare, store or tell, so it is not queued behind the batch under way.
    again = await asyncio.wait_for(world.sync.apply(first.workspace, [first]), 1)

    assert again == []
    assert not busy.done()
    release.set()
    assert [e.number for e in await busy] == [second.number]


async def test_the_applies_of_one_batch_tell_after_in_one_call(world: World) -> None:
    moved = await made_and_moved(world)
    calls: list[tuple[list[tuple[str, str]], set[tuple[str, str]]]] = []

    async def after(events: list[TicketEvent], known: Mapping[tuple[str, str], Ticket]) -> None:
        calls.append(([(e.workspace, e.number) for e in events], set(known)))

    world.sync.after = after
    await asyncio.gather(*(world.sync.apply(t.workspace, [t], comments=[]) for t in moved))
    # A later apply is a call of its own.
    again = world.fake.set_state(moved[0].number, "3")
    await world.sync.apply(again.workspace, [again], comments=[])

    told = [(t.workspace, t.number) for t in moved]
    assert calls == [(told, set(told)), ([told[0]], {told[0]})]
