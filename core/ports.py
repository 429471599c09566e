"""The ChatSink port: what core needs from a chat platform to tell people things.

Other ports: the ticket system is :class:`core.gateway.TicketGateway`, storage roles are in
:mod:`core.storage`, time is :class:`core.clock.Clock`.

Every sink (Slack, Teams, the console) passes one contract suite
(``tests/contract/test_chat_sink.py``): a card is posted, updated in place and replied
to in its thread; a message tagged with a key is found again by that key, so a redo after
a lost answer posts nothing twice; a conversation the bot was removed from fails
permanently, with a hint; a conversation the bot cannot post in is said to be so by
``can_post``, with the fix, before anything is promised there (``/snow subscribe``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from core.models import CardLocation, ChannelRef
    from core.views import Notice, TicketCard

__all__ = ["ChatSink", "DeliveryError", "Reachability"]


class DeliveryError(Exception):
    """A chat platform refused a delivery.

    ``permanent`` failures (the bot was removed from the channel, the channel is gone) are
    parked with ``hint`` for admins instead of retried; others are retried, after
    ``retry_after`` seconds when the platform said so.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        hint: str = "",
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.hint = hint


@dataclass(frozen=True, slots=True)
class Reachability:
    """Whether SnowOps can post in a conversation.

    ``reachable`` is False only when the platform said so; then ``reason`` says why (one
    short clause) and ``fix`` how a person puts it right (invite the bot, add the app).
    When the platform cannot tell (a missing scope, an outage) it is True with ``known``
    False: a later failure is parked with its hint, as for any delivery.
    """

    reachable: bool
    reason: str = ""
    fix: str = ""
    known: bool = True

    @classmethod
    def yes(cls) -> Reachability:
        """The bot can post there."""
        return cls(True)

    @classmethod
    def unknown(cls, reason: str) -> Reachability:
        """The platform could not tell (``reason`` is for the log)."""
        return cls(True, reason=reason, known=False)

    @classmethod
    def no(cls, reason: str, fix: str) -> Reachability:
        """The bot cannot post there: ``reason``, and ``fix`` to put it right."""
        return cls(False, reason=reason, fix=fix)


class ChatSink(Protocol):
    """Where SnowOps speaks on one chat platform. Every method raises
    :class:`DeliveryError` when the platform refuses."""

    async def post_card(self, channel: ChannelRef, card: TicketCard) -> CardLocation:
        """Post a ticket card (in ``channel.thread`` when set); return where it is."""
        ...

    async def update_card(self, where: CardLocation, card: TicketCard) -> None:
        """Replace a posted card in place."""
        ...

    async def post(
        self, channel: ChannelRef, message: Notice, *, key: str, thread: str | None = None
    ) -> None:
        """Post a short message (in the thread of message ``thread`` when given), tagged
        with ``key`` where the platform can keep it, invisibly."""
        ...

    async def was_posted(self, channel: ChannelRef, key: str, *, thread: str | None = None) -> bool:
        """True if a message tagged ``key`` is there; False if not, or if it cannot tell
        (a rare double beats a lost message)."""
        ...

    async def direct(self, workspace: str, user: str) -> ChannelRef:
        """The private conversation between SnowOps and ``user`` (a platform user id)."""
        ...

    async def can_post(self, channel: ChannelRef) -> Reachability:
        """Whether SnowOps can post in ``channel`` now (asked before a subscription is
        saved). Never raises: when the platform cannot tell, it says reachable, unknown."""
        ...
