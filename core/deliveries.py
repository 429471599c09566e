"""Deliveries: what the notifier has to do in chat, as typed values, and their queue.

The outbox backends keep a delivery as a JSON document; this module is the only place that
writes and reads that document (its ``do`` names the kind), so a delivery queued by one
version is carried out by the next.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.models import CardLocation, ChannelRef, TicketEvent, TicketKind
from core.storage import Doc, Outbox, OutboxItem
from core.store import codec

__all__ = [
    "AdminNotice",
    "CardUpdate",
    "ChannelPost",
    "Claimed",
    "Delivery",
    "DeliveryQueue",
    "ThreadReply",
    "decode",
    "destination",
    "encode",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CardUpdate:
    """Re-render a posted ticket card as the ticket is now."""

    workspace: str
    number: str
    where: CardLocation


@dataclass(frozen=True, slots=True)
class ThreadReply:
    """Say what changed, in the thread of a posted ticket card."""

    workspace: str
    number: str
    where: CardLocation
    event: TicketEvent


@dataclass(frozen=True, slots=True)
class ChannelPost:
    """Say what changed, in a subscribed channel that holds no card of the ticket."""

    workspace: str
    number: str
    channel: ChannelRef
    event: TicketEvent


@dataclass(frozen=True, slots=True)
class AdminNotice:
    """A plain message to a channel or a person (an admin told of a dead connection), with
    a link to open when there is one."""

    workspace: str
    channel: ChannelRef
    text: str
    link: str | None = None


Delivery = CardUpdate | ThreadReply | ChannelPost | AdminNotice


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery leased to a consumer; ``delivery`` is None when its document is unreadable."""

    delivery_id: str
    delivery: Delivery | None
    attempts: int
    last_error: str | None = None


def destination(delivery: Delivery) -> ChannelRef:
    """The conversation a delivery goes to."""
    match delivery:
        case CardUpdate(where=where) | ThreadReply(where=where):
            return where.channel
        case ChannelPost(channel=channel) | AdminNotice(channel=channel):
            return channel


def _event_doc(event: TicketEvent) -> Doc:
    return {
        "id": event.event_id,
        "kind": event.kind.value,
        "change": event.change,
        "old": event.old,
        "new": event.new,
        "at": event.at.isoformat(),
        "author": event.author,
    }


def _event(d: Doc, workspace: str, number: str) -> TicketEvent:
    return TicketEvent(
        event_id=str(d["id"]),
        workspace=workspace,
        number=number,
        kind=TicketKind(d["kind"]),
        change=str(d["change"]),
        old=d.get("old"),
        new=d.get("new"),
        at=datetime.fromisoformat(d["at"]),
        author=d.get("author"),
    )


def encode(delivery: Delivery) -> Doc:
    """The document a backend keeps for ``delivery``."""
    match delivery:
        case AdminNotice(workspace, channel, text, link):
            doc: Doc = {
                "do": "notice",
                "workspace": workspace,
                "channel": codec.channel_to_doc(channel),
                "text": text,
            }
            return doc if link is None else {**doc, "link": link}
        case CardUpdate(workspace, number, where):
            return {
                "do": "update",
                "workspace": workspace,
                "number": number,
                "where": codec.card_location_to_doc(where),
            }
        case ThreadReply(workspace, number, where, event):
            return {
                "do": "reply",
                "workspace": workspace,
                "number": number,
                "event": event.event_id,
                "where": codec.card_location_to_doc(where),
                "change": _event_doc(event),
            }
        case ChannelPost(workspace, number, channel, event):
            return {
                "do": "post",
                "workspace": workspace,
                "number": number,
                "event": event.event_id,
                "channel": codec.channel_to_doc(channel),
                "change": _event_doc(event),
            }


def decode(doc: Doc) -> Delivery:
    """The delivery a document holds; ``ValueError`` (or ``KeyError``) when it holds none."""
    do, workspace = doc["do"], str(doc["workspace"])
    if do == "notice":
        channel = codec.channel_from_doc(doc["channel"])
        if channel is None:
            raise ValueError("a notice without a channel")
        link = doc.get("link")
        return AdminNotice(workspace, channel, str(doc["text"]), str(link) if link else None)
    number = str(doc["number"])
    if do == "update":
        return CardUpdate(workspace, number, codec.card_location_from_doc(doc["where"]))
    event = _event(doc["change"], workspace, number)
    if do == "reply":
        return ThreadReply(workspace, number, codec.card_location_from_doc(doc["where"]), event)
    if do == "post":
        channel = codec.channel_from_doc(doc["channel"])
        if channel is None:
            raise ValueError("a post without a channel")
        return ChannelPost(workspace, number, channel, event)
    raise ValueError(f"unknown delivery {do!r}")


def _claimed(item: OutboxItem) -> Claimed:
    try:
        delivery: Delivery | None = decode(item.payload)
    except (KeyError, TypeError, ValueError, AttributeError):
        log.warning("delivery %s holds no readable delivery", item.delivery_id)
        delivery = None
    return Claimed(item.delivery_id, delivery, item.attempts, item.last_error)


def _workspace(item: OutboxItem) -> Any:
    return item.payload.get("workspace") if isinstance(item.payload, dict) else None


class DeliveryQueue:
    """The outbox in typed form (the lease rules are the backends', see core.storage)."""

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    async def put(self, delivery_id: str, delivery: Delivery) -> bool:
        """Queue a delivery once per id; True if it was new."""
        return await self._outbox.outbox_put(delivery_id, encode(delivery))

    async def put_many(self, deliveries: Sequence[tuple[str, Delivery]]) -> list[bool]:
        """Queue several deliveries in order (one store call), each once per id; True
        for each that was new."""
        return await self._outbox.outbox_put_many([(i, encode(d)) for i, d in deliveries])

    async def claim(
        self, consumer: str, limit: int, lease_seconds: float, now: datetime
    ) -> list[Claimed]:
        """Lease due deliveries to ``consumer``."""
        items = await self._outbox.outbox_claim(consumer, limit, lease_seconds, now)
        return [_claimed(i) for i in items]

    async def ack(self, delivery_id: str, consumer: str) -> bool:
        """Done: never again."""
        return await self._outbox.outbox_ack(delivery_id, consumer)

    async def ack_many(self, delivery_ids: Sequence[str], consumer: str) -> list[bool]:
        """Several done (one store call): never again."""
        return await self._outbox.outbox_ack_many(delivery_ids, consumer)

    async def retry(
        self, delivery_id: str, consumer: str, error: str, not_before: datetime
    ) -> bool:
        """Failed: again, no earlier than ``not_before``."""
        return await self._outbox.outbox_retry(delivery_id, consumer, error, not_before)

    async def park(self, delivery_id: str, consumer: str, error: str) -> bool:
        """Keeps failing: stop, keep it visible."""
        return await self._outbox.outbox_park(delivery_id, consumer, error)

    async def parked(self, workspace: str) -> list[Claimed]:
        """A workspace's deliveries that stopped after repeated failures, oldest first."""
        return [
            _claimed(i) for i in await self._outbox.outbox_parked() if _workspace(i) == workspace
        ]

    async def requeue(self, delivery_id: str) -> bool:
        """Try a parked delivery again, as if new."""
        return await self._outbox.outbox_requeue(delivery_id)

    async def forget_done(self, older_than: datetime) -> int:
        """Drop the records of deliveries done before ``older_than``."""
        return await self._outbox.outbox_forget_done(older_than)
