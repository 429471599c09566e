"""RecommendationService: Secure Score improvement actions and a team's own, ready to share.

Microsoft's come from Graph (cached per tenant for a few minutes, one fetch in flight per
tenant, so a busy channel does not hammer Graph); a team's own are kept in the Store. Both
list and share the same way; each carries the open ticket that already tracks it, if any.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.clock import Clock
from core.errors import UserError
from core.i18n import _, format_number
from core.models import CATEGORIES, Recommendation, RecommendationSource, Ticket
from core.repos.securescore import OwnRecommendations, TenantLinks
from core.securescore.client import GraphClient
from core.securescore.errors import GraphError, GraphNotConfigured
from core.securescore.mapping import join_recommendations
from core.servicenow.mapping import correlation_id
from core.servicenow.states import is_open
from core.storage import AuditLog, TicketStore

__all__ = ["RecommendationItem", "RecommendationPage", "RecommendationService"]

log = logging.getLogger(__name__)

_TENANT = re.compile(
    r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[A-Za-z0-9-]{1,63}\.onmicrosoft\.com)$"
)
TITLE_MAX = 160
#: How long a Graph failure is remembered when Graph gave no Retry-After.
_FAILURE_PAUSE = 30.0
DESCRIPTION_MAX = 3000


@dataclass(frozen=True, slots=True)
class RecommendationItem:
    """A recommendation and the open ticket that tracks it, if any."""

    recommendation: Recommendation
    ticket: Ticket | None = None


@dataclass(frozen=True, slots=True)
class RecommendationPage:
    """One page of recommendations, with why Microsoft's may be missing."""

    items: list[RecommendationItem]
    total: int
    offset: int
    limit: int
    category: str | None = None
    include_done: bool = False
    graph_problem: GraphError | None = None
    hidden_done: int = 0


class RecommendationService:
    """Lists, finds and manages recommendations for a workspace."""

    def __init__(
        self,
        tenants: TenantLinks,
        own: OwnRecommendations,
        tickets: TicketStore,
        audit: AuditLog,
        graph: GraphClient | None,
        clock: Clock,
        *,
        default_tenant: str | None = None,
        cache_seconds: float = 300.0,
    ) -> None:
        self._tenants = tenants
        self._own_recs = own
        self._tickets = tickets
        self._audit = audit
        self._graph = graph
        self._clock = clock
        self._default_tenant = default_tenant
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[datetime, list[Recommendation]]] = {}
        self._failed: dict[str, tuple[datetime, GraphError]] = {}
        self._inflight: dict[str, asyncio.Future[list[Recommendation]]] = {}

    @property
    def graph_configured(self) -> bool:
        """True when the app registration (client id and secret) is set."""
        return self._graph is not None

    async def tenant(self, workspace: str) -> str | None:
        """The Microsoft tenant this workspace reads Secure Score from."""
        return await self._tenants.get(workspace) or self._default_tenant

    async def link_tenant(self, workspace: str, tenant: str, actor: str) -> str:
        """Link the workspace to a Microsoft tenant (id or ``contoso.onmicrosoft.com``)."""
        tenant = tenant.strip()
        if not _TENANT.match(tenant):
            raise UserError(
                _(
                    "{tenant} is not a tenant id: give the directory (tenant) id, a GUID "
                    "like 72f988bf-86f1-41af-91ab-2d7cd011db47, or contoso.onmicrosoft.com.",
                    tenant=repr(tenant[:60]),
                )
            )
        await self._tenants.link(workspace, tenant)
        await self._audit.audit(workspace, actor, "securescore.link", {"tenant": tenant})
        self._cache.pop(tenant, None)
        self._failed.pop(tenant, None)
        return tenant

    async def _microsoft(self, workspace: str) -> list[Recommendation]:
        if self._graph is None:
            raise GraphNotConfigured(_("not connected"))
        tenant = await self.tenant(workspace)
        if tenant is None:
            raise GraphNotConfigured(
                _("this workspace is not linked to a Microsoft tenant"),
                hint=_("An admin links it with /snow securescore <tenant-id>."),
            )
        now = self._clock.now()
        cached = self._cache.get(tenant)
        if cached and cached[0] > now:
            return cached[1]
        failed = self._failed.get(tenant)
        if failed and failed[0] > now:
            raise failed[1]
        # One fetch per tenant at a time; every caller waiting gets its result or its error.
        task = self._inflight.get(tenant)
        if task is None:
            task = asyncio.ensure_future(self._fetch(tenant))
            self._inflight[tenant] = task
            task.add_done_callback(lambda _: self._inflight.pop(tenant, None))
        return await asyncio.shield(task)

    async def _fetch(self, tenant: str) -> list[Recommendation]:
        assert self._graph is not None
        try:
            profiles = await self._graph.control_profiles(tenant)
            score = await self._graph.latest_score(tenant)
        except GraphError as exc:
            # Remember a failure briefly, so a busy channel does not hammer a sick Graph.
            pause = getattr(exc, "retry_after", None) or _FAILURE_PAUSE
            self._failed[tenant] = (self._clock.now() + timedelta(seconds=pause), exc)
            raise
        recs = join_recommendations(profiles, score)
        self._failed.pop(tenant, None)
        expires = self._clock.now() + timedelta(seconds=self._cache_seconds)
        self._cache[tenant] = (expires, recs)
        return recs

    async def _own(self, workspace: str) -> list[Recommendation]:
        return await self._own_recs.list(workspace)

    async def tracking_ticket(self, workspace: str, rec_id: str) -> Ticket | None:
        """The open ticket SnowOps created for this recommendation, if any."""
        corr = correlation_id(workspace, f"rec:{rec_id}")
        ticket = await self._tickets.find_ticket_by_correlation(workspace, corr)
        if ticket is not None and ticket.active and is_open(ticket.kind, ticket.state):
            return ticket
        return None

    async def page(
        self,
        workspace: str,
        category: str | None = None,
        *,
        include_done: bool = False,
        offset: int = 0,
        limit: int = 8,
    ) -> RecommendationPage:
        """Microsoft's (most points to gain first) then the team's own, filtered and paged."""
        problem: GraphError | None = None
        microsoft: list[Recommendation] = []
        try:
            microsoft = await self._microsoft(workspace)
        except GraphError as exc:
            problem = exc
            if not isinstance(exc, GraphNotConfigured):
                log.warning("Secure Score unavailable for %s: %s", workspace, exc.message)
        microsoft = sorted(microsoft, key=lambda r: (-(r.gain or 0.0), r.rank or 10**6, r.title))
        everything = microsoft + await self._own(workspace)
        if category:
            everything = [r for r in everything if r.category == category]
        done = [r for r in everything if r.gain == 0.0]
        shown = everything if include_done else [r for r in everything if r.gain != 0.0]
        page = shown[offset : offset + limit]
        items = [RecommendationItem(r, await self.tracking_ticket(workspace, r.id)) for r in page]
        return RecommendationPage(
            items=items,
            total=len(shown),
            offset=offset,
            limit=limit,
            category=category,
            include_done=include_done,
            graph_problem=problem,
            hidden_done=0 if include_done else len(done),
        )

    async def get(self, workspace: str, rec_id: str) -> Recommendation | None:
        """One recommendation by id (a team's own first, then Microsoft's)."""
        for rec in await self._own(workspace):
            if rec.id.lower() == rec_id.lower():
                return rec
        for rec in await self._microsoft(workspace):
            if rec.id.lower() == rec_id.lower():
                return rec
        return None

    async def add(
        self, workspace: str, category: str, title: str, description: str, actor: str
    ) -> Recommendation:
        """Keep a team's own recommendation; it lists and shares like Microsoft's."""
        match = [c for c in CATEGORIES if c.lower().rstrip("s") == category.lower().rstrip("s")]
        if not match:
            raise UserError(
                _(
                    "'{category}' is not a category: use one of {categories}.",
                    category=category,
                    categories=", ".join(CATEGORIES),
                )
            )
        title = " ".join(title.split())
        if not title:
            raise UserError(_("Give the recommendation a title."))
        if len(title) > TITLE_MAX:
            limit = format_number(TITLE_MAX)
            raise UserError(_("A title can be {limit} characters at most.", limit=limit))
        if len(description) > DESCRIPTION_MAX:
            limit = format_number(DESCRIPTION_MAX)
            raise UserError(_("A description can be {limit} characters at most.", limit=limit))
        rec = Recommendation(
            id=f"own-{uuid.uuid4().hex[:8]}",
            title=title,
            category=match[0],
            source=RecommendationSource.USER,
            description=description.strip(),
            created_by=actor,
        )
        await self._own_recs.add(workspace, rec, self._clock.now().isoformat())
        await self._audit.audit(workspace, actor, "recommendation.add", {"id": rec.id})
        return rec

    async def remove(self, workspace: str, rec_id: str, actor: str) -> bool:
        """Forget a team's own recommendation (tickets already made stay)."""
        gone = await self._own_recs.remove(workspace, rec_id)
        if gone:
            await self._audit.audit(workspace, actor, "recommendation.remove", {"id": rec_id})
        return gone
