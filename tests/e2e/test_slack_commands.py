"""Slack, end to end: signed requests in, Web API calls out, ServiceNow underneath."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from core.connections import OAuthClientConfig
from sim.servicenow import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Fault
from tests.e2e.conftest import (
    ADMIN,
    SIGNING_SECRET,
    USER,
    SlackHarness,
    form_state,
    validate_blocks,
)
from tests.fakes.slack_signing import (
    signed_headers,
    slash_command_body,
    view_submission_payload,
)


async def test_forged_stale_and_unsigned_requests_are_refused(slack: SlackHarness) -> None:
    body = slash_command_body("help", response_url=slack.api.response_url())
    forged = signed_headers("not-the-secret", body)
    stale = signed_headers(SIGNING_SECRET, body, timestamp=int(time.time()) - 600)
    for headers in (forged, stale, {"Content-Type": "application/x-www-form-urlencoded"}):
        async with slack.http.post(f"{slack.url}/slack/events", data=body, headers=headers) as r:
            assert r.status == 401
    await asyncio.sleep(0.1)
    assert slack.api.responses == []


async def test_help_is_answered_privately_in_the_ack(slack: SlackHarness) -> None:
    r = await slack.command("help")
    assert r.status == 200
    answer = await r.json()
    assert answer["response_type"] == "ephemeral"
    assert "/snow tickets" in str(answer["blocks"])
    validate_blocks(answer["blocks"])
    await asyncio.sleep(0.1)
    assert slack.api.responses == []  # no second round trip


async def test_usage_errors_come_back_in_the_ack(slack: SlackHarness) -> None:
    body = slash_command_body("frobnicate", response_url=slack.api.response_url())
    headers = signed_headers(SIGNING_SECRET, body)
    async with slack.http.post(f"{slack.url}/slack/events", data=body, headers=headers) as r:
        assert r.status == 200
        answer = await r.json()
    assert answer["response_type"] == "ephemeral"
    assert "Unknown command 'frobnicate'" in answer["text"]


async def test_ack_is_fast_whatever_servicenow_is_doing(slack: SlackHarness) -> None:
    slack.sim.instance.inject_fault(Fault(latency_ms=4000, count=5))
    started = time.monotonic()
    r = await slack.command("ticket INC0010001")
    assert r.status == 200
    assert time.monotonic() - started < 1.5
    [answer] = await slack.api.wait_for_response(timeout=15)
    assert answer["response_type"] == "ephemeral"


async def test_admin_commands_are_refused_to_others(slack: SlackHarness) -> None:
    await slack.command("disconnect", user=USER)
    [answer] = await slack.api.wait_for_response()
    assert "Only workspace admins" in answer["text"]
    conn = await slack.services.store.get_connection("slack:T0123")
    assert conn is not None


async def test_admin_can_rename_a_state_and_tickets_use_it(slack: SlackHarness) -> None:
    await slack.command('states incident 1 "Triage"', user=ADMIN)
    [answer] = await slack.api.wait_for_response()
    assert "Triage" in str(answer["blocks"])
    slack.every_payload_is_valid_block_kit()


async def test_status_shows_the_connection(slack: SlackHarness) -> None:
    r = await slack.command("status", name="status")
    assert r.status == 200
    await slack.api.wait_for_response()
    [answer] = slack.api.responses_to("status")
    validate_blocks(answer["blocks"])
    text = str(answer["blocks"])
    assert slack.sim.url in text
    assert "snowops.integration" in text
    slack.every_payload_is_valid_block_kit()


async def _create(slack: SlackHarness, name: str = "Patch the VPN concentrator") -> str:
    await slack.command(f"create {name}")
    await slack.api.wait_for("views.open")
    view = [v for v in slack.api.views.values() if v.get("callback_id") == "ticket_form"][-1]
    await slack.interact(
        view_submission_payload(
            view["id"],
            "ticket_form",
            form_state(name=name),
            private_metadata=view["private_metadata"],
        )
    )
    [posted] = await slack.api.wait_for("chat.postMessage")
    slack.api.clear()
    number = str(posted.args["blocks"]).split("INC", 1)[1][:7]
    return f"INC{number}"


async def test_tickets_and_ticket_show_cards_in_workspace_names(slack: SlackHarness) -> None:
    number = await _create(slack)
    slack.sim.instance.set_state(number, "2")
    slack.sim.instance.add_journal(number, "We are on it")
    await slack.command('states incident 2 "Being fixed"', user=ADMIN, name="a")
    first = await (await slack.command("tickets", name="b")).json()
    assert number in str(first["blocks"])  # straight from the store, in the ack
    await slack.command(f"ticket {number}", name="c")
    await slack.api.wait_for_response(count=3)
    # …then refreshed from ServiceNow and replaced, since the state changed.
    replaced = slack.api.responses_to("b")[0]
    assert replaced["replace_original"] is True
    listing = str(replaced["blocks"])
    assert number in listing
    assert "Being fixed" in listing
    detail = str(slack.api.responses_to("c")[0]["blocks"])
    assert "We are on it" in detail
    slack.every_payload_is_valid_block_kit()


async def test_subscribe_and_unsubscribe_a_channel(slack: SlackHarness) -> None:
    await slack.command("subscribe incident priority<=2", user=ADMIN, name="a")
    [answer] = await slack.api.wait_for_response()
    assert "incidents of priority 1–2" in answer["text"]
    [sub] = await slack.services.store.list_subscriptions("slack:T0123")
    assert sub.channel.channel == "C0SEC"
    await slack.command("unsubscribe", user=ADMIN, name="b")
    await slack.api.wait_for_response(count=2)
    assert await slack.services.store.list_subscriptions("slack:T0123") == []


async def test_connect_link_comes_privately_when_a_client_is_configured(
    slack: SlackHarness,
) -> None:
    await slack.services.connections.set_client(
        "slack:T0123", OAuthClientConfig(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), "test"
    )
    await slack.command(f"connect {slack.sim.url}", user=ADMIN)
    [answer] = await slack.api.wait_for_response()
    assert answer["response_type"] == "ephemeral"
    assert "/servicenow/oauth/start?t=" in json.dumps(answer)
    assert DEFAULT_CLIENT_SECRET not in json.dumps(answer)


async def test_home_and_states_and_disconnect_by_command(slack: SlackHarness) -> None:
    acked = await slack.command("home", name="home")
    assert acked.status == 200
    assert await acked.text() == ""  # acked empty; the cards come through the response_url
    await slack.api.wait_for_response()
    answer = slack.api.responses_to("home")[0]
    assert "Incident management" in json.dumps(answer["blocks"])
    states = await (await slack.command("states change")).json()
    assert "Authorize" in json.dumps(states["blocks"])
    await slack.command("disconnect confirm", user=ADMIN, name="bye")
    [*_, bye] = await slack.api.wait_for_response(count=2)
    assert "Disconnected from ServiceNow" in bye["text"]
    assert await slack.services.store.get_connection("slack:T0123") is None
    slack.every_payload_is_valid_block_kit()


@pytest.mark.parametrize("slack_env", [{"SNOWOPS_ADMINS": USER}])
async def test_snowops_admins_setting_grants_admin_rights(slack: SlackHarness) -> None:
    # USER is no Slack admin, but SNOWOPS_ADMINS lists them.
    await slack.command("subscribe", user=USER)
    [answer] = await slack.api.wait_for_response()
    assert "Only workspace admins" not in answer["text"]
    assert await slack.services.store.list_subscriptions("slack:T0123") != []
