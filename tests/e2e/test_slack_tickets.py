"""Slack ticket journeys: the form, share, message shortcut, App Home, duplicates."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sim.servicenow import Fault
from tests.e2e.conftest import ADMIN, USER, SlackHarness, button_values, form_state
from tests.fakes.slack_signing import (
    app_home_opened_event,
    block_actions_payload,
    message_action_payload,
    view_submission_payload,
)


async def open_form(
    slack: SlackHarness, text: str = "create Rotate the VPN certificate"
) -> dict[str, Any]:
    await slack.command(text)
    [call] = await slack.api.wait_for("views.open")
    view: dict[str, Any] = call.args["view"]
    assert view["callback_id"] == "ticket_form"
    return view


async def submit(
    slack: SlackHarness,
    view: dict[str, Any],
    *,
    view_id: str = "V0FORM1",
    user: str = USER,
    **values: Any,
) -> dict[str, Any]:
    payload = view_submission_payload(
        view_id,
        "ticket_form",
        form_state(**values),
        private_metadata=view["private_metadata"],
        user_id=user,
    )
    r = await slack.interact(payload)
    assert r.status == 200
    text = await r.text()
    return json.loads(text) if text else {}


async def test_create_opens_the_form_prefilled(slack: SlackHarness) -> None:
    view = await open_form(slack, "create change Rotate the VPN certificate")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["name"]["element"]["initial_value"] == "Rotate the VPN certificate"
    assert blocks["kind"]["element"]["initial_option"]["value"] == "change"
    slack.every_payload_is_valid_block_kit()


async def test_field_errors_come_back_next_to_the_fields(slack: SlackHarness) -> None:
    view = await open_form(slack)
    answer = await submit(slack, view, name="x" * 161, due="2020-01-01")
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"name", "due"}
    assert "160" in answer["errors"]["name"]
    assert slack.sim.instance.find_by_number("INC0010001") is None


async def test_submit_creates_the_ticket_and_posts_one_card(slack: SlackHarness) -> None:
    view = await open_form(slack)
    answer = await submit(slack, view)
    assert answer["response_action"] == "update"
    [posted] = await slack.api.wait_for("chat.postMessage")
    assert posted.args["channel"] == "C0SEC"
    card = str(posted.args["blocks"])
    assert "INC0010001" in card
    assert "Rotate the VPN certificate" in card
    assert "2 - High" in card
    assert "Dec 31, 2026" in card
    assert "Abel Tuter" in card
    [update] = await slack.api.wait_for("views.update")
    assert "INC0010001" in str(update.args["view"])
    [ephemeral] = await slack.api.wait_for("chat.postEphemeral")
    assert ephemeral.args["user"] == USER
    found = slack.sim.instance.find_by_number("INC0010001")
    assert found is not None
    assert found[1]["caller_id"] == slack.sim.instance.actor("abel.tuter").sys_id
    where = await slack.services.store.list_card_locations("slack:T0123", "INC0010001")
    assert [w.channel.channel for w in where] == ["C0SEC"]
    slack.every_payload_is_valid_block_kit()


async def test_a_double_submit_makes_one_ticket_and_one_card(slack: SlackHarness) -> None:
    view = await open_form(slack)
    await asyncio.gather(submit(slack, view), submit(slack, view))
    await slack.api.wait_for("chat.postMessage")
    await asyncio.sleep(0.3)
    assert len(slack.api.calls_to("chat.postMessage")) == 1
    creates = [p for m, p in slack.sim.instance.request_log if m == "POST" and "incident" in p]
    assert len(creates) == 1


async def test_a_servicenow_outage_keeps_the_form_and_makes_nothing(slack: SlackHarness) -> None:
    view = await open_form(slack)
    slack.sim.instance.inject_fault(Fault(status=503, count=20))
    answer = await submit(slack, view)
    assert answer["response_action"] == "update"
    [update] = await slack.api.wait_for("views.update")
    shown = update.args["view"]
    assert shown["callback_id"] == "ticket_form"  # the form again, with what was typed
    assert "ServiceNow" in str(shown["blocks"][0])
    assert "Rotate the VPN certificate" in json.dumps(shown)
    assert slack.api.calls_to("chat.postMessage") == []
    slack.sim.instance.clear_faults()
    assert slack.sim.instance.find_by_number("INC0010001") is None


async def test_message_shortcut_turns_a_message_into_a_ticket_form(slack: SlackHarness) -> None:
    payload = message_action_payload(
        "create_ticket_from_message", "Phishing mail reported by finance", "1700000001.000100"
    )
    r = await slack.interact(payload)
    assert r.status == 200
    [call] = await slack.api.wait_for("views.open")
    blocks = {b.get("block_id"): b for b in call.args["view"]["blocks"]}
    description = blocks["description"]["element"]["initial_value"]
    assert description.startswith("Phishing mail reported by finance")
    assert "https://acme.slack.com/archives/" in description
    slack.every_payload_is_valid_block_kit()


async def test_app_home_shows_the_cards_and_their_buttons(slack: SlackHarness) -> None:
    view = await open_form(slack)
    await submit(slack, view)
    await slack.api.wait_for("chat.postMessage")
    r = await slack.event(app_home_opened_event(ADMIN), event_id="Ev01")
    assert r.status == 200
    [publish] = await slack.api.wait_for("views.publish")
    home = publish.args["view"]
    text = json.dumps(home)
    assert home["type"] == "home"
    assert "Incident management" in text
    assert "Change management" in text
    assert "INC0010001" in text
    assert {"create incident", "tickets all", "config"} <= button_values(home)
    slack.every_payload_is_valid_block_kit()


async def test_home_hides_configuration_from_non_admins(slack: SlackHarness) -> None:
    await slack.event(app_home_opened_event(USER), event_id="Ev02")
    [publish] = await slack.api.wait_for("views.publish")
    assert "config" not in button_values(publish.args["view"])


async def test_a_retried_event_is_handled_once(slack: SlackHarness) -> None:
    await slack.event(app_home_opened_event(USER), event_id="Ev03")
    r = await slack.event(
        app_home_opened_event(USER),
        event_id="Ev03",
        **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert r.status == 200
    assert r.headers.get("X-Slack-No-Retry") == "1"
    await asyncio.sleep(0.3)
    assert len(slack.api.calls_to("views.publish")) == 1


async def test_view_all_tickets_opens_a_list(slack: SlackHarness) -> None:
    view = await open_form(slack)
    await submit(slack, view)
    await slack.api.wait_for("chat.postMessage")
    payload = block_actions_payload(
        "snow", "tickets all", user_id=USER, view={"id": "VHOME", "type": "home"}
    )
    before = slack.modals_shown()
    await slack.interact(payload)
    # The submitted form turns into "Created …" on its own schedule: wait for the list.
    modal = json.dumps(await slack.latest_modal(before, callback_id="ticket_list"))
    assert "INC0010001" in modal
    # …and a link to the same list in ServiceNow, scoped to this workspace's tickets.
    assert f"{slack.sim.url}/task_list.do?sysparm_query=correlation_idSTARTSWITHsnowops" in modal
    slack.every_payload_is_valid_block_kit()


async def test_a_button_of_a_card_posted_before_the_upgrade_still_works(
    slack: SlackHarness,
) -> None:
    """Home tabs and cards already in Slack carry the old action ids."""
    view = await open_form(slack)
    await submit(slack, view)
    await slack.api.wait_for("chat.postMessage")
    before = slack.modals_shown()
    old = block_actions_payload(
        "view_all_tickets", "", user_id=USER, view={"id": "VHOME", "type": "home"}
    )
    r = await slack.interact(old)
    assert r.status == 200
    assert "INC0010001" in json.dumps(await slack.latest_modal(before, callback_id="ticket_list"))
    link = block_actions_payload("open_ticket", "INC0010001", user_id=USER, message_ts="1.2")
    assert (await slack.interact(link)).status == 200


async def test_create_while_disconnected_says_so_instead_of_opening_the_form(
    slack: SlackHarness,
) -> None:
    await slack.services.store.delete_connection("slack:T0123")
    acked = await slack.command("create Rotate the VPN certificate")
    said = await acked.text() or json.dumps(await slack.api.wait_for_response())
    assert "not connected to ServiceNow, so no ticket can be made yet" in said
    await asyncio.sleep(0.2)
    assert slack.api.calls_to("views.open") == []
