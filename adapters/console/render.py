"""Core views → plain terminal text.

Buttons become the command that does the same thing (a terminal has nothing to click), and
links are printed in full so a terminal can open them.
"""

from __future__ import annotations

import textwrap

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

__all__ = ["action_command", "render", "render_card_line", "render_form_intro"]

WIDTH = 78
_MARKS = {
    NoticeLevel.INFO: "i",
    NoticeLevel.SUCCESS: "ok",
    NoticeLevel.WARNING: "!",
    NoticeLevel.ERROR: "error",
}


def _wrap(text: str, indent: str = "  ") -> list[str]:
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        lines += textwrap.wrap(para, WIDTH, initial_indent=indent, subsequent_indent=indent) or [""]
    return lines


def action_command(action: Action) -> str | None:
    """The console command a button stands for, or None when it has no console form."""
    value = action.value
    match action.id:
        case "share_recommendation":
            return f"/snow share {value}"
        case "create_ticket":
            return "/snow create"
        case "view_all_tickets":
            return "/snow tickets all"
        case "manage_configuration":
            return "/snow status"
        case "recommendations_page":
            category, include_done, number = [*value.split("|"), "", "0", "2"][:3]
            words = ["/snow recommendations", category, "all" if include_done == "1" else ""]
            return " ".join(w for w in [*words, f"page {number}"] if w)
        case "tickets_more":
            return "/snow tickets all"
    return None


def _actions(actions: tuple[Action, ...]) -> list[str]:
    out = []
    for action in actions:
        command = action_command(action)
        if command:
            out.append(f"  → {action.label}: {command}")
    return out


def _notice(view: Notice) -> list[str]:
    lines = [f"[{_MARKS[view.level]}] {view.text}"]
    if view.link:
        lines.append(f"  {view.link}")
    if view.hint:
        lines += _wrap(f"hint: {view.hint}")
    return lines


def render_card_line(card: TicketCard) -> str:
    """One line: number, state, priority and title."""
    return f"{card.number}  [{card.state}]  P{card.priority[:1]}  {card.title}"


def _ticket(card: TicketCard) -> list[str]:
    lines = [
        f"┌ {card.kind.label} {card.number}: {card.title}",
        f"│ State: {card.state}   Priority: {card.priority}   Due: {card.due}",
        f"│ Requested by: {card.requested_by}   Source: {card.source}"
        + (f"   Category: {card.category}" if card.category else ""),
    ]
    if card.recommendation_id:
        lines.append(f"│ Recommendation: {card.recommendation_id}")
    for h in card.history:
        lines.append(f"│ {h.when} {h.who}: {h.text}"[: WIDTH + 40])
    if card.note:
        lines.append(f"│ {card.note}")
    lines.append(f"└ {card.url}")
    return lines


def _recommendation(card: RecommendationCard) -> list[str]:
    lines = [f"• {card.title}", f"  id: {card.id}"]
    lines += [f"  {name}: {value}" for name, value in card.facts]
    if card.summary:
        lines += _wrap(card.summary)
    if card.note:
        lines.append(f"  {card.note}")
    if card.ticket is not None:
        lines.append(f"  Tracked by {render_card_line(card.ticket)}")
    lines += _actions(card.actions)
    return lines


def _home(view: HomeView) -> list[str]:
    where = f"connected to {view.instance_url}" if view.connected else "not connected"
    lines = [f"SnowOps home ({where})"]
    for s in view.summaries:
        counts = ", ".join(f"{name}: {n}" for name, n in s.counts) or "no tickets yet"
        lines += ["", f"== {s.title} ==", f"  {counts}"]
        lines += [f"  {render_card_line(c)}" for c in s.recent]
    lines.append("")
    lines += _actions(view.actions)
    return lines


def _one(view: View) -> list[str]:
    match view:
        case Notice():
            return _notice(view)
        case TicketCard():
            return _ticket(view)
        case RecommendationCard():
            return _recommendation(view)
        case RecommendationListView():
            lines = [f"== {view.title} =="]
            if view.note:
                lines += _wrap(view.note, "")
            if view.hint:
                lines += _wrap(f"hint: {view.hint}", "")
            if not view.cards:
                lines.append(view.empty_text)
            for card in view.cards:
                lines += ["", *_recommendation(card)]
            if view.more:
                lines += ["", *_actions((view.more,))]
            return lines
        case TicketListView():
            lines = [f"== {view.title} =="]
            if view.note:
                lines += _wrap(view.note, "")
            lines += [render_card_line(c) for c in view.cards] or [view.empty_text]
            if view.more:
                lines += _actions((view.more,))
            if view.servicenow_list_url:
                lines.append(f"In ServiceNow: {view.servicenow_list_url}")
            return lines
        case HomeView():
            return _home(view)
        case HelpView():
            where = f"connected to {view.instance_url}" if view.connected else "not connected yet"
            lines = [f"SnowOps ({where}). Commands:"]
            lines += [f"  /snow {usage:<44} {what}" for usage, what in view.commands]
            lines.append("  quit                                            leave the console")
            return lines
        case StatusView():
            lines = [f"{view.title}: {'healthy' if view.healthy else 'needs attention'}"]
            lines += [f"  {label}: {value}" for label, value in view.lines]
            if view.hint:
                lines += _wrap(f"hint: {view.hint}")
            return lines
        case StatesView():
            lines = [f"{view.kind.label} states (value, shown as, ServiceNow default):"]
            lines += [f"  {v:>3}  {name:<24} {default}" for v, name, default in view.states]
            if view.can_edit:
                lines.append(f'  rename: /snow states {view.kind.value} <value> "<name>"')
            return lines
        case TicketFormView():
            return render_form_intro(view)
        case tuple():
            out: list[str] = []
            for part in view:
                if out:
                    out.append("")
                out += _one(part)
            return out
    return [str(view)]


def render(view: View) -> str:
    """The whole view as text (no trailing newline)."""
    return "\n".join(_one(view))


def render_form_intro(form: TicketFormView) -> list[str]:
    """The heading shown before a form's prompts."""
    lines = [f"== {form.title} ==", "Enter keeps the value in [brackets]; 'cancel' stops."]
    if form.recommendation_id:
        lines.append(f"From recommendation {form.recommendation_id} ({form.source.value})")
    return lines
