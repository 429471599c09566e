"""Core views → Adaptive Cards 1.5 (the highest version Teams renders).

One view is one card; a tuple of views becomes one card with their parts in order, so every
answer — a reply, an invoke response, a dialog — is a single attachment. Every string of a
view is plain text, shown exactly as typed: :func:`~adapters.teams.cards_text.text` and
:func:`~adapters.teams.cards_text.facts` put it where Teams reads no Markdown.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from microsoft_agents.activity import Attachment

from adapters.teams.cards_form import config_body, form_card, home_body
from adapters.teams.cards_layout import (
    action_sets,
    confirm_body,
    help_body,
    recommendation_list_body,
    tracked_by,
)
from adapters.teams.cards_score import score_body
from adapters.teams.cards_text import facts, text
from core.actions import FormContext, button_value
from core.forms import TicketFormView
from core.i18n import _
from core.score_views import SecureScoreView
from core.views import (
    Button,
    ConfigurationView,
    ConfirmView,
    HelpView,
    HomeView,
    Notice,
    NoticeLevel,
    RecommendationCard,
    RecommendationListView,
    StatesView,
    StatusView,
    TicketCard,
    TicketListView,
    View,
)

__all__ = [
    "CARD_CONTENT_TYPE",
    "COMMAND_VERB",
    "adaptive_card",
    "attachment",
    "card",
    "card_attachment",
    "execute",
    "open_dialog",
    "summary_text",
    "text",
]

JSON = dict[str, Any]

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
_COLOR = {
    NoticeLevel.SUCCESS: "good",
    NoticeLevel.WARNING: "warning",
    NoticeLevel.ERROR: "attention",
    NoticeLevel.INFO: "default",
}
#: Teams shows at most six buttons in a row; more go under "…" (``mode: secondary``).
_MAX_ACTIONS = 6
#: The verb of every button that runs a command (its data's ``value`` is the command text).
COMMAND_VERB = "snow"


def adaptive_card(body: list[JSON], actions: list[JSON] | None = None) -> JSON:
    """A version 1.5 card."""
    content: JSON = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": "1.5", "body": body}
    if actions:
        # Past six, Teams shows buttons only in the card's "…" (overflow) menu.
        overflow = [{**a, "mode": "secondary"} for a in actions[_MAX_ACTIONS:]]
        content["actions"] = actions[:_MAX_ACTIONS] + overflow
    return content


def attachment(content: JSON) -> JSON:
    """The card as an attachment in JSON (a dialog's ``card``)."""
    return {"contentType": CARD_CONTENT_TYPE, "content": content}


def card_attachment(content: JSON) -> Attachment:
    """The card as a message attachment."""
    return Attachment(content_type=CARD_CONTENT_TYPE, content=content)


def execute(title: str, verb: str, data: JSON | None = None, *, primary: bool = False) -> JSON:
    """A universal action: Teams sends ``adaptiveCard/action`` and shows the card we answer."""
    action: JSON = {"type": "Action.Execute", "title": title, "verb": verb, "data": data or {}}
    if primary:
        action["style"] = "positive"
    return action


def open_dialog(title: str, verb: str, data: JSON | None = None, *, primary: bool = False) -> JSON:
    """A button that opens a dialog (``task/fetch`` with ``data``)."""
    action: JSON = {
        "type": "Action.Submit",
        "title": title,
        "data": {"msteams": {"type": "task/fetch"}, "verb": verb, **(data or {})},
    }
    if primary:
        action["style"] = "positive"
    return action


def _open_url(title: str, url: str) -> JSON:
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def button(b: Button) -> JSON | None:
    """A core Button as a card action: a link opens its URL; a command that may answer with
    a form opens a dialog; any other command is a universal action."""
    if b.url:
        return _open_url(b.label, b.url)
    # Adaptive Cards have no confirmation dialog: a button that asks first runs the
    # command whose answer is the confirmation step.
    command = b.ask or b.command
    if command is None:
        return None
    data = {"value": button_value(command)}
    if command.forms:
        return open_dialog(b.label, COMMAND_VERB, data, primary=b.primary)
    action = execute(b.label, COMMAND_VERB, data, primary=b.primary)
    if b.confirm or b.danger:
        action["style"] = "destructive"
    return action


def _actions(buttons: tuple[Button, ...] | list[Button]) -> list[JSON]:
    return [a for a in (button(x) for x in buttons) if a is not None]


def notice_body(notice: Notice) -> tuple[list[JSON], list[JSON]]:
    """A notice: its text coloured by level, the hint in small print, the link as a button."""
    body = [text(notice.text, color=_COLOR[notice.level], weight="Bolder")]
    if notice.hint:
        body.append(text(notice.hint, isSubtle=True, size="Small"))
    actions = [_open_url(_("Open"), notice.link)] if notice.link else []
    return body, actions


def headline(card: TicketCard) -> str:
    """``INC0010001 · Rotate the VPN certificate``."""
    return f"{card.number} · {card.title}"


def ticket_body(card: TicketCard) -> tuple[list[JSON], list[JSON]]:
    """A full ticket card: headline, facts, recent history, note, then its buttons in rows
    that fit Teams' width (all of them shown; none in the "…" menu)."""
    pairs = [
        (_("Type"), card.kind.label),
        (_("State"), card.state),
        (_("Priority"), card.priority),
        (_("Due"), card.due),
        (_("Requested by"), card.requested_by),
        (_("Source"), card.source),
    ]
    if card.category:
        pairs.append((_("Category"), card.category))
    if card.recommendation_id:
        pairs.append((_("Recommendation"), card.recommendation_id))
    body = [text(headline(card), size="Medium", weight="Bolder"), facts(pairs)]
    if card.history:
        body.append(text(_("Recent history"), weight="Bolder", spacing="Medium"))
        body.extend(
            text(f"{h.when} · {h.who}: {h.text}", size="Small", spacing="None")
            for h in card.history[:10]
        )
    if card.note:
        body.append(text(card.note, isSubtle=True, size="Small"))
    # In rows that fit Teams' width: a card-level row of six or seven cuts every title short.
    return body + action_sets(_actions(card.buttons)), []


def compact_ticket(card: TicketCard) -> JSON:
    """One line per ticket in lists and on home cards."""
    due = [_("due {date}", date=card.due)] if card.due != "—" else []
    line = [card.state, card.priority, *due]
    return {
        "type": "Container",
        "selectAction": _open_url(_("Open"), card.url),
        "items": [
            text(headline(card), weight="Bolder", color="accent"),
            text(" · ".join(line), isSubtle=True, spacing="None"),
        ],
    }


def recommendation_part(card: RecommendationCard) -> JSON:
    """A recommendation: title, summary, facts, and Share or the ticket that tracks it."""
    items = [text(card.title, size="Medium", weight="Bolder")]
    if card.summary:
        items.append(text(card.summary))
    if card.facts:
        items.append(facts(card.facts))
    notes = []
    if card.ticket is not None:
        notes.append(tracked_by(card.ticket))
    if card.note:
        notes.append(card.note)
    items.extend(text(n, isSubtle=True, size="Small") for n in notes)
    actions = _actions(card.buttons)
    if card.ticket is not None:
        actions.append(_open_url(_("Open {number}", number=card.ticket.number), card.ticket.url))
    if card.url:
        actions.append(_open_url(_("Learn more"), card.url))
    if actions:
        items.append({"type": "ActionSet", "actions": actions[:_MAX_ACTIONS]})
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": items}


def _more(more: Button | None) -> list[JSON]:
    """The next-page button: a universal action, so the page replaces the card in place."""
    return _actions([more]) if more else []


def _recommendation_actions(card: RecommendationCard) -> list[JSON]:
    # In a list, no card's button is the card's one primary action.
    actions = _actions([replace(b, primary=False) for b in card.buttons])
    if card.ticket is not None:
        actions.append(_open_url(_("Open {number}", number=card.ticket.number), card.ticket.url))
    return actions


def _recommendation_list(view: RecommendationListView) -> tuple[list[JSON], list[JSON]]:
    return recommendation_list_body(view, _recommendation_actions), _more(view.more)


def _ticket_list(view: TicketListView) -> tuple[list[JSON], list[JSON]]:
    body = [text(view.title, size="Large", weight="Bolder")]
    if view.note:
        body.append(text(view.note, isSubtle=True))
    body += [compact_ticket(c) for c in view.cards] or [text(view.empty_text)]
    actions = _more(view.more)
    if view.servicenow_list_url:
        actions.append(_open_url(_("Open the list in ServiceNow"), view.servicenow_list_url))
    return body, actions


def _status(view: StatusView) -> tuple[list[JSON], list[JSON]]:
    mark = "✅" if view.healthy else "⚠️"
    body = [text(f"{mark} {view.title}", size="Medium", weight="Bolder")]
    if view.lines:
        body.append(facts(view.lines))
    if view.hint:
        body.append(text(view.hint, isSubtle=True, size="Small"))
    return body, []


def _states(view: StatesView) -> tuple[list[JSON], list[JSON]]:
    rows = [(f"{v}", shown + (f" ({d})" if shown != d else "")) for v, shown, d in view.states]
    body = [text(_("{kind} states", kind=view.kind.label), weight="Bolder"), facts(rows)]
    if view.can_edit:
        body.append(text(_('Rename one: snow states incident 2 "Being fixed"'), isSubtle=True))
    return body, []


def _several(views: tuple[View, ...]) -> tuple[list[JSON], list[JSON]]:
    body: list[JSON] = []
    actions: list[JSON] = []
    for i, part in enumerate(views):
        b, a = _parts(part)
        if i and b:
            b = [{"type": "Container", "separator": True, "items": b}]
        body += b
        actions += a
    return body, actions


def _parts(view: View) -> tuple[list[JSON], list[JSON]]:
    match view:
        case Notice():
            return notice_body(view)
        case TicketCard():
            return ticket_body(view)
        case RecommendationCard():
            return [recommendation_part(view)], []
        case RecommendationListView():
            return _recommendation_list(view)
        case TicketListView():
            return _ticket_list(view)
        case HomeView():
            return home_body(view, _actions(view.buttons))
        case ConfigurationView():
            return config_body(view, _status(view.status)[0], _actions(view.buttons))
        case HelpView():
            return help_body(view), []
        case ConfirmView():
            confirm, cancel = _actions([view.confirm, view.cancel])
            return confirm_body(view, confirm, cancel), []
        case StatusView():
            return _status(view)
        case StatesView():
            return _states(view)
        case SecureScoreView():
            return score_body(view)
        case TicketFormView():
            content = form_card(view, FormContext.of(view), inline=True)
            return list(content["body"]), list(content.get("actions", []))
        case tuple():
            return _several(view)
    raise TypeError(f"no card for {type(view).__name__}")


def card(view: View) -> JSON:
    """The Adaptive Card of a view."""
    body, actions = _parts(view)
    return adaptive_card(body or [{"type": "TextBlock", "text": " "}], actions)


def summary_text(view: View) -> str:
    """What Teams shows in notifications and the chat list for a card."""
    match view:
        case Notice():
            return view.text
        case TicketCard():
            return f"{headline(view)} ({view.state})"
        case tuple() if view:
            return summary_text(view[0])
        case RecommendationListView() | TicketListView():
            return view.title
        case HomeView():
            return _("SnowOps home")
        case SecureScoreView():
            return _("Secure Score: {score}", score=view.score)
        case ConfirmView():
            return view.title
        case TicketFormView():
            return view.title
    return "SnowOps"
