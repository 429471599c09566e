"""Slack admin journeys: connect with the private client form, manage configuration."""

from __future__ import annotations

import json
from typing import Any

from sim.servicenow import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
)
from tests.e2e.conftest import ADMIN, USER, SlackHarness
from tests.fakes.slack_signing import block_actions_payload, view_submission_payload
from tests.integration.oauth_helpers import approve


def _link(view: dict[str, Any]) -> str:
    for block in view["blocks"]:
        for element in block.get("elements", []):
            if element.get("url"):
                return str(element["url"])
    raise AssertionError(f"no link in {view}")


async def test_connect_asks_for_the_client_privately_then_connects(slack: SlackHarness) -> None:
    await slack.services.connections.disconnect("slack:T0123", "test")
    await slack.command(f"connect {slack.sim.url}", user=ADMIN)
    [opened] = await slack.api.wait_for("views.open")
    form = opened.args["view"]
    assert form["callback_id"] == "servicenow_client"
    view_id = next(
        v["id"] for v in slack.api.views.values() if v.get("callback_id") == "servicenow_client"
    )
    state = {
        "client_id": {"value": {"type": "plain_text_input", "value": DEFAULT_CLIENT_ID}},
        "client_secret": {"value": {"type": "plain_text_input", "value": DEFAULT_CLIENT_SECRET}},
    }
    payload = view_submission_payload(
        view_id,
        "servicenow_client",
        state,
        private_metadata=form["private_metadata"],
        user_id=ADMIN,
    )
    r = await slack.interact(payload)
    assert r.status == 200
    updates = await slack.api.wait_for("views.update")
    link = _link(updates[-1].args["view"])
    assert link.startswith(f"{slack.services.settings.public_url}/servicenow/oauth/start?t=")
    # The secret never appeared in any message Slack was asked to show.
    shown = json.dumps([c.args for c in slack.api.calls if c.method != "views.open"])
    assert DEFAULT_CLIENT_SECRET not in shown

    callback = await approve(slack.http, link, username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD)
    async with slack.http.get(callback) as page:
        assert page.status == 200
    [dm] = await slack.api.wait_for("chat.postMessage")
    assert dm.args["channel"] == ADMIN or dm.args["channel"].startswith("D")
    assert "Connected to" in dm.args["text"]
    conn = await slack.services.store.get_connection("slack:T0123")
    assert conn is not None
    assert conn.connected_as == DEFAULT_USERNAME


async def test_connect_is_refused_to_non_admins(slack: SlackHarness) -> None:
    await slack.command(f"connect {slack.sim.url}", user=USER)
    [answer] = await slack.api.wait_for_response()
    assert "Only workspace admins" in answer["text"]
    assert slack.api.calls_to("views.open") == []


async def test_manage_configuration_renames_states_and_disconnects(slack: SlackHarness) -> None:
    home = {"id": "VHOME", "type": "home"}
    await slack.interact(block_actions_payload("snow", "config", user_id=ADMIN, view=home))
    view = await slack.latest_modal(0)
    assert view["callback_id"] == "manage_configuration"
    text = json.dumps(view)
    assert slack.sim.url in text
    assert "Incident 2: In Progress" in text
    view_id = next(
        v["id"] for v in slack.api.views.values() if v.get("callback_id") == "manage_configuration"
    )
    state = {
        "state_pick": {
            "value": {"type": "static_select", "selected_option": {"value": "incident:2"}}
        },
        "state_label": {"value": {"type": "plain_text_input", "value": "Being fixed"}},
    }
    r = await slack.interact(
        view_submission_payload(view_id, "manage_configuration", state, user_id=ADMIN)
    )
    answer = await r.json()
    assert answer["response_action"] == "update"
    assert "Incident 2: Being fixed (In Progress)" in json.dumps(answer["view"])

    before = slack.modals_shown()
    # The button asks in Slack's confirmation dialog, then carries the confirmed command.
    await slack.interact(
        block_actions_payload("snow", "disconnect confirm", user_id=ADMIN, view={"id": view_id})
    )
    assert "Disconnected from ServiceNow" in json.dumps(await slack.latest_modal(before))
    assert await slack.services.store.get_connection("slack:T0123") is None
    slack.every_payload_is_valid_block_kit()


async def test_manage_configuration_refuses_non_admins(slack: SlackHarness) -> None:
    home = {"id": "VHOME", "type": "home"}
    await slack.interact(block_actions_payload("snow", "config", user_id=USER, view=home))
    assert "Only workspace admins" in json.dumps(await slack.latest_modal(0))
