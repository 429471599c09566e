"""Every core view renders as an Adaptive Card 1.5 that the published schema accepts."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.teams.cards import card
from adapters.teams.cards_form import client_card, form_card
from core import commands as c
from core.actions import FormContext, read_button
from core.forms import TicketFormView
from core.models import Priority, RecommendationSource, TicketKind
from core.views import (
    Button,
    ConfigurationView,
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
from tests.unit.escaping_checks import markdown_strings, reads_as_text

JSON = dict[str, Any]

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
    buttons=(
        Button("Open in ServiceNow", url="https://acme.service-now.com/incident.do?sys_id=1"),
        Button("Refresh", c.ShowTicket("INC0010001")),
    ),
)
REC = RecommendationCard(
    id="MFARegistrationV2",
    title="Ensure all users can complete MFA",
    category="Identity",
    source="Microsoft",
    summary="Protect sign-ins.",
    facts=(("Score to gain", "9 points"),),
    url="https://security.microsoft.com/x",
    buttons=(Button("Share to ServiceNow", c.Share("MFARegistrationV2"), primary=True),),
)
STATUS = StatusView("ServiceNow connection", (("Instance", "https://x"),), hint="h", healthy=False)
STATES = StatesView(
    TicketKind.INCIDENT, (("1", "New", "New"), ("2", "Fixing", "In Progress")), True
)
CONFIG = ConfigurationView(
    STATUS,
    (STATES, StatesView(TicketKind.CHANGE, (("-5", "New", "New"),), True)),
    banner=Notice("Saved.", NoticeLevel.SUCCESS),
    buttons=(
        Button("Reconnect", c.Reconnect()),
        Button("Disconnect", c.Disconnect(), confirm="Disconnect SnowOps from ServiceNow?"),
    ),
)
REC_LIST = RecommendationListView(
    "Recommendations",
    (REC, RecommendationCard("r2", "Two", "Data", "User", "", (), ticket=TICKET)),
    note="n",
    more=Button("Next page (2)", c.Recommendations(page=2)),
)
TICKET_LIST = TicketListView(
    "Tickets",
    (TICKET,),
    more=Button("More", c.Tickets(None, False, 2)),
    servicenow_list_url="https://acme.service-now.com/task_list.do",
)
HOME = HomeView(
    True,
    "https://acme.service-now.com",
    (
        KindSummary(TicketKind.INCIDENT, "Incident management", (("New", 2),), (TICKET,)),
        KindSummary(TicketKind.CHANGE, "Change management", (), ()),
    ),
    (
        Button("Create ticket", c.Create(), primary=True),
        Button("View all tickets", c.Tickets(open_only=False)),
        Button("Manage ServiceNow configuration", c.Configure()),
    ),
)
VIEWS: list[View] = [
    Notice("Created INC0010001.", NoticeLevel.SUCCESS, hint="h", link="https://x.example"),
    TICKET,
    REC_LIST,
    RecommendationListView("Recommendations", ()),
    TICKET_LIST,
    HOME,
    HelpView((("help", "what SnowOps can do"),), connected=False),
    STATUS,
    STATES,
    CONFIG,
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


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: type(v).__name__)
def test_no_view_puts_text_markdown_could_change_where_teams_reads_markdown(view: View) -> None:
    """A URL, a time, a command's ``<placeholder>`` are in TextRuns, never in a TextBlock or
    a fact, where Teams would read them as Markdown (or link them)."""
    for shown in markdown_strings(card(view)):
        assert not shown.strip() or reads_as_text(shown), shown


def test_forms_and_admin_cards_are_valid() -> None:
    form = TicketFormView(errors={"category": "Choose one."})
    context = FormContext(channel="19:abc@thread.tacv2")
    validate_card(form_card(form, context, inline=False, banner="ServiceNow: unavailable"))
    validate_card(form_card(form, context, inline=True))
    validate_card(client_card("acme"))
    validate_card(card(CONFIG))
    validate_card(card(ConfigurationView(STATUS, (), connected=False)))


def _all_actions(content: Any) -> list[JSON]:
    """Every action of a card, in order: card actions and those in ActionSets."""
    found: list[JSON] = []
    if isinstance(content, dict):
        if str(content.get("type", "")).startswith("Action."):
            return [content]
        for value in content.values():
            found += _all_actions(value)
    elif isinstance(content, list):
        for value in content:
            found += _all_actions(value)
    return found


def test_command_buttons_carry_the_command_text_with_the_snow_verb() -> None:
    open_, refresh = _all_actions(card(TICKET))
    assert open_ == {"type": "Action.OpenUrl", "title": "Open in ServiceNow", "url": TICKET.url}
    assert refresh == {
        "type": "Action.Execute",
        "title": "Refresh",
        "verb": "snow",
        "data": {"value": "ticket INC0010001"},
    }
    more = card(TICKET_LIST)["actions"][0]
    assert (more["type"], more["verb"], more["data"]) == (
        "Action.Execute",
        "snow",
        {"value": "tickets all page 2"},
    )
    next_page = card(REC_LIST)["actions"][-1]
    assert next_page["data"] == {"value": "recommendations page 2"}


def test_a_command_that_answers_with_a_form_opens_a_dialog() -> None:
    share, learn = _all_actions(card(REC))
    assert share == {
        "type": "Action.Submit",
        "title": "Share to ServiceNow",
        "data": {
            "msteams": {"type": "task/fetch"},
            "verb": "snow",
            "value": "share MFARegistrationV2",
        },
        "style": "positive",
    }
    assert (learn["type"], learn["url"]) == ("Action.OpenUrl", REC.url)
    rows = [b["actions"] for b in card(HOME)["body"] if b["type"] == "ActionSet"]
    create, view_all, configure = [a for row in rows for a in row]
    assert create["type"] == "Action.Submit"
    assert create["data"]["msteams"] == {"type": "task/fetch"}
    assert (create["data"]["verb"], create["data"]["value"]) == ("snow", "create incident")
    assert create["style"] == "positive"
    assert [(a["type"], a["verb"], a["data"]) for a in (view_all, configure)] == [
        ("Action.Execute", "snow", {"value": "tickets all"}),
        ("Action.Execute", "snow", {"value": "config"}),
    ]


def test_every_button_value_reads_back_to_its_command() -> None:
    views: list[View] = [TICKET, REC, REC_LIST, TICKET_LIST, HOME, CONFIG]
    values = [
        a["data"]["value"]
        for v in views
        for a in _all_actions(card(v))
        if a.get("verb") == "snow" or a.get("data", {}).get("verb") == "snow"
    ]
    expected = [b.command for v in views for b in _buttons(v) if b.command is not None]
    assert [read_button(v) for v in values] == expected


def _buttons(view: View) -> list[Button]:
    match view:
        case TicketCard() | RecommendationCard() | HomeView() | ConfigurationView():
            return list(view.buttons)
        case RecommendationListView():
            inner = [b for card_ in view.cards for b in _buttons(card_)]
            return inner + ([view.more] if view.more else [])
        case TicketListView():
            return [view.more] if view.more else []
    return []


def test_the_configuration_card_saves_names_and_offers_reconnect_and_disconnect() -> None:
    content = card(CONFIG)
    texts = [b.get("text") for b in content["body"]]
    assert texts[:2] == ["ServiceNow configuration", "Saved."]
    (pick,) = [b for b in content["body"] if b.get("id") == "state_pick"]
    assert [ch["value"] for ch in pick["choices"]] == ["incident:1", "incident:2", "change:-5"]
    assert pick["choices"][1]["title"] == "Incident 2: Fixing (In Progress)"
    assert any(b.get("id") == "state_label" for b in content["body"])
    save, reconnect, disconnect = content["actions"]
    assert (save["type"], save["title"], save["verb"]) == (
        "Action.Execute",
        "Save name",
        "rename_state",
    )
    assert (reconnect["verb"], reconnect["data"]) == ("snow", {"value": "reconnect"})
    assert (disconnect["verb"], disconnect["data"]) == ("snow", {"value": "disconnect"})


def test_the_form_carries_its_context_and_submit_verb() -> None:
    context = FormContext(RecommendationSource.MICROSOFT, "r", "https://x.example/r", "19:c")
    inline = form_card(TicketFormView(), context, inline=True)["actions"]
    assert inline == [
        {
            "type": "Action.Execute",
            "title": "Create ticket",
            "verb": "submit_ticket",
            "data": {"form": context.to_doc()},
            "style": "positive",
        }
    ]
    [dialog] = form_card(TicketFormView(), context, inline=False)["actions"]
    assert dialog["type"] == "Action.Submit"
    assert dialog["data"] == {"verb": "submit_ticket", "form": context.to_doc()}
    assert FormContext.from_doc(dialog["data"]["form"]) == context
    [connect] = client_card("acme")["actions"]
    assert connect["data"] == {"verb": "servicenow_client", "instance": "acme"}


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
