"""The console ChatSink: notifications become lines in a feed that terminals read.

A terminal has no message to edit in place, so card updates are only remembered (the next
``/snow ticket`` shows them) while thread replies and channel posts are announced. The feed
lives in the process that runs the Notifier; ``snowops chat`` prints from it directly, or
reads it over ``GET /console/events`` when attached to ``snowops dev``.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from dataclasses import dataclass

from core.connections import ConnectResult
from core.models import CardLocation, ChannelRef, workspace_platform
from core.views import TicketCard

__all__ = ["ConsoleSink", "FeedEntry"]

#: Lines kept for terminals that attach later or poll slowly.
FEED_SIZE = 500


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One announcement, numbered so a reader can ask for what came after."""

    seq: int
    text: str


class ConsoleSink:
    """Implements :class:`core.ports.ChatSink` for terminals; never refuses a delivery."""

    def __init__(self) -> None:
        self._feed: deque[FeedEntry] = deque(maxlen=FEED_SIZE)
        # Numbered from this start's clock, not from 1: a terminal still attached from
        # before a restart asks for "newer than N" and must not wait for the new feed to
        # catch up with its old number; card ids likewise stay unique across restarts.
        base = time.time_ns() // 1000
        self._seq = itertools.count(base)
        self._ids = itertools.count(base)
        self._changed = asyncio.Condition()
        self.cards: dict[str, TicketCard] = {}

    @property
    def last_seq(self) -> int:
        """The number of the newest entry (0 when none)."""
        return self._feed[-1].seq if self._feed else 0

    async def announce(self, text: str) -> None:
        """Add a line to the feed and wake every reader."""
        async with self._changed:
            self._feed.append(FeedEntry(next(self._seq), text))
            self._changed.notify_all()

    def since(self, after: int) -> list[FeedEntry]:
        """Entries newer than ``after``."""
        return [e for e in self._feed if e.seq > after]

    async def wait(self, after: int, seconds: float) -> list[FeedEntry]:
        """Entries newer than ``after``, waiting up to ``seconds`` for one."""
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self.last_seq > after), seconds
                )
            except TimeoutError:
                pass
        return self.since(after)

    async def post_card(self, channel: ChannelRef, card: TicketCard) -> CardLocation:
        """Remember the card (it was already shown to whoever created it)."""
        message_id = f"console-{next(self._ids)}"
        self.cards[message_id] = card
        return CardLocation(channel, message_id)

    async def update_card(self, where: CardLocation, card: TicketCard) -> None:
        """Keep the newest card; the reply that comes with it is what gets announced."""
        self.cards[where.message_id] = card

    async def reply(self, where: CardLocation, text: str) -> None:
        """Announce a change of a ticket this console created."""
        await self.announce(f"🔔 {text}")

    async def post_text(self, channel: ChannelRef, text: str) -> None:
        """Announce a subscription message."""
        await self.announce(f"🔔 {text}")

    async def connected(self, result: ConnectResult) -> None:
        """Tell the console how a `/snow connect` it started ended (the OAuth callback)."""
        origin = result.origin
        if origin is None or workspace_platform(origin.workspace) != "console":
            return
        conn = result.connection
        if conn is None:
            await self.announce("[!] Not connected: access was not allowed in ServiceNow.")
            return
        who = f" as {conn.connected_as}" if conn.connected_as else ""
        await self.announce(f"[ok] Connected to ServiceNow {conn.instance_url}{who}.")
        if result.warning:
            await self.announce(f"  hint: {result.warning}")
