"""The ticket card's form actions on Slack, end to end: *Add comment* and *Add work note*
open a modal (views.open with the click's trigger id) whose submission lands in
ServiceNow as the person; *Assign to group* searches sys_user_group through Slack's signed
``block_suggestion``; *Resolve* lists the instance's own (customised) close codes and
resolves once however often it is submitted; *Close* closes a change; the card shows only
what the ticket's state allows."""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

from sim.servicenow import Fault
from sim.servicenow.users import DEMO_PASSWORD, INTEGRATION_USER, SEED_GROUPS
from tests.e2e.conftest import ADMIN, USER, SlackHarness, button_values
from tests.e2e.test_slack_tickets import open_form, submit
from tests.fakes.slack_signing import block_actions_payload, view_submission_payload
from tests.integration.oauth_helpers import approve

SERVICE_DESK = next(g for g in SEED_GROUPS if g.name == "Service Desk")
OPEN_INCIDENT = {"comment", "note", "assign {n} me", "assign", "resolve"}


async def make_ticket(slack: SlackHarness, kind: str = "incident") -> tuple[str, dict[str, Any]]:
    """A ticket made with the form; (its number, its card as posted)."""
    before = len(slack.api.calls_to("chat.postMessage"))
    await submit(slack, await open_form(slack), kind=kind)
    posted = (await slack.api.wait_for("chat.postMessage", count=before + 1))[before]
    [number] = re.findall(r"(?:INC|CHG)\d{7}", posted.args["text"])[:1]
    return number, posted.args


def actions_on(card: dict[str, Any], number: str) -> set[str]:
    """The ticket actions a card's buttons offer (without Refresh)."""
    return {
        v.replace(f" {number}", "").replace(" me", " {n} me")
        for v in button_values(card)
        if v != f"ticket {number}"
    }


async def click(slack: SlackHarness, value: str, *, user: str = USER) -> dict[str, Any]:
    """Click a card button that opens an action form; the modal it opens."""
    before = slack.modals_shown()
    r = await slack.interact(
        block_actions_payload("snow", value, user_id=user, channel_id="C0SEC", message_ts="1.1")
    )
    assert r.status == 200
    return await slack.latest_modal(before, "ticket_action")


async def send(
    slack: SlackHarness, modal: dict[str, Any], values: dict[str, Any], *, user: str = USER
) -> dict[str, Any]:
    """Submit an action modal with ``values`` (block id → element state)."""
    payload = view_submission_payload(
        "V0ACT1", "ticket_action", values, private_metadata=modal["private_metadata"], user_id=user
    )
    r = await slack.interact(payload)
    assert r.status == 200
    text = await r.text()
    return json.loads(text) if text else {}


def text(value: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def picked(value: str, action_id: str = "value", kind: str = "static_select") -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": value}, "value": value}
    return {action_id: {"type": kind, "selected_option": option}}


async def journal(slack: SlackHarness, words: str, count: int = 1) -> list[dict[str, str]]:
    """The journal rows holding ``words``, once there are ``count`` of them."""
    async with asyncio.timeout(5):
        while True:
            rows = [
                r
                for r in slack.sim.instance.store.rows("sys_journal_field")
                if words in r.get("value", "")
            ]
            if len(rows) >= count:
                return rows
            await asyncio.sleep(0.02)


async def shown(slack: SlackHarness, words: str) -> dict[str, Any]:
    """The newest modal that says ``words``."""
    async with asyncio.timeout(5):
        while True:
            views = [c.args["view"] for c in slack.api.calls_to("views.update")]
            if views and words in json.dumps(views[-1]):
                view: dict[str, Any] = views[-1]
                return view
            await asyncio.sleep(0.02)


async def test_add_comment_opens_a_modal_and_writes_as_the_person(slack: SlackHarness) -> None:
    number, card = await make_ticket(slack)
    assert actions_on(card, number) == OPEN_INCIDENT

    modal = await click(slack, f"comment {number}")
    assert [b.get("block_id") for b in modal["blocks"]][1:] == ["text"]
    [opened] = slack.api.calls_to("views.open")[-1:]
    assert opened.args["trigger_id"]
    assert "Rotate the VPN certificate" in json.dumps(modal)

    answer = await send(slack, modal, {"text": text("Rebooted the <!channel> concentrator")})
    assert answer["response_action"] == "update"
    [row] = await journal(slack, "Rebooted the <!channel> concentrator")
    # Not linked, email mode: the integration user writes it, naming the person.
    assert row["element"] == "comments"
    assert row["sys_created_by"] == INTEGRATION_USER.user_name
    assert "From Slack by Abel Tuter (abel.tuter@example.com), via SnowOps" in row["value"]
    assert f"Added a comment to {number}" in json.dumps(await shown(slack, "Added a comment"))

    # The card in the channel is brought up to date in place, the comment in its history.
    assert await slack.services.notifier.deliver("test") >= 1
    [update] = await slack.api.wait_for("chat.update")
    assert "Rebooted the &lt;!channel&gt; concentrator" in json.dumps(update.args["blocks"])
    slack.every_payload_is_valid_block_kit()


async def test_a_linked_person_writes_a_work_note_as_themselves(slack: SlackHarness) -> None:
    await slack.command("link", user=USER, name="link")
    [answer] = await slack.api.wait_for_response()
    [link] = re.findall(r"http://127\.0\.0\.1:\d+/servicenow/oauth/start\?t=[\w-]+", str(answer))
    callback = await approve(slack.http, link, username="abel.tuter", password=DEMO_PASSWORD)
    async with slack.http.get(callback) as page:
        assert page.status == 200
    number, _ = await make_ticket(slack)

    modal = await click(slack, f"note {number}")
    assert "Only the service desk sees work notes" in json.dumps(modal)
    await send(slack, modal, {"text": text("Checked the firewall logs")})
    [row] = await journal(slack, "Checked the firewall logs")
    assert (row["element"], row["sys_created_by"]) == ("work_notes", "abel.tuter")
    assert "via SnowOps" not in row["value"]


async def test_a_form_acts_as_whoever_submits_it(slack: SlackHarness) -> None:
    number, _ = await make_ticket(slack)
    modal = await click(slack, f"comment {number}", user=USER)
    await send(slack, modal, {"text": text("Beth looked at it")}, user=ADMIN)
    [row] = await journal(slack, "Beth looked at it")
    assert "by Beth Anglin (beth.anglin@example.com)" in row["value"]
    assert "Abel" not in row["value"]


async def test_an_empty_comment_is_refused_next_to_its_field(slack: SlackHarness) -> None:
    number, _ = await make_ticket(slack)
    modal = await click(slack, f"comment {number}")
    answer = await send(slack, modal, {"text": text("   ")})
    assert answer == {"response_action": "errors", "errors": {"text": "Write something to add."}}


async def test_assign_to_group_searches_groups_and_assigns(slack: SlackHarness) -> None:
    number, _ = await make_ticket(slack)
    modal = await click(slack, f"assign {number}")
    [group] = [b for b in modal["blocks"] if b.get("block_id") == "group"]
    assert group["element"]["type"] == "external_select"

    suggestion = {
        "type": "block_suggestion",
        "user": {"id": USER, "team_id": "T0123"},
        "team": {"id": "T0123", "domain": "acme"},
        "api_app_id": "A0SNOWOPS",
        "action_id": "group_search",
        "block_id": "group",
        "value": "serv",
        "view": {**modal, "id": "V0ACT1"},
    }
    r = await slack.interact(suggestion)
    assert r.status == 200
    options = (await r.json())["options"]
    assert [o["value"] for o in options] == ["Service Desk"]

    await send(slack, modal, {"group": picked("Service Desk", "group_search", "external_select")})
    await shown(slack, "is assigned to Service Desk")
    found = slack.sim.instance.find_by_number(number)
    assert found is not None
    assert found[1]["assignment_group"] == SERVICE_DESK.sys_id


async def test_the_group_type_ahead_answers_in_time_when_servicenow_is_slow(
    slack: SlackHarness,
) -> None:
    number, _ = await make_ticket(slack)
    modal = await click(slack, f"assign {number}")
    slack.sim.instance.inject_fault(Fault(latency_ms=6000, count=1))
    suggestion = {
        "type": "block_suggestion",
        "user": {"id": USER, "team_id": "T0123"},
        "team": {"id": "T0123", "domain": "acme"},
        "api_app_id": "A0SNOWOPS",
        "action_id": "group_search",
        "block_id": "group",
        "value": "serv",
        "view": {**modal, "id": "V0ACT1"},
    }
    started = time.monotonic()
    r = await slack.interact(suggestion)
    assert r.status == 200
    assert time.monotonic() - started < 3.0  # Slack's limit for the ack that carries them
    assert (await r.json())["options"] == []


async def test_resolve_lists_the_instances_codes_and_resolves_once(slack: SlackHarness) -> None:
    custom = {"value": "Fixed by vendor", "label": "Fixed by vendor", "sequence": 5}
    body = {"table": "incident", "element": "close_code", "choices": [custom]}
    async with slack.http.post(f"{slack.sim.url}/sim/choices", json=body) as r:
        assert r.status == 200
    number, _ = await make_ticket(slack)

    modal = await click(slack, f"resolve {number}")
    [codes] = [b for b in modal["blocks"] if b.get("block_id") == "close_code"]
    offered = [o["value"] for o in codes["element"]["options"]]
    assert "Fixed by vendor" in offered
    assert "Solution provided" in offered

    values = {"close_code": picked("Fixed by vendor"), "close_notes": text("Vendor patched")}
    await asyncio.gather(send(slack, modal, values), send(slack, modal, values))
    await shown(slack, f"{number} is resolved")
    await asyncio.sleep(0.3)
    found = slack.sim.instance.find_by_number(number)
    assert found is not None
    assert (found[1]["state"], found[1]["close_code"]) == ("6", "Fixed by vendor")
    patches = [p for m, p in slack.sim.instance.request_log if m == "PATCH" and "incident" in p]
    assert len(patches) == 1

    # A resolved incident offers a comment and reopen, nothing else.
    await slack.command(f"ticket {number}", name="after")
    [after] = await slack.api.wait_for_response(count=1)
    assert actions_on(after, number) == {"comment", "reopen"}


async def test_close_on_a_change_uses_the_changes_close_codes(slack: SlackHarness) -> None:
    number, card = await make_ticket(slack, kind="change")
    assert "close" in actions_on(card, number)
    slack.sim.instance.set_state(number, "0")  # Review: the change model allows Closed next

    modal = await click(slack, f"close {number}")
    [codes] = [b for b in modal["blocks"] if b.get("block_id") == "close_code"]
    assert [o["value"] for o in codes["element"]["options"]][:1] == ["successful"]
    values = {"close_code": picked("successful"), "close_notes": text("Rolled out")}
    await send(slack, modal, values)
    await shown(slack, f"{number} is closed")
    found = slack.sim.instance.find_by_number(number)
    assert found is not None
    assert (found[1]["state"], found[1]["close_code"]) == ("3", "successful")

    # Closed: none of the write actions.
    await slack.command(f"ticket {number}", name="closed")
    [after] = await slack.api.wait_for_response(count=1)
    assert actions_on(after, number) == set()


async def test_a_typed_command_without_text_opens_the_form(slack: SlackHarness) -> None:
    number, _ = await make_ticket(slack)
    before = slack.modals_shown()
    await slack.command(f"resolve {number}", name="typed")
    modal = await slack.latest_modal(before, "ticket_action")
    assert [b.get("block_id") for b in modal["blocks"]][1:] == ["close_code", "close_notes"]
    slack.every_payload_is_valid_block_kit()
