"""What the integration tests share: a chat platform that records what core posts, and
requests sent through core's router the way the chat adapters send them."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

from core.actions import FormContext, SubmitTicket
from core.handlers.context import RequestContext
from core.models import CardLocation, ChannelRef, RecommendationSource
from core.outcomes import Outcome, Reply, TicketMade
from core.ports import DeliveryError, Reachability
from core.views import Notice, TicketCard, View
from tests.conftest import App

__all__ = ["Posted", "RecordingSink", "made", "run", "submit"]


@dataclass(frozen=True, slots=True)
class Posted:
    """A message core posted through the sink."""

    channel: ChannelRef
    notice: Notice
    key: str
    thread: str | None = None


class RecordingSink:
    """A :class:`core.ports.ChatSink` that keeps what it is given, for a platform that is
    not configured in the test (core posts ticket cards and confirmations through it)."""

    def __init__(self) -> None:
        self.cards: dict[CardLocation, TicketCard] = {}
        self.posts: list[Posted] = []
        #: Channels it cannot post in (``can_post`` says so, with a fix).
        self.unreachable: set[str] = set()
        self._ids = itertools.count(1)

    async def post_card(self, channel: ChannelRef, card: TicketCard) -> CardLocation:
        """Keep the card under a new message id."""
        where = CardLocation(channel, f"M{next(self._ids)}")
        self.cards[where] = card
        return where

    async def update_card(self, where: CardLocation, card: TicketCard) -> None:
        """Replace a card posted before."""
        if where not in self.cards:
            raise DeliveryError(f"no message {where.message_id}", permanent=True)
        self.cards[where] = card

    async def post(
        self, channel: ChannelRef, message: Notice, *, key: str, thread: str | None = None
    ) -> None:
        """Keep the message with its key."""
        self.posts.append(Posted(channel, message, key, thread))

    async def was_posted(self, channel: ChannelRef, key: str, *, thread: str | None = None) -> bool:
        """True if a message tagged ``key`` was posted there."""
        return any(p.channel == channel and p.key == key and p.thread == thread for p in self.posts)

    async def direct(self, workspace: str, user: str) -> ChannelRef:
        """The direct conversation with ``user``."""
        return ChannelRef(workspace, f"D_{user}")

    async def can_post(self, channel: ChannelRef) -> Reachability:
        """Unreachable for the channels in :attr:`unreachable`."""
        if channel.channel in self.unreachable:
            return Reachability.no("SnowOps is not in this channel", "Invite SnowOps to it.")
        return Reachability.yes()

    def sent_to(self, channel: ChannelRef) -> list[Notice]:
        """The messages posted in ``channel``, oldest first."""
        return [p.notice for p in self.posts if p.channel == channel]


async def run(app: App, ctx: RequestContext, text: str) -> View:
    """``/snow <text>``, expecting a reply: the view it shows."""
    outcome = await app.services.router.handle_text(ctx, text)
    assert isinstance(outcome, Reply), outcome
    return outcome.view


async def submit(
    app: App,
    ctx: RequestContext,
    values: Mapping[str, str | None],
    *,
    source: RecommendationSource = RecommendationSource.USER,
    recommendation_id: str | None = None,
    recommendation_url: str | None = None,
    key: str | None = None,
) -> Outcome:
    """Submit the ticket form as the adapters do. Every call is a form shown afresh (its
    own submission id) unless ``key`` names the form submitted again."""
    context = FormContext(source, recommendation_id, recommendation_url)
    request = SubmitTicket(values, context, key or f"form:{context.sid}")
    return await app.services.router.handle(ctx, request)


def made(outcome: Outcome) -> TicketMade:
    """The outcome, which must be a ticket made (or found already made)."""
    assert isinstance(outcome, TicketMade), outcome
    return outcome
