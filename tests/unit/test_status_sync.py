"""StatusSync on the in-memory gateway: each change is told once, and never lost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import pytest

from core.clock import FakeClock
from core.models import (
    Comment,
    Connection,
    Priority,
    Requester,
    Ticket,
    TicketEvent,
    TicketKind,
    TicketRequest,
)
from core.repos.sync_state import JOURNAL_KEPT, Baseline, Baselines, Watermarks
from core.secrets import SecretBox, generate_key
from core.servicenow.mapping import correlation_id
from core.store.memory import MemoryStore
from core.sync import MARK_LAG, StatusSync, SyncResult
from core.tickets import TicketService
from tests.fakes.ticket_gateway import DEFAULT_INSTANCE, InMemoryTicketGateway

WS = "slack:T0123"


@dataclass
class Env:
    """A connected workspace: the fake ticket system, a store, and what sync emitted."""

    clock: FakeClock
    fake: InMemoryTicketGateway
    store: MemoryStore
    emitted: list[list[TicketEvent]] = field(default_factory=list)

    @property
    def baselines(self) -> Baselines:
        return Baselines(self.store)

    @property
    def watermarks(self) -> Watermarks:
        return Watermarks(self.store)

    async def emit(self, events: list[TicketEvent]) -> None:
        self.emitted.append(list(events))

    def sync(self, **options: int) -> StatusSync:
        """A StatusSync as one process has it (a second one is a restart or a replica)."""
        return StatusSync(
            self.fake,
            self.store,
            self.store,
            self.baselines,
            self.watermarks,
            self.clock,
            self.emit,
            **options,
        )

    async def create(self, key: str, kind: TicketKind = TicketKind.INCIDENT) -> Ticket:
        """A ticket made through TicketService (stored and baselined, as in production)."""
        service = TicketService(
            self.fake, self.store, self.store, self.baselines, self.store, self.clock
        )
        request = TicketRequest(
            workspace=WS,
            kind=kind,
            name=f"Ticket {key}",
            description="",
            priority=Priority.MODERATE,
            requester=Requester("slack", "U_ABEL", "Abel Tuter"),
            idempotency_key=key,
        )
        return (await service.create(request)).ticket

    async def baseline(self, number: str) -> Baseline:
        found = await self.baselines.get(WS, number)
        assert found is not None
        return found


@pytest.fixture
async def env() -> Env:
    clock = FakeClock()
    store = MemoryStore(SecretBox(generate_key()))
    await store.open()
    await store.save_connection(Connection(WS, DEFAULT_INSTANCE, "client", "secret"))
    return Env(clock, InMemoryTicketGateway(clock), store)


def changes_of(result: SyncResult) -> list[tuple[str, str, str | None, str | None]]:
    """(number, change, old, new) of each event."""
    return [(e.number, e.change, e.old, e.new) for e in result.events]


async def test_a_state_change_becomes_one_event(env: Env) -> None:
    sync = env.sync()
    made = await env.create("a")
    assert (await sync.cycle(WS)).events == []
    env.clock.advance(120)
    moved = env.fake.set_state(made.number, "2")

    result = await sync.cycle(WS)

    assert result.events == [
        TicketEvent(
            event_id=f"{WS}|{made.number}|state|0|2",
            workspace=WS,
            number=made.number,
            kind=TicketKind.INCIDENT,
            change="state",
            old="1",
            new="2",
            at=env.clock.now(),
        )
    ]
    assert env.emitted == [result.events]
    baseline = await env.baseline(made.number)
    assert (baseline.state, baseline.mod_count) == ("2", moved.mod_count)
    stored = await env.store.get_ticket(WS, made.number)
    assert stored is not None
    assert (stored.state, stored.requested_by) == ("2", "Abel Tuter")


async def test_a_priority_change_is_an_event_too(env: Env) -> None:
    made = await env.create("a")
    env.clock.advance(120)
    env.fake.set_priority(made.number, 1)

    result = await env.sync().cycle(WS)

    assert changes_of(result) == [(made.number, "priority", "3", "1")]


async def test_a_change_seen_again_is_not_an_event_again(env: Env) -> None:
    sync = env.sync()
    made = await env.create("a")
    env.clock.advance(120)
    env.fake.set_state(made.number, "2")
    assert len((await sync.cycle(WS)).events) == 1
    env.clock.advance(10)

    # The watermark overlap reads it again: in this process, after a restart, by a replica.
    again = await sync.cycle(WS)
    restarted = await env.sync().cycle(WS)

    assert again.records == 1
    assert restarted.records == 1
    assert again.events == restarted.events == []
    assert len(env.emitted) == 1


async def test_a_pushed_change_is_not_announced_again_by_the_poll(env: Env) -> None:
    made = await env.create("a")
    await env.sync().cycle(WS)
    env.clock.advance(120)
    pushed = env.fake.set_state(made.number, "2")

    told = await env.sync().apply(WS, [pushed], comments=[])
    polled = await env.sync().cycle(WS)

    assert [(e.change, e.new) for e in told] == [("state", "2")]
    assert polled.records == 1
    assert polled.events == []


async def test_two_observers_from_the_same_baseline_make_the_same_event(env: Env) -> None:
    # A push and a poll racing: both read the baseline before either wrote it.
    made = await env.create("a")
    env.clock.advance(120)
    moved = env.fake.set_state(made.number, "2")

    async def lease_lost() -> None:
        raise RuntimeError("lease lost")

    with pytest.raises(RuntimeError):
        await env.sync().apply(WS, [moved], comments=[], guard=lease_lost)
    second = await env.sync().apply(WS, [moved], comments=[])

    assert [e.event_id for e in env.emitted[0]] == [e.event_id for e in second]


async def test_a_comment_becomes_an_event_once(env: Env) -> None:
    sync = env.sync()
    made = await env.create("a")
    await sync.cycle(WS)
    env.clock.advance(120)
    comment = env.fake.add_comment(made.number, "Any news?")
    env.fake.add_comment(made.number, "internal", element="work_notes")

    result = await sync.cycle(WS)

    assert [(e.event_id, e.change, e.new, e.author) for e in result.events] == [
        (f"{WS}|{made.number}|comment|{comment.id}", "comment", "Any news?", "beth.anglin")
    ]
    stored = await env.store.get_ticket(WS, made.number)
    assert stored is not None
    assert [c.text for c in stored.history] == ["Any news?"]
    assert (await env.baseline(made.number)).journal == [comment.id]
    env.clock.advance(10)
    assert (await sync.cycle(WS)).events == []
    # A later change of the same ticket brings the comment back in the overlap: told once.
    env.fake.set_state(made.number, "2")
    assert changes_of(await env.sync().cycle(WS)) == [(made.number, "state", "1", "2")]


async def test_first_sight_of_a_ticket_is_not_announced(env: Env) -> None:
    # Made before sync ran, or by another replica whose store write was lost.
    made = env.fake.insert(
        WS, TicketKind.CHANGE, "Patch the relay", correlation_id=correlation_id(WS, "req:x")
    )
    env.fake.set_state(made.number, "-4")
    env.fake.insert(WS, TicketKind.INCIDENT, "Not made by SnowOps")

    first = await env.sync().cycle(WS)

    assert (first.events, first.records) == ([], 1)
    assert (await env.baseline(made.number)).state == "-4"
    assert await env.store.get_ticket(WS, made.number) is not None
    env.clock.advance(120)
    env.fake.set_state(made.number, "-3")
    assert changes_of(await env.sync().cycle(WS)) == [(made.number, "state", "-4", "-3")]


async def test_comments_from_before_first_sight_are_not_news_later(env: Env) -> None:
    made = env.fake.insert(
        WS, TicketKind.INCIDENT, "Adopted", correlation_id=correlation_id(WS, "req:x")
    )
    env.fake.add_comment(made.number, "Old news, from before SnowOps knew the ticket")
    assert (await env.sync().cycle(WS)).events == []
    env.clock.advance(120)
    env.fake.set_state(made.number, "2")

    later = await env.sync().cycle(WS)

    assert changes_of(later) == [(made.number, "state", "1", "2")]


@pytest.mark.parametrize(
    "both_kinds",
    [
        True,
        False,  # a kind with no ticket yet gets a watermark all the same
    ],
)
async def test_comments_are_told_once_however_many_a_ticket_has(env: Env, both_kinds: bool) -> None:
    made = await env.create("a")
    if both_kinds:
        await env.create("b", TicketKind.CHANGE)
    for i in range(JOURNAL_KEPT + 1):
        env.clock.advance(1)
        env.fake.add_comment(made.number, f"comment {i}")
    told = await env.sync().cycle(WS)
    assert [e.new for e in told.events] == [f"comment {i}" for i in range(JOURNAL_KEPT + 1)]
    env.clock.advance(600)
    assert (await env.sync().cycle(WS)).events == []  # quiet: the watermarks move on
    env.clock.advance(600)
    env.fake.set_state(made.number, "2")

    later = await env.sync().cycle(WS)

    assert changes_of(later) == [(made.number, "state", "1", "2")]


async def test_events_are_emitted_before_the_baseline_is_written(env: Env) -> None:
    made = await env.create("a")
    seen_at_emit: list[tuple[Baseline, datetime | None]] = []

    async def emit(events: list[TicketEvent]) -> None:
        seen_at_emit.append(
            (await env.baseline(made.number), await env.watermarks.get(WS, TicketKind.INCIDENT))
        )

    sync = env.sync()
    await sync.cycle(WS)
    mark = await env.watermarks.get(WS, TicketKind.INCIDENT)
    sync.emit = emit
    env.clock.advance(MARK_LAG.total_seconds() + 120)  # the mark is stored once it lags
    moved = env.fake.set_state(made.number, "2")

    await sync.cycle(WS)

    [(baseline, watermark)] = seen_at_emit
    assert (baseline.state, baseline.mod_count) == ("1", 0)
    assert watermark == mark
    assert (await env.baseline(made.number)).state == "2"
    assert await env.watermarks.get(WS, TicketKind.INCIDENT) == moved.updated_at


async def test_an_emit_that_fails_leaves_everything_to_the_next_cycle(env: Env) -> None:
    made = await env.create("a")
    sync = env.sync()
    await sync.cycle(WS)
    mark = await env.watermarks.get(WS, TicketKind.INCIDENT)
    env.clock.advance(120)
    env.fake.set_state(made.number, "2")

    async def broken(events: list[TicketEvent]) -> None:
        raise RuntimeError("the outbox is down")

    sync.emit = broken
    with pytest.raises(RuntimeError):
        await sync.cycle(WS)

    assert (await env.baseline(made.number)).state == "1"
    assert await env.watermarks.get(WS, TicketKind.INCIDENT) == mark
    sync.emit = env.emit
    env.clock.advance(60)
    assert changes_of(await sync.cycle(WS)) == [(made.number, "state", "1", "2")]


async def test_the_watermark_is_the_instance_clock_when_a_read_is_complete(env: Env) -> None:
    sync = env.sync()
    assert await env.watermarks.get(WS, TicketKind.INCIDENT) is None
    await env.create("a")
    env.clock.advance(30)
    await sync.cycle(WS)
    # Everything up to the instance's clock was read: the next read starts one overlap
    # before it (not two: a quiet kind would re-read two minutes of changes every cycle).
    assert await env.watermarks.get(WS, TicketKind.INCIDENT) == env.clock.now()
    env.clock.advance(3600)
    await sync.cycle(WS)
    assert await env.watermarks.get(WS, TicketKind.INCIDENT) == env.clock.now()


async def test_a_change_committed_late_within_the_overlap_is_still_told(env: Env) -> None:
    sync = env.sync()
    made = await env.create("a")
    env.clock.advance(120)
    await sync.cycle(WS)  # quiet: the mark is the instance's clock now
    # A transaction that began 50 s before that read commits only after it: its change
    # carries the older time.
    env.clock.advance(-50)
    env.fake.set_state(made.number, "2")
    env.clock.advance(55)
    assert changes_of(await sync.cycle(WS)) == [(made.number, "state", "1", "2")]


@pytest.mark.parametrize("together", [True, False], ids=["task", "per-table"])
async def test_one_request_per_cycle_never_one_per_ticket(env: Env, together: bool) -> None:
    # With `task` readable every kind is one query; refused, one query per table.
    env.fake.together = together
    reads = 1 if together else 4
    sync = env.sync()
    incidents = [await env.create(f"i{i}") for i in range(5)]
    changes = [await env.create(f"c{i}", TicketKind.CHANGE) for i in range(2)]
    await sync.cycle(WS)
    env.clock.advance(120)
    env.fake.calls.clear()
    env.fake.requests.clear()

    quiet = await sync.cycle(WS)

    assert quiet.events == []
    # No comment query when nothing moved.
    assert env.fake.requests == {"changes": reads}
    env.clock.advance(120)
    for ticket in incidents[:3]:
        env.fake.set_state(ticket.number, "2")
    env.fake.add_comment(incidents[4].number, "Any news?")
    env.fake.set_state(changes[0].number, "-4")
    env.fake.calls.clear()
    env.fake.requests.clear()

    busy = await sync.cycle(WS)

    assert sorted(e.change for e in busy.events) == ["comment", "state", "state", "state", "state"]
    assert env.fake.calls == {"kinds": 1, "changes": reads, "comments_since": 1}
    assert env.fake.requests == {"changes": reads, "comments_since": 1}


async def test_problems_and_security_incidents_are_followed_in_the_same_cycle(env: Env) -> None:
    sync = env.sync()
    problem = await env.create("p", TicketKind.PROBLEM)
    security = await env.create("s", TicketKind.SECURITY)
    await sync.cycle(WS)
    env.clock.advance(120)
    env.fake.set_state(problem.number, "103")
    env.fake.set_state(security.number, "18")
    env.fake.requests.clear()

    busy = await sync.cycle(WS)

    assert changes_of(busy) == [
        (problem.number, "state", "101", "103"),
        (security.number, "state", "10", "18"),
    ]
    assert [e.kind for e in busy.events] == [TicketKind.PROBLEM, TicketKind.SECURITY]
    # Every kind in one query (the connection reads `task`), one comment query.
    assert env.fake.requests == {"changes": 1, "comments_since": 1}


async def test_an_instance_without_security_incidents_is_never_asked_for_them(env: Env) -> None:
    env.fake.missing.add(TicketKind.SECURITY)
    sync = env.sync()
    await env.create("i")
    env.fake.requests.clear()

    await sync.cycle(WS)
    env.clock.advance(120)
    await sync.cycle(WS)

    # The fake refuses a query on a missing table: a first cycle reads the three tables
    # one by one, the next reads them in one query, and neither fails.
    assert env.fake.requests == {"changes": 4}
    assert env.fake.calls["changes"] == 4


async def test_a_guard_that_raises_stops_before_baselines_move(env: Env) -> None:
    made = await env.create("a")
    sync = env.sync()
    await sync.cycle(WS)
    mark = await env.watermarks.get(WS, TicketKind.INCIDENT)
    env.clock.advance(120)
    env.fake.set_state(made.number, "2")
    env.fake.add_comment(made.number, "Started")

    async def lease_lost() -> None:
        raise RuntimeError("another replica holds the lease now")

    with pytest.raises(RuntimeError):
        await sync.cycle(WS, guard=lease_lost)

    first = env.emitted[-1]
    assert sorted(e.change for e in first) == ["comment", "state"]
    baseline = await env.baseline(made.number)
    assert (baseline.state, baseline.mod_count, baseline.journal) == ("1", 0, [])
    assert await env.watermarks.get(WS, TicketKind.INCIDENT) == mark
    # The poller that holds the lease now tells the same events (the outbox drops repeats).
    again = await env.sync().cycle(WS)
    assert [e.event_id for e in again.events] == [e.event_id for e in first]


async def test_a_comment_is_in_the_stored_history_before_its_event_goes_out(env: Env) -> None:
    """The delivery loop wakes as soon as events are queued: a card it updates for a
    comment must already show that comment."""
    made = await env.create("h")
    sync = env.sync()
    await sync.cycle(WS)
    env.clock.advance(120)
    env.fake.add_comment(made.number, "Patched the gateway", "beth.anglin")
    seen_at_emit: list[tuple[str, ...]] = []

    async def emit(events: list[TicketEvent]) -> None:
        stored = await env.store.get_ticket(WS, made.number)
        assert stored is not None
        seen_at_emit.append(tuple(c.text for c in stored.history))

    sync.emit = emit
    result = await sync.cycle(WS)

    assert [e.change for e in result.events] == ["comment"]
    assert seen_at_emit == [("Patched the gateway",)]


async def test_a_first_cycle_reads_in_pages_and_a_restart_resumes_from_the_watermarks(
    env: Env,
) -> None:
    made = []
    for i in range(7):
        made.append(await env.create(f"i{i}"))
        env.clock.advance(1)
    await env.create("c0", TicketKind.CHANGE)
    env.clock.advance(300)
    applied: list[int] = []
    sync = env.sync(page=3)
    real_apply = sync.apply

    async def noting(workspace: str, fresh: Sequence[Ticket], **kw: Any) -> list[TicketEvent]:
        applied.append(len(fresh))
        return await real_apply(workspace, fresh, **kw)

    sync.apply = noting  # type: ignore[method-assign]
    env.fake.requests.clear()

    first = await sync.cycle(WS)

    assert first.records == 8
    # incidents 3 + 3 + 1; changes, problems, security incidents 1 each
    assert env.fake.requests == {"changes": 6}
    assert max(applied) <= 3 + 1  # never every record at once
    assert all([await env.baseline(t.number) for t in made])
    env.clock.advance(600)
    made[0] = env.fake.set_state(made[0].number, "2")
    env.fake.requests.clear()

    # A restart with the same store resumes from its watermarks: no full re-read.
    restarted = await env.sync(page=3).cycle(WS)

    assert restarted.records == 1
    assert changes_of(restarted) == [(made[0].number, "state", "1", "2")]
    assert env.fake.requests == {"changes": 1, "comments_since": 1}


async def test_a_refused_joint_read_is_made_again_table_by_table(env: Env) -> None:
    # The integration user loses `task` after the probe: the cycle still tells the change.
    sync = env.sync()
    made = await env.create("a")
    await env.create("c", TicketKind.CHANGE)
    await sync.cycle(WS)
    env.clock.advance(120)
    env.fake.set_state(made.number, "2")
    env.fake.task_refused = True
    env.fake.requests.clear()

    busy = await sync.cycle(WS)

    assert changes_of(busy) == [(made.number, "state", "1", "2")]
    # The refused read, then one per table; the next cycle goes table by table at once.
    assert env.fake.requests == {"changes": 1 + 4, "comments_since": 1}
    env.clock.advance(120)
    env.fake.requests.clear()
    assert (await sync.cycle(WS)).events == []
    assert env.fake.requests == {"changes": 4}


async def test_a_kind_that_appears_is_read_alone_once_then_with_the_others(env: Env) -> None:
    env.fake.missing.add(TicketKind.SECURITY)
    sync = env.sync()
    await env.create("i")
    await sync.cycle(WS)
    env.clock.advance(120)
    env.fake.missing.clear()  # the plugin installed
    security = await env.create("s", TicketKind.SECURITY)
    env.fake.requests.clear()

    await sync.cycle(WS)
    # Its first read (everything it has) alone; the others since their watermark.
    assert env.fake.requests == {"changes": 2}
    env.clock.advance(120)
    env.fake.set_state(security.number, "18")
    env.fake.requests.clear()

    busy = await sync.cycle(WS)

    assert changes_of(busy) == [(security.number, "state", "10", "18")]
    assert env.fake.requests == {"changes": 1, "comments_since": 1}


async def test_the_kinds_read_together_store_their_watermarks_in_one_write(env: Env) -> None:
    env.fake.together = True
    writes: list[list[str]] = []
    put_documents = env.store.put_documents

    async def counted(namespace: str, docs: Any) -> None:
        if namespace == "sync_watermark":
            writes.append(sorted(docs))
        await put_documents(namespace, docs)

    env.store.put_documents = counted  # type: ignore[method-assign]
    sync = env.sync()
    made = await env.create("a")
    await sync.cycle(WS)
    await sync.cycle(WS)  # every kind read together from now on
    writes.clear()
    env.clock.advance(MARK_LAG.total_seconds() + 120)
    moved = env.fake.set_state(made.number, "2")

    assert changes_of(await sync.cycle(WS)) == [(made.number, "state", "1", "2")]

    kinds = await env.fake.kinds(WS)
    assert len(kinds) > 1
    assert writes == [sorted(f"{WS}|{k.table}" for k in kinds)]
    for kind in kinds:
        assert await env.watermarks.get(WS, kind) == moved.updated_at


async def test_comments_kept_never_overwrite_a_version_stored_meanwhile(env: Env) -> None:
    """A ticket's new comments go into its stored history over the newest stored version,
    even one someone else stored while the comments were being read."""
    made = await env.create("m")
    sync = env.sync()
    await sync.cycle(WS)
    env.clock.advance(120)
    env.fake.add_comment(made.number, "Rebooted the gateway", "beth.anglin")
    read_comments = env.fake.comments_since

    async def meanwhile(*args: Any, **kwargs: Any) -> list[Comment]:
        # A `/snow tickets` refresh stores a newer version while the comments are read.
        current = await env.store.get_ticket(WS, made.number)
        assert current is not None
        newer = replace(current, title="Renamed meanwhile", mod_count=current.mod_count + 5)
        await env.store.save_ticket(newer)
        return await read_comments(*args, **kwargs)

    env.fake.comments_since = meanwhile  # type: ignore[method-assign]
    result = await sync.cycle(WS)

    assert [e.change for e in result.events] == ["comment"]
    stored = await env.store.get_ticket(WS, made.number)
    assert stored is not None
    assert stored.title == "Renamed meanwhile"
    assert [c.text for c in stored.history] == ["Rebooted the gateway"]


async def test_a_poll_stores_its_watermark_only_once_it_would_lag(env: Env) -> None:
    made = await env.create("a")
    sync = env.sync()
    await sync.cycle(WS)
    mark = await env.watermarks.get(WS, TicketKind.INCIDENT)
    assert mark is not None
    env.clock.advance(120)
    env.fake.set_state(made.number, "2")

    told = await sync.cycle(WS)

    # Told, and not written: a restart re-reads from the stored mark, and the baselines
    # tell nothing twice.
    assert changes_of(told) == [(made.number, "state", "1", "2")]
    assert await env.watermarks.get(WS, TicketKind.INCIDENT) == mark
    restarted = env.sync()
    assert (await restarted.cycle(WS)).events == []
    assert env.fake.requests["comments_since"] == 1  # the re-read asked for no comments
    env.clock.advance(MARK_LAG.total_seconds())
    moved = env.fake.set_state(made.number, "3")

    later = await restarted.cycle(WS)

    assert changes_of(later) == [(made.number, "state", "2", "3")]
    assert await env.watermarks.get(WS, TicketKind.INCIDENT) == moved.updated_at
