"""Change approvals on Slack: each approver of a change SnowOps tracks gets its card in a
direct message, once; *Approve* and *Reject* (with a reason, asked in a modal) are written
as the approver, and every card of the change follows (Slack, end to end, against the
simulator's approval engine)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from adapters.slack.blocks_reason import REASON_CALLBACK
from tests.e2e.conftest import ADMIN, USER, SlackHarness, form_state
from tests.e2e.test_slack_notifications import sync_and_deliver
from tests.e2e.test_slack_threads import link
from tests.fakes.slack_signing import block_actions_payload, view_submission_payload

WS = "slack:T0123"
FRED = "U0FRED"  # fred.luddy, who has not linked
BETH_DM, FRED_DM = "D0ADMIN", "D0FRED"  # ADMIN is beth.anglin


async def create_change(slack: SlackHarness) -> tuple[str, str]:
    """A change made from the form in #security; (number, card ts)."""
    await slack.command("create change Rotate the VPN certificate")
    await slack.api.wait_for("views.open")
    view = [v for v in slack.api.views.values() if v.get("callback_id") == "ticket_form"][-1]
    await slack.interact(
        view_submission_payload(
            view["id"],
            "ticket_form",
            form_state(kind="change"),
            private_metadata=view["private_metadata"],
        )
    )
    await slack.api.wait_for("chat.postMessage")
    for _ in range(250):
        tickets = await slack.services.store.list_tickets(WS)
        if tickets and (
            cards := await slack.services.store.list_card_locations(WS, tickets[0].number)
        ):
            return tickets[0].number, cards[0].message_id
        await asyncio.sleep(0.02)
    raise AssertionError("the change's card was never recorded")


def dms(slack: SlackHarness, channel: str) -> list[dict[str, Any]]:
    """The approval requests sent to a direct message channel."""
    return [
        c.args
        for c in slack.api.calls_to("chat.postMessage")
        if c.args["channel"] == channel and "your approval is requested" in json.dumps(c.args)
    ]


def buttons(message: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Label → (action id, value) of a message's buttons."""
    found = {}
    for block in message.get("blocks", []):
        for element in block.get("elements", []):
            if element.get("type") == "button" and element.get("value"):
                found[element["text"]["text"]] = (element["action_id"], element["value"])
    return found


async def click(slack: SlackHarness, user: str, channel: str, button: tuple[str, str]) -> None:
    payload = block_actions_payload(
        button[0],
        button[1],
        user_id=user,
        channel_id=channel,
        message_ts="1700000000.000100",
        response_url=slack.api.response_url(f"click-{user}-{len(slack.api.responses)}"),
    )
    await slack.interact(payload)
    assert slack.services.slack is not None
    await slack.services.slack.after.drain(10)


def approvals(slack: SlackHarness, number: str, step: int = 0) -> dict[str, str]:
    """Approver → state of the approvals of one step (0: Assess, 1: Authorize)."""
    found = slack.sim.instance.find_by_number(number)
    assert found is not None
    users = {u["sys_id"]: u["user_name"] for u in slack.sim.instance.store.rows("sys_user")}
    rows = slack.sim.instance.store.rows("sysapproval_approver")
    mine = [r for r in rows if r["sysapproval"] == found[1]["sys_id"]][step * 2 : step * 2 + 2]
    return {users[r["approver"]]: r["state"] for r in mine}


async def asked(slack: SlackHarness, number: str) -> None:
    """The change enters Assess (no assignment group: the CAB, fred and beth, approve)."""
    slack.api.set_user(FRED, email="fred.luddy@example.com", real_name="Fred Luddy")
    slack.sim.instance.set_state(number, "-4")
    await sync_and_deliver(slack)


async def test_each_approver_is_asked_once_and_approve_moves_the_change(
    slack: SlackHarness,
) -> None:
    number, ts = await create_change(slack)
    await link(slack, ADMIN, "beth.anglin")
    await asked(slack, number)
    [beth] = dms(slack, BETH_DM)
    [fred] = dms(slack, FRED_DM)
    assert number in json.dumps(beth)
    assert "your approval is requested" in json.dumps(beth)
    assert set(buttons(beth)) >= {"Approve", "Reject"}
    assert "Link your account" not in buttons(beth)
    assert set(buttons(fred)) >= {"Approve", "Reject", "Link your account"}
    # The approvers were read with the change's comments, in one Batch API request.
    reads = [(method, path.split("?")[0]) for method, path in slack.sim.instance.request_log]
    assert ("BATCH GET", "/api/now/table/sysapproval_approver") in reads
    assert ("GET", "/api/now/table/sysapproval_approver") not in reads
    await sync_and_deliver(slack)
    slack.sim.instance.advance_clock(5)
    await sync_and_deliver(slack)
    assert len(dms(slack, BETH_DM)) == 1
    assert len(dms(slack, FRED_DM)) == 1

    # Fred has not linked: his click asks him to, and decides nothing.
    await click(slack, FRED, FRED_DM, buttons(fred)["Approve"])
    assert "link your ServiceNow account first" in json.dumps(slack.api.responses[-1])
    assert approvals(slack, number) == {"fred.luddy": "requested", "beth.anglin": "requested"}

    approval_id = buttons(fred)["Approve"][1].split()[-1]
    slack.sim.instance.decide_approval(approval_id, "approved")  # Fred approves in ServiceNow
    slack.api.clear()
    await click(slack, ADMIN, BETH_DM, buttons(beth)["Approve"])
    await click(slack, ADMIN, BETH_DM, buttons(beth)["Approve"])  # a double click
    assert approvals(slack, number) == {"fred.luddy": "approved", "beth.anglin": "approved"}
    assert approvals(slack, number, step=1) == {
        "fred.luddy": "requested",
        "beth.anglin": "requested",
    }
    found = slack.sim.instance.find_by_number(number)
    assert found is not None
    assert (found[1]["state"], found[1]["sys_updated_by"]) == ("-3", "beth.anglin")
    answers = json.dumps(slack.api.responses)
    assert f"You approved {number}" in answers
    assert "already approved" in answers
    # Every card of the change follows: the one in #security is updated in place.
    await sync_and_deliver(slack)
    updates = [c for c in slack.api.calls_to("chat.update") if c.args["ts"] == ts]
    assert updates
    assert "Authorize" in json.dumps(updates[-1].args["blocks"])
    slack.every_payload_is_valid_block_kit()


async def test_reject_asks_for_a_reason_and_records_it(slack: SlackHarness) -> None:
    number, _ = await create_change(slack)
    await link(slack, ADMIN, "beth.anglin")
    await asked(slack, number)
    [beth] = dms(slack, BETH_DM)
    await click(slack, ADMIN, BETH_DM, buttons(beth)["Reject"])
    [modal] = [v for v in slack.api.views.values() if v.get("callback_id") == REASON_CALLBACK]
    assert "Why do you reject" in json.dumps(modal)
    empty = {"reason": {"value": {"type": "plain_text_input", "value": "  "}}}
    refused = await slack.interact(
        view_submission_payload(
            modal["id"],
            REASON_CALLBACK,
            empty,
            private_metadata=modal["private_metadata"],
            user_id=ADMIN,
        )
    )
    assert refused.status == 200
    assert approvals(slack, number)["beth.anglin"] == "requested"
    state = {"reason": {"value": {"type": "plain_text_input", "value": "No backout plan <yet>"}}}
    await slack.interact(
        view_submission_payload(
            modal["id"],
            REASON_CALLBACK,
            state,
            private_metadata=modal["private_metadata"],
            user_id=ADMIN,
        )
    )
    assert slack.services.slack is not None
    await slack.services.slack.after.drain(10)
    assert approvals(slack, number)["beth.anglin"] == "rejected"
    found = slack.sim.instance.find_by_number(number)
    assert found is not None
    assert found[1]["state"] == "-5"
    rows = slack.sim.instance.store.rows("sys_journal_field")
    [reason] = [r for r in rows if "No backout plan <yet>" in r["value"]]
    assert reason["sys_created_by"] == "beth.anglin"
    assert f"You rejected {number}" in json.dumps(list(slack.api.views.values()))
    slack.every_payload_is_valid_block_kit()


async def test_a_user_cannot_decide_with_their_token_for_another(slack: SlackHarness) -> None:
    number, _ = await create_change(slack)
    await link(slack, USER, "abel.tuter")  # Abel is no approver of this change
    await asked(slack, number)
    [fred] = dms(slack, FRED_DM)
    await click(slack, USER, FRED_DM, buttons(fred)["Approve"])
    assert approvals(slack, number) == {"fred.luddy": "requested", "beth.anglin": "requested"}
    said = json.dumps(slack.api.responses[-1])
    assert f"ServiceNow refused your decision on {number}" in said
    assert "Only the approver it was asked of" in said
