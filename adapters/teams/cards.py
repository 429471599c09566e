"""Core views → Adaptive Cards 1.5 (the highest version Teams renders).

One view is one card; a tuple of views becomes one card with their parts in order, so every
answer — a reply, an invoke response, a dialog — is a single attachment. Text is plain
(``TextBlock`` renders a little Markdown; user text keeps its characters as typed).
"""

from __future__ import annotations

from typing import Any

from adapters.teams.cards_form import form_card, home_body
from core.forms import TicketFormView
from core.views import (
    Action,
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
    "adaptive_card",
    "attachment",
    "card",
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
#: Teams shows at most six buttons in a row; more go under "…".
_MAX_ACTIONS = 6


def text(value: str, **props: Any) -> JSON:
    """A wrapping TextBlock."""
    return {"type": "TextBlock", "text": value, "wrap": True, **props}


def adaptive_card(body: list[JSON], actions: list[JSON] | None = None) -> JSON:
    """A version 1.5 card."""
    content: JSON = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": "1.5", "body": body}
    if actions:
        content["actions"] = actions[:_MAX_ACTIONS]
    return content


def attachment(content: JSON) -> JSON:
    """The card as a message attachment."""
    return {"contentType": CARD_CONTENT_TYPE, "content": content}


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


def _facts(pairs: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> JSON:
    return {"type": "FactSet", "facts": [{"title": k, "value": v or "—"} for k, v in pairs]}


def _action(action: Action) -> JSON | None:
    """A core Action as a card action; link buttons open their URL."""
    if action.url:
        return _open_url(action.label, action.url)
    if action.id in ("share_recommendation", "create_ticket"):
        verb = "share" if action.id == "share_recommendation" else "create"
        return open_dialog(action.label, verb, {"value": action.value}, primary=action.primary)
    return execute(action.label, action.id, {"value": action.value}, primary=action.primary)


def _actions(actions: tuple[Action, ...] | list[Action]) -> list[JSON]:
    return [a for a in (_action(x) for x in actions) if a is not None]


def notice_body(notice: Notice) -> tuple[list[JSON], list[JSON]]:
    """A notice: its text coloured by level, the hint in small print, the link as a button."""
    body = [text(notice.text, color=_COLOR[notice.level], weight="Bolder")]
    if notice.hint:
        body.append(text(notice.hint, isSubtle=True, size="Small"))
    actions = [_open_url("Open", notice.link)] if notice.link else []
    return body, actions


def headline(card: TicketCard) -> str:
    """``INC0010001 · Rotate the VPN certificate``."""
    return f"{card.number} · {card.title}"


def ticket_body(card: TicketCard) -> tuple[list[JSON], list[JSON]]:
    """A full ticket card: headline, facts, recent history, note, its buttons and Refresh."""
    facts = [
        ("Type", card.kind.label),
        ("State", card.state),
        ("Priority", card.priority),
        ("Due", card.due),
        ("Requested by", card.requested_by),
        ("Source", card.source),
    ]
    if card.category:
        facts.append(("Category", card.category))
    if card.recommendation_id:
        facts.append(("Recommendation", card.recommendation_id))
    body = [text(headline(card), size="Medium", weight="Bolder"), _facts(facts)]
    if card.history:
        body.append(text("Recent history", weight="Bolder", spacing="Medium"))
        body.extend(
            text(f"{h.when} · {h.who}: {h.text}", size="Small", spacing="None")
            for h in card.history[:10]
        )
    if card.note:
        body.append(text(card.note, isSubtle=True, size="Small"))
    actions = _actions(card.actions)
    actions.append(execute("Refresh", "refresh_ticket", {"value": card.number}))
    return body, actions


def compact_ticket(card: TicketCard) -> JSON:
    """One line per ticket in lists and on home cards."""
    facts = [card.state, card.priority] + ([f"due {card.due}"] if card.due != "—" else [])
    return {
        "type": "Container",
        "selectAction": _open_url("Open", card.url),
        "items": [
            text(headline(card), weight="Bolder", color="accent"),
            text(" · ".join(facts), isSubtle=True, spacing="None"),
        ],
    }


def recommendation_part(card: RecommendationCard) -> JSON:
    """A recommendation: title, summary, facts, and Share or the ticket that tracks it."""
    items = [text(card.title, size="Medium", weight="Bolder")]
    if card.summary:
        items.append(text(card.summary))
    if card.facts:
        items.append(_facts(card.facts))
    notes = []
    if card.ticket is not None:
        notes.append(f"Tracked by {card.ticket.number} ({card.ticket.state})")
    if card.note:
        notes.append(card.note)
    items.extend(text(n, isSubtle=True, size="Small") for n in notes)
    actions = _actions(card.actions)
    if card.ticket is not None:
        actions.append(_open_url(f"Open {card.ticket.number}", card.ticket.url))
    if card.url:
        actions.append(_open_url("Learn more", card.url))
    if actions:
        items.append({"type": "ActionSet", "actions": actions[:_MAX_ACTIONS]})
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": items}


def _more(more: Action | None) -> list[JSON]:
    """The next-page button: a universal action, so the page replaces the card in place."""
    return [execute(more.label, more.id, {"value": more.value})] if more else []


def _parts(view: View) -> tuple[list[JSON], list[JSON]]:
    match view:
        case Notice():
            return notice_body(view)
        case TicketCard():
            return ticket_body(view)
        case RecommendationCard():
            return [recommendation_part(view)], []
        case RecommendationListView():
            body = [text(view.title, size="Large", weight="Bolder")]
            body += [text(n, isSubtle=True) for n in (view.note, view.hint) if n]
            body += [recommendation_part(c) for c in view.cards] or [text(view.empty_text)]
            return body, _more(view.more)
        case TicketListView():
            body = [text(view.title, size="Large", weight="Bolder")]
            if view.note:
                body.append(text(view.note, isSubtle=True))
            body += [compact_ticket(c) for c in view.cards] or [text(view.empty_text)]
            actions = _more(view.more)
            if view.servicenow_list_url:
                actions.append(_open_url("Open the list in ServiceNow", view.servicenow_list_url))
            return body, actions
        case HomeView():
            return home_body(view, _actions(view.actions))
        case HelpView():
            where = (
                f"Connected to {view.instance_url}."
                if view.connected
                else "Not connected to ServiceNow yet: an admin runs snow connect <instance>."
            )
            body = [
                text("SnowOps", size="Large", weight="Bolder"),
                text(f"{where} Message me `snow <command>` or mention me."),
                _facts([(f"snow {usage}", what) for usage, what in view.commands]),
            ]
            return body, []
        case StatusView():
            mark = "✅" if view.healthy else "⚠️"
            body = [text(f"{mark} {view.title}", size="Medium", weight="Bolder")]
            if view.lines:
                body.append(_facts(view.lines))
            if view.hint:
                body.append(text(view.hint, isSubtle=True, size="Small"))
            return body, []
        case StatesView():
            rows = [
                (f"{v}", shown + (f" ({d})" if shown != d else "")) for v, shown, d in view.states
            ]
            body = [text(f"{view.kind.label} states", weight="Bolder"), _facts(rows)]
            if view.can_edit:
                body.append(text('Rename one: snow states incident 2 "Being fixed"', isSubtle=True))
            return body, []
        case TicketFormView():
            content = form_card(view, inline=True)
            return list(content["body"]), list(content.get("actions", []))
        case tuple():
            body, actions = [], []
            for i, part in enumerate(view):
                b, a = _parts(part)
                if i and b:
                    b = [{"type": "Container", "separator": True, "items": b}]
                body += b
                actions += a
            return body, actions
    raise TypeError(f"no card for {type(view).__name__}")


def card(view: View) -> JSON:
    """The Adaptive Card of a view."""
    body, actions = _parts(view)
    return adaptive_card(body or [text(" ")], actions)


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
            return "SnowOps home"
        case TicketFormView():
            return view.title
    return "SnowOps"
