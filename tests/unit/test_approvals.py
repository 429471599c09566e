"""Approvals (core/approvals.py) on the in-memory gateway and store: each approver of a
change is asked once per approval record, across restarts and replicas sharing the store;
a decision is made once, only with the approver's own token."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from core.approvals import Approvals
from core.clock import FakeClock
from core.errors import UserError
from core.models import (
    CardLocation,
    ChannelRef,
    Priority,
    Requester,
    Ticket,
    TicketEvent,
    TicketKind,
    TicketRequest,
)
from core.repos.labels import StateNames
from core.secrets import SecretBox, generate_key
from core.servicenow.mapping import correlation_id
from core.store.memory import MemoryStore
from core.views import TicketCard
from tests.fakes.ticket_gateway import InMemoryTicketGateway

WS = "slack:T1"
FRED = ("fred-id", "fred.luddy", "Fred Luddy", "fred.luddy@example.com")
BETH = ("beth-id", "beth.anglin", "Beth Anglin", "beth.anglin@example.com")
CHAT = {"fred.luddy@example.com": "U_FRED", "beth.anglin@example.com": "U_BETH"}


@dataclass
class Sink:
    """Keeps the cards posted to direct messages."""

    cards: list[tuple[str, TicketCard]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def post_card(self, channel: ChannelRef, card: TicketCard) -> CardLocation:
        self.cards.append((channel.channel, card))
        return CardLocation(channel, f"M{next(self._ids)}")

    async def direct(self, workspace: str, user: str) -> ChannelRef:
        return ChannelRef(workspace, f"D_{user}")

    async def user_by_email(self, workspace: str, email: str) -> str | None:
        return CHAT.get(email)


@dataclass
class Accounts:
    """Who linked: chat user → their token."""

    tokens: dict[str, str] = field(default_factory=dict)

    async def linked(self, workspace: str, user: str) -> object | None:
        return object() if user in self.tokens else None

    async def access_token(self, workspace: str, user: str) -> str | None:
        return self.tokens.get(user)


@dataclass
class World:
    fake: InMemoryTicketGateway
    store: MemoryStore
    sink: Sink
    accounts: Accounts
    applied: list[Ticket] = field(default_factory=list)

    def approvals(self) -> Approvals:
        """An Approvals as a process (or replica) builds it: only the store is shared."""

        async def apply(workspace: str, tickets: object) -> None:
            self.applied.extend(tickets)  # type: ignore[arg-type]

        return Approvals(
            self.fake, self.store, self.accounts, self.store, StateNames(self.store),  # type: ignore[arg-type]
            {"slack": self.sink}, {"slack": self.sink}, self.store, apply,  # type: ignore[dict-item]
        )  # fmt: skip

    async def change(self, *, stored: bool = True) -> Ticket:
        request = TicketRequest(
            workspace=WS,
            kind=TicketKind.CHANGE,
            name="Rotate the VPN certificate",
            description="",
            priority=Priority.HIGH,
            requester=Requester("slack", "U_ABEL", "Abel Tuter", "abel.tuter@example.com"),
        )
        made = await self.fake.create(request, correlation_id(WS, "c"), None)
        if stored:
            await self.store.save_ticket(made)
        return made


def moved(number: str, new: str = "-4") -> TicketEvent:
    return TicketEvent(
        event_id=f"{WS}|{number}|state|0|{new}",
        workspace=WS,
        number=number,
        kind=TicketKind.CHANGE,
        change="state",
        old="-5",
        new=new,
        at=datetime(2026, 12, 1, tzinfo=UTC),
    )


@pytest.fixture
async def world() -> AsyncIterator[World]:
    store = MemoryStore(SecretBox(generate_key()))
    await store.open()
    fake = InMemoryTicketGateway(FakeClock(), instance="https://acme.service-now.com")
    fake.approval_rows.approvers = [FRED, BETH]
    try:
        yield World(fake, store, Sink(), Accounts({"slack:U_BETH": "beth-token"}))
    finally:
        await store.close()


async def test_each_approver_is_asked_once_across_restarts_and_replicas(world: World) -> None:
    change = await world.change()
    world.fake.set_state(change.number, "-4")
    first, second = world.approvals(), world.approvals()
    await first.on_events([moved(change.number)])
    await second.on_events([moved(change.number)])  # the other replica, or after a restart
    await world.approvals().on_events([moved(change.number), moved(change.number)])
    assert sorted(channel for channel, _ in world.sink.cards) == ["D_U_BETH", "D_U_FRED"]
    labels = {ch: [b.label for b in card.buttons] for ch, card in world.sink.cards}
    assert labels["D_U_BETH"][-2:] == ["Approve", "Reject"]
    assert labels["D_U_FRED"][-3:] == ["Approve", "Reject", "Link your account"]


async def test_changes_the_sync_just_stored_are_not_read_back(world: World) -> None:
    change = await world.change(stored=False)  # only the sync's copy knows it
    world.fake.set_state(change.number, "-4")
    await world.approvals().on_events([moved(change.number)])
    assert world.sink.cards == []  # read from the store: not there, nothing asked
    await world.approvals().on_events([moved(change.number)], {(WS, change.number): change})
    assert sorted(channel for channel, _ in world.sink.cards) == ["D_U_BETH", "D_U_FRED"]


async def test_only_state_changes_of_changes_ask(world: World) -> None:
    change = await world.change()
    world.fake.set_state(change.number, "-4")
    comment = TicketEvent("e", WS, change.number, TicketKind.CHANGE, "comment", None, "hi",
                          datetime(2026, 12, 1, tzinfo=UTC))  # fmt: skip
    await world.approvals().on_events([comment])
    assert world.sink.cards == []


async def test_a_decision_is_made_once_and_only_as_the_approver(world: World) -> None:
    change = await world.change()
    world.fake.set_state(change.number, "-4")
    [fred, beth] = await world.fake.approvals(WS, change)
    world.fake.tokens["beth-token"] = "beth.anglin"
    approvals = world.approvals()
    with pytest.raises(UserError, match="link your ServiceNow account first"):
        await approvals.decide(WS, "slack:U_FRED", change.number, fred.id, None)
    with pytest.raises(UserError, match="ServiceNow refused your decision"):
        await approvals.decide(WS, "slack:U_BETH", change.number, fred.id, None)  # not hers
    _, done = await approvals.decide(WS, "slack:U_BETH", change.number, beth.id, None)
    assert done == f"You approved {change.number}."
    _, again = await approvals.decide(WS, "slack:U_BETH", change.number, beth.id, "No")
    assert again == f"{change.number}: this approval is already approved."
    assert world.fake.calls["decide"] == 2  # the refused one and the one that went


class CountingStore(MemoryStore):
    """Counts the store's idempotency calls, one by one and many at once."""

    calls: list[str]

    async def begin_idempotent(self, key: str, ttl_seconds: float) -> str | None:
        self.calls.append("begin")
        return await super().begin_idempotent(key, ttl_seconds)

    async def finish_idempotent(self, key: str, result: str, ttl_seconds: float) -> None:
        self.calls.append("finish")
        await super().finish_idempotent(key, result, ttl_seconds)

    async def begin_idempotent_many(
        self, keys: Sequence[str], ttl_seconds: float
    ) -> dict[str, str | None]:
        self.calls.append(f"begin {len(keys)}")
        return {k: await super().begin_idempotent(k, ttl_seconds) for k in dict.fromkeys(keys)}

    async def finish_idempotent_many(self, results: Mapping[str, str], ttl_seconds: float) -> None:
        self.calls.append(f"finish {len(results)}")
        for key, result in results.items():
            await super().finish_idempotent(key, result, ttl_seconds)


async def test_a_batch_of_changes_claims_and_records_its_approvals_at_once() -> None:
    """Three changes moved in one sync batch: their six approvals are claimed in one call
    and recorded in one, never one by one; a second batch asks nobody again."""
    store = CountingStore(SecretBox(generate_key()))
    store.calls = []
    await store.open()
    fake = InMemoryTicketGateway(FakeClock(), instance="https://acme.service-now.com")
    fake.approval_rows.approvers = [FRED, BETH]
    world = World(fake, store, Sink(), Accounts())
    changes = [await world.change() for _ in range(3)]
    for change in changes:
        fake.set_state(change.number, "-4")

    await world.approvals().on_events([moved(c.number) for c in changes])
    await world.approvals().on_events([moved(c.number) for c in changes])

    assert store.calls == ["begin 6", "finish 6", "begin 6"]
    assert sorted(ch for ch, _ in world.sink.cards) == ["D_U_BETH"] * 3 + ["D_U_FRED"] * 3
    await store.close()


async def test_an_approval_that_could_not_be_sent_is_asked_again(world: World) -> None:
    """Fred's direct message fails: Beth's is recorded as sent, Fred's claim is released,
    and the next change of state asks Fred (only)."""
    change = await world.change()
    world.fake.set_state(change.number, "-4")
    post = world.sink.post_card

    async def failing(channel: ChannelRef, card: TicketCard) -> CardLocation:
        if channel.channel == "D_U_FRED":
            raise RuntimeError("Slack is down for Fred")
        return await post(channel, card)

    world.sink.post_card = failing  # type: ignore[method-assign]
    await world.approvals().on_events([moved(change.number)])
    assert [ch for ch, _ in world.sink.cards] == ["D_U_BETH"]
    world.sink.post_card = post  # type: ignore[method-assign]
    await world.approvals().on_events([moved(change.number)])
    assert [ch for ch, _ in world.sink.cards] == ["D_U_BETH", "D_U_FRED"]
