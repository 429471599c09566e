"""``/snow securescore`` as Adaptive Card parts: the score and its trend as facts, the
biggest open gains by category, and the chart as an Image element (Teams fetches the PNG
from SnowOps's short-lived URL)."""

from __future__ import annotations

from typing import Any

from adapters.teams.cards_text import facts, text
from core.i18n import _
from core.score_views import SecureScoreView

__all__ = ["score_body"]

JSON = dict[str, Any]


def score_body(view: SecureScoreView) -> tuple[list[JSON], list[JSON]]:
    """The card's body (and no actions)."""
    body: list[JSON] = [
        text(_("Microsoft Secure Score"), size="Large", weight="Bolder"),
        facts(
            [
                (_("Score"), view.score),
                (_("Change over 7 days"), view.change_7),
                (_("Change over 30 days"), view.change_30),
                (_("Gained through SnowOps tickets"), view.gained),
            ]
        ),
    ]
    if view.categories:
        body += [text(_("Biggest open gains"), weight="Bolder"), facts(view.categories)]
    if view.chart_url and view.chart_url.startswith(("https://", "http://")):
        body.append(
            {
                "type": "Image",
                "url": view.chart_url,
                "altText": view.chart_alt or _("Secure Score chart"),
                "size": "Stretch",
            }
        )
    body.append(
        text(
            _("Tenant {tenant}, as of {date}", tenant=view.tenant, date=view.as_of),
            isSubtle=True,
            size="Small",
        )
    )
    if view.hint:
        body.append(text(view.hint, isSubtle=True, size="Small"))
    return body, []
