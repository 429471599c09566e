"""Recommendations → cards: gain, impact, cost, status, and Share or the tracking ticket."""

from __future__ import annotations

from core import commands as c
from core.forms import DESCRIPTION_MAX, NAME_MAX, TicketFormView
from core.models import Recommendation, RecommendationSource, TicketKind
from core.recommendations import RecommendationItem, RecommendationPage
from core.views import Button, RecommendationCard, RecommendationListView, TicketCard, sentence

__all__ = ["recommendation_card", "recommendation_list", "share_form"]

SUMMARY_MAX = 280
_STATE_NOTES = {
    "Ignored": "Marked Ignored in Secure Score.",
    "ThirdParty": "Marked as handled by a third-party tool in Secure Score.",
    "Reviewed": "Marked Reviewed in Secure Score.",
}


def _points(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def recommendation_card(item: RecommendationItem, ticket: TicketCard | None) -> RecommendationCard:
    """The card of one recommendation."""
    rec = item.recommendation
    facts: list[tuple[str, str]] = [("Category", rec.category), ("Source", rec.source.value)]
    if rec.source is RecommendationSource.MICROSOFT:
        percent = "" if rec.percent is None else f" ({rec.percent:g}%)"
        facts += [
            ("Score to gain", f"+{_points(rec.gain)} points"),
            ("Current score", f"{_points(rec.current_score)} of {_points(rec.max_score)}{percent}"),
            ("User impact", rec.user_impact or "Unknown"),
            ("Implementation cost", rec.implementation_cost or "Unknown"),
        ]
        if rec.threats:
            facts.append(("Threats", ", ".join(rec.threats[:4])))
    status = _shorten(rec.implementation_status, 200)
    summary = status or _shorten(rec.description, SUMMARY_MAX)
    buttons: tuple[Button, ...] = ()
    if ticket is None:
        buttons = (Button("Share to ServiceNow", c.Share(rec.id), primary=True),)
    note = _STATE_NOTES.get(rec.state, "")
    brief = [rec.category, rec.source.value]
    if rec.source is RecommendationSource.MICROSOFT:
        brief.insert(0, f"+{_points(rec.gain)} points")
    return RecommendationCard(
        id=rec.id,
        title=rec.title,
        category=rec.category,
        source=rec.source.value,
        summary=summary,
        facts=tuple(facts),
        url=rec.url,
        ticket=ticket,
        note=note,
        buttons=buttons,
        brief=" · ".join(brief),
    )


def recommendation_list(
    page: RecommendationPage, cards: tuple[RecommendationCard, ...]
) -> RecommendationListView:
    """A page of cards, a 'More' button, and a note when Microsoft's are missing."""
    title = f"{page.category} recommendations" if page.category else "Recommendations"
    note = hint = ""
    if page.graph_problem is not None:
        note = f"Microsoft Secure Score: {sentence(page.graph_problem.message)}"
        hint = page.graph_problem.hint
    elif page.hidden_done:
        achieved = (
            "1 recommendation achieved in full is"
            if page.hidden_done == 1
            else (f"{page.hidden_done} recommendations achieved in full are")
        )
        note = f"{achieved} hidden; add 'all' to see them."
    more = None
    if page.offset + page.limit < page.total:
        number = page.offset // page.limit + 2
        command = c.Recommendations(page.category, page.include_done, number)
        more = Button(f"Next page ({number})", command)
    empty = "No recommendations to show."
    if page.graph_problem is not None:
        empty = 'Add your own with /snow recommendations add identity "Title".'
    return RecommendationListView(title, cards, note, hint, empty, more)


def share_form(rec: Recommendation) -> TicketFormView:
    """The ticket form prefilled from a recommendation (name, remediation, action URL)."""
    description = rec.description
    if rec.url:
        description = f"{description}\n\nAction: {rec.url}".strip()
    if len(description) > DESCRIPTION_MAX:
        tail = f"…\n\n(shortened; full text: {rec.url})" if rec.url else "…"
        description = description[: DESCRIPTION_MAX - len(tail)].rstrip() + tail
    return TicketFormView(
        kind=TicketKind.INCIDENT,
        name=rec.title[:NAME_MAX],
        description=description,
        category=rec.category,
        source=rec.source,
        recommendation_id=rec.id,
        recommendation_url=rec.url,
        title="Share to ServiceNow",
    )
