"""Commands → services → views: the one place every chat adapter calls.

Adapters translate their platform's request into a :class:`RequestContext` and a parsed
command (or form values), call :class:`Dispatcher`, and render the view it returns.
Errors come back as :class:`~core.views.Notice` views, never as exceptions.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from core import commands as c
from core.clock import Clock
from core.connections import ConnectionService, OAuthClientConfig
from core.doctor.checks import Check
from core.errors import UserError
from core.forms import TicketFormView, validate_ticket_form
from core.models import (
    ChannelRef,
    RecommendationSource,
    Requester,
    Subscription,
    TicketKind,
    TicketRequest,
)
from core.recommendation_views import (
    recommendation_card,
    recommendation_list,
    sentence,
    share_form,
)
from core.recommendations import RecommendationItem, RecommendationService
from core.securescore.errors import GraphError, GraphNotConfigured
from core.servicenow.errors import ServiceNowError
from core.servicenow.mapping import correlation_prefix
from core.servicenow.states import DEFAULT_STATES, is_open
from core.store.port import OutboxItem, Store
from core.tickets import InProgressError, TicketService
from core.views import (
    Action,
    HelpView,
    HistoryLine,
    HomeView,
    KindSummary,
    Notice,
    NoticeLevel,
    RecommendationListView,
    StatesView,
    StatusView,
    TicketCard,
    TicketListView,
    View,
    format_when,
    ticket_card,
)

__all__ = ["Dispatcher", "FormSubmission", "RequestContext"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Who asks, where, and whether they may administer this workspace."""

    workspace: str
    requester: Requester
    channel: ChannelRef | None = None
    is_admin: bool = False

    @property
    def actor(self) -> str:
        """``platform:user`` for the audit log."""
        return f"{self.requester.platform}:{self.requester.user_id}"


@dataclass(frozen=True, slots=True)
class FormSubmission:
    """Result of submitting the ticket form: a card, or errors keyed by field."""

    card: TicketCard | None = None
    errors: Mapping[str, str] | None = None
    notice: Notice | None = None
    created: bool = False
    pending: bool = False


def servicenow_list_url(instance_url: str, workspace: str, kind: TicketKind | None) -> str:
    """The list of this workspace's tickets in ServiceNow's own UI."""
    table = kind.table if kind else "task"  # task holds incidents and changes alike
    query = quote(f"correlation_idSTARTSWITH{correlation_prefix(workspace)}", safe="")
    return f"{instance_url}/{table}_list.do?sysparm_query={query}"


def failure_notice(exc: Exception, doing: str) -> Notice:
    """What the user sees when something failed: the cause if it is theirs or the
    service's, only a reference if it is a bug (the log has the rest)."""
    if isinstance(exc, ServiceNowError):
        return Notice(f"ServiceNow: {sentence(exc.message)}", NoticeLevel.ERROR, hint=exc.hint)
    if isinstance(exc, GraphError):
        return Notice(
            f"Microsoft Secure Score: {sentence(exc.message)}", NoticeLevel.ERROR, exc.hint
        )
    if isinstance(exc, UserError):
        return Notice(str(exc), NoticeLevel.WARNING, hint=exc.hint)
    if isinstance(exc, InProgressError):
        return Notice(exc.message[:1].upper() + exc.message[1:] + ".", hint=exc.hint)
    ref = uuid.uuid4().hex[:8]
    log.exception("unexpected failure (ref %s) running %s", ref, doing)
    return Notice(
        f"Something went wrong on SnowOps's side (reference {ref}).",
        NoticeLevel.ERROR,
        hint="Nothing was half-done that you need to undo; try again, and tell your admin "
        "the reference if it keeps failing.",
    )


RecommendationLookup = Callable[[str, str], Awaitable[TicketFormView | None]]
#: The doctor's ServiceNow checks of one workspace (:class:`core.doctor.ServiceNowProbe`).
Diagnose = Callable[[str], Awaitable[list[Check]]]
#: How long `/snow status` waits for those checks before showing what it knows.
DIAGNOSE_SECONDS = 8.0


class Dispatcher:
    """Runs commands for any platform."""

    def __init__(
        self,
        store: Store,
        connections: ConnectionService,
        tickets: TicketService,
        recommendations: RecommendationService,
        clock: Clock,
        diagnose: Diagnose | None = None,
    ) -> None:
        self._diagnose = diagnose
        self._store = store
        self._connections = connections
        self._tickets = tickets
        self._recommendations = recommendations
        self._clock = clock

    async def run_text(self, ctx: RequestContext, text: str) -> View:
        """Parse ``text`` (the words after /snow) and run it."""
        try:
            command = c.parse(text)
        except c.UsageError as exc:
            return Notice(str(exc), NoticeLevel.WARNING)
        return await self.run(ctx, command)

    async def run(self, ctx: RequestContext, command: c.Command) -> View:
        """Run a parsed command; every failure becomes a Notice."""
        if command.admin and not ctx.is_admin:
            return Notice(
                "Only workspace admins can do that.",
                NoticeLevel.WARNING,
                hint="Ask an admin, or have your user id added to SNOWOPS_ADMINS.",
            )
        try:
            return await self._run(ctx, command)
        except Exception as exc:
            return failure_notice(exc, f"{type(command).__name__} in {ctx.workspace}")

    async def _run(self, ctx: RequestContext, command: c.Command) -> View:
        match command:
            case c.Help():
                status = await self._connections.status(ctx.workspace)
                return HelpView(c.COMMAND_HELP, status.connected, status.instance_url)
            case c.Home():
                return await self.home(ctx)
            case c.Status():
                return await self.status(ctx)
            case c.Connect(instance=instance):
                url = await self._connections.start(
                    ctx.workspace, instance, ctx.actor, ctx.channel, ctx.requester.email
                )
                return Notice(
                    "Open this link, sign in to ServiceNow as the integration user and allow "
                    "SnowOps. The link works once, for 10 minutes.",
                    link=url,
                )
            case c.Disconnect():
                done = await self._connections.disconnect(ctx.workspace, ctx.actor)
                text = (
                    "Disconnected from ServiceNow: tokens revoked, ticket history kept."
                    if done
                    else "This workspace was not connected."
                )
                return Notice(text, NoticeLevel.SUCCESS if done else NoticeLevel.INFO)
            case c.Recommendations(category=category, include_done=done, page=page):
                return await self.recommendation_page(ctx, category, done, page)
            case c.Share(recommendation_id=rec_id):
                return await self.share(ctx, rec_id)
            case c.AddRecommendation(category=category, title=title, description=description):
                rec = await self._recommendations.add(
                    ctx.workspace, category, title, description, ctx.actor
                )
                card = recommendation_card(RecommendationItem(rec), None)
                return (Notice(f"Added {rec.id}.", NoticeLevel.SUCCESS), card)
            case c.RemoveRecommendation(recommendation_id=rec_id):
                gone = await self._recommendations.remove(ctx.workspace, rec_id, ctx.actor)
                return Notice(
                    f"Removed {rec_id}."
                    if gone
                    else f"There is no recommendation {rec_id} of "
                    "this team (only your own can be removed).",
                    NoticeLevel.SUCCESS if gone else NoticeLevel.WARNING,
                )
            case c.LinkTenant(tenant=tenant):
                return await self._link_tenant(ctx, tenant)
            case c.Create(kind=kind, title=title):
                return TicketFormView(kind=kind, name=title[:160])
            case c.Tickets(kind=kind, open_only=open_only):
                return await self.ticket_list(ctx, kind, open_only)
            case c.ShowTicket(number=number):
                return await self.ticket_detail(ctx, number)
            case c.Subscribe(kinds=kinds, max_priority=max_priority):
                return await self._subscribe(ctx, kinds, max_priority)
            case c.Unsubscribe():
                if ctx.channel is None:
                    return Notice("Unsubscribe from inside the channel.", NoticeLevel.WARNING)
                gone = await self._store.delete_subscription(ctx.channel)
                return Notice(
                    "This channel will no longer get ticket notifications."
                    if gone
                    else "This channel had no subscription."
                )
            case c.RetryNotifications():
                parked = await self._parked(ctx.workspace)
                for item in parked:
                    await self._store.outbox_requeue(item.delivery_id)
                await self._store.audit(
                    ctx.workspace, ctx.actor, "notifications.retry", {"count": len(parked)}
                )
                if not parked:
                    return Notice("There are no undelivered notifications.")
                return Notice(
                    f"{len(parked)} undelivered notification{'s' if len(parked) != 1 else ''} "
                    "will be tried again now."
                )
            case c.ShowStates(kind=kind):
                views = [await self.states(ctx, k) for k in ([kind] if kind else list(TicketKind))]
                return tuple(views)
            case c.RenameState(kind=kind, value=value, label=label):
                await self._connections.rename_state(ctx.workspace, kind, value, label, ctx.actor)
                return await self.states(ctx, kind)
        raise AssertionError(f"unhandled command {command!r}")

    async def recommendation_page(
        self, ctx: RequestContext, category: str | None, include_done: bool, page: int
    ) -> RecommendationListView:
        """A page of recommendation cards."""
        size = 8
        result = await self._recommendations.page(
            ctx.workspace, category, include_done=include_done, offset=(page - 1) * size, limit=size
        )
        cards = []
        for item in result.items:
            ticket = None
            if item.ticket is not None:
                names = await self._connections.state_names(ctx.workspace, item.ticket.kind)
                ticket = ticket_card(item.ticket, names)
            cards.append(recommendation_card(item, ticket))
        return recommendation_list(result, tuple(cards))

    async def share(self, ctx: RequestContext, rec_id: str) -> View:
        """The prefilled ticket form, or the ticket that already tracks the recommendation."""
        rec = await self._recommendations.get(ctx.workspace, rec_id)
        if rec is None:
            return Notice(
                f"There is no recommendation {rec_id[:60]!r}.",
                NoticeLevel.WARNING,
                hint="See /snow recommendations for the ids.",
            )
        tracked = await self._recommendations.tracking_ticket(ctx.workspace, rec.id)
        if tracked is not None:
            names = await self._connections.state_names(ctx.workspace, tracked.kind)
            card = ticket_card(tracked, names)
            return (
                Notice(
                    f"{rec.title} is already tracked by {card.number} ({card.state}).",
                    link=card.url,
                ),
                card,
            )
        return share_form(rec)

    async def _link_tenant(self, ctx: RequestContext, tenant: str | None) -> Notice:
        if tenant is None:
            current = await self._recommendations.tenant(ctx.workspace)
            if not self._recommendations.graph_configured:
                return Notice(
                    "Microsoft Secure Score is not connected.",
                    hint=GraphNotConfigured.default_hint,
                )
            if current is None:
                return Notice(
                    "This workspace is not linked to a Microsoft tenant yet.",
                    hint="An admin links it with /snow securescore <tenant-id>.",
                )
            return Notice(f"Secure Score comes from tenant {current}.")
        linked = await self._recommendations.link_tenant(ctx.workspace, tenant, ctx.actor)
        hint = "" if self._recommendations.graph_configured else GraphNotConfigured.default_hint
        return Notice(
            f"Secure Score will come from tenant {linked}.", NoticeLevel.SUCCESS, hint=hint
        )

    async def connect_needs_client(self, ctx: RequestContext, instance: str) -> bool:
        """True when `/snow connect <instance>` must first ask for the OAuth client
        (privately: a modal or dialog, never a chat message)."""
        try:
            return await self._connections.needs_client_form(ctx.workspace, instance)
        except UserError:
            return False  # a bad instance: the command itself explains

    async def connect_with_client(
        self, ctx: RequestContext, instance: str, client_id: str, client_secret: str
    ) -> Notice:
        """Keep this workspace's own OAuth client, then start connecting."""
        if not ctx.is_admin:
            return Notice("Only workspace admins can do that.", NoticeLevel.WARNING)
        if not client_id.strip() or not client_secret.strip():
            return Notice("Give both the client id and the client secret.", NoticeLevel.WARNING)
        try:
            await self._connections.set_client(
                ctx.workspace,
                OAuthClientConfig(client_id.strip(), client_secret.strip()),
                ctx.actor,
            )
        except Exception as exc:
            return failure_notice(exc, "save OAuth client")
        view = await self.run(ctx, c.Connect(instance))
        assert isinstance(view, Notice)
        return view

    async def status(self, ctx: RequestContext) -> StatusView:
        """The connection's health."""
        st = await self._connections.status(ctx.workspace)
        if not st.connected:
            return StatusView("ServiceNow: not connected", (), st.hint, healthy=False)
        lines: tuple[tuple[str, str], ...] = (
            ("Instance", st.instance_url),
            ("Connected as", st.connected_as or "unknown"),
            ("Token expires", format_when(st.token_expires_at)),
            ("Last successful sync", format_when(st.last_sync_at)),
            ("Last error", st.last_error or "none"),
        )
        if st.warning:
            lines += (("Warning", st.warning),)
        parked = await self._parked(ctx.workspace)
        if parked:
            # Notifications that kept failing wait here, visible, instead of being retried forever.
            lines += (
                (
                    "Undelivered notifications",
                    f"{len(parked)}, stopped after repeated failures. Latest: "
                    f"{parked[-1].last_error or 'unknown error'}. Once fixed, an admin "
                    "can run /snow notifications retry",
                ),
            )
        healthy = st.status == "active" and not st.last_error and not st.warning and not parked
        hint = st.hint
        problems = await self._problems(ctx.workspace)
        for check in problems:
            lines += ((check.name.removeprefix(f"ServiceNow {ctx.workspace} "), check.detail),)
        if problems:
            # The same finding and advice as `snowops doctor` gives.
            healthy, hint = False, problems[0].hint or hint
        return StatusView("ServiceNow connection", lines, hint, healthy=healthy)

    async def _parked(self, workspace: str) -> list[OutboxItem]:
        """This workspace's notifications that stopped after repeated failures."""
        return [
            p for p in await self._store.outbox_parked() if p.payload.get("workspace") == workspace
        ]

    async def _problems(self, workspace: str) -> list[Check]:
        """The doctor's failed checks for this workspace (none when it cannot tell)."""
        if self._diagnose is None:
            return []
        try:
            async with asyncio.timeout(DIAGNOSE_SECONDS):
                return [c for c in await self._diagnose(workspace) if not c.ok]
        except Exception:
            log.warning("connection checks for %s did not finish", workspace, exc_info=True)
            return []

    async def states(self, ctx: RequestContext, kind: TicketKind) -> StatesView:
        """A state catalog in this workspace's names."""
        names = await self._connections.state_names(ctx.workspace, kind)
        rows = tuple((v, names[v], d) for v, d in DEFAULT_STATES[kind].items())
        return StatesView(kind, rows, can_edit=ctx.is_admin)

    async def ticket_list(
        self,
        ctx: RequestContext,
        kind: TicketKind | None,
        open_only: bool,
        offset: int = 0,
        *,
        refresh: bool = True,
        max_age: float | None = None,
    ) -> TicketListView:
        """A page of tickets (see :meth:`TicketService.list_tickets` for ``refresh``)."""
        size = 10
        page = await self._tickets.list_tickets(
            ctx.workspace,
            kind,
            open_only=open_only,
            limit=size,
            offset=offset,
            refresh=refresh,
            max_age=max_age,
        )
        names = {k: await self._connections.state_names(ctx.workspace, k) for k in TicketKind}
        cards = tuple(ticket_card(t, names[t.kind]) for t in page.tickets)
        label = kind.label + "s" if kind else "Tickets"
        more = None
        if page.more:
            more = Action("tickets_more", "More", f"{kind or 'all'}:{open_only}:{offset + size}")
        conn = await self._store.get_connection(ctx.workspace)
        return TicketListView(
            f"{'Open ' if open_only else ''}{label.lower() if open_only else label}",
            cards,
            empty_text="No open tickets." if open_only else "No tickets yet.",
            more=more,
            servicenow_list_url=servicenow_list_url(conn.instance_url, ctx.workspace, kind)
            if conn
            else None,
            note=page.note,
        )

    def tickets_due_for_refresh(self, ctx: RequestContext, max_age: float) -> bool:
        """Whether a ticket list shown from the store is worth refreshing now."""
        return self._tickets.refresh_due(ctx.workspace, max_age)

    async def ticket_detail(self, ctx: RequestContext, number: str) -> TicketCard:
        """One ticket with its recent history."""
        detail = await self._tickets.get(ctx.workspace, number)
        names = await self._connections.state_names(ctx.workspace, detail.ticket.kind)
        history = tuple(HistoryLine(h.at, h.author, f"{h.kind}: {h.text}") for h in detail.history)
        return ticket_card(detail.ticket, names, history, detail.history_note)

    async def home(self, ctx: RequestContext) -> HomeView:
        """The Incident management and Change management cards."""
        st = await self._connections.status(ctx.workspace)
        summaries = []
        for kind in TicketKind:
            names = await self._connections.state_names(ctx.workspace, kind)
            tickets = await self._store.list_tickets(ctx.workspace, kind, limit=200)
            counts: dict[str, int] = {}
            for t in tickets:
                counts[names.get(t.state, t.state)] = counts.get(names.get(t.state, t.state), 0) + 1
            ordered = tuple((n, counts[n]) for n in names.values() if n in counts)
            recent = tuple(ticket_card(t, names) for t in tickets[:3])
            title = "Incident management" if kind is TicketKind.INCIDENT else "Change management"
            summaries.append(KindSummary(kind, title, ordered, recent))
        actions = [
            Action("create_ticket", "Create ticket", primary=True),
            Action("view_all_tickets", "View all tickets"),
        ]
        if ctx.is_admin:
            actions.append(Action("manage_configuration", "Manage ServiceNow configuration"))
        return HomeView(st.connected, st.instance_url, tuple(summaries), tuple(actions))

    async def _subscribe(
        self, ctx: RequestContext, kinds: frozenset[TicketKind], max_priority: int
    ) -> Notice:
        if ctx.channel is None:
            return Notice("Subscribe from inside the channel.", NoticeLevel.WARNING)
        channel = ChannelRef(ctx.channel.workspace, ctx.channel.channel)
        wanted = Subscription(channel, tuple(sorted((k, max_priority) for k in kinds)))
        current = await self._store.list_subscriptions(ctx.workspace)
        mine = next((s for s in current if s.channel.channel == channel.channel), None)
        # Overlapping subscriptions merge per kind: one per channel, never two messages.
        merged = wanted if mine is None else mine.merged(wanted)
        await self._store.save_subscription(merged)
        parts = []
        for kind, level in merged.levels:
            what = kind.label.lower() + "s"
            parts.append(
                f"{what} of any priority" if level >= 5 else f"{what} of priority 1–{level}"
            )
        return Notice(
            f"This channel will hear about {' and '.join(parts)}.",
            NoticeLevel.SUCCESS,
            hint="To narrow it, /snow unsubscribe and subscribe again.",
            private=False,
        )

    async def submit_form(
        self,
        ctx: RequestContext,
        values: Mapping[str, str | None],
        *,
        source: RecommendationSource = RecommendationSource.USER,
        recommendation_id: str | None = None,
        recommendation_url: str | None = None,
        idempotency_key: str | None = None,
    ) -> FormSubmission:
        """Validate the ticket form and create the ticket (or return the existing one)."""
        checked = validate_ticket_form(values, self._clock.now())
        if isinstance(checked, dict):
            return FormSubmission(errors=checked)
        request = TicketRequest(
            workspace=ctx.workspace,
            kind=checked.kind,
            name=checked.name,
            description=checked.description,
            priority=checked.priority,
            requester=ctx.requester,
            source=source,
            category=checked.category,
            due=checked.due,
            recommendation_id=recommendation_id,
            recommendation_url=recommendation_url,
            idempotency_key=idempotency_key,
            origin=ctx.channel,
        )
        try:
            outcome = await self._tickets.create(request)
        except InProgressError as exc:
            # A double submit: the first one is still creating the ticket and will report it.
            return FormSubmission(notice=failure_notice(exc, "create"), pending=True)
        except Exception as exc:
            return FormSubmission(notice=failure_notice(exc, "create"))
        names = await self._connections.state_names(ctx.workspace, outcome.ticket.kind)
        card = ticket_card(outcome.ticket, names)
        if outcome.created:
            notice = Notice(f"Created {card.number}.", NoticeLevel.SUCCESS, link=card.url)
        else:
            state = "open " if is_open(outcome.ticket.kind, outcome.ticket.state) else ""
            notice = Notice(
                f"Already tracked by {state}{card.kind.label.lower()} {card.number}.",
                link=card.url,
            )
        return FormSubmission(card=card, notice=notice, created=outcome.created)
