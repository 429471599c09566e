"""``/snow securescore``: the tenant's score now, its change over 7 and 30 days, the points
gained through SnowOps tickets, the biggest open gains by category, and a chart of the
last 30 days (a PNG SnowOps draws and serves from a short-lived URL)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import timedelta

from core.i18n import format_date, gettext, ngettext
from core.score_views import SecureScoreView
from core.securescore.chart import line_chart_png, sparkline
from core.securescore.charts import CHART_PATH, ChartImages
from core.securescore.mapping import category_name
from core.securescore.snapshot import ScoreSource, TenantScores
from core.securescore.verify import ScoreVerifier, points

__all__ = ["ScoreReports", "change_over", "open_gains"]

#: Days the chart shows.
CHART_DAYS = 30
#: Categories listed, biggest gain first.
CATEGORIES_SHOWN = 5


def change_over(scores: TenantScores, days: int) -> str:
    """``+4.5``, ``-2`` or ``0`` since ``days`` days before the newest score; ``—`` when
    Graph has no score that old."""
    latest = scores.latest
    if latest is None:
        return "—"
    then = next((d for d in scores.days if d.day <= latest.day - timedelta(days=days)), None)
    if then is None:
        return "—"
    delta = round(latest.current - then.current, 2)
    return f"+{points(delta)}" if delta > 0 else ("0" if delta == 0 else f"-{points(-delta)}")


def open_gains(scores: TenantScores) -> tuple[tuple[str, str], ...]:
    """The categories with the most points still to gain, with how many actions hold them."""
    gains: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for rec in scores.recommendations:
        if rec.gain:
            gains[rec.category] += rec.gain
            counts[rec.category] += 1
    ranked = sorted(gains, key=lambda c: (-gains[c], c))[:CATEGORIES_SHOWN]
    return tuple(
        (
            category_name(c),
            ngettext(
                "+{points} points in {n} action",
                "+{points} points in {n} actions",
                counts[c],
                points=points(gains[c]),
            ),
        )
        for c in ranked
    )


class ScoreReports:
    """Builds the Secure Score view of a workspace."""

    def __init__(
        self, source: ScoreSource, verifier: ScoreVerifier, charts: ChartImages, public_url: str
    ) -> None:
        self._source = source
        self._verifier = verifier
        self._charts = charts
        self._public_url = public_url.rstrip("/")

    async def view(self, workspace: str) -> SecureScoreView:
        """The view ``/snow securescore`` shows (GraphError when Graph cannot say)."""
        scores = await self._source.snapshot(workspace)
        latest = scores.latest
        if latest is None:
            return SecureScoreView(
                scores.tenant, "—", "—", "—", "—", "—", (), "",
                hint=gettext("Microsoft Graph has no Secure Score for this tenant yet (it is "
                "computed once a day)."),
            )  # fmt: skip
        oldest = latest.day - timedelta(days=CHART_DAYS - 1)
        history = [d.current for d in reversed(scores.days) if d.day >= oldest]
        png = await asyncio.to_thread(line_chart_png, history)
        token = await self._charts.put(png)
        gained = await self._verifier.gained(workspace)
        percent = round(latest.current / latest.maximum * 100) if latest.maximum else 0
        return SecureScoreView(
            tenant=scores.tenant,
            score=gettext(
                "{current} of {maximum} ({percent}%)",
                current=points(latest.current),
                maximum=points(latest.maximum),
                percent=percent,
            ),
            as_of=format_date(latest.day),
            change_7=change_over(scores, 7),
            change_30=change_over(scores, 30),
            gained=gettext("+{points} points", points=points(gained))
            if gained
            else gettext("none verified yet"),
            categories=open_gains(scores),
            sparkline=sparkline(history),
            chart_url=f"{self._public_url}{CHART_PATH}/{token}.png",
            chart_alt=ngettext(
                "Secure Score over the last {n} day, {first} to {last}",
                "Secure Score over the last {n} days, {first} to {last}",
                len(history),
                first=points(history[0]),
                last=points(history[-1]),
            ),
        )
