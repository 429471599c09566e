"""``/snow securescore`` as Block Kit: the score and its trend as fields, the biggest open
gains by category, and the chart as an image block (Slack fetches the PNG from SnowOps's
short-lived URL)."""

from __future__ import annotations

from typing import Any

from adapters.slack.blocks_text import (
    Layout,
    context,
    escape,
    escape_entities,
    fields_sections,
    header,
    lines_sections,
    safe_url,
    section,
    truncate,
)
from core.i18n import _
from core.score_views import SecureScoreView

__all__ = ["score_layout", "score_pairs"]

JSON = dict[str, Any]
_ALT_MAX = 2000


def score_pairs(view: SecureScoreView) -> list[tuple[str, str]]:
    """The score's label/value lines, as every platform shows them."""
    return [
        (_("Score"), view.score),
        (_("Change over 7 days"), view.change_7),
        (_("Change over 30 days"), view.change_30),
        (_("Gained through SnowOps tickets"), view.gained),
    ]


def score_layout(view: SecureScoreView) -> tuple[Layout, str]:
    """The Secure Score message."""
    blocks: list[JSON] = [header(_("Microsoft Secure Score")), *fields_sections(score_pairs(view))]
    if view.categories:
        lines = [f"• *{escape(name)}*: {escape(gain)}" for name, gain in view.categories]
        blocks += [section("*" + _("Biggest open gains") + "*"), *lines_sections(lines)]
    url = safe_url(view.chart_url)
    if url is not None:
        blocks.append(
            {
                "type": "image",
                "image_url": url,
                "alt_text": truncate(view.chart_alt or _("Secure Score chart"), _ALT_MAX),
                "title": {"type": "plain_text", "text": _("Score over the last 30 days")},
            }
        )
    notes = [
        _("Tenant {tenant}, as of {when}", tenant=escape(view.tenant), when=escape(view.as_of))
    ]
    blocks.append(context(*notes, *([escape(view.hint)] if view.hint else [])))
    return Layout(head=blocks), escape_entities(_("Secure Score: {score}", score=view.score))
