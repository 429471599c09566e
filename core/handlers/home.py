"""Help and home: what SnowOps can do here, and the incident and change cards."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import commands as c
from core.connections import ConnectionService, ConnectionStatusView
from core.handlers.context import RequestContext
from core.handlers.router import Handler, QuickHandler
from core.i18n import N_, _
from core.models import ConnectionStatus, TicketKind
from core.outcomes import Outcome, Reply
from core.repos.labels import StateNames
from core.storage import TicketStore
from core.views import Button, HelpView, HomeView, KindSummary, format_when, ticket_card

__all__ = ["HomeHandlers"]

_TITLES = {
    TicketKind.INCIDENT: N_("Incident management"),
    TicketKind.CHANGE: N_("Change management"),
    TicketKind.PROBLEM: N_("Problem management"),
    TicketKind.SECURITY: N_("Security incident response"),
}
#: Kinds whose card home shows even before the workspace has a ticket of them.
_ALWAYS = (TicketKind.INCIDENT, TicketKind.CHANGE)


class HomeHandlers:
    """`/snow help` and `/snow home` (the Slack Home tab and the Teams welcome card too)."""

    def __init__(
        self, connections: ConnectionService, tickets: TicketStore, names: StateNames
    ) -> None:
        self._connections = connections
        self._tickets = tickets
        self._names = names

    def routes(self) -> Mapping[type[Any], Handler]:
        """The requests this group answers."""
        return {c.Help: self.help, c.Home: self.home}

    def quick_routes(self) -> Mapping[type[Any], QuickHandler]:
        """Help is answered from SnowOps's own state."""
        return {c.Help: self.help}

    async def help(self, ctx: RequestContext, command: c.Help) -> Outcome:
        """Every command, and whether this workspace is connected."""
        status = await self._connections.status(ctx.workspace)
        return Reply(HelpView(c.help_lines(), status.connected, status.instance_url))

    async def home(self, ctx: RequestContext, command: c.Home) -> Outcome:
        """The Incident management and Change management cards."""
        return Reply(await self.home_view(ctx), replace=True)

    async def home_view(self, ctx: RequestContext) -> HomeView:
        """Counts by state and the latest tickets of each kind, with the home buttons."""
        status = await self._connections.status(ctx.workspace)
        summaries = []
        for kind in TicketKind:
            names = await self._names.names(ctx.workspace, kind)
            tickets = await self._tickets.list_tickets(ctx.workspace, kind, limit=200)
            if not tickets and kind not in _ALWAYS:
                continue  # problems and security incidents: once there are some
            counts: dict[str, int] = {}
            for t in tickets:
                shown = names.get(t.state, t.state)
                counts[shown] = counts.get(shown, 0) + 1
            ordered = tuple((n, counts[n]) for n in names.values() if n in counts)
            recent = tuple(ticket_card(t, names, zone=ctx.zone) for t in tickets[:3])
            summaries.append(KindSummary(kind, _(_TITLES[kind]), ordered, recent))
        buttons = [
            Button(_("Create ticket"), c.Create(), primary=True),
            Button(_("View all tickets"), c.Tickets(open_only=False)),
        ]
        if ctx.is_admin:
            buttons.append(Button(_("Manage ServiceNow configuration"), c.Configure()))
        problem, hint = _problem(status)
        return HomeView(
            status.connected,
            status.instance_url,
            tuple(summaries),
            tuple(buttons),
            problem,
            hint,
        )


def _problem(status: ConnectionStatusView) -> tuple[str, str]:
    """What is wrong with a connection that is set up (and the cause or the fix), or
    nothing: a home card must not say "Connected" alone while ServiceNow fails."""
    if not status.connected:
        return "", ""
    if status.status == ConnectionStatus.NEEDS_REAUTH:
        return _("needs re-authorization"), status.hint or status.last_error or ""
    if status.last_error:
        # The last call failed; the last successful sync is when it last answered.
        if status.last_sync_at:
            return (
                _("not reachable since {when}", when=format_when(status.last_sync_at)),
                status.last_error,
            )
        return _("not reachable"), status.last_error
    return "", ""
