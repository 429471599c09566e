"""Platform-neutral views. Adapters render these as Block Kit, Adaptive Cards or text.

Views carry display-ready strings (state names already in the workspace's words), so
every adapter shows the same thing and none repeats the mapping. Every string in a view is
plain text: renderers escape it for their platform, so text a user typed (a ticket name, a
comment, a display name) can never become a link, a mention or formatting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from core.action_forms import allowed_actions
from core.commands import ActionForm, Assign, Command, ReopenTicket, ShowTicket
from core.forms import TicketFormView
from core.i18n import N_, _
from core.models import RecommendationSource, Ticket, TicketKind
from core.score_views import SecureScoreView
from core.servicenow.states import state_label
from core.zones import format_due

__all__ = [
    "Button",
    "ConfigurationView",
    "ConfirmView",
    "HelpView",
    "HistoryLine",
    "HomeView",
    "KindSummary",
    "Notice",
    "NoticeLevel",
    "RecommendationCard",
    "RecommendationListView",
    "StatesView",
    "StatusView",
    "TicketCard",
    "TicketListView",
    "View",
    "category_label",
    "format_when",
    "sentence",
    "source_label",
    "ticket_card",
]


class NoticeLevel(StrEnum):
    """How a notice should look."""

    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Button:
    """A button: it runs ``command`` when clicked, or opens ``url``; ``confirm`` asks
    first, where the platform can (a dialog). ``ask`` is what a platform without such a
    dialog (Teams, the console) runs instead: a command answered with a
    :class:`ConfirmView`, whose confirm button then runs ``command``. ``danger``: it
    cannot be undone, and looks it."""

    label: str
    command: Command | None = None
    url: str | None = None
    primary: bool = False
    confirm: str = ""
    ask: Command | None = None
    danger: bool = False


@dataclass(frozen=True, slots=True)
class Notice:
    """A short message, with a link to open and a hint in small print."""

    text: str
    level: NoticeLevel = NoticeLevel.INFO
    hint: str = ""
    link: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """One line of a ticket's history."""

    when: str
    who: str
    text: str


@dataclass(frozen=True, slots=True)
class TicketCard:
    """A ticket as users see it."""

    number: str
    title: str
    url: str
    kind: TicketKind
    state: str
    priority: str
    due: str
    requested_by: str
    source: str
    category: str | None = None
    recommendation_id: str | None = None
    history: tuple[HistoryLine, ...] = ()
    note: str = ""
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class RecommendationCard:
    """A recommendation as users see it: what it is worth and what it takes.

    ``ticket`` is set when an open ticket already tracks it; then there is no Share button.
    ``brief`` is the one line a list shows before its details are opened (points to gain,
    category, source).
    """

    id: str
    title: str
    category: str
    source: str
    summary: str
    facts: tuple[tuple[str, str], ...]
    url: str | None = None
    ticket: TicketCard | None = None
    note: str = ""
    buttons: tuple[Button, ...] = ()
    brief: str = ""


@dataclass(frozen=True, slots=True)
class RecommendationListView:
    """A page of recommendation cards, with a note when Microsoft's are missing."""

    title: str
    cards: tuple[RecommendationCard, ...]
    note: str = ""
    hint: str = ""
    empty_text: str = field(default_factory=lambda: _("No recommendations to show."))
    more: Button | None = None


@dataclass(frozen=True, slots=True)
class TicketListView:
    """A page of ticket cards."""

    title: str
    cards: tuple[TicketCard, ...]
    empty_text: str = field(default_factory=lambda: _("No tickets yet."))
    more: Button | None = None
    servicenow_list_url: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class KindSummary:
    """One home card: counts by state and the latest tickets of one kind."""

    kind: TicketKind
    title: str
    counts: tuple[tuple[str, int], ...]
    recent: tuple[TicketCard, ...]


@dataclass(frozen=True, slots=True)
class HomeView:
    """The Incident management and Change management cards, with their buttons.

    ``problem`` says what is wrong with a connection that is set up but not working (not
    reachable since …, needs re-authorization), and ``problem_hint`` the cause or the fix."""

    connected: bool
    instance_url: str
    summaries: tuple[KindSummary, ...]
    buttons: tuple[Button, ...]
    problem: str = ""
    problem_hint: str = ""


@dataclass(frozen=True, slots=True)
class HelpView:
    """What SnowOps can do here."""

    commands: tuple[tuple[str, str], ...]
    connected: bool
    instance_url: str = ""


@dataclass(frozen=True, slots=True)
class StatusView:
    """`/snow status`: label/value lines and a hint."""

    title: str
    lines: tuple[tuple[str, str], ...]
    hint: str = ""
    healthy: bool = True


@dataclass(frozen=True, slots=True)
class StatesView:
    """A state catalog with this workspace's names."""

    kind: TicketKind
    states: tuple[tuple[str, str, str], ...]  # value, name shown, ServiceNow default
    can_edit: bool = False


@dataclass(frozen=True, slots=True)
class ConfigurationView:
    """The admin's surface: the connection, the state names to rename, Reconnect and
    Disconnect; ``banner`` says what the last change did."""

    status: StatusView
    states: tuple[StatesView, ...]
    banner: Notice | None = None
    connected: bool = True
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class ConfirmView:
    """A question before something that cannot be undone: ``confirm`` does it, ``cancel``
    goes back; ``cancelled`` is what a terminal says when the answer is no."""

    title: str
    text: str
    confirm: Button
    cancel: Button
    cancelled: str = field(default_factory=lambda: _("Nothing was changed."))


View = (
    Notice
    | TicketCard
    | RecommendationCard
    | RecommendationListView
    | TicketListView
    | HomeView
    | HelpView
    | StatusView
    | StatesView
    | ConfigurationView
    | ConfirmView
    | TicketFormView
    | SecureScoreView
    | tuple["View", ...]
)


def sentence(text: str) -> str:
    """``text`` ending with exactly one full stop."""
    return text.rstrip().rstrip(".") + "."


def format_when(value: datetime | None) -> str:
    """``2026-12-31 23:59 UTC`` or ``—``."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


#: ServiceNow's priority labels, translated where shown.
_PRIORITIES = {
    1: N_("1 - Critical"),
    2: N_("2 - High"),
    3: N_("3 - Moderate"),
    4: N_("4 - Low"),
    5: N_("5 - Planning"),
}
#: Secure Score's categories as users read them (typed, they stay English: the grammar's).
_CATEGORIES = {
    "Devices": N_("Devices"),
    "Data": N_("Data"),
    "Apps": N_("Apps"),
    "Identity": N_("Identity"),
    "Infrastructure": N_("Infrastructure"),
}
#: Where a ticket or recommendation came from, as users read it.
_SOURCES = {RecommendationSource.MICROSOFT: N_("Microsoft"), RecommendationSource.USER: N_("User")}


def _priority_label(value: int) -> str:
    label = _PRIORITIES.get(value)
    return _(label) if label else str(value)


def category_label(category: str) -> str:
    """A Secure Score category in the current language (another one as it is)."""
    label = _CATEGORIES.get(category)
    return _(label) if label else category


def source_label(source: RecommendationSource) -> str:
    """``Microsoft`` or ``User`` in the current language."""
    label = _SOURCES.get(source)
    return _(label) if label else str(source.value)


#: Characters of a comment shown on a card (a card must stay well under the platforms'
#: message size limits, whatever was pasted into ServiceNow).
COMMENT_SHOWN = 500


def _short(text: str) -> str:
    text = text.strip()
    return text if len(text) <= COMMENT_SHOWN else text[: COMMENT_SHOWN - 1].rstrip() + "…"


def ticket_card(
    ticket: Ticket, state_names: dict[str, str] | None = None, note: str = "", zone: str = ""
) -> TicketCard:
    """The card of a ticket, in this workspace's state names, with its newest comments; its
    due date in ``zone`` (the reader's; UTC when empty), labelled with it."""
    history = tuple(
        HistoryLine(
            format_when(c.at) if c.at else "", c.author, _("comment: {text}", text=_short(c.text))
        )
        for c in ticket.history
    )
    return TicketCard(
        number=ticket.number,
        title=ticket.title,
        url=ticket.url,
        kind=ticket.kind,
        state=state_label(ticket.kind, ticket.state, state_names),
        priority=_priority_label(ticket.priority),
        due=format_due(ticket.due, zone) if ticket.due else "—",
        requested_by=ticket.requested_by or "—",
        source=source_label(ticket.source),
        category=category_label(ticket.category) if ticket.category else ticket.category,
        recommendation_id=ticket.recommendation_id,
        history=history,
        note=note,
        buttons=_ticket_buttons(ticket),
    )


#: The buttons of the ticket actions that open a form.
_ACTION_LABELS = {
    "comment": N_("Add comment"),
    "note": N_("Add work note"),
    "assign": N_("Assign to group"),
    "resolve": N_("Resolve"),
    "close": N_("Close"),
}


def _action_button(number: str, action: str) -> Button:
    """The card button of one ticket action (those with a form open it)."""
    match action:
        case "assign_me":
            return Button(_("Assign to me"), Assign(number, "me"))
        case "reopen":
            return Button(_("Reopen"), ReopenTicket(number))
    return Button(_(_ACTION_LABELS[action]), ActionForm(number, action))


def _ticket_buttons(ticket: Ticket) -> tuple[Button, ...]:
    """Open and Refresh always, and between them what the ticket's state allows doing
    from chat (:func:`~core.action_forms.allowed_actions`)."""
    # Refresh last: Teams shows six buttons in a row, and the actions matter more.
    return (
        Button(_("Open in ServiceNow"), url=ticket.url),
        *(_action_button(ticket.number, a) for a in allowed_actions(ticket.kind, ticket.state)),
        Button(_("Refresh"), ShowTicket(ticket.number)),
    )
