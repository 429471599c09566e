"""Card layouts measured at Teams' width: help, recommendation lists, the confirmation step,
and buttons in rows that fit.

Measured with Microsoft's own renderer at 450 px (a chat card's width in Teams desktop;
``bench/screenshot_cards.py``):

- a command is a line of its own in a monospace run, with what it does under it: in a
  label column next to the text it broke in the middle of words;
- a recommendation shows its title, what it is worth and Share; its details fold behind a
  *Details* toggle (``Action.ToggleVisibility``), as Teams users expect of long lists;
- a row of buttons holds what fits; more go to a row of their own, so no title is cut off;
- Teams card Markdown does not render inline code: a command is a monospace ``TextRun``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from adapters.teams.cards_text import facts, text
from core.i18n import _
from core.views import (
    ConfirmView,
    HelpView,
    RecommendationCard,
    RecommendationListView,
    TicketCard,
)

__all__ = [
    "ROW_WIDTH",
    "action_rows",
    "confirm_body",
    "details_id",
    "help_body",
    "recommendation_list_body",
    "tracked_by",
]

JSON = dict[str, Any]
Actions = Callable[[RecommendationCard], list[JSON]]

#: Room for buttons in a row at 450 px, less the card's padding (px).
ROW_WIDTH = 410
#: A button's width, estimated from its title: Teams' buttons are 14 px semibold text
#: (about 8 px a character) with 12 px padding each side, 8 px apart.
_CHAR_PX = 8
_BUTTON_PX = 32


def _button_px(action: JSON) -> int:
    return len(str(action.get("title", ""))) * _CHAR_PX + _BUTTON_PX


def _fits(row: list[JSON]) -> bool:
    # Teams stretches the buttons of a row to equal widths: the widest title decides.
    return len(row) * max(_button_px(a) for a in row) <= ROW_WIDTH


def action_rows(actions: list[JSON]) -> list[list[JSON]]:
    """``actions`` in rows whose titles all fit at Teams' width (a long one alone)."""
    rows: list[list[JSON]] = []
    for action in actions:
        if rows and _fits([*rows[-1], action]):
            rows[-1].append(action)
        else:
            rows.append([action])
    return rows


def action_sets(actions: list[JSON]) -> list[JSON]:
    """One ActionSet per row of :func:`action_rows`."""
    return [{"type": "ActionSet", "actions": row} for row in action_rows(actions)]


#: Browsers may break a line next to a quote, a bracket or a bar (``["`` | ``<description>"]``),
#: which cuts a placeholder in two; a word joiner (U+2060, invisible) there forbids it.
_TIGHT = re.compile(r'(?<=["<>\[\]|])(?=\S)|(?<=\S)(?=["<>\[\]|])')
#: And line breaking (Unicode UAX #14, rule LB15) never breaks between a quote, spaces and
#: an opening bracket (``"<title>" [``): a zero-width space after the space allows it.
_QUOTE_BRACKET = '" ['


def _command(usage: str) -> JSON:
    # Monospace, the form Teams renders for a command (its Markdown has no inline code).
    shown = _TIGHT.sub("\u2060", f"snow {usage}").replace(_QUOTE_BRACKET, '" \u200b[')
    return text(shown, fontType="Monospace", weight="Bolder", spacing="Default")


def help_body(view: HelpView) -> list[JSON]:
    """Each command on its own line, what it does under it; how to talk to SnowOps."""
    where = (
        _("Connected to {url}.", url=view.instance_url)
        if view.connected
        else _("Not connected to ServiceNow yet: an admin runs snow connect <instance>.")
    )
    # One sentence for the translator; the command in it is a monospace run of its own.
    before, _sep, after = _("Message me {command}, or mention me in a channel.").partition(
        "{command}"
    )
    runs = [{"type": "TextRun", "text": before}] if before else []
    runs.append({"type": "TextRun", "text": "snow <command>", "fontType": "Monospace"})
    runs += [{"type": "TextRun", "text": after}] if after else []
    how = {"type": "RichTextBlock", "inlines": runs}
    body: list[JSON] = [
        text("SnowOps", size="Large", weight="Bolder"),
        text(where, isSubtle=True, spacing="None"),
        how,
    ]
    for usage, what in view.commands:
        body += [_command(usage), text(what, isSubtle=True, spacing="None")]
    return body


def tracked_by(ticket: TicketCard) -> str:
    """``Tracked by INC0010001 (New)``: the ticket that tracks a recommendation."""
    return _("Tracked by {number} ({state})", number=ticket.number, state=ticket.state)


def details_id(index: int) -> str:
    """The element id of the ``index``-th recommendation's folded details."""
    return f"recommendation-{index}-details"


def _recommendation(card: RecommendationCard, index: int, actions: list[JSON]) -> JSON:
    folded: list[JSON] = []
    if card.summary:
        folded.append(text(card.summary))
    if card.facts:
        folded.append(facts(card.facts))
    if card.url:
        learn = {"type": "Action.OpenUrl", "title": _("Learn more"), "url": card.url}
        folded.append({"type": "ActionSet", "actions": [learn]})
    items = [text(card.title, weight="Bolder", size="Medium")]
    if card.brief:
        items.append(text(card.brief, isSubtle=True, spacing="None"))
    notes = [tracked_by(card.ticket)] if card.ticket else []
    notes += [card.note] if card.note else []
    items += [text(n, isSubtle=True, size="Small", spacing="None") for n in notes]
    buttons = list(actions)
    if folded:
        target = details_id(index)
        items.append({"type": "Container", "id": target, "isVisible": False, "items": folded})
        toggle = {
            "type": "Action.ToggleVisibility",
            "title": _("Details"),
            "targetElements": [target],
        }
        buttons.insert(0, toggle)
    items += action_sets(buttons)
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": items}


def recommendation_list_body(view: RecommendationListView, actions: Actions) -> list[JSON]:
    """A page of recommendations, each folded to its title, its worth and its buttons
    (``actions``: a card's Share, or its ticket's Open; *Learn more* goes in the details)."""
    body = [text(view.title, size="Large", weight="Bolder")]
    body += [text(n, isSubtle=True) for n in (view.note, view.hint) if n]
    if not view.cards:
        return [*body, text(view.empty_text)]
    return body + [_recommendation(c, i, actions(c)) for i, c in enumerate(view.cards)]


def confirm_body(view: ConfirmView, confirm: JSON, cancel: JSON) -> list[JSON]:
    """The confirmation step (Adaptive Cards have no confirmation dialog): the question,
    what it does, and the confirm and cancel buttons."""
    return [
        text(view.title, size="Medium", weight="Bolder"),
        text(view.text),
        {"type": "ActionSet", "actions": [confirm, cancel]},
    ]
