"""Message cards: core views → Block Kit layouts plus a plain-text fallback.

Each ``*_layout`` returns a :class:`Layout` (fitted to the block limit by the caller) and
the ``text`` Slack shows in notifications and to screen readers. Every string of a view is
plain text: it is :func:`escape`-d into mrkdwn (shown exactly as typed), or put in a
:func:`code` span or a :func:`link` label; the fallback ``text`` is entity-escaped
(:func:`escape_entities`), so it can neither ping nor link.
"""

from __future__ import annotations

from typing import Any

from adapters.slack.blocks_text import (
    CONTEXT_ELEMENTS_MAX,
    Layout,
    actions_block,
    button,
    code,
    context,
    escape,
    escape_entities,
    fields_sections,
    header,
    lines_sections,
    link,
    safe_url,
    section,
)
from core.i18n import _
from core.views import (
    Button,
    ConfigurationView,
    Notice,
    NoticeLevel,
    RecommendationCard,
    StatesView,
    StatusView,
    TicketCard,
    TicketListView,
)

__all__ = [
    "compact_ticket",
    "config_layout",
    "notice_layout",
    "post_message",
    "recommendation_blocks",
    "states_layout",
    "status_layout",
    "ticket_blocks",
    "ticket_list_layout",
    "ticket_text",
]

JSON = dict[str, Any]

_NOTICE_PREFIX = {
    NoticeLevel.SUCCESS: ":white_check_mark: ",
    NoticeLevel.WARNING: ":warning: ",
    NoticeLevel.ERROR: ":x: ",
}


def _with_actions(blocks: list[JSON], buttons: list[Button]) -> list[JSON]:
    block = actions_block(buttons)
    return [*blocks, block] if block else blocks


def _headline(card: TicketCard) -> str:
    return f"*{link(card.url, card.number)}* {escape(card.title)}"


def ticket_text(card: TicketCard) -> str:
    """The fallback line of a ticket: ``INC0010001 Require MFA — In Progress``."""
    return escape_entities(f"{card.number} {card.title} — {card.state}")


def notice_layout(notice: Notice) -> tuple[Layout, str]:
    """A notice: emoji by level, the text, the link as a button, the hint in small print."""
    accessory = None
    if safe_url(notice.link):
        accessory = button(Button(_("Open link"), url=notice.link))
    blocks = [
        section(_NOTICE_PREFIX.get(notice.level, "") + escape(notice.text), accessory=accessory)
    ]
    if notice.hint:
        blocks.append(context(escape(notice.hint)))
    return Layout(head=blocks), escape_entities(notice.text)


def post_message(notice: Notice) -> JSON:
    """A notification (a thread reply, a subscriber's post) as ``{"text", "blocks"}``: the
    text, the hint and the link on their own lines, shown exactly as typed."""
    lines = [escape(notice.text)]
    fallback = [escape_entities(notice.text)]
    if notice.hint:
        lines.append(escape(notice.hint))
        fallback.append(escape_entities(notice.hint))
    if notice.link:
        # A plain "Open in ServiceNow": the URL itself as a label would be escaped, and a
        # copied label would not be the URL any more.
        lines.append(link(notice.link, _("Open in ServiceNow")))
        fallback.append(escape_entities(notice.link))
    return {"text": "\n".join(fallback), "blocks": lines_sections(lines)}


def ticket_blocks(card: TicketCard) -> list[JSON]:
    """A full ticket card: headline, facts, recent history, note and its buttons."""
    source = card.source
    if card.recommendation_id:
        source = f"{source} ({card.recommendation_id})" if source else card.recommendation_id
    pairs = [
        (_("State"), card.state),
        (_("Priority"), card.priority),
        (_("Due"), card.due),
        (_("Requested by"), card.requested_by),
    ]
    if source:
        pairs.append((_("Source"), source))
    if card.category:
        pairs.append((_("Category"), card.category))
    cells = [f"*{escape(label)}*\n{escape(value)}" for label, value in pairs]
    blocks = [section(_headline(card), fields=cells)]
    if card.history:
        lines = [f"{escape(h.when)} · *{escape(h.who)}*: {escape(h.text)}" for h in card.history]
        if len(lines) > CONTEXT_ELEMENTS_MAX:
            # One element says what was left out, so the context block stays within 10.
            extra = len(lines) - (CONTEXT_ELEMENTS_MAX - 1)
            lines = [*lines[: CONTEXT_ELEMENTS_MAX - 1], _("…and {count} more", count=extra)]
        blocks.append(context(*lines))
    if card.note:
        blocks.append(context(escape(card.note)))
    return _with_actions(blocks, list(card.buttons))


def compact_ticket(card: TicketCard) -> JSON:
    """A ticket in one section, for lists and the Home tab."""
    facts = [card.state, card.priority]
    if card.due and card.due != "—":
        facts.append(_("due {date}", date=card.due))
    return section(f"{_headline(card)}\n{escape(' · '.join(facts))}")


def recommendation_blocks(card: RecommendationCard) -> list[JSON]:
    """A recommendation: title, summary, facts, and Share or the ticket that tracks it."""
    text = f"*{escape(card.title)}*"
    if card.summary:
        text += f"\n{escape(card.summary)}"
    cells = [f"*{escape(label)}*\n{escape(value)}" for label, value in card.facts]
    blocks = [section(text, fields=cells)]
    notes: list[str] = []
    if card.ticket is not None:
        t = card.ticket
        notes.append(
            _("Tracked by {ticket} ({state})", ticket=link(t.url, t.number), state=escape(t.state))
        )
    if card.note:
        notes.append(escape(card.note))
    if notes:
        blocks.append(context(*notes))
    buttons = list(card.buttons)
    if card.url:
        buttons.append(Button(_("How to fix"), url=card.url))
    return _with_actions(blocks, buttons)


def recommendation_text(card: RecommendationCard) -> str:
    """Fallback line of a recommendation."""
    if card.ticket is None:
        return escape_entities(card.title)
    tracked = _("{title} — tracked by {number}", title=card.title, number=card.ticket.number)
    return escape_entities(tracked)


def ticket_list_layout(view: TicketListView) -> tuple[Layout, str]:
    """A page of tickets, one compact section each, with More and the ServiceNow list."""
    head = [header(view.title)]
    if view.note:
        head.append(context(escape(view.note)))
    buttons = [view.more] if view.more else []
    if safe_url(view.servicenow_list_url):
        buttons.append(Button(_("Open list in ServiceNow"), url=view.servicenow_list_url))
    tail = _with_actions([], buttons)
    if not view.cards:
        return Layout([*head, context(escape(view.empty_text))], [], tail), escape_entities(
            f"{view.title}: {view.empty_text}"
        )
    items = [[compact_ticket(c)] for c in view.cards]
    first = "; ".join(f"{c.number} {c.state}" for c in view.cards[:3])
    more = "…" if len(view.cards) > 3 else ""
    return Layout(head, items, tail), escape_entities(f"{view.title}: {first}{more}")


def status_layout(view: StatusView) -> tuple[Layout, str]:
    """`/snow status`: title with a health mark, label/value fields, and the hint."""
    mark = ":white_check_mark:" if view.healthy else ":warning:"
    blocks = [section(f"{mark} *{escape(view.title)}*"), *fields_sections(view.lines)]
    if view.hint:
        blocks.append(context(escape(view.hint)))
    return Layout(head=blocks), escape_entities(view.title)


def states_layout(view: StatesView) -> tuple[Layout, str]:
    """A state catalog; a renamed state also shows ServiceNow's own name."""
    title = _("{kind} states", kind=view.kind.label)
    lines = []
    for value, name, default in view.states:
        renamed = f" _(ServiceNow: {escape(default)})_" if name != default else ""
        lines.append(f"{code(value)} {escape(name)}{renamed}")
    blocks = [section(f"*{escape(title)}*"), *lines_sections(lines)]
    if view.can_edit:
        blocks.append(
            context(
                _(
                    "Rename one: {command}",
                    command=f'`/snow states {view.kind.value} &lt;value&gt; "New name"`',
                )
            )
        )
    return Layout(head=blocks), escape_entities(title)


def config_layout(view: ConfigurationView) -> tuple[Layout, str]:
    """The configuration as a message: status, state names, Reconnect and Disconnect (the
    Home tab's button opens it as a modal, with a rename input)."""
    blocks: list[JSON] = []
    if view.banner is not None:
        blocks += notice_layout(view.banner)[0].head
    blocks += status_layout(view.status)[0].head
    for states in view.states:
        blocks += states_layout(states)[0].head
    return Layout(head=_with_actions(blocks, list(view.buttons))), _("ServiceNow configuration")
