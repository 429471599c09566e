"""Slack's ticket form fitted to the customer's instance, end to end against the ServiceNow
simulator: a mandatory field of the instance is a field of the modal and lands in the
record; a record a data policy refuses leaves ServiceNow's message in the modal and a
button opening ServiceNow's form filled with what was typed."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from sim.servicenow.customize import add_policy, set_field
from sim.servicenow.policies import DataPolicy
from sim.servicenow.users import SEED_CIS
from tests.e2e.conftest import USER, SlackHarness, form_state
from tests.fakes.slack_signing import view_submission_payload

VPN = next(sys_id for sys_id, name, _, _ in SEED_CIS if name == "Corporate VPN")


def _select(value: str) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": value}, "value": value}
    return {"value": {"type": "static_select", "selected_option": option}}


async def _submit(slack: SlackHarness, state: dict[str, Any]) -> dict[str, Any]:
    """Submit the newest ticket form with ``state``; the modal it shows next."""
    view = [v for v in slack.api.views.values() if v.get("callback_id") == "ticket_form"][-1]
    before = slack.modals_shown()
    await slack.interact(
        view_submission_payload(
            view["id"], "ticket_form", state, private_metadata=view["private_metadata"]
        )
    )
    return await slack.latest_modal(before)


def _blocks(modal: dict[str, Any], block_id: str) -> list[dict[str, Any]]:
    return [b for b in modal["blocks"] if b.get("block_id") == block_id]


async def test_a_mandatory_field_of_the_instance_is_in_the_modal_and_the_record(
    slack: SlackHarness,
) -> None:
    set_field(slack.sim.instance, "incident", "contact_type", mandatory=True)
    modal = await slack.modal_after("create incident Rotate the VPN keys")
    [block] = _blocks(modal, "sn.contact_type")
    assert block["label"]["text"] == "Channel"
    assert block.get("optional") is not True
    options = [o["value"] for o in block["element"]["options"]]
    assert options == ["email", "phone", "self-service", "walk-in"]
    shown = await _submit(
        slack, {**form_state(name="Rotate the VPN keys"), **{"sn.contact_type": _select("phone")}}
    )
    assert "Created INC0010001" in json.dumps(shown) or slack.api.calls_to("chat.postMessage")
    record = slack.sim.instance.find_by_number("INC0010001")
    assert record is not None
    assert record[1]["contact_type"] == "phone"
    slack.every_payload_is_valid_block_kit()


async def test_a_form_without_the_mandatory_value_says_so_next_to_the_field(
    slack: SlackHarness,
) -> None:
    set_field(slack.sim.instance, "incident", "contact_type", mandatory=True)
    await slack.modal_after("create incident Rotate the VPN keys")
    view = [v for v in slack.api.views.values() if v.get("callback_id") == "ticket_form"][-1]
    response = await slack.interact(
        view_submission_payload(
            view["id"], "ticket_form", form_state(), private_metadata=view["private_metadata"]
        )
    )
    answer = json.loads(await response.text()) if await response.text() else {}
    shown = json.dumps(answer) + json.dumps(slack.api.calls_to("views.update")[-1:], default=str)
    assert "ServiceNow requires Channel." in shown
    assert slack.sim.instance.find_by_number("INC0010001") is None


async def test_a_data_policy_refusal_shows_servicenows_words_and_its_filled_form(
    slack: SlackHarness,
) -> None:
    add_policy(slack.sim.instance, DataPolicy("incident", ["assignment_group"], "", "Group"))
    await slack.modal_after("create incident VPN drops every hour")
    state = form_state(name="VPN drops every hour", description="Since Monday", priority="2")
    shown = await _submit(slack, state)
    text = json.dumps(shown)
    assert (
        "ServiceNow refused the incident: Data Policy Exception: The following fields are "
        "mandatory: Assignment group"
    ) in text
    [url] = [
        e["url"]
        for b in shown["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("url")
    ]
    assert url.startswith(f"{slack.sim.url}/incident.do?sys_id=-1&sysparm_query=")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["sysparm_query"][0]
    terms = dict(t.split("=", 1) for t in query.split("^"))
    assert terms["short_description"] == "VPN drops every hour"
    assert terms["description"] == "Since Monday"
    assert terms["due_date"] == "2026-12-31 23:59:59"
    assert (terms["impact"], terms["urgency"]) == ("1", "2")
    assert terms["correlation_display"] == "SnowOps · Infrastructure"
    # What was typed is still in the modal, to fix and submit again.
    assert "VPN drops every hour" in text
    assert slack.sim.instance.find_by_number("INC0010001") is None
    slack.every_payload_is_valid_block_kit()


async def test_a_mandatory_reference_is_a_type_ahead_of_the_instances_records(
    slack: SlackHarness,
) -> None:
    set_field(slack.sim.instance, "incident", "business_service", mandatory=True)
    modal = await slack.modal_after("create incident Rotate the VPN keys")
    [block] = _blocks(modal, "sn.business_service")
    element = block["element"]
    assert (element["type"], element["action_id"]) == ("external_select", "snowops.ref.cmdb_ci")
    suggestion = {
        "type": "block_suggestion",
        "user": {"id": USER, "team_id": "T0123"},
        "team": {"id": "T0123", "domain": "acme"},
        "api_app_id": "A0SNOWOPS",
        "action_id": element["action_id"],
        "block_id": "sn.business_service",
        "value": "vpn",
        "view": {**modal, "id": "V0FORM1"},
    }
    r = await slack.interact(suggestion)
    assert r.status == 200
    assert [o["text"]["text"] for o in (await r.json())["options"]] == ["Corporate VPN"]
    # Only the tables the form's fields point at are searched.
    r = await slack.interact({**suggestion, "action_id": "snowops.ref.sys_user"})
    assert (await r.json())["options"] == []
    picked = {
        "value": {
            "type": "external_select",
            "selected_option": {
                "text": {"type": "plain_text", "text": "Corporate VPN"},
                "value": VPN,
            },
        }
    }
    await _submit(slack, {**form_state(name="Rotate the VPN keys"), "sn.business_service": picked})
    record = slack.sim.instance.find_by_number("INC0010001")
    assert record is not None
    assert record[1]["business_service"] == VPN
    slack.every_payload_is_valid_block_kit()
