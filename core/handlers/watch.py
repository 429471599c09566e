"""A channel watches a ServiceNow filter, lists its filters, or stops (:mod:`core.watch`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import commands as c
from core.clock import Clock
from core.gateway import TicketGateway
from core.handlers.context import RequestContext
from core.handlers.failures import failure_notice
from core.handlers.reach import unreachable
from core.handlers.router import Handler
from core.i18n import _
from core.models import ChannelRef
from core.outcomes import Audience, Outcome, Reply
from core.ports import ChatSink
from core.storage import AuditLog
from core.views import Notice, NoticeLevel
from core.watch import MAX_WATCHES, QueryWatch, QueryWatches

__all__ = ["WatchHandlers"]


def _line(n: int, watch: QueryWatch) -> str:
    return f"{n}. {watch.kind.value}: {watch.shown()}"


class WatchHandlers:
    """``/snow subscribe query …`` and ``/snow unsubscribe query …`` in a channel."""

    def __init__(
        self,
        watches: QueryWatches,
        gateway: TicketGateway,
        audit: AuditLog,
        clock: Clock,
        sinks: Mapping[str, ChatSink] | None = None,
    ) -> None:
        self._watches = watches
        self._gateway = gateway
        self._audit = audit
        self._clock = clock
        self._sinks = sinks or {}

    def routes(self) -> Mapping[type[Any], Handler]:
        """The requests this group answers."""
        return {c.WatchQuery: self.watch, c.ShowWatches: self.show, c.Unwatch: self.unwatch}

    async def watch(self, ctx: RequestContext, command: c.WatchQuery) -> Outcome:
        """Watch a filter here, once ServiceNow has answered it (a bad table or no
        connection is said now, not at the first poll)."""
        if ctx.channel is None:
            return Reply(Notice(_("Watch a filter from inside the channel."), NoticeLevel.WARNING))
        channel = ChannelRef(ctx.channel.workspace, ctx.channel.channel)
        mine = await self._watches.of_channel(channel)
        if any(w.kind is command.kind and w.query == command.query for w in mine):
            return Reply(Notice(_("This channel already watches that filter.")))
        if len(mine) >= MAX_WATCHES:
            return Reply(
                Notice(
                    _("A channel can watch {n} filters at most.", n=MAX_WATCHES),
                    NoticeLevel.WARNING,
                    hint=_("Stop one first: /snow unsubscribe query <n>."),
                )
            )
        refusal = await self._unreachable(channel)
        if refusal is not None:
            return refusal
        now = self._clock.now()
        try:
            tried = await self._gateway.matching(
                ctx.workspace, command.kind, command.query, now, limit=1
            )
        except Exception as exc:
            return Reply(failure_notice(exc, "subscribe query"))
        # From now on by the instance's own clock: records are stamped by it.
        since = (tried.server_time or now).replace(microsecond=0)
        watch = await self._watches.add(channel, command.kind, command.query, since)
        await self._audit.audit(
            ctx.workspace,
            ctx.actor,
            "watch.add",
            {"channel": channel.channel, "kind": command.kind.value, "query": command.query},
        )
        text = _(
            "This channel will hear of new and changed {kind} records matching “{query}”, "
            "whoever made them.",
            kind=command.kind.value,
            query=watch.shown(),
        )
        hint = _("Its filters: /snow subscribe query. Stop: /snow unsubscribe query.")
        return Reply(Notice(text, NoticeLevel.SUCCESS, hint=hint), Audience.CONVERSATION)

    async def show(self, ctx: RequestContext, _command: c.ShowWatches) -> Outcome:
        """The channel's filters, numbered."""
        if ctx.channel is None:
            return Reply(Notice(_("Ask from inside the channel.")))
        mine = await self._watches.of_channel(ctx.channel)
        if not mine:
            return Reply(
                Notice(
                    _("This channel watches no ServiceNow filter."),
                    hint=_('A channel admin adds one: /snow subscribe query incident "priority=1"'),
                )
            )
        lines = "\n".join(_line(n, w) for n, w in enumerate(mine, start=1))
        text = _("Filters this channel watches:") + "\n" + lines
        return Reply(Notice(text, hint=_("Stop one: /snow unsubscribe query <n>.")))

    async def unwatch(self, ctx: RequestContext, command: c.Unwatch) -> Outcome:
        """Stop watching one filter here, or all of them."""
        if ctx.channel is None:
            return Reply(Notice(_("Ask from inside the channel.")))
        gone = await self._watches.remove(ctx.channel, command.number)
        if not gone:
            if command.number:
                text = _(
                    "This channel has no filter {n}: /snow subscribe query lists them.",
                    n=command.number,
                )
                return Reply(Notice(text, NoticeLevel.WARNING))
            return Reply(Notice(_("This channel watches no ServiceNow filter.")))
        for watch in gone:
            await self._audit.audit(
                ctx.workspace,
                ctx.actor,
                "watch.remove",
                {"channel": watch.channel.channel, "query": watch.query},
            )
        text = (
            _("This channel no longer watches “{query}”.", query=gone[0].shown())
            if len(gone) == 1
            else _("This channel no longer watches its {n} filters.", n=len(gone))
        )
        return Reply(Notice(text, NoticeLevel.SUCCESS))

    async def _unreachable(self, channel: ChannelRef) -> Reply | None:
        reach = await unreachable(self._sinks, channel)
        if reach is None:
            return None
        text = _(
            "This channel cannot watch a filter: {reason}, so SnowOps could not post here.",
            reason=reach.reason,
        )
        return Reply(Notice(text, NoticeLevel.WARNING, hint=reach.fix))
