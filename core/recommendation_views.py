"""Recommendations → cards: gain, impact, cost, status, and Share or the tracking ticket."""

from __future__ import annotations

from core import commands as c
from core.forms import DESCRIPTION_MAX, NAME_MAX, TicketFormView
from core.i18n import N_, _, format_number, ngettext
from core.models import Recommendation, RecommendationSource, TicketKind
from core.recommendations import RecommendationItem, RecommendationPage
from core.views import (
    Button,
    RecommendationCard,
    RecommendationListView,
    TicketCard,
    category_label,
    sentence,
    source_label,
)

__all__ = ["category_label", "recommendation_card", "recommendation_list", "share_form"]

SUMMARY_MAX = 280
_STATE_NOTES = {
    "Ignored": N_("Marked Ignored in Secure Score."),
    "ThirdParty": N_("Marked as handled by a third-party tool in Secure Score."),
    "Reviewed": N_("Marked Reviewed in Secure Score."),
}
#: Graph's words for a user impact and an implementation cost.
_LEVELS = {"Low": N_("Low"), "Moderate": N_("Moderate"), "High": N_("High")}


def _level(value: str | None) -> str:
    if not value:
        return _("Unknown")
    label = _LEVELS.get(value)
    return _(label) if label else value


def _points(value: float | None) -> str:
    return "—" if value is None else format_number(round(value, 6))


def _gain(value: float | None) -> str:
    """``+9 points`` (``—`` unknown)."""
    if value is None:
        return _("+— points")
    return ngettext("+{n} point", "+{n} points", 1 if value == 1 else 2, n=_points(value))


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _current(rec: Recommendation) -> str:
    """``57.5 of 120 (48%)``."""
    score, most = _points(rec.current_score), _points(rec.max_score)
    if rec.percent is None:
        return _("{score} of {max}", score=score, max=most)
    percent = _points(rec.percent)
    return _("{score} of {max} ({percent}%)", score=score, max=most, percent=percent)


def recommendation_card(item: RecommendationItem, ticket: TicketCard | None) -> RecommendationCard:
    """The card of one recommendation."""
    rec = item.recommendation
    category, source = category_label(rec.category), source_label(rec.source)
    facts: list[tuple[str, str]] = [(_("Category"), category), (_("Source"), source)]
    if rec.source is RecommendationSource.MICROSOFT:
        facts += [
            (_("Score to gain"), _gain(rec.gain)),
            (_("Current score"), _current(rec)),
            (_("User impact"), _level(rec.user_impact)),
            (_("Implementation cost"), _level(rec.implementation_cost)),
        ]
        if rec.threats:
            facts.append((_("Threats"), ", ".join(rec.threats[:4])))
    status = _shorten(rec.implementation_status, 200)
    summary = status or _shorten(rec.description, SUMMARY_MAX)
    buttons: tuple[Button, ...] = ()
    if ticket is None:
        buttons = (Button(_("Share to ServiceNow"), c.Share(rec.id), primary=True),)
    state_note = _STATE_NOTES.get(rec.state)
    note = _(state_note) if state_note else ""
    brief = [category, source]
    if rec.source is RecommendationSource.MICROSOFT:
        brief.insert(0, _gain(rec.gain))
    return RecommendationCard(
        id=rec.id,
        title=rec.title,
        category=category,
        source=source,
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
    title = _("Recommendations")
    if page.category:
        title = _("{category} recommendations", category=category_label(page.category))
    note = hint = ""
    if page.graph_problem is not None:
        problem = sentence(page.graph_problem.message)
        note = _("Microsoft Secure Score: {problem}", problem=problem)
        hint = page.graph_problem.hint
    elif page.hidden_done:
        note = ngettext(
            "{n} recommendation achieved in full is hidden; add 'all' to see it.",
            "{n} recommendations achieved in full are hidden; add 'all' to see them.",
            page.hidden_done,
        )
    more = None
    if page.offset + page.limit < page.total:
        number = page.offset // page.limit + 2
        command = c.Recommendations(page.category, page.include_done, number)
        more = Button(_("Next page ({number})", number=number), command)
    empty = _("No recommendations to show.")
    if page.graph_problem is not None:
        empty = _('Add your own with /snow recommendations add identity "Title".')
    return RecommendationListView(title, cards, note, hint, empty, more)


def share_form(rec: Recommendation) -> TicketFormView:
    """The ticket form prefilled from a recommendation (name, remediation, action URL)."""
    description = rec.description
    if rec.url:
        action = _("Action: {url}", url=rec.url)
        description = f"{description}\n\n{action}".strip()
    if len(description) > DESCRIPTION_MAX:
        shortened = _("(shortened; full text: {url})", url=rec.url)
        tail = f"…\n\n{shortened}" if rec.url else "…"
        description = description[: DESCRIPTION_MAX - len(tail)].rstrip() + tail
    return TicketFormView(
        kind=TicketKind.INCIDENT,
        name=rec.title[:NAME_MAX],
        description=description,
        category=rec.category,
        source=rec.source,
        recommendation_id=rec.id,
        recommendation_url=rec.url,
        title=_("Share to ServiceNow"),
    )
