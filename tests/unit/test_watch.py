"""core.watch: a channel's ServiceNow filter, one query per cycle, each change told once,
even when telling fails half-way (the in-memory gateway, the memory store)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import FakeClock
from core.i18n import use_locale
from core.languages import WorkspaceLanguage
from core.models import ChannelRef, Priority, TicketKind
from core.repos.labels import StateNames
from core.secrets import SecretBox, generate_key
from core.store.memory import MemoryStore
from core.watch import QueryWatcher, QueryWatches
from tests.fakes.ticket_gateway import InMemoryTicketGateway

WS = "slack:T1"
OPS = ChannelRef(WS, "C0OPS")


class Told:
    """A notifier's ``tell``: queues once per id, and can fail on demand."""

    def __init__(self) -> None:
        self.queued: dict[str, str] = {}
        self.fail = False

    async def __call__(self, channel: ChannelRef, text: str, key: str, link: str | None) -> bool:
        if self.fail:
            raise ConnectionError("the outbox is down")
        assert channel == OPS
        assert link
        new = key not in self.queued
        self.queued.setdefault(key, text)
        return new


@pytest.fixture
def world() -> tuple[FakeClock, InMemoryTicketGateway, MemoryStore, Told, QueryWatcher]:
    clock = FakeClock()
    gateway = InMemoryTicketGateway(clock)
    store = MemoryStore(SecretBox(generate_key()))
    told = Told()
    watcher = QueryWatcher(
        gateway, QueryWatches(store), store, StateNames(store), told, clock,
        WorkspaceLanguage(store),
    )  # fmt: skip
    return clock, gateway, store, told, watcher


async def test_only_matching_records_made_after_the_watch_are_news_and_told_once(
    world: tuple[FakeClock, InMemoryTicketGateway, MemoryStore, Told, QueryWatcher],
) -> None:
    clock, gateway, store, told, watcher = world
    gateway.insert(WS, TicketKind.INCIDENT, "Old outage", priority=Priority.CRITICAL)
    clock.advance(5)
    await QueryWatches(store).add(OPS, TicketKind.INCIDENT, "priority=1", clock.now())
    clock.advance(5)
    hit = gateway.insert(WS, TicketKind.INCIDENT, "Ransomware", priority=Priority.CRITICAL)
    gateway.insert(WS, TicketKind.INCIDENT, "Printer jam", priority=Priority.LOW)
    gateway.insert(WS, TicketKind.CHANGE, "Firewall", priority=Priority.CRITICAL)

    assert await watcher.cycle(WS) == 1
    [text] = told.queued.values()
    assert text.startswith(f"New incident {hit.number} matches this channel's filter")
    assert gateway.calls["matching"] == 1
    assert await watcher.cycle(WS) == 0  # the overlap brings it back: known

    gateway.set_state(hit.number, "2")
    clock.advance(60)
    assert await watcher.cycle(WS) == 1
    assert f"{hit.number} Ransomware: New → In Progress" in told.queued.values()
    assert gateway.calls["matching"] == 3  # one query per cycle, however many records


async def test_a_failure_while_telling_loses_nothing_and_doubles_nothing(
    world: tuple[FakeClock, InMemoryTicketGateway, MemoryStore, Told, QueryWatcher],
) -> None:
    clock, gateway, store, told, watcher = world
    watch = await QueryWatches(store).add(OPS, TicketKind.INCIDENT, "priority=1", clock.now())
    clock.advance(5)
    hit = gateway.insert(WS, TicketKind.INCIDENT, "Ransomware", priority=Priority.CRITICAL)
    told.fail = True
    with pytest.raises(ConnectionError):
        await watcher.cycle(WS)
    told.fail = False
    clock.advance(timedelta(minutes=10).total_seconds())
    assert await watcher.cycle(WS) == 1
    assert list(told.queued) == [f"watch|{WS}|{watch.id}|{hit.number}|new"]


async def test_a_swedish_workspace_is_told_in_swedish(
    world: tuple[FakeClock, InMemoryTicketGateway, MemoryStore, Told, QueryWatcher],
) -> None:
    clock, gateway, store, told, watcher = world
    await WorkspaceLanguage(store).set_language(WS, "sv")
    await QueryWatches(store).add(OPS, TicketKind.INCIDENT, "priority=1", clock.now())
    clock.advance(5)
    gateway.insert(WS, TicketKind.INCIDENT, "Ransomware", priority=Priority.CRITICAL)
    with use_locale("en"):  # whoever runs the cycle: the workspace's language counts
        await watcher.cycle(WS)
    [text] = told.queued.values()
    assert "matchar" in text
    assert "matches" not in text


async def test_unsubscribing_by_number_drops_that_filter_only(
    world: tuple[FakeClock, InMemoryTicketGateway, MemoryStore, Told, QueryWatcher],
) -> None:
    clock, _gateway, store, _told, _watcher = world
    watches = QueryWatches(store)
    await watches.add(OPS, TicketKind.INCIDENT, "priority=1", clock.now())
    await watches.add(OPS, TicketKind.CHANGE, "priority=2", clock.now())
    other = ChannelRef(WS, "C0SOC")
    await watches.add(other, TicketKind.INCIDENT, "priority=1", clock.now())
    [gone] = await watches.remove(OPS, 1)
    assert gone.query == "priority=1"
    assert [w.query for w in await watches.of_channel(OPS)] == ["priority=2"]
    assert len(await watches.remove(OPS)) == 1
    assert len(await watches.of_channel(other)) == 1
