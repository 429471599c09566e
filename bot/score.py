"""Secure Score's part of the composition root: the refresh (verification and rules), the
``securescore`` and ``rules`` handlers, and the chart images the server serves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.schedule import ScheduleServices, build_schedule
from bot.settings import Settings
from core.audit import AuditTrail
from core.clock import Clock
from core.handlers.securescore import SecureScoreHandlers
from core.notify import Notifier
from core.ports import ChatSink
from core.publisher import CardPublisher
from core.recommendations import RecommendationService
from core.repos.labels import StateNames
from core.repos.score_rules import RuleBook, SeenRecommendations
from core.rules import RuleEngine
from core.securescore.charts import ChartImages
from core.securescore.client import GraphClient
from core.securescore.refresh import ScoreRefresher
from core.securescore.report import ScoreReports
from core.securescore.snapshot import ScoreSource
from core.securescore.verify import ScoreVerifier
from core.store.port import Store
from core.tickets import TicketService

__all__ = ["ScoreServices", "build_score"]


@dataclass(frozen=True, slots=True)
class ScoreServices:
    """What closes the Secure Score loop."""

    refresher: ScoreRefresher
    handlers: SecureScoreHandlers
    charts: ChartImages
    verifier: ScoreVerifier
    rules: RuleEngine
    #: Reminders, digests and quiet hours: what chases late tickets without flooding.
    schedule: ScheduleServices


def build_score(
    settings: Settings,
    store: Store,
    clock: Clock,
    graph: GraphClient | None,
    recommendations: RecommendationService,
    tickets: TicketService,
    notifier: Notifier,
    publisher: CardPublisher,
    sinks: Mapping[str, ChatSink],
) -> ScoreServices:
    """Secure Score's services; a done ticket's card shows its check from now on."""
    source = ScoreSource(graph, recommendations.tenant)
    verifier = ScoreVerifier(store, store, notifier, clock, settings.verify_days)
    notifier.card_note = verifier.note
    charts = ChartImages(store, clock)
    names = StateNames(store)
    rules = RuleEngine(
        RuleBook(store), SeenRecommendations(store), tickets, store, publisher, names, clock
    )
    reports = ScoreReports(source, verifier, charts, settings.public_url)
    handlers = SecureScoreHandlers(
        recommendations, reports, source, rules, AuditTrail(store), clock
    )
    schedule = build_schedule(settings, store, clock, notifier, tickets, sinks)
    refresher = ScoreRefresher(source, verifier, rules)
    return ScoreServices(refresher, handlers, charts, verifier, rules, schedule)
