"""Ticket actions from chat (comment, note, assign, resolve, reopen) and `/snow identity`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import commands as c
from core.handlers.context import RequestContext
from core.handlers.router import Handler
from core.outcomes import Outcome, Reply
from core.ticket_actions import IdentityModes, TicketActions, Who
from core.views import Notice, NoticeLevel

__all__ = ["TicketActionHandlers"]

_MODES = {
    "email": "people who have not linked their ServiceNow account act through the "
    "integration user, matched by their chat email, with a work note naming them",
    "linked": "only people who linked their ServiceNow account (/snow link) can change "
    "tickets from chat",
}


class TicketActionHandlers:
    """Working tickets from chat, as the person who asks."""

    def __init__(self, actions: TicketActions, modes: IdentityModes) -> None:
        self._actions = actions
        self._modes = modes

    def routes(self) -> Mapping[type[Any], Handler]:
        """The requests this group answers."""
        act = self.act
        return {
            c.AddNote: act,
            c.Assign: act,
            c.ResolveTicket: act,
            c.ReopenTicket: act,
            c.SetIdentity: self.identity,
        }

    async def act(self, ctx: RequestContext, command: c.Command) -> Outcome:
        """Do the action as the asker; the ticket's cards update in place."""
        who = Who(ctx.workspace, ctx.actor, ctx.requester.display_name, ctx.requester.email)
        ticket, done = await self._actions.do(who, command)
        return Reply(Notice(done, NoticeLevel.SUCCESS, link=ticket.url))

    async def identity(self, ctx: RequestContext, command: c.SetIdentity) -> Outcome:
        """Show or choose who acts for people who have not linked."""
        if command.mode:
            await self._modes.set(ctx.workspace, command.mode)
            return Reply(Notice(f"Identity mode {command.mode}: {_MODES[command.mode]}."))
        mode = await self._modes.get(ctx.workspace)
        return Reply(
            Notice(
                f"Identity mode {mode}: {_MODES[mode]}.",
                hint="Change it with /snow identity linked|email.",
            )
        )
