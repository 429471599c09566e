"""Notifier: events become durable deliveries, and each reaches chat exactly once."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from core.clock import FakeClock
from core.deliveries import CardUpdate, ChannelPost, DeliveryQueue, ThreadReply
from core.errors import StoreUnavailable
from core.models import (
    CardLocation,
    ChannelRef,
    Priority,
    Requester,
    Subscription,
    Ticket,
    TicketEvent,
    TicketKind,
    TicketRequest,
)
from core.notify import MAX_ATTEMPTS, Notifier
from core.ports import ChatSink, DeliveryError
from core.repos.labels import StateNames
from core.secrets import SecretBox, generate_key
from core.servicenow.mapping import correlation_id
from core.store.memory import MemoryStore
from core.views import Notice, TicketCard
from tests.fakes.ticket_gateway import InMemoryTicketGateway

WS = "slack:T0123"
SEC = ChannelRef(WS, "C_SEC")  # holds a card, and is subscribed
OPS = ChannelRef(WS, "C_OPS")  # holds a card
ALL = ChannelRef(WS, "C_ALL")  # subscribed to everything
CRITICAL_ONLY = ChannelRef(WS, "C_CRIT")
CHANGES_ONLY = ChannelRef(WS, "C_CHG")


@dataclass(frozen=True, slots=True)
class Posted:
    """A message the sink received."""

    channel: ChannelRef
    notice: Notice
    key: str
    thread: str | None


@dataclass
class RecordingSink:
    """A ChatSink that keeps what it is given; it can refuse, or lose an answer."""

    updates: list[tuple[CardLocation, TicketCard]] = field(default_factory=list)
    posts: list[Posted] = field(default_factory=list)
    #: Per channel id, raised by its next posts in turn, before anything is posted.
    refusals: dict[str, deque[DeliveryError]] = field(default_factory=dict)
    #: Channel ids whose next post goes out but whose answer is lost (it raises after).
    lost_answers: set[str] = field(default_factory=set)
    was_posted_asked: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def post_card(self, channel: ChannelRef, card: TicketCard) -> CardLocation:
        return CardLocation(channel, f"M{next(self._ids)}")

    async def update_card(self, where: CardLocation, card: TicketCard) -> None:
        self.updates.append((where, card))

    async def post(
        self, channel: ChannelRef, message: Notice, *, key: str, thread: str | None = None
    ) -> None:
        refusals = self.refusals.get(channel.channel)
        if refusals:
            raise refusals.popleft()
        self.posts.append(Posted(channel, message, key, thread))
        if channel.channel in self.lost_answers:
            self.lost_answers.discard(channel.channel)
            raise DeliveryError("the platform did not answer in time")

    def refuse(self, channel: ChannelRef, *errors: DeliveryError) -> None:
        """The next posts to ``channel`` fail with ``errors``, in turn."""
        self.refusals.setdefault(channel.channel, deque()).extend(errors)

    async def was_posted(self, channel: ChannelRef, key: str, *, thread: str | None = None) -> bool:
        self.was_posted_asked += 1
        return any(p.channel == channel and p.key == key and p.thread == thread for p in self.posts)

    async def direct(self, workspace: str, user: str) -> ChannelRef:
        return ChannelRef(workspace, f"D_{user}")


@dataclass
class Env:
    clock: FakeClock
    store: MemoryStore
    queue: DeliveryQueue
    sink: RecordingSink
    notifier: Notifier
    ticket: Ticket
    event: TicketEvent


class AckWatchingStore(MemoryStore):
    """A memory store that counts the outbox's acknowledgement calls, and can fail the
    next one (the store stops answering just as a delivery round ends)."""

    def __init__(self) -> None:
        super().__init__(SecretBox(generate_key()))
        self.ack_calls: list[list[str]] = []
        self.fail_next_ack = False

    async def outbox_ack(self, delivery_id: str, consumer: str) -> bool:
        self.ack_calls.append([delivery_id])
        return await super().outbox_ack(delivery_id, consumer)

    async def outbox_ack_many(self, delivery_ids: Sequence[str], consumer: str) -> list[bool]:
        if self.fail_next_ack:
            self.fail_next_ack = False
            raise StoreUnavailable()
        self.ack_calls.append(list(delivery_ids))
        return [await MemoryStore.outbox_ack(self, i, consumer) for i in delivery_ids]


@pytest.fixture
async def env() -> Env:
    """INC0010001 moved New → In Progress; its card is in #sec and #ops; #sec, #all,
    #crit (critical incidents) and #chg (changes) are subscribed."""
    return await make_env(MemoryStore(SecretBox(generate_key())))


async def make_env(store: MemoryStore) -> Env:
    """The :func:`env` fixture's world, on ``store``."""
    clock = FakeClock()
    await store.open()
    fake = InMemoryTicketGateway(clock)
    request = TicketRequest(
        workspace=WS,
        kind=TicketKind.INCIDENT,
        name="Require MFA for admins",
        description="",
        priority=Priority.MODERATE,
        requester=Requester("slack", "U_ABEL", "Abel Tuter"),
    )
    made = await fake.create(request, correlation_id(WS, "req:1"), None)
    clock.advance(60)
    ticket = fake.set_state(made.number, "2")
    await store.save_ticket(ticket)
    await store.add_card_location(WS, ticket.number, CardLocation(SEC, "M_SEC"))
    await store.add_card_location(WS, ticket.number, CardLocation(OPS, "M_OPS"))
    for channel, levels in (
        (SEC, ((TicketKind.INCIDENT, 5),)),
        (ALL, ((TicketKind.INCIDENT, 5), (TicketKind.CHANGE, 5))),
        (CRITICAL_ONLY, ((TicketKind.INCIDENT, 1),)),
        (CHANGES_ONLY, ((TicketKind.CHANGE, 5),)),
    ):
        await store.save_subscription(Subscription(channel, levels))
    event = TicketEvent(
        event_id=f"{WS}|{ticket.number}|state|0|2",
        workspace=WS,
        number=ticket.number,
        kind=TicketKind.INCIDENT,
        change="state",
        old="1",
        new="2",
        at=clock.now(),
    )
    queue = DeliveryQueue(store)
    sink = RecordingSink()
    sinks: dict[str, ChatSink] = {"slack": sink}
    notifier = Notifier(queue, store, store, StateNames(store), sinks, clock)
    return Env(clock, store, queue, sink, notifier, ticket, event)


def texts(sink: RecordingSink) -> list[tuple[str, str | None, str]]:
    """(channel, thread, text) of every post."""
    return [(p.channel.channel, p.thread, p.notice.text) for p in sink.posts]


async def test_an_event_queues_a_card_update_and_reply_per_card_and_one_post_per_channel(
    env: Env,
) -> None:
    queued = await env.notifier.enqueue(env.event)

    assert queued == 5
    assert env.notifier.queued.is_set()
    claimed = await env.queue.claim("peek", 10, 60, env.clock.now())
    kinds = sorted(type(c.delivery).__name__ for c in claimed)
    assert kinds == ["CardUpdate", "CardUpdate", "ChannelPost", "ThreadReply", "ThreadReply"]
    [post] = [c.delivery for c in claimed if isinstance(c.delivery, ChannelPost)]
    assert post.channel == ALL
    replies = [c.delivery for c in claimed if isinstance(c.delivery, ThreadReply)]
    assert sorted(r.where.message_id for r in replies) == ["M_OPS", "M_SEC"]
    updates = [c.delivery for c in claimed if isinstance(c.delivery, CardUpdate)]
    assert sorted(u.where.message_id for u in updates) == ["M_OPS", "M_SEC"]


async def test_delivery_updates_the_cards_replies_in_their_threads_and_posts(env: Env) -> None:
    await StateNames(env.store).rename(WS, TicketKind.INCIDENT, "2", "Being fixed")
    await env.notifier.enqueue(env.event)

    assert await env.notifier.deliver("worker-1") == 5

    assert sorted(w.message_id for w, _ in env.sink.updates) == ["M_OPS", "M_SEC"]
    assert all(card.state == "Being fixed" for _, card in env.sink.updates)
    text = f"{env.ticket.number} Require MFA for admins: New → Being fixed"
    assert sorted(texts(env.sink)) == [
        ("C_ALL", None, text),
        ("C_OPS", "M_OPS", text),
        ("C_SEC", "M_SEC", text),
    ]
    [post] = [p for p in env.sink.posts if p.channel == ALL]
    assert post.notice.link == env.ticket.url
    assert post.key == f"{env.event.event_id}|post|C_ALL"
    assert all(p.notice.link is None for p in env.sink.posts if p.thread is not None)


async def test_the_same_event_twice_queues_nothing_new_and_posts_once(env: Env) -> None:
    assert await env.notifier.enqueue(env.event) == 5
    assert await env.notifier.enqueue(env.event) == 0
    assert await env.notifier.enqueue_all([env.event, env.event]) == 0
    assert await env.notifier.deliver("worker-1") == 5

    # Seen again after it was delivered (a push, then a poll): still nothing new.
    assert await env.notifier.enqueue(env.event) == 0
    env.clock.advance(3600)
    assert await env.notifier.deliver("worker-1") == 0
    assert len(env.sink.posts) == 3
    assert len(env.sink.updates) == 2


async def test_a_platform_that_asks_to_wait_is_retried_no_earlier(env: Env) -> None:
    env.sink.refuse(ALL, DeliveryError("rate limited", retry_after=30))
    await env.notifier.enqueue(env.event)

    assert await env.notifier.deliver("worker-1") == 4
    assert [p.channel for p in env.sink.posts if p.channel == ALL] == []
    env.clock.advance(29)
    assert await env.notifier.deliver("worker-1") == 0
    env.clock.advance(1)
    assert await env.notifier.deliver("worker-1") == 1

    assert [p.channel for p in env.sink.posts if p.channel == ALL] == [ALL]
    assert len(env.sink.posts) == 3


async def test_a_permanent_failure_is_parked_and_shown(env: Env) -> None:
    await env.notifier.enqueue(env.event)
    env.sink.refuse(
        ALL, DeliveryError("channel_not_found", permanent=True, hint="Invite SnowOps back.")
    )

    assert await env.notifier.deliver("worker-1") == 4

    [parked] = await env.queue.parked(WS)
    assert parked.attempts == 1
    assert parked.last_error == "channel_not_found Invite SnowOps back."
    assert isinstance(parked.delivery, ChannelPost)
    assert parked.delivery.channel == ALL
    assert parked.delivery_id == f"{env.event.event_id}|post|C_ALL"
    assert await env.queue.parked("slack:T0456") == []
    env.clock.advance(3600)
    assert await env.notifier.deliver("worker-1") == 0
    assert len(env.sink.posts) == 2


async def test_a_delivery_that_keeps_failing_is_parked_after_the_last_attempt(env: Env) -> None:
    await env.notifier.enqueue(env.event)
    env.sink.refuse(ALL, *(DeliveryError("server error") for _ in range(MAX_ATTEMPTS)))

    for _ in range(MAX_ATTEMPTS):
        await env.notifier.deliver("worker-1")
        env.clock.advance(300)

    [parked] = await env.queue.parked(WS)
    assert (parked.attempts, parked.last_error) == (MAX_ATTEMPTS, "server error")
    assert parked.delivery_id == f"{env.event.event_id}|post|C_ALL"
    assert len(env.sink.posts) == 2
    env.clock.advance(3600)
    assert await env.notifier.deliver("worker-1") == 0


async def test_a_message_that_went_out_before_is_not_posted_again(env: Env) -> None:
    await env.notifier.enqueue(env.event)
    env.sink.lost_answers.add("C_ALL")

    assert await env.notifier.deliver("worker-1") == 4
    assert len(env.sink.posts) == 3  # the lost answer's message did go out
    assert env.sink.was_posted_asked == 0  # first attempts do not look
    env.clock.advance(2)
    assert await env.notifier.deliver("worker-1") == 1

    assert env.sink.was_posted_asked == 1
    assert len(env.sink.posts) == 3
    assert len({p.key for p in env.sink.posts}) == 3


async def test_a_rounds_deliveries_are_acknowledged_together() -> None:
    env = await make_env(store := AckWatchingStore())
    await env.notifier.enqueue(env.event)

    assert await env.notifier.deliver("worker-1") == 5

    assert [len(ids) for ids in store.ack_calls] == [5]  # one store call, not one per message
    env.clock.advance(3600)  # every lease long gone: nothing comes back
    assert await env.notifier.deliver("worker-2") == 0
    assert len(env.sink.posts) == 3


async def test_a_round_whose_acknowledgement_is_lost_posts_nothing_twice() -> None:
    """The messages went out, then the store failed as the round was acknowledged (as if
    the process had stopped there): once their leases run out, they are claimed again,
    looked for, and settled without a second copy; the cards are re-rendered as they are."""
    env = await make_env(store := AckWatchingStore())
    await env.notifier.enqueue(env.event)
    store.fail_next_ack = True

    with pytest.raises(StoreUnavailable):
        await env.notifier.deliver("worker-1", lease=60)
    assert len(env.sink.posts) == 3
    assert await env.notifier.deliver("worker-2") == 0  # still leased to worker-1

    env.clock.advance(61)
    assert await env.notifier.deliver("worker-2") == 5

    assert env.sink.was_posted_asked == 3
    assert len(env.sink.posts) == 3
    assert len({p.key for p in env.sink.posts}) == 3
    assert len(env.sink.updates) == 4  # an update is the ticket as it is: harmless twice


async def test_a_message_that_did_not_go_out_is_posted_on_the_next_attempt(env: Env) -> None:
    await env.notifier.enqueue(env.event)
    env.sink.refuse(ALL, DeliveryError("the platform did not answer in time"))

    assert await env.notifier.deliver("worker-1") == 4
    env.clock.advance(2)
    assert await env.notifier.deliver("worker-1") == 1

    assert env.sink.was_posted_asked == 1
    assert len(env.sink.posts) == 3
    assert len({p.key for p in env.sink.posts}) == 3
