"""The console ChatSink: notifications become lines in a feed that terminals read.

A terminal has no message to edit in place, so card updates are only remembered (the next
``/snow ticket`` shows them) while thread replies and channel posts are announced. The feed
lives in the process that runs the Notifier; ``snowops chat`` prints from it directly, or
reads it over ``GET /console/events`` when attached to ``snowops dev``. Every announcement
keeps its delivery key, so a redo after a lost answer finds it and announces nothing twice.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from dataclasses import dataclass

from adapters.console.render import clean, mark
from core.models import CardLocation, ChannelRef
from core.ports import Reachability
from core.views import Notice, NoticeLevel, TicketCard

__all__ = ["TERMINAL", "ConsoleSink", "FeedEntry"]

#: The console's one conversation.
TERMINAL = "terminal"

#: Lines kept for terminals that attach later or poll slowly.
FEED_SIZE = 500


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One announcement, numbered so a reader can ask for what came after."""

    seq: int
    text: str
    key: str = ""


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

    async def announce(self, text: str, key: str = "") -> None:
        """Add a line to the feed and wake every reader."""
        async with self._changed:
            self._feed.append(FeedEntry(next(self._seq), text, key))
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

    async def post(
        self, channel: ChannelRef, message: Notice, *, key: str, thread: str | None = None
    ) -> None:
        """Announce a change (of a ticket this console created, or a subscription's)."""
        # Said in the language the notifier speaks now (the workspace's).
        shown = "🔔" if message.level is NoticeLevel.INFO else mark(message.level)
        text = f"{shown} {message.text}"
        for extra in (message.hint, message.link):
            if extra:
                text += f"\n   {extra}"
        # It may quote ServiceNow text: no terminal control sequence reaches the screen.
        await self.announce(clean(text), key)

    async def was_posted(self, channel: ChannelRef, key: str, *, thread: str | None = None) -> bool:
        """True if an announcement tagged ``key`` is still in the feed (its newest
        ``FEED_SIZE`` lines: a redo comes within minutes). Untagged lines never match."""
        return bool(key) and any(e.key == key for e in self._feed)

    async def direct(self, workspace: str, user: str) -> ChannelRef:
        """The console has one conversation: the terminal."""
        return ChannelRef(workspace, TERMINAL)

    async def can_post(self, channel: ChannelRef) -> Reachability:
        """The terminal's feed always takes a line."""
        return Reachability.yes()
