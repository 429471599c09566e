"""`/snow threads`, thread replies that become journal entries, and change approvals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import commands as c
from core.actions import ThreadPost
from core.approvals import Approvals
from core.handlers.context import RequestContext
from core.handlers.router import Handler
from core.i18n import N_, _
from core.outcomes import AskReason, Audience, Ignored, Marked, Outcome, Reply
from core.repos.labels import StateNames
from core.threads import ThreadJournal, ThreadModes
from core.ticket_actions import Who
from core.views import Notice, NoticeLevel, ticket_card

__all__ = ["ApprovalHandlers", "ThreadHandlers"]

_MODES = {
    "off": N_("replies under ticket cards in this channel stay in chat"),
    "comments": N_(
        "replies under ticket cards in this channel are added to the ticket as "
        "comments, which the ticket's caller sees"
    ),
    "work_notes": N_(
        "replies under ticket cards in this channel are added to the ticket as "
        "work notes, for the service desk only"
    ),
}


def _who(ctx: RequestContext) -> Who:
    return Who(ctx.workspace, ctx.actor, ctx.requester.display_name, ctx.requester.email)


class ThreadHandlers:
    """What a channel's card threads send to ServiceNow."""

    def __init__(self, journal: ThreadJournal, modes: ThreadModes) -> None:
        self._journal = journal
        self._modes = modes

    def routes(self) -> Mapping[type[Any], Handler]:
        """The requests this group answers."""
        return {c.SetThreads: self.threads, ThreadPost: self.post}

    async def threads(self, ctx: RequestContext, command: c.SetThreads) -> Outcome:
        """Show or choose this channel's mode."""
        if ctx.channel is None:
            return Reply(
                Notice(_("Run /snow threads in the channel it is for."), NoticeLevel.WARNING)
            )
        channel = ctx.channel.channel
        if command.mode:
            await self._modes.set(ctx.workspace, channel, command.mode)
            return Reply(
                Notice(
                    _("Threads {mode}: {what}.", mode=command.mode, what=_(_MODES[command.mode])),
                    NoticeLevel.SUCCESS,
                ),
                audience=Audience.CONVERSATION,
            )
        mode = await self._modes.get(ctx.workspace, channel)
        return Reply(
            Notice(
                _("Threads {mode}: {what}.", mode=mode, what=_(_MODES[mode])),
                hint=_("Change it with /snow threads comments|work_notes|off."),
            )
        )

    async def post(self, ctx: RequestContext, post: ThreadPost) -> Outcome:
        """A reply in a thread: to ServiceNow when it is under a ticket card in a channel
        that asks for it; marked when it went."""
        written = await self._journal.reply(_who(ctx), post.channel, post.thread, post.text)
        if written is None:
            return Ignored()
        text = (
            _("Added to {number} as a work note.", number=written.number)
            if written.work_note
            else _("Added to {number} as a comment.", number=written.number)
        )
        return Marked(Notice(text, NoticeLevel.SUCCESS))


class ApprovalHandlers:
    """Approve and Reject, as the approver."""

    def __init__(self, approvals: Approvals, names: StateNames) -> None:
        self._approvals = approvals
        self._names = names

    def routes(self) -> Mapping[type[Any], Handler]:
        """The requests this group answers."""
        return {c.Approve: self.approve, c.Reject: self.reject}

    async def approve(self, ctx: RequestContext, command: c.Approve) -> Outcome:
        """Approve: the approval request becomes the change's card as it is now."""
        return await self._decide(ctx, command.number, command.approval, None)

    async def reject(self, ctx: RequestContext, command: c.Reject) -> Outcome:
        """Reject, with a reason (asked for when there is none)."""
        reason = command.reason.strip()
        if not reason:
            return AskReason(
                _("Reject {number}", number=command.number),
                _(
                    "Why do you reject {number}? Your reason goes to ServiceNow with the "
                    "rejection, for the change's requester to read.",
                    number=command.number,
                ),
                command,
            )
        return await self._decide(ctx, command.number, command.approval, reason)

    async def _decide(
        self, ctx: RequestContext, number: str, approval: str, reason: str | None
    ) -> Outcome:
        ticket, done = await self._approvals.decide(
            ctx.workspace, ctx.actor, number, approval, reason
        )
        names = await self._names.names(ctx.workspace, ticket.kind)
        return Reply(ticket_card(ticket, names, note=done), replace=True)
