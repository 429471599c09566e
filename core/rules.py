"""Rules that open tickets on a Secure Score refresh.

``when "new recommendation" [category C] [points>=N]``: a recommendation Microsoft lists
now that the workspace had not seen at the last refresh, worth at least N points.
``when "score drops" by>=N``: the tenant's newest daily score is N or more points below
the day before. Either opens an incident or a change, announced (its card) in the channel
where the rule was made.

Rules run on every replica's refresh; nothing is opened twice: a recommendation ticket
has the same correlation id as a manual share (a control already tracked, in any state,
never gets another), and every ticket a rule opens has an idempotency key of the rule and
what it saw, so two replicas evaluating at once make one ticket and one announcement.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from core.clock import Clock
from core.errors import InProgressError
from core.grammar_rules import NEW_RECOMMENDATION, condition_text
from core.i18n import DEFAULT_LOCALE, _, use_locale
from core.models import Priority, Recommendation, RecommendationSource, TicketRequest
from core.publisher import CardPublisher
from core.repos.labels import StateNames
from core.repos.score_rules import Rule, RuleBook, SeenRecommendations
from core.securescore.snapshot import TenantScores
from core.securescore.verify import points
from core.servicenow.mapping import correlation_id
from core.storage import TicketStore
from core.tickets import TicketService
from core.views import ticket_card

__all__ = ["RuleEngine"]

log = logging.getLogger(__name__)

_NAME_MAX = 160
_DESCRIPTION_MAX = 3000


class RuleEngine:
    """Evaluates a workspace's rules against one refresh's scores."""

    def __init__(
        self,
        rules: RuleBook,
        seen: SeenRecommendations,
        tickets: TicketService,
        store: TicketStore,
        publisher: CardPublisher,
        names: StateNames,
        clock: Clock,
    ) -> None:
        self.rules = rules
        self._seen = seen
        self._tickets = tickets
        self._store = store
        self._publisher = publisher
        self._names = names
        self._clock = clock
        #: The workspace's language (WorkspaceLanguage.language), which the card's note is
        #: written in; English when not given. What goes to ServiceNow (a score drop's
        #: title and description) stays English: it is ServiceNow's record.
        self.language: Callable[[str], Awaitable[str]] | None = None

    async def seed(self, workspace: str, scores: TenantScores) -> None:
        """Remember what the tenant lists now, once, so only later ones count as new."""
        if await self._seen.get(workspace) is None:
            await self._seen.put(workspace, {r.id for r in scores.recommendations})

    async def evaluate(self, workspace: str, scores: TenantScores) -> int:
        """Run every rule of ``workspace``; returns how many tickets were opened."""
        rules = await self.rules.list(workspace)
        seen = await self._seen.get(workspace)
        current = {r.id for r in scores.recommendations}
        if seen is None or not rules:
            await self._seen.put(workspace, current)
            return 0
        fresh = [r for r in scores.recommendations if r.id not in seen]
        retry: set[str] = set()
        opened = 0
        for number, rule in enumerate(rules, start=1):
            if rule.spec.trigger == NEW_RECOMMENDATION:
                for rec in fresh:
                    made = await self._for_recommendation(rule, number, rec)
                    if made is None:
                        retry.add(rec.id)
                    opened += made or 0
            else:
                opened += await self._for_drop(rule, number, scores) or 0
        # A recommendation whose ticket could not be opened is new again next time.
        await self._seen.put(workspace, (seen | current) - retry)
        return opened

    @staticmethod
    def _matches(rule: Rule, rec: Recommendation) -> bool:
        spec = rule.spec
        if rec.source is not RecommendationSource.MICROSOFT or not rec.gain:
            return False
        if spec.category and rec.category != spec.category:
            return False
        return rec.gain >= spec.min_points

    async def _for_recommendation(self, rule: Rule, number: int, rec: Recommendation) -> int | None:
        if not self._matches(rule, rec):
            return 0
        ws = rule.channel.workspace
        if await self._store.find_ticket_by_correlation(ws, correlation_id(ws, f"rec:{rec.id}")):
            return 0  # tracked already (open or not): never a second ticket
        request = self._request(
            rule,
            rec.title,
            rec.description or rec.title,
            f"rule:{rule.id}:rec:{rec.id}",
            recommendation=rec,
        )
        return await self._open(rule, number, request)

    async def _for_drop(self, rule: Rule, number: int, scores: TenantScores) -> int | None:
        if len(scores.days) < 2:
            return 0
        latest, before = scores.days[0], scores.days[1]
        fell = round(before.current - latest.current, 2)
        if fell < rule.spec.drop or latest.day < rule.created_at.date():
            return 0
        lost = [
            f"- {name}: {points(old)} → {points(latest.controls.get(name, 0.0))}"
            for name, old in sorted(before.controls.items())
            if latest.controls.get(name, 0.0) < old
        ]
        title = (
            f"Secure Score fell {points(fell)} points on {latest.day.isoformat()}: "
            f"{points(before.current)} → {points(latest.current)}"
        )
        text = "\n".join([f"{title}.", "Controls that lost points:", *lost])
        key = f"rule:{rule.id}:drop:{latest.day.isoformat()}"
        return await self._open(rule, number, self._request(rule, title, text, key))

    def _request(
        self,
        rule: Rule,
        title: str,
        description: str,
        key: str,
        recommendation: Recommendation | None = None,
    ) -> TicketRequest:
        return TicketRequest(
            workspace=rule.channel.workspace,
            kind=rule.spec.kind,
            name=title[:_NAME_MAX],
            description=description[:_DESCRIPTION_MAX],
            priority=Priority(rule.spec.priority),
            requester=rule.by,
            source=RecommendationSource.MICROSOFT,
            category=recommendation.category if recommendation else None,
            recommendation_id=recommendation.id if recommendation else None,
            recommendation_url=recommendation.url if recommendation else None,
            idempotency_key=key,
            origin=rule.channel,
        )

    async def _open(self, rule: Rule, number: int, request: TicketRequest) -> int | None:
        """Open the ticket and announce it; 1 if this call made it, 0 if it existed, None
        when it could not be opened (tried again on the next refresh)."""
        try:
            outcome = await self._tickets.create(request)
        except InProgressError:
            return 0  # another replica is opening it right now
        except Exception as exc:
            log.warning(
                "rule %s of %s could not open a ticket: %s", number, rule.channel.workspace, exc
            )
            return None
        if not outcome.created:
            return 0
        ticket = outcome.ticket
        names = await self._names.names(ticket.workspace, ticket.kind)
        language = await self.language(ticket.workspace) if self.language else DEFAULT_LOCALE
        with use_locale(language):
            note = _(
                "Opened by rule {number}: {condition}",
                number=number,
                condition=condition_text(rule.spec),
            )
            card = ticket_card(ticket, names, note)
        await self._publisher.publish(ticket.workspace, card, rule.channel, rule.by.user_id)
        return 1
