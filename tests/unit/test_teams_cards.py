"""Every core view renders as an Adaptive Card 1.5 that the published schema accepts."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.teams.cards import card
from adapters.teams.cards_form import client_card, config_card, form_card
from core.forms import TicketFormView
from core.models import Priority, RecommendationSource, TicketKind
from core.views import (
    Action,
    HelpView,
    HistoryLine,
    HomeView,
    KindSummary,
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
from tests.e2e.teams_harness import validate_card

TICKET = TicketCard(
    number="INC0010001",
    title="Rotate the VPN certificate",
    url="https://acme.service-now.com/incident.do?sys_id=1",
    kind=TicketKind.INCIDENT,
    state="In Progress",
    priority="2 - High",
    due="2026-12-31",
    requested_by="Abel Tuter",
    source="User",
    category="Infrastructure",
    recommendation_id="MFARegistrationV2",
    history=(HistoryLine("2026-11-02 10:00 UTC", "beth.anglin", "comment: on it"),),
    note="History may be incomplete.",
    actions=(Action("open_ticket", "Open in ServiceNow", "INC0010001", url="https://x.example"),),
)
REC = RecommendationCard(
    id="MFARegistrationV2",
    title="Ensure all users can complete MFA",
    category="Identity",
    source="Microsoft",
    summary="Protect sign-ins.",
    facts=(("Score to gain", "9 points"),),
    url="https://security.microsoft.com/x",
    actions=(Action("share_recommendation", "Share to ServiceNow", "MFARegistrationV2"),),
)
VIEWS: list[View] = [
    Notice("Created INC0010001.", NoticeLevel.SUCCESS, hint="h", link="https://x.example"),
    TICKET,
    RecommendationListView(
        "Recommendations",
        (REC, RecommendationCard("r2", "Two", "Data", "User", "", (), ticket=TICKET)),
        note="n",
        more=Action("recommendations_page", "Next page (2)", "|0|2"),
    ),
    RecommendationListView("Recommendations", ()),
    TicketListView(
        "Tickets",
        (TICKET,),
        more=Action("tickets_more", "More", "all:False:10"),
        servicenow_list_url="https://acme.service-now.com/task_list.do",
    ),
    HomeView(
        True,
        "https://acme.service-now.com",
        (
            KindSummary(TicketKind.INCIDENT, "Incident management", (("New", 2),), (TICKET,)),
            KindSummary(TicketKind.CHANGE, "Change management", (), ()),
        ),
        (
            Action("create_ticket", "Create ticket", primary=True),
            Action("view_all_tickets", "View all tickets"),
            Action("manage_configuration", "Manage ServiceNow configuration"),
        ),
    ),
    HelpView((("help", "what SnowOps can do"),), connected=False),
    StatusView("ServiceNow connection", (("Instance", "https://x"),), hint="h", healthy=False),
    StatesView(TicketKind.INCIDENT, (("1", "New", "New"), ("2", "Fixing", "In Progress")), True),
    TicketFormView(
        kind=TicketKind.CHANGE,
        name="n",
        priority=Priority.HIGH,
        due="2026-12-31",
        category="Data",
        source=RecommendationSource.MICROSOFT,
        recommendation_id="r",
        errors={"name": "Give the ticket a name.", "due": "The due date is in the past."},
    ),
    (Notice("Added r1."), REC),
]


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: type(v).__name__)
def test_every_view_is_a_valid_card(view: View) -> None:
    validate_card(card(view))


def test_forms_and_admin_cards_are_valid() -> None:
    form = TicketFormView(errors={"category": "Choose one."})
    validate_card(form_card(form, inline=False, banner="ServiceNow: unavailable"))
    validate_card(client_card("acme"))
    states = [VIEWS[8]]
    assert isinstance(states[0], StatesView)
    validate_card(config_card(card(VIEWS[7])["body"], states, banner="Saved."))


@pytest.mark.parametrize(
    "broken",
    [
        {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "Marquee"}]},
        {"type": "AdaptiveCard", "version": "1.5", "body": [], "msteams": {"width": "Full"}},
        {"type": "AdaptiveCard", "version": "1.6", "body": []},
    ],
)
def test_the_card_check_rejects_what_teams_would_not_render(broken: dict[str, Any]) -> None:
    with pytest.raises(AssertionError):
        validate_card(broken)
