"""Digests and quiet hours: per subscribed channel, is a post sent now, held, or folded
into a digest?

The notifier asks :meth:`ChannelScheduler.hold` before it queues a channel post. A held post
is kept (with the delivery id it would have had) until quiet hours end or its digest period
closes; :meth:`ChannelScheduler.tick`, run by a timer loop on every replica, then queues it
under that same id, or queues the period's one summary under an id made of the channel and
the period. The outbox takes an id once, so replicas that tick together, or a replica that
ticks again after a restart, deliver each held post and each digest exactly once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.clock import Clock
from core.deliveries import AdminNotice, ChannelPost, DeliveryQueue
from core.digest_text import CREATED, digest_text
from core.i18n import DEFAULT_LOCALE, use_locale
from core.models import ChannelRef, TicketEvent
from core.repos.labels import StateNames
from core.repos.schedules import DIGEST, QUIET, ChannelSchedules, Held, HeldPosts
from core.schedules import URGENT, digest_period, quiet_until, zone_info
from core.storage import SubscriptionStore, TicketStore

__all__ = ["DIGEST_GRACE", "ChannelScheduler"]

log = logging.getLogger(__name__)

#: A digest is sent this long after its period ends, so an event seen in the period's last
#: moments is in it (its hold was written before the summary is read).
DIGEST_GRACE = timedelta(seconds=60)


class ChannelScheduler:
    """Holds channel posts for quiet hours and digests, and releases them when due."""

    def __init__(
        self,
        schedules: ChannelSchedules,
        held: HeldPosts,
        queue: DeliveryQueue,
        tickets: TicketStore,
        names: StateNames,
        clock: Clock,
        subscriptions: SubscriptionStore,
    ) -> None:
        self._subscriptions = subscriptions
        self._schedules = schedules
        self._held = held
        self._queue = queue
        self._tickets = tickets
        self._names = names
        self._clock = clock
        #: A workspace's language, which its digests are written in (the notifier's).
        self.language: Callable[[str], Awaitable[str]] | None = None

    async def hold(self, delivery_id: str, post: ChannelPost, priority: int) -> bool:
        """Keep ``post`` back if its channel wants a digest or is quiet (and the ticket is
        not urgent); True when it was kept, False when it is to be posted now."""
        schedule = await self._schedules.get(post.channel)
        if schedule.empty:
            return False
        now = self._clock.now()
        if schedule.digest:
            start, end = digest_period(schedule, now)
            await self._held.hold(delivery_id, post, end, DIGEST, start.isoformat())
            return True
        until = quiet_until(schedule, now)
        if until is None or priority <= URGENT:
            return False
        await self._held.hold(delivery_id, post, until, QUIET)
        return True

    async def created(self, workspace: str, number: str) -> None:
        """A ticket was made: every subscribed channel that wants it hears so once (one
        that takes a digest lists it under *Created*), except the channel it was made in,
        which gets its card. Never raises: the ticket exists."""
        try:
            ticket = await self._tickets.get_ticket(workspace, number)
            if ticket is None:
                return
            event = TicketEvent(
                f"{workspace}|{number}|created", workspace, number, ticket.kind, CREATED,
                None, "created", self._clock.now(),
            )  # fmt: skip
            origin = ticket.origin.channel if ticket.origin else None
            for sub in await self._subscriptions.list_subscriptions(workspace):
                if not sub.wants(ticket.kind, ticket.priority):
                    continue
                post = ChannelPost(workspace, number, sub.channel, event)
                post_id = f"{event.event_id}|post|{sub.channel.channel}"
                if (await self._schedules.get(sub.channel)).digest:
                    await self.hold(post_id, post, 5)
                elif sub.channel.channel != origin and not await self.hold(
                    post_id, post, ticket.priority
                ):
                    await self._queue.put(post_id, post)
        except Exception as exc:
            log.warning("%s not kept for digests: %s", number, type(exc).__name__)

    async def tick(self, workspace: str) -> int:
        """Queue what has come due in ``workspace``: held posts whose quiet hours ended, and
        digests of periods that closed. Returns how many deliveries were new."""
        now = self._clock.now()
        due = [h for h in await self._held.all(workspace) if h.due <= now]
        queued = 0
        digests: dict[tuple[str, str], list[Held]] = defaultdict(list)
        for held in due:
            if held.why == DIGEST:
                if held.due + DIGEST_GRACE <= now:
                    digests[(held.post.channel.channel, held.period)].append(held)
                continue
            # Queued under the id it would have had: if it went out already, not again.
            queued += await self._queue.put(held.delivery_id, held.post)
            await self._held.release(held, now)
        for (channel, period), items in sorted(digests.items()):
            queued += await self._send_digest(ChannelRef(workspace, channel), period, items, now)
        if now.minute == 0:  # about hourly is often enough
            await self._held.forget_released(workspace, now)
        return queued

    async def _send_digest(
        self, channel: ChannelRef, period: str, items: list[Held], now: datetime
    ) -> int:
        schedule = await self._schedules.get(channel)
        zone = zone_info(schedule.zone) or ZoneInfo("UTC")
        start = datetime.fromisoformat(period)
        lang = await self.language(channel.workspace) if self.language else DEFAULT_LOCALE
        with use_locale(lang):
            text = await digest_text(
                [h.post.event for h in items], start, items[0].due, zone, self._tickets, self._names
            )
        notice = AdminNotice(channel.workspace, channel, text)
        digest_id = f"digest|{channel.workspace}|{channel.channel}|{period}"
        new = await self._queue.put(digest_id, notice)
        for held in items:
            await self._held.release(held, now)
        if new:
            log.info("digest of %s for %s queued (%d events)", channel.channel, period, len(items))
        return int(new)
