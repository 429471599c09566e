"""Recommendation requests: list, share, a team's own (the Microsoft tenant they come
from is linked in :mod:`core.handlers.securescore`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import commands as c
from core.errors import UsageError
from core.gateway import TicketGateway
from core.grammar import MAX_PAGE
from core.handlers.can_create import cannot_create
from core.handlers.context import RequestContext
from core.handlers.router import Handler
from core.i18n import _
from core.kinds import form_kinds
from core.outcomes import Audience, Outcome, Reply, ShowForm
from core.recommendation_views import recommendation_card, recommendation_list, share_form
from core.recommendations import RecommendationItem, RecommendationService
from core.repos.labels import StateNames
from core.storage import ConnectionStore
from core.views import Notice, NoticeLevel, RecommendationListView, ticket_card

__all__ = ["PAGE_SIZE", "RecommendationHandlers"]

PAGE_SIZE = 8


class RecommendationHandlers:
    """Recommendations to share, and the tenant they come from."""

    def __init__(
        self,
        recommendations: RecommendationService,
        names: StateNames,
        connections: ConnectionStore | None = None,
        gateway: TicketGateway | None = None,
    ) -> None:
        self._recs = recommendations
        self._names = names
        self._connections = connections
        self._gateway = gateway

    def routes(self) -> Mapping[type[Any], Handler]:
        """The requests this group answers."""
        return {
            c.Recommendations: self.page,
            c.Share: self.share,
            c.AddRecommendation: self.add,
            c.RemoveRecommendation: self.remove,
        }

    async def page_view(
        self, ctx: RequestContext, command: c.Recommendations
    ) -> RecommendationListView:
        """A page of recommendation cards."""
        if not 1 <= command.page <= MAX_PAGE:  # a forged button or card: see tickets
            raise UsageError(_("Give a page number from 1 to {max}.", max=MAX_PAGE))
        result = await self._recs.page(
            ctx.workspace,
            command.category,
            include_done=command.include_done,
            offset=(command.page - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
        )
        cards = []
        for item in result.items:
            ticket = None
            if item.ticket is not None:
                names = await self._names.names(ctx.workspace, item.ticket.kind)
                ticket = ticket_card(item.ticket, names, zone=ctx.zone)
            cards.append(recommendation_card(item, ticket))
        return recommendation_list(result, tuple(cards))

    async def page(self, ctx: RequestContext, command: c.Recommendations) -> Outcome:
        """Recommendation cards are for the team to see and share; a next page takes the
        place of the one it was asked from."""
        view = await self.page_view(ctx, command)
        return Reply(view, Audience.CONVERSATION, replace=command.page > 1)

    async def share(self, ctx: RequestContext, command: c.Share) -> Outcome:
        """The prefilled ticket form, or the ticket that already tracks the recommendation."""
        rec_id = command.recommendation_id
        rec = await self._recs.get(ctx.workspace, rec_id)
        if rec is None:
            return Reply(
                Notice(
                    _("There is no recommendation {id}.", id=repr(rec_id[:60])),
                    NoticeLevel.WARNING,
                    hint=_("See /snow recommendations for the ids."),
                )
            )
        tracked = await self._recs.tracking_ticket(ctx.workspace, rec.id)
        if tracked is None:
            if self._connections is not None and (
                blocked := await cannot_create(self._connections, ctx.workspace)
            ):
                return Reply(blocked)
            form = share_form(rec)
            if self._gateway is not None:
                form = await form_kinds(self._gateway, ctx.workspace, form)
            return ShowForm(form)
        names = await self._names.names(ctx.workspace, tracked.kind)
        card = ticket_card(tracked, names, zone=ctx.zone)
        notice = Notice(
            _(
                "{title} is already tracked by {number} ({state}).",
                title=rec.title,
                number=card.number,
                state=card.state,
            ),
            link=card.url,
        )
        return Reply((notice, card))

    async def add(self, ctx: RequestContext, command: c.AddRecommendation) -> Outcome:
        """Keep a team's own recommendation; it lists and shares like Microsoft's."""
        rec = await self._recs.add(
            ctx.workspace, command.category, command.title, command.description, ctx.actor
        )
        card = recommendation_card(RecommendationItem(rec), None)
        return Reply((Notice(_("Added {id}.", id=rec.id), NoticeLevel.SUCCESS), card))

    async def remove(self, ctx: RequestContext, command: c.RemoveRecommendation) -> Outcome:
        """Forget a team's own recommendation."""
        rec_id = command.recommendation_id
        gone = await self._recs.remove(ctx.workspace, rec_id, ctx.actor)
        if gone:
            return Reply(Notice(_("Removed {id}.", id=rec_id), NoticeLevel.SUCCESS))
        return Reply(
            Notice(
                _(
                    "There is no recommendation {id} of this team (only your own can be removed).",
                    id=rec_id[:60],
                ),
                NoticeLevel.WARNING,
            )
        )
