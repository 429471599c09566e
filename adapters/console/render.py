"""Core views → plain terminal text.

Buttons become the command that does the same thing (a terminal has nothing to click), and
links are printed in full so a terminal can open them. A terminal has no markup to escape,
but it obeys control characters: those in a view's text (from ServiceNow, Graph or a user)
are dropped by :func:`clean`, so none can move the cursor, recolour the screen, set the
window title or hide a line.
"""

from __future__ import annotations

import re
import textwrap

from core.forms import TicketFormView
from core.grammar import command_text
from core.i18n import N_, _
from core.models import RecommendationSource
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

__all__ = ["clean", "mark", "render", "render_card_line", "render_form_intro"]

WIDTH = 78
#: Each notice's mark, in brackets before its text (translated where shown).
_MARKS = {
    NoticeLevel.INFO: "i",
    NoticeLevel.SUCCESS: N_("ok"),
    NoticeLevel.WARNING: "!",
    NoticeLevel.ERROR: N_("error"),
}
_SOURCES = {RecommendationSource.MICROSOFT: N_("Microsoft"), RecommendationSource.USER: N_("User")}


#: Control sequences whole (CSI ``ESC [`` or ``0x9b`` … final byte, OSC ``ESC ]`` or ``0x9d``
#: … ``BEL`` or ``ESC \\``, and the two-character ones), then every other C0 or C1 control
#: but the newline and the tab.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """``text`` without terminal control sequences or control characters (``\\n`` and
    ``\\t`` stay)."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def _wrap(text: str, indent: str = "  ") -> list[str]:
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        lines += textwrap.wrap(para, WIDTH, initial_indent=indent, subsequent_indent=indent) or [""]
    return lines


def _actions(buttons: tuple[Button, ...]) -> list[str]:
    """Each button as the command that does the same (links are printed in full)."""
    out = []
    for b in buttons:
        # A button that asks first is shown as its asking form: the terminal asks y/N.
        command = b.ask or b.command
        if command is not None:
            out.append(f"  → {b.label}: /snow {command_text(command)}")
    return out


def _notice(view: Notice) -> list[str]:
    lines = [f"{mark(view.level)} {view.text}"]
    if view.link:
        lines.append(f"  {view.link}")
    if view.hint:
        lines += _wrap(_hint(view.hint))
    return lines


def mark(level: NoticeLevel) -> str:
    """A notice's mark, in brackets: ``[ok]``, ``[!]``, ``[error]`` (translated)."""
    return f"[{_(_MARKS[level])}]"


def _hint(hint: str) -> str:
    return _("hint: {hint}", hint=hint)


def render_card_line(card: TicketCard) -> str:
    """One line: number, state, priority and title."""
    return clean(f"{card.number}  [{card.state}]  P{card.priority[:1]}  {card.title}")


def _ticket(card: TicketCard) -> list[str]:
    facts = _(
        "State: {state}   Priority: {priority}   Due: {due}",
        state=card.state,
        priority=card.priority,
        due=card.due,
    )
    who = _("Requested by: {who}   Source: {source}", who=card.requested_by, source=card.source)
    if card.category:
        who += "   " + _("Category: {category}", category=card.category)
    lines = [f"┌ {card.kind.label} {card.number}: {card.title}", f"│ {facts}", f"│ {who}"]
    if card.recommendation_id:
        lines.append("│ " + _("Recommendation: {id}", id=card.recommendation_id))
    for h in card.history:
        lines.append(f"│ {h.when} {h.who}: {h.text}"[: WIDTH + 40])
    if card.note:
        lines.append(f"│ {card.note}")
    # What the ticket's state allows, as the commands that do it (Refresh included).
    lines += [f"│{line[1:]}" for line in _actions(card.buttons)]
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
        lines.append("  " + _("Tracked by {ticket}", ticket=render_card_line(card.ticket)))
    lines += _actions(card.buttons)
    return lines


def _home(view: HomeView) -> list[str]:
    where = _("connected to {url}", url=view.instance_url) if view.connected else _("not connected")
    if view.connected and view.problem:
        where = _("{where}, but {problem}", where=where, problem=view.problem)
    lines = [_("SnowOps home ({where})", where=where)]
    if view.problem_hint:
        lines += _wrap(f"! {view.problem_hint}")
    for s in view.summaries:
        counts = ", ".join(f"{name}: {n}" for name, n in s.counts) or _("no tickets yet")
        lines += ["", f"== {s.title} ==", f"  {counts}"]
        lines += [f"  {render_card_line(c)}" for c in s.recent]
    lines.append("")
    lines += _actions(view.buttons)
    return lines


def _recommendation_list(view: RecommendationListView) -> list[str]:
    lines = [f"== {view.title} =="]
    if view.note:
        lines += _wrap(view.note, "")
    if view.hint:
        lines += _wrap(_hint(view.hint), "")
    if not view.cards:
        lines.append(view.empty_text)
    for card in view.cards:
        lines += ["", *_recommendation(card)]
    if view.more:
        lines += ["", *_actions((view.more,))]
    return lines


def _ticket_list(view: TicketListView) -> list[str]:
    lines = [f"== {view.title} =="]
    if view.note:
        lines += _wrap(view.note, "")
    lines += [render_card_line(c) for c in view.cards] or [view.empty_text]
    if view.more:
        lines += _actions((view.more,))
    if view.servicenow_list_url:
        lines.append(_("In ServiceNow: {url}", url=view.servicenow_list_url))
    return lines


def _help(view: HelpView) -> list[str]:
    where = (
        _("connected to {url}", url=view.instance_url) if view.connected else _("not connected yet")
    )
    lines = [_("SnowOps ({where}). Commands:", where=where)]
    lines += [f"  /snow {usage:<44} {what}" for usage, what in view.commands]
    lines.append(f"  {'quit':<47} {_('leave the console')}")
    return lines


def _status(view: StatusView) -> list[str]:
    health = _("healthy") if view.healthy else _("needs attention")
    lines = [f"{view.title}: {health}"]
    lines += [f"  {label}: {value}" for label, value in view.lines]
    if view.hint:
        lines += _wrap(_hint(view.hint))
    return lines


def _states(view: StatesView) -> list[str]:
    lines = [_("{kind} states (value, shown as, ServiceNow default):", kind=view.kind.label)]
    lines += [f"  {v:>3}  {name:<24} {default}" for v, name, default in view.states]
    if view.can_edit:
        command = f'/snow states {view.kind.value} <value> "<name>"'
        lines.append("  " + _("rename: {command}", command=command))
    return lines


def _configuration(view: ConfigurationView) -> list[str]:
    lines = _notice(view.banner) if view.banner is not None else []
    lines += _status(view.status)
    for states in view.states:
        lines += ["", *_states(states)]
    return [*lines, "", *_actions(view.buttons)]


def _score(view: SecureScoreView) -> list[str]:
    lines = [
        "== " + _("Microsoft Secure Score") + " ==",
        "  "
        + _(
            "Score: {score}   (as of {when}, tenant {tenant})",
            score=view.score,
            when=view.as_of,
            tenant=view.tenant,
        ),
        "  "
        + _(
            "Change: {week} over 7 days, {month} over 30 days",
            week=view.change_7,
            month=view.change_30,
        ),
        "  " + _("Gained through SnowOps tickets: {points}", points=view.gained),
    ]
    if view.sparkline:
        lines.append("  " + _("Last 30 days: {chart}", chart=view.sparkline))
    if view.categories:
        lines.append("  " + _("Biggest open gains:"))
        lines += [f"    {name}: {gain}" for name, gain in view.categories]
    return lines + ([f"  {view.hint}"] if view.hint else [])


def _one(view: View) -> list[str]:
    match view:
        case Notice():
            return _notice(view)
        case TicketCard():
            return _ticket(view)
        case RecommendationCard():
            return _recommendation(view)
        case RecommendationListView():
            return _recommendation_list(view)
        case TicketListView():
            return _ticket_list(view)
        case HomeView():
            return _home(view)
        case HelpView():
            return _help(view)
        case StatusView():
            return _status(view)
        case ConfigurationView():
            return _configuration(view)
        case StatesView():
            return _states(view)
        case SecureScoreView():
            return _score(view)
        case ConfirmView():
            return [f"== {view.title} ==", *_wrap(view.text, "")]
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
    """The whole view as text (no trailing newline), without control characters."""
    return clean("\n".join(_one(view)))


def render_form_intro(form: TicketFormView) -> list[str]:
    """The heading shown before a form's prompts."""
    title = _(form.title) if form.title else ""  # gettext("") is the catalogue's header
    lines = [f"== {title} ==", _("Enter keeps the value in [brackets]; 'cancel' stops.")]
    if form.recommendation_id:
        marked = _SOURCES.get(form.source)
        source = _(marked) if marked else form.source.value
        lines.append(
            _("From recommendation {id} ({source})", id=form.recommendation_id, source=source)
        )
    return [clean(line) for line in lines]
