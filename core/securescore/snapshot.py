"""A tenant's Secure Score as one refresh reads it: the daily scores (newest first) and the
recommendations joined to the newest day. Verification, the report and the rules all
work from one such snapshot, so a refresh reads Graph once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.i18n import gettext
from core.models import Recommendation
from core.securescore.client import GraphClient
from core.securescore.errors import GraphNotConfigured
from core.securescore.mapping import join_recommendations

__all__ = ["DailyScore", "ScoreSource", "TenantScores", "daily_scores"]

#: Days of history a refresh reads: the chart's 30 days and the day before them.
HISTORY_DAYS = 31


@dataclass(frozen=True, slots=True)
class DailyScore:
    """One day's secureScore entity: the tenant's score, its maximum, each control's score."""

    day: date
    current: float
    maximum: float
    controls: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TenantScores:
    """What one refresh read of a tenant."""

    tenant: str
    days: tuple[DailyScore, ...]  # newest first
    recommendations: tuple[Recommendation, ...]

    @property
    def latest(self) -> DailyScore | None:
        """The newest day, if Graph had any."""
        return self.days[0] if self.days else None

    def on_or_before(self, day: date) -> DailyScore | None:
        """The newest entry of ``day`` or earlier (the oldest one kept when none is)."""
        for entry in self.days:
            if entry.day <= day:
                return entry
        return self.days[-1] if self.days else None

    def recommendation(self, control_id: str) -> Recommendation | None:
        """One of Microsoft's recommendations by control id."""
        return next((r for r in self.recommendations if r.id == control_id), None)


def _number(value: Any) -> float:
    try:
        return float(value) if not isinstance(value, bool) else 0.0
    except (TypeError, ValueError):
        return 0.0


def daily_scores(entities: list[dict[str, Any]]) -> list[DailyScore]:
    """Graph's secureScore entities → daily scores, newest first (one per day)."""
    out: dict[date, DailyScore] = {}
    for entity in entities:
        try:
            day = date.fromisoformat(str(entity.get("createdDateTime", ""))[:10])
        except ValueError:
            continue  # an entity without a readable day cannot be placed on the chart
        controls = {
            str(c["controlName"]): _number(c.get("score"))
            for c in entity.get("controlScores") or []
            if isinstance(c, dict) and c.get("controlName")
        }
        current, maximum = _number(entity.get("currentScore")), _number(entity.get("maxScore"))
        out.setdefault(day, DailyScore(day, current, maximum, controls))
    return [out[day] for day in sorted(out, reverse=True)]


class ScoreSource:
    """Reads a workspace's tenant from Graph: profiles and the last month's daily scores."""

    def __init__(
        self, graph: GraphClient | None, tenant_of: Callable[[str], Awaitable[str | None]]
    ) -> None:
        self._graph = graph
        self._tenant_of = tenant_of

    async def snapshot(self, workspace: str) -> TenantScores:
        """The tenant's scores now; GraphNotConfigured when there is no Graph or tenant."""
        if self._graph is None:
            raise GraphNotConfigured(gettext("not connected"))
        tenant = await self._tenant_of(workspace)
        if tenant is None:
            raise GraphNotConfigured(
                gettext("this workspace is not linked to a Microsoft tenant"),
                hint=gettext("An admin links it with /snow securescore <tenant-id>."),
            )
        entities = await self._graph.score_history(tenant, HISTORY_DAYS)
        profiles = await self._graph.control_profiles(tenant)
        recs = join_recommendations(profiles, entities[0] if entities else None)
        return TenantScores(tenant, tuple(daily_scores(entities)), tuple(recs))
