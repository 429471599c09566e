"""Notifier: ticket events → durable deliveries → chat, each exactly once per destination.

For every event, the ticket's cards are updated in place and get a short reply in their
thread, and every subscribed channel that does not hold a card gets one message. Each of
those is a delivery in the outbox with a deterministic id (``event|what|where``), so a change
seen twice is queued once, and a delivery that was done is never redone. The outbox is
worked at least once; every effect is idempotent (an update re-renders the ticket as it is
now), so at-least-once becomes exactly-once for users.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from core.clock import Clock
from core.models import CardLocation, ChannelRef, TicketEvent, TicketKind, workspace_platform
from core.ports import ChatSink, DeliveryError, RecallingSink
from core.servicenow.states import state_label
from core.store import codec
from core.store.port import OutboxItem, Store
from core.views import ticket_card

__all__ = ["Notifier"]

log = logging.getLogger(__name__)

#: Give up on a destination after this many failed attempts (it is parked, visible).
MAX_ATTEMPTS = 8
_LABELS_NS = "state_labels"


def _change_text(event: TicketEvent, names: Mapping[str, str], title: str) -> str:
    if event.change == "state":
        old = state_label(event.kind, event.old or "", names)
        new = state_label(event.kind, event.new or "", names)
        return f"{event.number} {title}: {old} → {new}"
    if event.change == "priority":
        return f"{event.number} {title}: priority {event.old} → {event.new}"
    author = f" from {event.author}" if event.author else ""
    return f"{event.number} {title}: new comment{author}: {(event.new or '')[:500]}"


class Notifier:
    """Queues deliveries for events, and carries them out through the platforms' sinks."""

    def __init__(self, store: Store, sinks: Mapping[str, ChatSink], clock: Clock) -> None:
        self._store = store
        self._sinks = sinks
        self._clock = clock
        #: Set whenever a new delivery is queued, so the delivery loop need not poll.
        self.queued = asyncio.Event()

    async def enqueue_all(self, events: list[TicketEvent]) -> int:
        """Queue the deliveries of several events (StatusSync's ``emit``)."""
        queued = 0
        for event in events:
            queued += await self.enqueue(event)
        return queued

    async def tell(self, channel: ChannelRef, text: str, delivery_id: str) -> bool:
        """Queue a plain message to a channel or person (an admin notice), once per id."""
        new = await self._store.outbox_put(
            delivery_id,
            {
                "do": "notice",
                "workspace": channel.workspace,
                "channel": codec.channel_to_doc(channel),
                "text": text,
            },
        )
        if new:
            self.queued.set()
        return new

    async def enqueue(self, event: TicketEvent) -> int:
        """Queue every delivery an event calls for; returns how many were new."""
        ticket = await self._store.get_ticket(event.workspace, event.number)
        if ticket is None:
            return 0
        cards = await self._store.list_card_locations(event.workspace, event.number)
        card_channels = {c.channel.channel for c in cards}
        queued = 0
        base = {"event": event.event_id, "workspace": event.workspace, "number": event.number}
        for where in cards:
            doc = codec.card_location_to_doc(where)
            spot = f"{where.channel.channel}|{where.message_id}"
            # One card update per ticket change is enough, whatever changed.
            update_id = f"{event.workspace}|{event.number}|{ticket.mod_count}|update|{spot}"
            queued += await self._store.outbox_put(
                update_id, {**base, "do": "update", "where": doc}
            )
            queued += await self._store.outbox_put(
                f"{event.event_id}|reply|{spot}",
                {**base, "do": "reply", "where": doc, "change": _event_doc(event)},
            )
        for sub in await self._store.list_subscriptions(event.workspace):
            if sub.channel.channel in card_channels:
                continue  # it already hears through the card's thread: never twice
            if not sub.wants(ticket.kind, ticket.priority):
                continue
            queued += await self._store.outbox_put(
                f"{event.event_id}|post|{sub.channel.channel}",
                {
                    **base,
                    "do": "post",
                    "channel": codec.channel_to_doc(sub.channel),
                    "change": _event_doc(event),
                },
            )
        if queued:
            self.queued.set()
        return queued

    async def deliver(self, consumer: str, limit: int = 20, lease: float = 60.0) -> int:
        """Work up to ``limit`` due deliveries; returns how many were done."""
        items = await self._store.outbox_claim(consumer, limit, lease, self._clock.now())
        done = 0
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
            await self._store.outbox_ack(item.delivery_id, consumer)
            done += 1
        return done

    async def _failed(self, item: OutboxItem, consumer: str, exc: DeliveryError) -> None:
        error = f"{exc} {exc.hint}".strip()
        if exc.permanent or item.attempts >= MAX_ATTEMPTS:
            log.warning("delivery %s parked: %s", item.delivery_id, error)
            await self._store.outbox_park(item.delivery_id, consumer, error)
            return
        wait = exc.retry_after if exc.retry_after is not None else min(300, 2**item.attempts)
        not_before = self._clock.now() + timedelta(seconds=math.ceil(wait))
        await self._store.outbox_retry(item.delivery_id, consumer, error, not_before)

    async def _carry_out(self, item: OutboxItem) -> None:
        p = item.payload
        workspace = p["workspace"]
        sink = self._sinks.get(workspace_platform(workspace))
        if sink is None:
            raise DeliveryError(f"no chat platform for {workspace}", permanent=True)
        if p["do"] == "notice":
            notice_to = codec.channel_from_doc(p["channel"])
            assert notice_to is not None
            await self._send(sink, item, notice_to, p["text"], None)
            return
        number = p["number"]
        ticket = await self._store.get_ticket(workspace, number)
        if ticket is None:
            return  # forgotten since: nothing to say
        names = await self._store.get_document(_LABELS_NS, f"{workspace}:{ticket.kind.value}")
        if p["do"] == "update":
            where = codec.card_location_from_doc(p["where"])
            await sink.update_card(where, ticket_card(ticket, names))
            return
        event = _event_from(p["change"], workspace, number)
        text = _change_text(event, names or {}, ticket.title)
        if p["do"] == "reply":
            where = codec.card_location_from_doc(p["where"])
            await self._send(sink, item, where.channel, text, where.message_id)
        else:
            channel = codec.channel_from_doc(p["channel"])
            assert channel is not None
            await self._send(sink, item, channel, f"{text}\n{ticket.url}", None)

    async def _send(
        self, sink: ChatSink, item: OutboxItem, to: ChannelRef, text: str, thread: str | None
    ) -> None:
        """Post once: tagged with the delivery id where the platform allows, and on a
        second attempt only if the first did not in fact go out."""
        key = item.delivery_id
        if isinstance(sink, RecallingSink):
            if item.attempts > 1 and await sink.was_sent(to, key, thread):
                log.info("delivery %s had gone out before: not posted again", key)
                return
            await sink.send_tagged(to, text, key, thread)
        elif thread is not None:
            await sink.reply(CardLocation(to, thread), text)
        else:
            await sink.post_text(to, text)


def _event_doc(event: TicketEvent) -> dict[str, Any]:
    return {
        "id": event.event_id,
        "kind": event.kind.value,
        "change": event.change,
        "old": event.old,
        "new": event.new,
        "at": event.at.isoformat(),
        "author": event.author,
    }


def _event_from(d: dict[str, Any], workspace: str, number: str) -> TicketEvent:
    return TicketEvent(
        event_id=d["id"],
        workspace=workspace,
        number=number,
        kind=TicketKind(d["kind"]),
        change=d["change"],
        old=d.get("old"),
        new=d.get("new"),
        at=datetime.fromisoformat(d["at"]),
        author=d.get("author"),
    )
