"""The main cards as SnowOps renders them, for ``bench/screenshot_cards.py``.

Views are built with core's own functions from realistic data: the Graph simulator's
seeded Secure Score controls through core's Graph mapping (the first page of 8, most
points first), ServiceNow's default state names, and a connected instance. Imports come
from whichever SnowOps checkout is first on ``sys.path`` (``--root``), so an older
checkout can be measured too; cards it cannot make yet are left out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_html import home_html, message_html, modal_html

from adapters.slack.admin import config_modal
from adapters.slack.blocks import home_view, message
from adapters.teams.cards import card
from core import commands as c
from core.models import Comment, Ticket, TicketKind
from core.recommendation_views import recommendation_card, recommendation_list
from core.recommendations import RecommendationItem, RecommendationPage
from core.securescore.mapping import join_recommendations
from core.servicenow.states import DEFAULT_STATES
from core.views import (
    Button,
    ConfigurationView,
    HelpView,
    HomeView,
    KindSummary,
    StatesView,
    StatusView,
    View,
    ticket_card,
)
from sim.graph import data

__all__ = ["all_cases"]

INSTANCE = "https://acme.service-now.com"
WS = "slack:T0001"


def _ticket(number: str, kind: TicketKind, title: str, state: str, priority: int) -> Ticket:
    table = "incident" if kind is TicketKind.INCIDENT else "change_request"
    return Ticket(
        workspace=WS,
        kind=kind,
        sys_id=number.lower(),
        number=number,
        title=title,
        state=state,
        priority=priority,
        url=f"{INSTANCE}/{table}.do?sys_id={number.lower()}",
        correlation_id=f"snowops:{WS}:{number}",
        due=datetime(2026, 12, 31, tzinfo=UTC),
        requested_by="Ada Lovelace",
        category="Identity",
        history=(
            Comment(
                "c1", number.lower(), "On it.", "beth.anglin", datetime(2026, 12, 2, tzinfo=UTC)
            ),
        ),
    )


TICKETS = [
    _ticket("INC0010003", TicketKind.INCIDENT, "Require MFA for administrative roles", "2", 2),
    _ticket("INC0010004", TicketKind.INCIDENT, "Turn on DLP policies", "1", 3),
    _ticket("CHG0030002", TicketKind.CHANGE, "Block legacy authentication", "-4", 2),
]


def recommendations_view() -> View:
    """The first page of Microsoft's recommendations, one already tracked by a ticket."""
    score = {"controlScores": [{"controlName": k, **v} for k, v in data.CONTROL_SCORES.items()]}
    recs = sorted(
        (r for r in join_recommendations(data.PROFILES, score) if (r.gain or 0) > 0),
        key=lambda r: -(r.gain or 0),
    )
    items = [RecommendationItem(r) for r in recs[:8]]
    tracked = ticket_card(TICKETS[0])
    cards = tuple(
        recommendation_card(item, tracked if i == 1 else None) for i, item in enumerate(items)
    )
    page = RecommendationPage(items, total=len(recs), offset=0, limit=8)
    return recommendation_list(page, cards)


def home(problem: str = "", hint: str = "") -> View:
    """The admin's home: counts by state, the latest tickets, the home buttons."""
    summaries = []
    for kind, title in (
        (TicketKind.INCIDENT, "Incident management"),
        (TicketKind.CHANGE, "Change management"),
    ):
        mine = [t for t in TICKETS if t.kind is kind]
        counts = tuple((DEFAULT_STATES[kind][t.state], 1) for t in mine)
        summaries.append(KindSummary(kind, title, counts, tuple(ticket_card(t) for t in mine)))
    buttons = (
        Button("Create ticket", c.Create(), primary=True),
        Button("View all tickets", c.Tickets(open_only=False)),
        Button("Manage ServiceNow configuration", c.Configure()),
    )
    extra = {"problem": problem, "problem_hint": hint} if problem else {}
    return HomeView(True, INSTANCE, tuple(summaries), buttons, **extra)


def configuration() -> View:
    """The admin's configuration, connected, as core builds it."""
    status = StatusView(
        "ServiceNow connection",
        (
            ("Instance", INSTANCE),
            ("Connected as", "snowops.integration"),
            ("Token expires", "2026-12-03 11:12 UTC"),
            ("Last successful sync", "2026-12-03 10:42 UTC"),
            ("Last error", "none"),
        ),
    )
    states = tuple(
        StatesView(k, tuple((v, d, d) for v, d in DEFAULT_STATES[k].items()), True)
        for k in TicketKind
    )
    try:
        from core.handlers.connections import _disconnect_button

        disconnect = _disconnect_button(INSTANCE)
    except ImportError:  # an older checkout
        disconnect = Button("Disconnect", c.Disconnect(), confirm="Disconnect ServiceNow?")
    buttons = (Button("Reconnect", c.Reconnect()), disconnect)
    return ConfigurationView(status, states, buttons=buttons)


def confirm_step() -> View | None:
    """The disconnect confirmation step (None in a checkout without one)."""
    try:
        from core.handlers.connections import DISCONNECT_CONFIRM
        from core.views import ConfirmView
    except ImportError:
        return None
    return ConfirmView(
        "Disconnect ServiceNow?",
        f"Disconnect {INSTANCE}? {DISCONNECT_CONFIRM}",
        Button("Disconnect", c.Disconnect(confirmed=True), danger=True),  # type: ignore[call-arg]
        Button("Cancel", c.Configure()),
    )


def _views() -> dict[str, View | None]:
    unreachable = None
    try:
        unreachable = home(
            "not reachable since 2026-12-03 10:42 UTC",
            "ServiceNow is unavailable. Try again; if it keeps failing, run snowops doctor.",
        )
    except TypeError:  # an older checkout
        pass
    return {
        "help": HelpView(c.COMMAND_HELP, True, INSTANCE),
        "home": home(),
        "home-unreachable": unreachable,
        "recommendations": recommendations_view(),
        "configuration": configuration(),
        "disconnect-confirm": confirm_step(),
        "ticket": ticket_card(TICKETS[0]),
    }


def _slack(name: str, view: View) -> str:
    if name.startswith("home"):
        return home_html(home_view(view))  # type: ignore[arg-type]
    if name == "configuration":
        return modal_html(config_modal(view))  # type: ignore[arg-type]
    return message_html(message(view)["blocks"])


def all_cases(teams_width: int) -> list[dict[str, Any]]:
    """Each view as a Teams card and as Slack Block Kit (HTML), with its PNG name."""
    cases: list[dict[str, Any]] = []
    for name, view in _views().items():
        if view is None:
            continue
        cases.append(
            {
                "name": f"teams-{name}",
                "kind": "teams",
                "card": card(view),
                "width": teams_width,
                "png": f"teams-{name}.png",
            }
        )
        if name == "recommendations":
            # The same card with the first item's details opened (its Details toggle).
            opened = {**cases[-1], "name": "teams-recommendations-details", "click": "Details"}
            cases.append({**opened, "png": "teams-recommendations-details.png"})
        cases.append(
            {
                "name": f"slack-{name}",
                "kind": "html",
                "html": _slack(name, view),
                "png": f"slack-{name}.png",
            }
        )
    return cases
