"""Teams ticket journeys: the form in a card and in a dialog, field errors, share a message,
home, double submits and a ServiceNow outage."""

from __future__ import annotations

import json
from typing import Any

from core.models import TicketKind
from core.repos import StateNames
from sim.servicenow import Fault
from tests.e2e.teams_harness import (
    WORKSPACE,
    TeamsHarness,
    action_of,
    create_inline,
    form_inputs,
)
from tests.fakes import bot_activities as bf

ADMIN = {"user": bf.ADMIN_ID, "aad": bf.ADMIN_AAD, "user_name": "Beth Anglin"}


def inputs_of(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in card["body"] if str(e.get("type", "")).startswith("Input.")}


def text_after(card: dict[str, Any], input_id: str) -> str:
    """The TextBlock right under an input: where field errors go."""
    body = card["body"]
    index = next(i for i, e in enumerate(body) if e.get("id") == input_id)
    following = body[index + 1]
    return str(following.get("text", "")) if following.get("type") == "TextBlock" else ""


async def test_create_replies_with_the_form_prefilled(teams: TeamsHarness) -> None:
    [form] = await teams.say("snow create change Rotate the VPN certificate")
    fields = inputs_of(form.cards[0])
    assert fields["name"]["value"] == "Rotate the VPN certificate"
    assert fields["kind"]["value"] == "change"
    assert set(fields) == {"kind", "name", "description", "priority", "due", "category"}
    assert action_of(form.cards[0], "Create ticket")["type"] == "Action.Execute"


async def test_field_errors_show_next_to_their_fields(teams: TeamsHarness) -> None:
    [form] = await teams.say("snow create Rotate the VPN certificate")
    button = action_of(form.cards[0], "Create ticket")
    data = {**button["data"], **form_inputs(name="x" * 161, due="2020-01-01")}
    answer = await teams.invoke(
        bf.card_action(button["verb"], data, teams.service_url, card_id=form.id)
    )
    assert answer["statusCode"] == 200
    again = answer["value"]
    assert "160" in text_after(again, "name")
    assert "past" in text_after(again, "due")
    assert text_after(again, "priority") == ""
    assert inputs_of(again)["name"]["value"] == "x" * 161  # what the user typed stays
    assert teams.sim.instance.find_by_number("INC0010001") is None


async def test_submit_turns_the_form_into_the_ticket_card(teams: TeamsHarness) -> None:
    number, form = await create_inline(teams)
    assert number == "INC0010001"
    found = teams.sim.instance.find_by_number(number)
    assert found is not None
    assert found[1]["short_description"] == "Patch the VPN concentrator"
    card = json.dumps(teams.answered[-1]["value"])
    for shown in ("2 - High", "Dec 31, 2026", "Abel Tuter", "Infrastructure", "Open in ServiceNow"):
        assert shown in card
    # The card that was clicked is the ticket's card from now on.
    [where] = await teams.services.store.list_card_locations(WORKSPACE, number)
    assert where.message_id == form.id
    assert where.channel.channel == bf.PERSONAL


async def test_double_submit_makes_one_ticket(teams: TeamsHarness) -> None:
    [form] = await teams.say("snow create Patch the VPN concentrator")
    button = action_of(form.cards[0], "Create ticket")
    data = {**button["data"], **form_inputs(name="Patch the VPN concentrator")}
    answers = [
        await teams.invoke(bf.card_action(button["verb"], data, teams.service_url, card_id=form.id))
        for _ in range(2)
    ]
    assert ["INC0010001" in json.dumps(a) for a in answers] == [True, True]
    assert teams.sim.instance.find_by_number("INC0010002") is None
    assert len(await teams.services.store.list_card_locations(WORKSPACE, "INC0010001")) == 1


async def test_dialog_form_from_home_with_errors_then_created(teams: TeamsHarness) -> None:
    [home] = await teams.say("snow home")
    button = action_of(home.cards[0], "Create ticket")
    assert button["data"]["msteams"] == {"type": "task/fetch"}
    opened = await teams.invoke(bf.task_fetch(button["data"], teams.service_url))
    form = opened["task"]["value"]["card"]["content"]
    submit = action_of(form, "Create ticket")
    assert submit["type"] == "Action.Submit"
    bad = await teams.invoke(
        bf.task_submit({**submit["data"], **form_inputs(name="")}, teams.service_url)
    )
    assert bad["task"]["type"] == "continue"  # the dialog stays open, with the error
    assert "name" in text_after(bad["task"]["value"]["card"]["content"], "name")
    posts = len(teams.connector.posts())
    good = await teams.invoke(
        bf.task_submit({**submit["data"], **form_inputs()}, teams.service_url)
    )
    assert good["task"] == {"type": "message", "value": "Created INC0010001."}
    [posted] = teams.connector.posts()[posts:]
    assert "INC0010001" in posted.text
    [where] = await teams.services.store.list_card_locations(WORKSPACE, "INC0010001")
    assert where.message_id == posted.id
    # The same dialog submitted again: the same ticket, no second card.
    again = await teams.invoke(
        bf.task_submit({**submit["data"], **form_inputs()}, teams.service_url)
    )
    assert "INC0010001" in again["task"]["value"]
    assert len(teams.connector.posts()) == posts + 1


async def test_share_a_message_with_its_text_as_description(teams: TeamsHarness) -> None:
    text = "<p>The VPN certificate expires <b>Friday</b> &amp; nobody owns it</p>"
    opened = await teams.invoke(bf.share_message_fetch(text, teams.service_url, conv=bf.CHANNEL))
    form = opened["task"]["value"]["card"]["content"]
    fields = inputs_of(form)
    assert fields["name"]["value"] == "The VPN certificate expires Friday & nobody owns it"
    assert "From Teams: https://teams.microsoft.com/l/message/" in fields["description"]["value"]
    submit = action_of(form, "Create ticket")
    data = {
        **submit["data"],
        **form_inputs(name=fields["name"]["value"], description=fields["description"]["value"]),
    }
    done = await teams.invoke(bf.share_message_submit(data, teams.service_url, conv=bf.CHANNEL))
    assert done["task"]["value"] == "Created INC0010001."
    found = teams.sim.instance.find_by_number("INC0010001")
    assert found is not None
    assert "nobody owns it" in found[1]["description"]
    assert "INC0010001" in teams.connector.posts(bf.CHANNEL)[-1].text


async def test_welcome_once_with_home_cards_and_buttons(teams: TeamsHarness) -> None:
    await create_inline(teams)
    teams.connector.sent.clear()
    status, _ = await teams.send(bf.members_added(teams.service_url))
    assert status == 202
    status, _ = await teams.send(bf.installation(teams.service_url))
    assert status == 202
    [welcome] = teams.connector.posts()
    text = welcome.text
    for part in ("Incident management", "Change management", "INC0010001", "New", "1"):
        assert part in text
    assert "Create ticket" in text
    assert "View all tickets" in text
    assert "Manage ServiceNow configuration" not in text  # not an admin


async def test_admin_home_manages_the_configuration(teams: TeamsHarness) -> None:
    [home] = await teams.say("snow home", **ADMIN)
    button = action_of(home.cards[0], "Manage ServiceNow configuration")
    config = await teams.invoke(
        bf.card_action(button["verb"], button["data"], teams.service_url, card_id=home.id, **ADMIN)
    )
    assert "ServiceNow configuration" in json.dumps(config["value"])
    rename = action_of(config["value"], "Save name")
    data = {**rename["data"], "state_pick": "incident:2", "state_label": "Being fixed"}
    saved = await teams.invoke(
        bf.card_action(rename["verb"], data, teams.service_url, card_id=home.id, **ADMIN)
    )
    shown = json.dumps(saved["value"])
    assert "ServiceNow configuration" in shown  # the configuration card again, with a banner
    assert "Incident state In Progress is now shown as Being fixed." in shown
    names = await StateNames(teams.services.store).names(WORKSPACE, TicketKind.INCIDENT)
    assert names["2"] == "Being fixed"
    # The same button, clicked by someone who is not an admin, is refused: the card they
    # clicked stays, and only they are told (nothing is posted in the conversation).
    posts = len(teams.connector.posts())
    refused = await teams.invoke(
        bf.card_action(button["verb"], button["data"], teams.service_url, card_id=home.id)
    )
    assert refused["type"] == "application/vnd.microsoft.activity.message"
    assert "Only workspace admins" in refused["value"]
    assert "ServiceNow configuration" not in json.dumps(refused)
    assert teams.connector.posts()[posts:] == []


async def test_view_all_tickets_posts_the_list_and_refresh_updates_a_card(
    teams: TeamsHarness,
) -> None:
    number, form = await create_inline(teams)
    [home] = await teams.say("snow home")
    button = action_of(home.cards[0], "View all tickets")
    posts = len(teams.connector.posts())
    answer = await teams.invoke(
        bf.card_action(button["verb"], button["data"], teams.service_url, card_id=home.id)
    )
    # The home card stays as it is; the list is posted as a new message.
    assert answer["type"] == "application/vnd.microsoft.activity.message"
    assert answer["value"] == "Tickets"
    [listing] = teams.connector.posts()[posts:]
    assert number in listing.text
    teams.sim.instance.set_state(number, "2")
    refresh = action_of(teams.answered[0]["value"], "Refresh")
    fresh = await teams.invoke(
        bf.card_action(refresh["verb"], refresh["data"], teams.service_url, card_id=form.id)
    )
    assert "In Progress" in json.dumps(fresh["value"])


async def test_servicenow_outage_keeps_the_form_and_says_why(teams: TeamsHarness) -> None:
    [form] = await teams.say("snow create Patch the VPN concentrator")
    button = action_of(form.cards[0], "Create ticket")
    data = {**button["data"], **form_inputs(name="Patch the VPN concentrator")}
    teams.sim.instance.inject_fault(Fault(status=503, count=50))
    failed = await teams.invoke(bf.card_action(button["verb"], data, teams.service_url))
    shown = failed["value"]
    assert "ServiceNow" in json.dumps(shown)
    assert inputs_of(shown)["name"]["value"] == "Patch the VPN concentrator"
    teams.sim.instance.clear_faults()
    done = await teams.invoke(bf.card_action(button["verb"], data, teams.service_url))
    assert "INC0010001" in json.dumps(done["value"])


async def test_removal_forgets_the_conversation_and_a_reinstall_is_welcomed(
    teams: TeamsHarness,
) -> None:
    await teams.send(bf.installation(teams.service_url, conv=bf.GROUP))
    assert len(teams.connector.posts(bf.GROUP)) == 1
    docs = await teams.services.store.list_documents("teams-conversations")
    assert f"{WORKSPACE}|{bf.GROUP}" in docs
    await teams.send(bf.installation(teams.service_url, action="remove", conv=bf.GROUP))
    docs = await teams.services.store.list_documents("teams-conversations")
    assert f"{WORKSPACE}|{bf.GROUP}" not in docs
    await teams.send(bf.installation(teams.service_url, conv=bf.GROUP))
    assert len(teams.connector.posts(bf.GROUP)) == 2


async def test_reconnect_from_a_shared_conversation_sends_the_admin_to_the_personal_chat(
    teams: TeamsHarness,
) -> None:
    """The sign-in link must never replace a card everyone in a channel can click."""
    [home] = await teams.say("snow home", conv=bf.CHANNEL, **ADMIN)
    button = action_of(home.cards[0], "Manage ServiceNow configuration")
    config = await teams.invoke(
        bf.card_action(
            button["verb"],
            button["data"],
            teams.service_url,
            card_id=home.id,
            conv=bf.CHANNEL,
            **ADMIN,
        )
    )
    reconnect = action_of(config["value"], "Reconnect")
    answer = await teams.invoke(
        bf.card_action(
            reconnect["verb"],
            reconnect["data"],
            teams.service_url,
            card_id=home.id,
            conv=bf.CHANNEL,
            **ADMIN,
        )
    )
    text = json.dumps(answer)
    assert "personal chat" in text
    assert "/servicenow/oauth/start" not in text


async def test_a_button_of_a_card_posted_before_the_upgrade_still_works(
    teams: TeamsHarness,
) -> None:
    """Cards already in Teams carry the old verbs: Refresh still refreshes, and a verb
    that means nothing leaves the card alone."""
    number, form = await create_inline(teams)
    teams.sim.instance.set_state(number, "2")
    fresh = await teams.invoke(
        bf.card_action("refresh_ticket", {"value": number}, teams.service_url, card_id=form.id)
    )
    assert fresh["type"] == "application/vnd.microsoft.card.adaptive"
    assert "In Progress" in json.dumps(fresh["value"])
    unknown = await teams.invoke(
        bf.card_action("frobnicate", {"value": "x"}, teams.service_url, card_id=form.id)
    )
    assert unknown["type"] == "application/vnd.microsoft.activity.message"
    assert "older SnowOps card" in unknown["value"]
