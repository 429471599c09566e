"""Help, recommendation lists and the confirmation step as Block Kit, after Slack's design
guidelines: the most important thing first, one primary button per set and a danger style
only for what cannot be undone, secondary detail in context blocks, a scannable list
(each item one section with its button beside it, and one line of detail under it).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from adapters.slack.blocks_text import (
    Layout,
    actions_block,
    button,
    code,
    context,
    divider,
    escape,
    escape_entities,
    header,
    lines_sections,
    link,
    section,
    truncate,
)
from core.i18n import _
from core.views import Button, ConfirmView, HelpView, RecommendationCard, RecommendationListView

__all__ = [
    "BRIEF_SUMMARY_MAX",
    "confirm_layout",
    "help_layout",
    "recommendation_item",
    "recommendation_list_layout",
]

JSON = dict[str, Any]

#: Characters of a recommendation's summary in a list (the full text is in Secure Score,
#: behind *How to fix*, and on the ticket form).
BRIEF_SUMMARY_MAX = 140


def help_layout(view: HelpView) -> tuple[Layout, str]:
    """`/snow help`: whether this workspace is connected, then every command in code."""
    if view.connected:
        where = link(view.instance_url, view.instance_url or "ServiceNow")
        state = _("Connected to {where}.", where=where)
    else:
        state = _(
            "Not connected to ServiceNow yet: an admin runs {command}.",
            command="`/snow connect &lt;instance&gt;`",
        )
    lines = [f"{code('/snow ' + cmd)} — {escape(what)}" for cmd, what in view.commands]
    blocks = [header(_("What SnowOps can do here")), context(state), *lines_sections(lines)]
    return Layout(head=blocks), _("SnowOps help")


def _side_button(card: RecommendationCard) -> JSON | None:
    """The one button beside a recommendation: Share, or open the ticket that tracks it.
    Not green: in a list of eight, a primary button on each would make none stand out."""
    if card.buttons:
        return button(replace(card.buttons[0], primary=False))
    if card.ticket is not None:
        label = _("Open {number}", number=card.ticket.number)
        return button(Button(label, url=card.ticket.url))
    return None


def recommendation_item(card: RecommendationCard) -> list[JSON]:
    """One recommendation in a list: its title and worth with Share beside them, and one
    context line (what it takes, its ticket, How to fix)."""
    text = f"*{escape(card.title)}*"
    if card.brief:
        text += f"\n{escape(card.brief)}"
    blocks = [section(text, accessory=_side_button(card))]
    notes: list[str] = []
    if card.summary:
        notes.append(escape(truncate(card.summary, BRIEF_SUMMARY_MAX)))
    if card.ticket is not None:
        t = card.ticket
        notes.append(
            _("Tracked by {ticket} ({state})", ticket=link(t.url, t.number), state=escape(t.state))
        )
    if card.note:
        notes.append(escape(card.note))
    if card.url:
        notes.append(link(card.url, _("How to fix")))
    if notes:
        blocks.append(context(*notes))
    rest = actions_block(list(card.buttons[1:]))
    return [*blocks, rest] if rest else blocks


def recommendation_list_layout(view: RecommendationListView) -> tuple[Layout, str]:
    """A page of recommendations, two blocks each; cards are dropped whole when the page
    is too long."""
    head = [header(view.title)]
    notes = [escape(n) for n in (view.note, view.hint) if n]
    if notes:
        head.append(context(*notes))
    if not view.cards:
        head.append(context(escape(view.empty_text)))
        return Layout(head=head), escape_entities(f"{view.title}: {view.empty_text}")
    items = [[divider(), *recommendation_item(c)] for c in view.cards]
    more = actions_block([view.more]) if view.more else None
    count = len(view.cards)
    shown = _("{title}: {count} shown", title=view.title, count=count)
    return Layout(head, items, [more] if more else []), escape_entities(shown)


def confirm_layout(view: ConfirmView) -> tuple[Layout, str]:
    """The confirmation step of a typed command: the question, what it does, and the
    danger button beside Cancel."""
    blocks = [section(f"*{escape(view.title)}*\n{escape(view.text)}")]
    actions = actions_block([view.confirm, view.cancel])
    return Layout(head=[*blocks, actions] if actions else blocks), escape_entities(view.title)
