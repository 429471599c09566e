"""Looking tickets up: ``/snow ticket <number>``, ``/snow lookup any|own`` and link
previews, all under the workspace's look-up rule (:mod:`core.lookup`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from core import commands as c
from core.gateway import TicketGateway
from core.handlers.context import RequestContext
from core.handlers.router import Handler
from core.i18n import N_, _
from core.lookup import ANY, LookupPolicy, is_own
from core.models import Ticket
from core.outcomes import Outcome, Previews, Reply
from core.previews import MAX_PREVIEWS, PreviewLinks, TicketPreview, TicketRef, ticket_ref
from core.repos.labels import StateNames
from core.servicenow.errors import ServiceNowError
from core.storage import AuditLog, ConnectionStore
from core.tickets import TicketService
from core.views import Notice, NoticeLevel, ticket_card

__all__ = ["LookupHandlers"]

log = logging.getLogger(__name__)

_FOREIGN = N_(
    "Not made by SnowOps: shown because this workspace lets anyone look up any ticket "
    "(/snow lookup any). Work on it in ServiceNow."
)
_MODES = {
    ANY: N_("any ticket SnowOps's ServiceNow connection can read"),
    "own": N_("only tickets made from this workspace"),
}


class LookupHandlers:
    """One ticket by number, the look-up rule, and previews of linked tickets."""

    def __init__(
        self,
        tickets: TicketService,
        gateway: TicketGateway,
        names: StateNames,
        policy: LookupPolicy,
        connections: ConnectionStore,
        audit: AuditLog,
    ) -> None:
        self._tickets = tickets
        self._gateway = gateway
        self._names = names
        self._policy = policy
        self._connections = connections
        self._audit = audit

    def routes(self) -> Mapping[type[Any], Handler]:
        """The requests this group answers."""
        return {c.ShowTicket: self.show, c.Lookup: self.lookup, PreviewLinks: self.preview}

    async def show(self, ctx: RequestContext, command: c.ShowTicket) -> Outcome:
        """One ticket with its recent history: this workspace's, or any readable one when
        the workspace allows it (then without the buttons that work on SnowOps's tickets)."""
        any_ticket = await self._policy.any_ticket(ctx.workspace)
        detail = await self._tickets.get(ctx.workspace, command.number, any_ticket=any_ticket)
        ticket = detail.ticket
        names = await self._names.names(ctx.workspace, ticket.kind)
        if is_own(ticket, ctx.workspace):
            return Reply(ticket_card(ticket, names, detail.note, ctx.zone), replace=True)
        note = " ".join(n for n in (_(_FOREIGN), detail.note) if n)
        card = ticket_card(ticket, names, note, ctx.zone)
        # Open in ServiceNow and Refresh only: the actions are for tickets SnowOps tracks.
        return Reply(replace(card, buttons=(card.buttons[0], card.buttons[-1])), replace=True)

    async def lookup(self, ctx: RequestContext, command: c.Lookup) -> Outcome:
        """Show or set which tickets may be looked up here."""
        if not command.mode:
            mode = await self._policy.mode(ctx.workspace)
            return Reply(
                Notice(
                    _(
                        "/snow ticket and link previews show {what} (lookup {mode}).",
                        what=_(_MODES[mode]),
                        mode=mode,
                    ),
                    hint=_("Change it with /snow lookup any or /snow lookup own."),
                )
            )
        await self._policy.set_mode(ctx.workspace, command.mode)
        await self._audit.audit(ctx.workspace, ctx.actor, "lookup.set", {"mode": command.mode})
        return Reply(
            Notice(
                _(
                    "/snow ticket and link previews now show {what}.",
                    what=_(_MODES[command.mode]),
                ),
                NoticeLevel.SUCCESS,
            )
        )

    async def preview(self, ctx: RequestContext, request: PreviewLinks) -> Outcome:
        """Previews of the linked tickets that may be shown here; the rest get none."""
        conn = await self._connections.get_connection(ctx.workspace)
        if conn is None:
            return Previews(())
        refs = [r for r in (ticket_ref(link, conn.instance_url) for link in request.links) if r]
        any_ticket = await self._policy.any_ticket(ctx.workspace)
        previews: list[TicketPreview] = []
        for ref in refs[:MAX_PREVIEWS]:
            ticket = await self._find(ctx.workspace, ref)
            if ticket is not None and (any_ticket or is_own(ticket, ctx.workspace)):
                previews.append(await self._preview(ctx, ref.link, ticket))
        return Previews(tuple(previews))

    async def _find(self, workspace: str, ref: TicketRef) -> Ticket | None:
        try:
            return await self._gateway.find_any(
                workspace, ref.kind, number=ref.number, sys_id=ref.sys_id
            )
        except ServiceNowError as exc:
            # No preview is the answer: a link stays a link when ServiceNow does not answer.
            log.info("no preview of a %s link: %s", ref.kind.value, exc.message)
            return None

    async def _preview(self, ctx: RequestContext, link: str, ticket: Ticket) -> TicketPreview:
        card = ticket_card(
            ticket, await self._names.names(ctx.workspace, ticket.kind), zone=ctx.zone
        )
        return TicketPreview(
            link=link,
            number=card.number,
            title=card.title,
            url=card.url,
            kind=ticket.kind,
            state=card.state,
            priority=card.priority,
            due=card.due,
        )
