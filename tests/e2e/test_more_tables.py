"""Problems and security incidents, through Slack against the ServiceNow simulator: made
from the form, followed by sync (the card updated, its thread and a subscribed channel
told once), and security incidents offered only where the instance has the Security
Incident Response plugin (``sn_si_incident``)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from core.models import TicketKind
from sim.servicenow.customize import set_plugin
from tests.e2e.conftest import ADMIN, SlackHarness, form_state
from tests.e2e.push_rule import install_rule, pushed
from tests.e2e.test_slack_lookup import link_shared
from tests.fakes.slack_signing import app_home_opened_event, view_submission_payload

WS = "slack:T0123"


def kind_options(view: dict[str, Any]) -> list[str]:
    """The values the ticket form's Type select offers."""
    [block] = [b for b in view["blocks"] if b.get("block_id") == "kind"]
    return [o["value"] for o in block["element"]["options"]]


async def submit_form(slack: SlackHarness, view: dict[str, Any], kind: str) -> None:
    """Submit the ticket form ``view`` with ``kind`` chosen."""
    payload = view_submission_payload(
        slack.modal_id("ticket_form"),
        "ticket_form",
        form_state(kind=kind),
        private_metadata=view["private_metadata"],
    )
    assert (await slack.interact(payload)).status == 200


async def card_of(slack: SlackHarness, number: str) -> str:
    """The ts of ``number``'s card, once its place is saved."""
    for _ in range(250):
        if cards := await slack.services.store.list_card_locations(WS, number):
            return cards[0].message_id
        await asyncio.sleep(0.02)
    raise AssertionError(f"the card of {number} was never recorded")


async def sync_and_deliver(slack: SlackHarness) -> int:
    await slack.services.workers.run_cycle(WS)
    return await slack.services.notifier.deliver("test")


@pytest.mark.parametrize(
    ("word", "kind", "number", "state", "moved", "shown"),
    [
        ("problem", TicketKind.PROBLEM, "PRB0040001", "103", "New", "Root Cause Analysis"),
        ("sir", TicketKind.SECURITY, "SIR0010001", "18", "Draft", "Contain"),
    ],
)
async def test_a_new_kind_is_made_synced_and_notified_once(
    slack: SlackHarness,
    word: str,
    kind: TicketKind,
    number: str,
    state: str,
    moved: str,
    shown: str,
) -> None:
    await slack.command(f"subscribe {word}", user=ADMIN, channel="C0OPS", name="sub")
    await slack.api.wait_for_response()

    view = await slack.modal_after(f"create {word} Rotate the VPN certificate")

    assert kind_options(view) == [k.value for k in TicketKind]
    assert f'"value": "{kind.value}"' in json.dumps(view)  # the kind asked for is chosen
    await submit_form(slack, view, kind.value)
    ts = await card_of(slack, number)
    record = slack.sim.instance.find_by_number(number)
    assert record is not None
    assert record[0] == kind.table
    assert record[1]["correlation_id"].startswith(f"snowops:{WS}:")
    card = json.dumps(slack.api.calls_to("chat.postMessage")[-1].args["blocks"])
    assert number in card
    assert moved in card
    slack.api.clear()
    assert await sync_and_deliver(slack) == 1  # #ops hears it was made; nothing changed yet
    [made] = [c for c in slack.api.calls_to("chat.postMessage") if c.args["channel"] == "C0OPS"]
    assert made.args["text"].startswith(f"New {kind.label.lower()} {number}: Rotate the VPN")
    slack.api.clear()

    slack.sim.instance.set_state(number, state)

    assert await sync_and_deliver(slack) == 3  # the card, its thread, the subscriber
    [update] = slack.api.calls_to("chat.update")
    assert update.args["ts"] == ts
    assert shown in json.dumps(update.args["blocks"])
    replies = [
        c.args["text"]
        for c in slack.api.calls_to("chat.postMessage")
        if c.args.get("thread_ts") == ts
    ]
    assert replies == [f"{number} Rotate the VPN certificate: {moved} → {shown}"]
    [told] = [c for c in slack.api.calls_to("chat.postMessage") if c.args["channel"] == "C0OPS"]
    assert f"{moved} → {shown}" in told.args["text"]
    assert await sync_and_deliver(slack) == 0
    slack.every_payload_is_valid_block_kit()


async def test_a_channel_subscribed_to_incidents_only_hears_nothing_of_a_problem(
    slack: SlackHarness,
) -> None:
    await slack.command("subscribe incident", user=ADMIN, channel="C0OPS", name="sub")
    await slack.api.wait_for_response()
    view = await slack.modal_after("create problem Rotate the VPN certificate")
    await submit_form(slack, view, "problem")
    await card_of(slack, "PRB0040001")
    slack.api.clear()

    slack.sim.instance.set_state("PRB0040001", "102")

    assert await sync_and_deliver(slack) == 2  # the card and its thread only
    assert [c for c in slack.api.calls if c.args.get("channel") == "C0OPS"] == []


async def test_without_the_plugin_security_incidents_are_not_offered(
    slack: SlackHarness,
) -> None:
    set_plugin(slack.sim.instance, "sn_si", False)
    slack.sim.instance.request_log.clear()

    acked = await slack.command("create security-incident Phishing wave", name="sir")
    said = await acked.text() or json.dumps(await slack.api.wait_for_response())

    assert "Security incidents are not available on this ServiceNow instance" in said
    assert "Security Incident Response plugin" in said
    view = await slack.modal_after("create Rotate the VPN certificate")
    assert kind_options(view) == ["incident", "change", "problem"]
    # A form sent with it anyway (forged, or shown before the plugin went) is refused.
    await submit_form(slack, view, TicketKind.SECURITY.value)
    await asyncio.sleep(0.2)
    assert slack.sim.instance.find_by_number("SIR0010001") is None
    # Sync never asks the instance for a table it lacks.
    await sync_and_deliver(slack)
    asked = [path for _, path in slack.sim.instance.request_log]
    assert any("/api/now/table/problem" in p for p in asked)
    # One probe found the table missing; nothing asked for it again.
    assert len([p for p in asked if "sn_si_incident" in p]) == 1


async def test_a_pushed_security_incident_change_reaches_its_card_once(
    slack: SlackHarness,
) -> None:
    view = await slack.modal_after("create security-incident Phishing wave")
    await submit_form(slack, view, TicketKind.SECURITY.value)
    ts = await card_of(slack, "SIR0010001")
    await install_rule(slack)
    slack.api.clear()

    slack.sim.instance.set_state("SIR0010001", "16")
    [delivery] = await pushed(slack)

    assert delivery["status"] == 202, delivery["answer"]
    assert json.loads(delivery["answer"]) == {"workspaces": 1, "events": 1}
    assert await slack.services.notifier.deliver("test") == 2
    [update] = slack.api.calls_to("chat.update")
    assert update.args["ts"] == ts
    assert "Analysis" in json.dumps(update.args["blocks"])
    # The poll that follows sees the same change: nothing more.
    assert await sync_and_deliver(slack) == 0


async def test_a_problem_is_looked_up_and_its_record_link_unfurls(slack: SlackHarness) -> None:
    view = await slack.modal_after("create problem Recurring VPN drops")
    await submit_form(slack, view, "problem")
    await card_of(slack, "PRB0040001")
    found = slack.sim.instance.find_by_number("PRB0040001")
    assert found is not None

    await slack.command("ticket PRB0040001", name="look")
    [answer] = await slack.api.wait_for_response()
    assert answer["text"] == "PRB0040001 Rotate the VPN certificate — New"
    labels = [e["text"]["text"] for b in answer["blocks"] for e in b.get("elements", [])
              if e.get("type") == "button"]  # fmt: skip
    assert "Assign to me" in labels
    assert "Close" not in labels  # a problem is resolved in ServiceNow
    assert "Resolve" not in labels

    url = f"{slack.sim.url}/problem.do?sys_id={found[1]['sys_id']}"
    r = await slack.event(link_shared([url]), event_id="Ev0PRB1")
    assert r.status == 200
    [call] = await slack.api.wait_for("chat.unfurl")
    preview = json.dumps(call.args["unfurls"][url]["blocks"])
    assert "PRB0040001" in preview
    assert "New" in preview


async def test_app_home_shows_problems_and_security_incidents_once_there_are_some(
    slack: SlackHarness,
) -> None:
    await slack.event(app_home_opened_event(ADMIN), event_id="Ev0H1")
    [empty] = await slack.api.wait_for("views.publish")
    assert "Problem management" not in json.dumps(empty.args["view"])
    for word, number in (("problem", "PRB0040001"), ("sir", "SIR0010001")):
        before = slack.modals_shown()
        await slack.command(f"create {word} Rotate the VPN certificate", name=f"c{word}")
        view = await slack.latest_modal(before, "ticket_form")
        await submit_form(slack, view, {"sir": "security_incident"}.get(word, word))
        await card_of(slack, number)

    await slack.event(app_home_opened_event(ADMIN), event_id="Ev0H2")
    home = json.dumps((await slack.api.wait_for("views.publish", count=2))[-1].args["view"])

    for shown in ("Incident management", "Change management", "Problem management"):
        assert shown in home
    assert "Security incident response" in home
    assert "PRB0040001" in home
    assert "SIR0010001" in home
    slack.every_payload_is_valid_block_kit()
