"""Ticket actions from chat (comment, note, assign, resolve, reopen), their forms and the
assignment-group type-ahead, and `/snow identity`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from core import commands as c
from core.action_forms import action_form
from core.actions import (
    SUGGEST_MAX,
    ActionFormContext,
    FieldError,
    SubmitActionForm,
    SuggestGroups,
    action_from_inputs,
)
from core.handlers.context import RequestContext
from core.handlers.router import Handler, QuickHandler
from core.i18n import N_, _
from core.lookup import kind_of_number
from core.models import TicketKind
from core.outcomes import Outcome, Reply, ShowActionForm, Suggestions
from core.ticket_actions import IdentityModes, TicketActions, Who
from core.views import Notice, NoticeLevel

log = logging.getLogger(__name__)

#: A type-ahead is answered in the platform's acknowledgement (Slack waits 3 s for it):
#: ServiceNow gets this long, then the person sees no suggestions and can type on.
SUGGEST_SECONDS = 2.0

__all__ = ["TicketActionHandlers"]

_MODES = {
    "email": N_(
        "people who have not linked their ServiceNow account act through the "
        "integration user, matched by their chat email, with a work note naming them"
    ),
    "linked": N_(
        "only people who linked their ServiceNow account (/snow link) can change tickets from chat"
    ),
}


def _who(ctx: RequestContext) -> Who:
    """The person who asks: for a form, whoever submits it (never who opened it)."""
    return Who(ctx.workspace, ctx.actor, ctx.requester.display_name, ctx.requester.email)


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
            c.ActionForm: self.form,
            SubmitActionForm: self.submit,
            SuggestGroups: self.suggest,
            c.SetIdentity: self.identity,
        }

    def quick_routes(self) -> Mapping[type[Any], QuickHandler]:
        """A form with a missing or too long input is answered at once (its errors)."""
        return {SubmitActionForm: self.check}

    async def act(self, ctx: RequestContext, command: c.Command) -> Outcome:
        """Do the action as the asker; the ticket's cards update in place."""
        ticket, done = await self._actions.do(_who(ctx), command)
        return Reply(Notice(done, NoticeLevel.SUCCESS, link=ticket.url))

    async def form(self, ctx: RequestContext, command: c.ActionForm) -> Outcome:
        """The form of a card's action (or of a command typed without its text)."""
        context = ActionFormContext(
            command.number, command.action, ctx.channel.channel if ctx.channel else None
        )
        return ShowActionForm(await self._actions.form(_who(ctx), context))

    async def check(self, ctx: RequestContext, request: SubmitActionForm) -> Outcome | None:
        """The form again with its errors when an input is missing or too long (no
        ServiceNow needed to say so); None when it can go on."""
        try:
            action_from_inputs(request.context, request.values)
        except FieldError as exc:
            kind = kind_of_number(request.context.number) or TicketKind.INCIDENT
            errors = ((exc.field, exc.message),)
            return ShowActionForm(action_form(request.context, kind, "", errors=errors))
        return None

    async def submit(self, ctx: RequestContext, request: SubmitActionForm) -> Outcome:
        """A submitted form: the action, as whoever submitted it, or the form again with
        what to fix next to its field."""
        try:
            command = action_from_inputs(request.context, request.values)
        except FieldError as exc:
            form = await self._actions.form(_who(ctx), request.context, ((exc.field, exc.message),))
            return ShowActionForm(form)
        ticket, done = await self._actions.do(_who(ctx), command)
        # In place of the form, where the form sits in a conversation (a Teams card).
        return Reply(Notice(done, NoticeLevel.SUCCESS, link=ticket.url), replace=True)

    async def suggest(self, ctx: RequestContext, request: SuggestGroups) -> Outcome:
        """The assignment groups matching what was typed: (name, name), since a form
        submits the name and the action looks it up again."""
        try:
            async with asyncio.timeout(SUGGEST_SECONDS):
                groups = await self._actions.groups(ctx.workspace, request.query[:SUGGEST_MAX])
        except TimeoutError:
            log.info("assignment group search took over %.0f s: no suggestions", SUGGEST_SECONDS)
            return Suggestions(())
        return Suggestions(tuple((name, name) for _id, name in groups))

    async def identity(self, ctx: RequestContext, command: c.SetIdentity) -> Outcome:
        """Show or choose who acts for people who have not linked."""
        if command.mode:
            await self._modes.set(ctx.workspace, command.mode)
            text = _(
                "Identity mode {mode}: {what}.", mode=command.mode, what=_(_MODES[command.mode])
            )
            return Reply(Notice(text))
        mode = await self._modes.get(ctx.workspace)
        return Reply(
            Notice(
                _("Identity mode {mode}: {what}.", mode=mode, what=_(_MODES[mode])),
                hint=_("Change it with /snow identity linked|email."),
            )
        )
