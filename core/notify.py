"""Notifier: ticket events → durable deliveries → chat, each exactly once per destination.

For every event, the ticket's cards are updated in place and get a short reply in their
thread, and every subscribed channel that does not hold a card gets one message. Each of
those is a delivery in the outbox with a deterministic id (``event|what|where``), so a change
seen twice is queued once, and a delivery that was done is never redone. The outbox is
worked at least once; every effect is idempotent (an update re-renders the ticket as it is
now; a message is tagged with its delivery id and looked for before a second attempt), so
at-least-once becomes exactly-once for users.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from core.clock import Clock
from core.deliveries import (
    AdminNotice,
    CardUpdate,
    ChannelPost,
    Claimed,
    Delivery,
    DeliveryQueue,
    ThreadReply,
    destination,
)
from core.i18n import DEFAULT_LOCALE, _, use_locale
from core.languages import WorkspaceLanguage
from core.models import (
    CardLocation,
    ChannelRef,
    Subscription,
    Ticket,
    TicketEvent,
    workspace_platform,
)
from core.ports import ChatSink, DeliveryError
from core.repos.chat_journal import Echoes
from core.repos.delivery_health import DeliveryHealth
from core.repos.labels import StateNames
from core.servicenow.states import is_open, state_label
from core.storage import SubscriptionStore, TicketStore
from core.views import Notice, ticket_card

__all__ = ["MAX_ATTEMPTS", "SCORE_CHANGE", "Notifier", "change_text"]

log = logging.getLogger(__name__)

#: Give up on a destination after this many failed attempts (it is parked, visible).
MAX_ATTEMPTS = 8
#: Characters of a comment quoted in a notification.
_COMMENT_MAX = 500
#: The change of an event that says what Secure Score made of a resolved ticket.
SCORE_CHANGE = "securescore"

#: A ticket as stored (None if unknown) and the places its card was posted.
_Looked = tuple[Ticket | None, list[CardLocation]]
#: Queues direct messages for (event, ticket) pairs, given each workspace's language.
Personal = Callable[
    [list[tuple[TicketEvent, Ticket]], Callable[[str], Awaitable[str]]], Awaitable[int]
]


def change_text(event: TicketEvent, names: Mapping[str, str], title: str) -> str:
    """What a notification says about ``event`` (plain text: renderers escape it), in the
    current language."""
    number = event.number
    if event.change == "state":
        old = state_label(event.kind, event.old or "", names)
        new = state_label(event.kind, event.new or "", names)
        return f"{number} {title}: {old} → {new}"
    if event.change == "priority":
        return _(
            "{number} {title}: priority {old} → {new}",
            number=number,
            title=title,
            old=event.old,
            new=event.new,
        )
    if event.change == "created":
        kind = event.kind.label.lower()
        return _("New {kind} {number}: {title}", kind=kind, number=number, title=title)
    if event.change in (SCORE_CHANGE, "reminder", "overdue"):
        # Their text was written when the event was made (core.reminders, Secure Score).
        return f"{number} {title}: {event.new}"
    text = (event.new or "")[:_COMMENT_MAX]
    if event.author:
        return _(
            "{number} {title}: new comment from {author}: {text}",
            number=number,
            title=title,
            author=event.author,
            text=text,
        )
    return _("{number} {title}: new comment: {text}", number=number, title=title, text=text)


class Notifier:
    """Queues deliveries for events, and carries them out through the platforms' sinks."""

    def __init__(
        self,
        queue: DeliveryQueue,
        tickets: TicketStore,
        subscriptions: SubscriptionStore,
        names: StateNames,
        sinks: Mapping[str, ChatSink],
        clock: Clock,
        health: DeliveryHealth | None = None,
        echoes: Echoes | None = None,
        *,
        languages: WorkspaceLanguage | None = None,
    ) -> None:
        #: Each workspace's language: everything posted in chat is written in it.
        self.languages = languages
        self._echoes = echoes
        self._queue = queue
        self._health = health
        self._tickets = tickets
        self._subscriptions = subscriptions
        self._names = names
        self._sinks = sinks
        self._clock = clock
        #: Set whenever a new delivery is queued, so the delivery loop need not poll.
        self.queued = asyncio.Event()
        #: What a done ticket's card says besides its fields (the Secure Score check).
        self.card_note: Callable[[str, str], Awaitable[str]] | None = None
        #: Asked before a channel post is queued: True when it is held back for the
        #: channel's quiet hours or digest, to be queued later (core.scheduler).
        self.hold: Callable[[str, ChannelPost, int], Awaitable[bool]] | None = None
        #: Queues events' direct messages to their tickets' people, each in its
        #: workspace's language (core.personal).
        self.personal: Personal | None = None
        #: What an open ticket's card says besides its fields (overdue, core.reminders).
        self.open_note: Callable[[Ticket], str] | None = None
        #: Tickets as just stored by the sync batch whose events these are (so they are
        #: not read back): (workspace, number) → the ticket, or None when not known.
        self.known: Callable[[str, str], Ticket | None] | None = None

    async def language(self, workspace: str) -> str:
        """The language of ``workspace``'s channel messages (English when unknown)."""
        if self.languages is None:
            return DEFAULT_LOCALE
        return await self.languages.language(workspace)

    async def enqueue_all(self, events: list[TicketEvent]) -> int:
        """Queue the deliveries of several events (StatusSync's ``emit``): each
        workspace's subscriptions, and each ticket with its cards, read once for all."""
        stored = await self._stored([(e.workspace, e.number) for e in events])
        cards = await self._tickets.card_locations_across(list(stored))
        subs = await self._subscriptions.subscriptions_across([ws for ws, _ in stored])
        batch: list[tuple[str, Delivery]] = []
        told: list[tuple[TicketEvent, Ticket]] = []
        for event in events:
            ws, key = event.workspace, (event.workspace, event.number)
            ticket = stored.get(key)
            if ticket is None:
                continue
            batch += await self._deliveries(event, (ticket, cards.get(key, [])), subs.get(ws, []))
            told.append((event, ticket))
        # Every event's channel deliveries in one store call (one transaction, however
        # many connections a sync batch held), in the events' order; then direct messages.
        queued = await self._put_many(batch)
        return queued + await self._tell_people(told)

    async def _stored(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Ticket]:
        """The stored tickets of (workspace, number) ``pairs``: those the sync just stored
        as it handed them over, the rest read (one read)."""
        found: dict[tuple[str, str], Ticket] = {}
        if self.known is not None:
            for pair in pairs:
                ticket = self.known(*pair)
                if ticket is not None:
                    found[pair] = ticket
        missing = [p for p in dict.fromkeys(pairs) if p not in found]
        if missing:
            found |= await self._tickets.get_tickets_across(missing)
        return found

    async def _look(self, ws: str, number: str) -> _Looked:
        """A ticket as stored and the places its card was posted (none if unknown)."""
        ticket = await self._tickets.get_ticket(ws, number)
        if ticket is None:
            return None, []
        return ticket, await self._tickets.list_card_locations(ws, number)

    async def tell(
        self, channel: ChannelRef, text: str, delivery_id: str, link: str | None = None
    ) -> bool:
        """Queue a plain message to a channel or person (an admin notice), once per id."""
        return await self._put(delivery_id, AdminNotice(channel.workspace, channel, text, link))

    async def _put(self, delivery_id: str, delivery: Delivery) -> bool:
        new = await self._queue.put(delivery_id, delivery)
        if new:
            self.queued.set()
        return new

    async def _put_many(self, batch: list[tuple[str, Delivery]]) -> int:
        """Queue ``batch`` in one store call; how many were new."""
        new = sum(await self._queue.put_many(batch)) if batch else 0
        if new:
            self.queued.set()
        return new

    async def enqueue(self, event: TicketEvent) -> int:
        """Queue every delivery an event calls for; returns how many were new."""
        looked = await self._look(event.workspace, event.number)
        if looked[0] is None:
            return 0
        subs = await self._subscriptions.list_subscriptions(event.workspace)
        return await self._enqueue(event, looked, subs)

    async def _enqueue(
        self, event: TicketEvent, looked: _Looked, subscriptions: list[Subscription]
    ) -> int:
        """Queue an event's deliveries, its ticket, cards and subscriptions read already."""
        ticket = looked[0]
        if ticket is None:
            return 0
        queued = await self._put_many(await self._deliveries(event, looked, subscriptions))
        return queued + await self._tell_people([(event, ticket)])

    async def _deliveries(
        self, event: TicketEvent, looked: _Looked, subscriptions: list[Subscription]
    ) -> list[tuple[str, Delivery]]:
        """An event's card updates, thread replies and channel posts, in this order (to be
        queued together)."""
        ws, number = event.workspace, event.number
        ticket, cards = looked
        if ticket is None:
            return []
        batch: list[tuple[str, Delivery]] = []
        echo = await self._echo(event)
        for where in cards:
            spot = f"{where.channel.channel}|{where.message_id}"
            # One card update per ticket change is enough, whatever changed; a Secure
            # Score outcome or an overdue mark changes the card, not the ticket.
            marks = (SCORE_CHANGE, "overdue")
            version = event.event_id if event.change in marks else ticket.mod_count
            update_id = f"{ws}|{number}|{version}|update|{spot}"
            batch.append((update_id, CardUpdate(ws, number, where)))
            if echo == where.channel.channel:
                continue  # written from this card's thread: never echoed back into it
            reply = ThreadReply(ws, number, where, event)
            batch.append((f"{event.event_id}|reply|{spot}", reply))
        holding = {c.channel.channel for c in cards}
        for sub in subscriptions:
            if sub.channel.channel in holding:
                continue  # it already hears through the card's thread: never twice
            if not sub.wants(ticket.kind, ticket.priority):
                continue
            post = ChannelPost(ws, number, sub.channel, event)
            post_id = f"{event.event_id}|post|{sub.channel.channel}"
            if self.hold is not None and await self.hold(post_id, post, ticket.priority):
                continue  # kept for later, under the same id (core.scheduler)
            batch.append((post_id, post))
        return batch

    async def _tell_people(self, told: list[tuple[TicketEvent, Ticket]]) -> int:
        """Direct messages to the tickets' people who asked for them."""
        if self.personal is None or not told:
            return 0
        return await self.personal(told, self.language)

    async def _echo(self, event: TicketEvent) -> str | None:
        """The channel a comment was written from in chat (core/threads.py), if it was."""
        if self._echoes is None or event.change != "comment" or not event.new:
            return None
        return await self._echoes.take(event.workspace, event.number, event.new)

    async def deliver(self, consumer: str, limit: int = 20, lease: float = 60.0) -> int:
        """Work up to ``limit`` due deliveries; returns how many were done. Those done are
        acknowledged together when the round ends (one store call, not one per message):
        one whose acknowledgement is lost (the process stopped first) is claimed again
        once its lease runs out, and its message is looked for before it is posted again
        (:meth:`_send`), as after a post whose answer was lost."""
        items = await self._queue.claim(consumer, limit, lease, self._clock.now())
        done: list[str] = []
        try:
            await self._work(items, consumer, lease, done)
        except BaseException:  # stopping, or the store failing: the first error is told
            with contextlib.suppress(Exception):
                await self._queue.ack_many(done, consumer)
            raise
        await self._queue.ack_many(done, consumer)
        return len(done)

    async def _work(
        self, items: list[Claimed], consumer: str, lease: float, done: list[str]
    ) -> None:
        """Carry out ``items`` in turn; the ids of those done go to ``done``."""
        started = time.monotonic()
        for item in items:
            if time.monotonic() - started > lease / 2:
                # The rest could outlive their lease while this consumer still works on
                # them, and another would deliver them too: leave them to be claimed again.
                break
            try:
                # Done inside the lease, or not at all: past it, another consumer may have
                # taken the item, and both would post.
                async with asyncio.timeout(lease * 0.9 - (time.monotonic() - started)):
                    await self._carry_out(item)
            except TimeoutError:
                await self._failed(item, consumer, DeliveryError("the chat platform was too slow"))
                continue
            except DeliveryError as exc:
                await self._failed(item, consumer, exc)
                continue
            except Exception as exc:  # a bug must not stop the queue
                log.exception("delivery %s failed", item.delivery_id)
                await self._failed(item, consumer, DeliveryError(type(exc).__name__))
                continue
            done.append(item.delivery_id)
            await self._record(item, None)

    async def _record(self, item: Claimed, error: str | None) -> None:
        """Note how the delivery to its destination went (for `/snow status`)."""
        if self._health is None or item.delivery is None:
            return
        to = destination(item.delivery)
        try:
            if error is None:
                await self._health.delivered(to)
            else:
                await self._health.failed(to, error)
        except Exception:  # a status hint must never hold up a delivery
            log.warning("could not record the delivery health of %s", to.channel)

    async def _failed(self, item: Claimed, consumer: str, exc: DeliveryError) -> None:
        error = f"{exc} {exc.hint}".strip()
        await self._record(item, error)
        if exc.permanent or item.attempts >= MAX_ATTEMPTS:
            log.warning("delivery %s parked: %s", item.delivery_id, error)
            await self._queue.park(item.delivery_id, consumer, error)
            return
        wait = exc.retry_after if exc.retry_after is not None else min(300, 2**item.attempts)
        not_before = self._clock.now() + timedelta(seconds=math.ceil(wait))
        await self._queue.retry(item.delivery_id, consumer, error, not_before)

    async def _carry_out(self, item: Claimed) -> None:
        delivery = item.delivery
        if delivery is None:
            raise DeliveryError("the delivery could not be read", permanent=True)
        sink = self._sinks.get(workspace_platform(delivery.workspace))
        if sink is None:
            raise DeliveryError(f"no chat platform for {delivery.workspace}", permanent=True)
        # Cards and notifications are read by the whole channel: the workspace's language
        # (the renderers' own words too).
        with use_locale(await self.language(delivery.workspace)):
            await self._post(sink, item, delivery)

    async def _post(self, sink: ChatSink, item: Claimed, delivery: Delivery) -> None:
        """Carry out a notice, a card update, a thread reply or a channel post."""
        if isinstance(delivery, AdminNotice):
            notice = Notice(delivery.text, link=delivery.link)
            await self._send(sink, item, delivery.channel, notice, None)
            return
        ticket = await self._tickets.get_ticket(delivery.workspace, delivery.number)
        if ticket is None:
            return  # forgotten since: nothing to say
        names = await self._names.names(delivery.workspace, ticket.kind)
        match delivery:
            case CardUpdate(where=where):
                note = ""
                if self.card_note is not None and not is_open(ticket.kind, ticket.state):
                    note = await self.card_note(ticket.workspace, ticket.number)
                elif self.open_note is not None:
                    note = self.open_note(ticket)
                await sink.update_card(where, ticket_card(ticket, names, note))
            case ThreadReply(where=where, event=event):
                text = change_text(event, names, ticket.title)
                await self._send(sink, item, where.channel, Notice(text), where.message_id)
            case ChannelPost(channel=channel, event=event):
                text = change_text(event, names, ticket.title)
                notice = Notice(text, link=ticket.url)
                await self._send(sink, item, channel, notice, None)

    async def _send(
        self, sink: ChatSink, item: Claimed, to: ChannelRef, message: Notice, thread: str | None
    ) -> None:
        """Post once: tagged with the delivery id, and on a second attempt only if the
        first did not in fact go out. An admin notice is looked for even on its first: it
        may have been tried directly before it was queued (the connect confirmation)."""
        key = item.delivery_id
        again = item.attempts > 1 or isinstance(item.delivery, AdminNotice)
        if again and await sink.was_posted(to, key, thread=thread):
            log.info("delivery %s had gone out before: not posted again", key)
            return
        await sink.post(to, message, key=key, thread=thread)
