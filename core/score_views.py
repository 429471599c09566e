"""Views of Secure Score: the tenant's score with its trend (``/snow securescore``).

Like every view, plain display-ready strings; renderers escape them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SecureScoreView"]


@dataclass(frozen=True, slots=True)
class SecureScoreView:
    """The tenant's Secure Score now, its change over 7 and 30 days, the points gained
    through SnowOps tickets, the biggest open gains by category, and the last 30 days as
    a chart (an image URL) and a sparkline (text)."""

    tenant: str
    score: str  # "57.5 of 120 (48%)"
    as_of: str  # the day Graph's newest score is of
    change_7: str  # "+4.5", "-2", "0" or "—" when Graph has no score that old
    change_30: str
    gained: str  # "+9 points through 1 ticket"
    categories: tuple[tuple[str, str], ...]  # ("Identity", "+27 points in 4 actions")
    sparkline: str
    chart_url: str | None = None
    chart_alt: str = ""
    hint: str = ""
