"""Ticket requests: the form (open and submit), lists (one ticket: :mod:`.lookup`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from core import commands as c
from core.actions import ShareMessage, SubmitTicket
from core.clock import Clock
from core.errors import InProgressError, UsageError
from core.form_fit import FormFit
from core.forms import (
    DESCRIPTION_MAX,
    NAME_MAX,
    TicketFormView,
    form_again,
    validate_ticket_form,
)
from core.gateway import TicketGateway
from core.grammar import MAX_PAGE
from core.handlers.can_create import cannot_create
from core.handlers.context import RequestContext
from core.handlers.failures import failure_notice
from core.handlers.router import Handler, QuickHandler
from core.i18n import _, use_locale
from core.kinds import check_offered, form_kinds, not_offered
from core.models import Ticket, TicketKind, TicketRequest
from core.outcomes import Outcome, Reply, ShowForm, StillWorking, TicketMade
from core.ports import DeliveryError
from core.publisher import CardPublisher
from core.repos.labels import StateNames
from core.servicenow.mapping import correlation_prefix
from core.servicenow.states import default_states, is_open
from core.storage import ConnectionStore
from core.tickets import TicketService, UnrecordedTicket
from core.views import Button, Notice, NoticeLevel, TicketCard, TicketListView, ticket_card

__all__ = ["PAGE_SIZE", "TICKETS_MAX_AGE", "TicketHandlers", "servicenow_list_url"]

log = logging.getLogger(__name__)

PAGE_SIZE = 10
#: A ticket list is refreshed from the ticket system at most this often per workspace.
TICKETS_MAX_AGE = 15.0


def servicenow_list_url(instance_url: str, workspace: str, kind: TicketKind | None) -> str:
    """The list of this workspace's tickets in ServiceNow's own UI."""
    table = kind.table if kind else "task"  # task holds incidents and changes alike
    query = quote(f"correlation_idSTARTSWITH{correlation_prefix(workspace)}", safe="")
    return f"{instance_url}/{table}_list.do?sysparm_query={query}"


def _list_title(kind: TicketKind | None, open_only: bool) -> str:
    """ "Open incidents", "Changes", "Tickets"…"""
    if kind is TicketKind.INCIDENT:
        return _("Open incidents") if open_only else _("Incidents")
    if kind is TicketKind.CHANGE:
        return _("Open changes") if open_only else _("Changes")
    if kind is TicketKind.PROBLEM:
        return _("Open problems") if open_only else _("Problems")
    if kind is TicketKind.SECURITY:
        return _("Open security incidents") if open_only else _("Security incidents")
    return _("Open tickets") if open_only else _("Tickets")


def _already_tracked(ticket: Ticket, number: str) -> str:
    """The answer to a form whose ticket exists already (a second submit, a share)."""
    still = is_open(ticket.kind, ticket.state)
    if ticket.kind is TicketKind.INCIDENT:
        if still:
            return _("Already tracked by open incident {number}.", number=number)
        return _("Already tracked by incident {number}.", number=number)
    if ticket.kind is TicketKind.CHANGE:
        if still:
            return _("Already tracked by open change {number}.", number=number)
        return _("Already tracked by change {number}.", number=number)
    kind = ticket.kind.label.lower()
    if still:
        return _("Already tracked by open {kind} {number}.", kind=kind, number=number)
    return _("Already tracked by {kind} {number}.", kind=kind, number=number)


class TicketHandlers:
    """Create, list, show, and the submitted ticket form."""

    def __init__(
        self,
        tickets: TicketService,
        names: StateNames,
        publisher: CardPublisher,
        connections: ConnectionStore,
        clock: Clock,
        gateway: TicketGateway | None = None,
        fit: FormFit | None = None,
    ) -> None:
        self._fit = fit
        self._tickets = tickets
        self._names = names
        self._publisher = publisher
        self._connections = connections
        self._clock = clock
        self._gateway = gateway

    async def _offer(self, workspace: str, form: TicketFormView) -> TicketFormView:
        """``form`` with the kinds this workspace's instance has."""
        return form if self._gateway is None else await form_kinds(self._gateway, workspace, form)

    def routes(self) -> Mapping[type[Any], Handler]:
        """The requests this group answers."""
        return {
            c.Create: self.create,
            c.Tickets: self.tickets,
            SubmitTicket: self.submit,
            ShareMessage: self.share_message,
        }

    def quick_routes(self) -> Mapping[type[Any], QuickHandler]:
        """Answers from SnowOps's own state alone (see Router.answer_now)."""
        return {c.Tickets: self.stored_tickets, SubmitTicket: self.check}

    async def create(self, ctx: RequestContext, command: c.Create) -> Outcome:
        """The empty (or titled) ticket form, when a ticket can be made at all."""
        if blocked := await cannot_create(self._connections, ctx.workspace):
            return Reply(blocked)
        if self._gateway is not None:
            await check_offered(self._gateway, ctx.workspace, command.kind)
        form = TicketFormView(kind=command.kind, name=command.title[:NAME_MAX])
        return ShowForm(await self._offer(ctx.workspace, form))

    async def share_message(self, ctx: RequestContext, request: ShareMessage) -> Outcome:
        """The ticket form, prefilled from a chat message and a link back to it."""
        text = request.text.strip()
        platform = {"slack": "Slack", "teams": "Teams"}.get(ctx.requester.platform) or _("chat")
        source = _("From {platform}: {link}", platform=platform, link=request.link)
        description = f"{text}\n\n{source}".strip() if request.link else text
        title = text.splitlines()[0][:NAME_MAX] if text else ""
        if blocked := await cannot_create(self._connections, ctx.workspace):
            return Reply(blocked)
        form = TicketFormView(name=title, description=description[:DESCRIPTION_MAX])
        return ShowForm(await self._offer(ctx.workspace, form))

    async def stored_tickets(self, ctx: RequestContext, command: c.Tickets) -> Outcome:
        """The list from the store, with a refresh to follow when one is due."""
        return await self.tickets(ctx, replace(command, fresh=False))

    async def check(self, ctx: RequestContext, sub: SubmitTicket) -> Outcome | None:
        """The form's field errors, or None when it may be sent."""
        checked = validate_ticket_form(sub.values, self._clock.now(), ctx.zone)
        if not isinstance(checked, dict):
            # The instance's required fields, as last read: asking it would be too slow here.
            fit = self._fit
            checked = fit.errors_now(ctx.workspace, checked.kind, sub.values) if fit else {}
            if not checked:
                return None
        return ShowForm(self._again(sub, checked), context=sub.context)

    def _again(self, sub: SubmitTicket, errors: Mapping[str, str] | None = None) -> TicketFormView:
        form = sub.context
        return form_again(
            sub.values,
            source=form.source,
            recommendation_id=form.recommendation_id,
            recommendation_url=form.recommendation_url,
            errors=errors,
        )

    async def card(
        self, workspace: str, ticket: Ticket, note: str = "", zone: str = ""
    ) -> TicketCard:
        """The card of a ticket in this workspace's state names (due date in ``zone``), in
        its language: the card goes to a channel, where everyone reads it."""
        names = await self._names.names(workspace, ticket.kind)
        with use_locale(await self._publisher.language(workspace)):
            return ticket_card(ticket, names, note, zone)

    async def tickets(self, ctx: RequestContext, command: c.Tickets) -> Outcome:
        """A page of tickets: fresh, or from the store with a refresh to follow."""
        # A command may come from a forged button or card: the grammar's bound holds here
        # too, before the page becomes an offset no store can represent.
        if not 1 <= command.page <= MAX_PAGE:
            raise UsageError(_("Give a page number from 1 to {max}.", max=MAX_PAGE))
        offset = (command.page - 1) * PAGE_SIZE
        page = await self._tickets.list_tickets(
            ctx.workspace,
            command.kind,
            open_only=command.open_only,
            limit=PAGE_SIZE,
            offset=offset,
            refresh=command.fresh,
            max_age=TICKETS_MAX_AGE if command.fresh else None,
        )
        names = {k: await self._names.names(ctx.workspace, k) for k in TicketKind}
        cards = tuple(ticket_card(t, names[t.kind], zone=ctx.zone) for t in page.tickets)
        more = None
        if page.more and command.page < MAX_PAGE:
            nxt = c.Tickets(command.kind, command.open_only, command.page + 1)
            more = Button(_("More"), nxt)
        conn = await self._connections.get_connection(ctx.workspace)
        view = TicketListView(
            _list_title(command.kind, command.open_only),
            cards,
            empty_text=_("No open tickets.") if command.open_only else _("No tickets yet."),
            more=more,
            servicenow_list_url=servicenow_list_url(conn.instance_url, ctx.workspace, command.kind)
            if conn
            else None,
            note=page.note,
        )
        follow = None
        # An empty page has nothing a refresh could change (it re-reads shown tickets only).
        if (
            cards
            and not command.fresh
            and self._tickets.refresh_due(ctx.workspace, TICKETS_MAX_AGE)
        ):
            follow = c.Tickets(command.kind, command.open_only, command.page)
        return Reply(view, replace=command.page > 1, refresh=follow)

    async def _refused(
        self, ctx: RequestContext, sub: SubmitTicket, kind: TicketKind
    ) -> ShowForm | None:
        """The form again when ``kind`` is not offered here (a security incident chosen on
        a form shown before the instance lost the plugin, or a forged one)."""
        if self._gateway is None or kind in await self._gateway.kinds(ctx.workspace):
            return None
        refused = {"kind": not_offered(kind).message}
        again = await self._offer(ctx.workspace, self._again(sub, refused))
        return ShowForm(again, context=sub.context)

    async def _request(self, ctx: RequestContext, sub: SubmitTicket) -> TicketRequest | ShowForm:
        """The ticket the form asks for, or the form again with what to fix."""
        form = sub.context
        checked = validate_ticket_form(sub.values, self._clock.now(), ctx.zone)
        if isinstance(checked, dict):
            return ShowForm(self._again(sub, checked), context=sub.context)
        if refused := await self._refused(ctx, sub, checked.kind):
            return refused
        extra: tuple[tuple[str, str], ...] = ()
        if self._fit is not None:
            # The instance's own required fields: all given, and values it knows.
            extra, problems = await self._fit.values(
                ctx.workspace, checked.kind, checked.category, sub.values
            )
            if problems:
                return ShowForm(self._again(sub, problems), context=sub.context)
        return TicketRequest(
            workspace=ctx.workspace,
            kind=checked.kind,
            name=checked.name,
            description=checked.description,
            priority=checked.priority,
            requester=ctx.requester,
            source=form.source,
            category=checked.category,
            due=checked.due,
            recommendation_id=form.recommendation_id,
            recommendation_url=form.recommendation_url,
            idempotency_key=sub.key,
            origin=ctx.channel,
            fields=extra,
        )

    async def submit(self, ctx: RequestContext, sub: SubmitTicket) -> Outcome:
        """Validate the form, create the ticket (or find the one that exists), publish
        its card where the form was opened."""
        request = await self._request(ctx, sub)
        if isinstance(request, ShowForm):
            return request
        try:
            outcome = await self._tickets.create(request)
        except InProgressError as exc:
            # A double submit: the first one is still creating the ticket and will report it.
            return StillWorking(failure_notice(exc, "create"))
        except UnrecordedTicket as exc:
            # The truth: the ticket exists; only SnowOps's record of it is missing for now.
            card = ticket_card(exc.ticket, default_states(exc.ticket.kind), zone=ctx.zone)
            return TicketMade(card, failure_notice(exc, "create"), created=True)
        except Exception as exc:
            refusal = await self._fit.refused(exc, request) if self._fit else None
            if refusal is not None:
                return ShowForm(self._again(sub), refusal.banner, sub.context, refusal.link)
            notice = failure_notice(exc, "create")
            banner = f"{notice.text} {notice.hint}".strip()
            return ShowForm(self._again(sub), banner, sub.context)
        card = await self.card(ctx.workspace, outcome.ticket, zone=ctx.zone)
        # The asker reads the answer in their own language; the channel's card (published
        # below) is in the workspace's.
        names = await self._names.names(ctx.workspace, outcome.ticket.kind)
        shown = ticket_card(outcome.ticket, names, zone=ctx.zone)
        if outcome.created:
            notice = Notice(
                _("Created {number}.", number=card.number), NoticeLevel.SUCCESS, link=card.url
            )
        else:
            notice = Notice(_already_tracked(outcome.ticket, card.number), link=card.url)
        if not outcome.created:
            return TicketMade(shown, notice, created=False)
        if sub.shown_at is not None:
            await self._publisher.adopt(ctx.workspace, card.number, sub.shown_at)
            # That message becomes the channel's card: the workspace's language.
            return TicketMade(card, notice, created=True, posted=sub.shown_at)
        try:
            where = await self._publisher.publish(
                ctx.workspace, card, ctx.channel, ctx.requester.user_id
            )
        except Exception as exc:
            # The ticket exists whatever happened to its card: say so, never "try again".
            if not isinstance(exc, DeliveryError):
                log.exception("card of %s not published", card.number)
            hint = _("Its card could not be posted ({reason}); open it in ServiceNow.", reason=exc)
            return TicketMade(shown, Notice(notice.text, notice.level, hint, notice.link), True)
        return TicketMade(shown, notice, created=True, posted=where)
