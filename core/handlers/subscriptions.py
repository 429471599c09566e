"""Subscription requests: a channel asks to hear about tickets, or stops.

A channel SnowOps cannot post in (a private Slack channel without the bot, a Teams channel
without the app) is refused at once, with the fix, instead of being subscribed and then
filling the outbox with parked notifications: the platform's ChatSink says (``can_post``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import commands as c
from core.handlers.context import RequestContext
from core.handlers.reach import unreachable
from core.handlers.router import Handler
from core.i18n import _
from core.models import ChannelRef, Subscription, TicketKind
from core.outcomes import Audience, Outcome, Reply
from core.ports import ChatSink
from core.storage import AuditLog, SubscriptionStore
from core.views import Notice, NoticeLevel
from core.watch import QueryWatches

__all__ = ["SubscriptionHandlers"]


def _levels(kind: TicketKind, level: int) -> str:
    """ "incidents of priority 1–3": what a channel hears of one kind."""
    if kind is TicketKind.INCIDENT:
        if level >= 5:
            return _("incidents of any priority")
        return _("incidents of priority 1–{level}", level=level)
    if level >= 5:
        return _("changes of any priority")
    return _("changes of priority 1–{level}", level=level)


class SubscriptionHandlers:
    """Subscribe and unsubscribe the channel a command was typed in."""

    def __init__(
        self,
        subscriptions: SubscriptionStore,
        audit: AuditLog,
        sinks: Mapping[str, ChatSink] | None = None,
        watches: QueryWatches | None = None,
    ) -> None:
        self._watches = watches
        self._subscriptions = subscriptions
        self._audit = audit
        self._sinks = sinks or {}

    def routes(self) -> Mapping[type[Any], Handler]:
        """The requests this group answers."""
        return {c.Subscribe: self.subscribe, c.Unsubscribe: self.unsubscribe}

    async def subscribe(self, ctx: RequestContext, command: c.Subscribe) -> Outcome:
        """Follow tickets here; overlapping subscriptions merge per kind, never doubling."""
        if ctx.channel is None:
            return Reply(Notice(_("Subscribe from inside the channel."), NoticeLevel.WARNING))
        channel = ChannelRef(ctx.channel.workspace, ctx.channel.channel)
        refusal = await self._unreachable(channel)
        if refusal is not None:
            await self._audit.audit(
                ctx.workspace, ctx.actor, "subscription.refused", {"channel": channel.channel}
            )
            return refusal
        wanted = Subscription(channel, tuple((k, command.max_priority) for k in command.kinds))
        current = await self._subscriptions.list_subscriptions(ctx.workspace)
        mine = next((s for s in current if s.channel.channel == channel.channel), None)
        merged = wanted if mine is None else mine.merged(wanted)
        await self._subscriptions.save_subscription(merged)
        await self._audit.audit(
            ctx.workspace,
            ctx.actor,
            "subscription.save",
            {"channel": channel.channel, "levels": {k.value: n for k, n in merged.levels}},
        )
        parts = [_levels(kind, level) for kind, level in merged.levels]
        return Reply(
            Notice(
                _("This channel will hear about {what}.", what=_(" and ").join(parts)),
                NoticeLevel.SUCCESS,
                hint=_("To narrow it, /snow unsubscribe and subscribe again."),
            ),
            Audience.CONVERSATION,
        )

    async def _unreachable(self, channel: ChannelRef) -> Reply | None:
        """A refusal with the fix when SnowOps cannot post in ``channel``, else None."""
        reach = await unreachable(self._sinks, channel)
        if reach is None:
            return None
        text = _(
            "This channel cannot be subscribed: {reason}, so SnowOps could not post here.",
            reason=reach.reason,
        )
        return Reply(Notice(text, NoticeLevel.WARNING, hint=reach.fix))

    async def unsubscribe(self, ctx: RequestContext, command: c.Unsubscribe) -> Outcome:
        """Stop notifying this channel."""
        if ctx.channel is None:
            return Reply(Notice(_("Unsubscribe from inside the channel."), NoticeLevel.WARNING))
        gone = await self._subscriptions.delete_subscription(ctx.channel)
        # Silence means silence: the channel's ServiceNow filters stop too.
        if self._watches is not None and await self._watches.remove(ctx.channel):
            gone = True
        if gone:
            await self._audit.audit(
                ctx.workspace, ctx.actor, "subscription.delete", {"channel": ctx.channel.channel}
            )
        return Reply(
            Notice(
                _("This channel will no longer get ticket notifications.")
                if gone
                else _("This channel had no subscription.")
            )
        )
