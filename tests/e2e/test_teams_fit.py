"""Teams' ticket form fitted to the customer's instance, end to end against the ServiceNow
simulator: a mandatory field of the instance is a required input of the form card (a
choice set) and lands in the record; a record a data policy refuses leaves
ServiceNow's message on the card and a button opening ServiceNow's form filled with what
was typed."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from sim.servicenow.customize import add_policy, set_field
from sim.servicenow.policies import DataPolicy
from sim.servicenow.users import SEED_CIS
from tests.e2e.teams_harness import TeamsHarness, action_of, form_inputs
from tests.fakes import bot_activities as bf

VPN = next(sys_id for sys_id, name, _, _ in SEED_CIS if name == "Corporate VPN")


def _input(card: dict[str, Any], input_id: str) -> dict[str, Any]:
    [found] = [i for i in card["body"] if i.get("id") == input_id]
    return found


async def _submit(teams: TeamsHarness, form_msg: Any, **inputs: str) -> dict[str, Any]:
    button = action_of(form_msg.cards[0], "Create ticket")
    data = {**button["data"], **inputs}
    body = await teams.invoke(
        bf.card_action(button["verb"], data, teams.service_url, card_id=form_msg.id)
    )
    card: dict[str, Any] = body["value"]
    return card


async def test_a_mandatory_field_of_the_instance_is_on_the_card_and_in_the_record(
    teams: TeamsHarness,
) -> None:
    set_field(teams.sim.instance, "incident", "contact_type", mandatory=True)
    [form_msg] = await teams.say("snow create Rotate the VPN keys")
    field = _input(form_msg.cards[0], "sn.contact_type")
    assert (field["type"], field["label"], field["style"]) == (
        "Input.ChoiceSet",
        "Channel",
        "compact",
    )
    assert field["isRequired"] is True
    assert [c["value"] for c in field["choices"]] == ["email", "phone", "self-service", "walk-in"]
    card = await _submit(
        teams, form_msg, **form_inputs(name="Rotate the VPN keys"), **{"sn.contact_type": "phone"}
    )
    assert "INC0010001" in json.dumps(card)
    record = teams.sim.instance.find_by_number("INC0010001")
    assert record is not None
    assert record[1]["contact_type"] == "phone"


async def test_a_data_policy_refusal_shows_servicenows_words_and_its_filled_form(
    teams: TeamsHarness,
) -> None:
    add_policy(teams.sim.instance, DataPolicy("incident", ["assignment_group"], "", "Group"))
    [form_msg] = await teams.say("snow create VPN drops every hour")
    card = await _submit(
        teams, form_msg, **form_inputs(name="VPN drops every hour", description="Since Monday")
    )
    text = json.dumps(card)
    assert (
        "ServiceNow refused the incident: Data Policy Exception: The following fields are "
        "mandatory: Assignment group"
    ) in text
    url = action_of(card, "Open ServiceNow's form")["url"]
    assert url.startswith(f"{teams.sim.url}/incident.do?sys_id=-1&sysparm_query=")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["sysparm_query"][0]
    terms = dict(t.split("=", 1) for t in query.split("^"))
    assert terms["short_description"] == "VPN drops every hour"
    assert terms["description"] == "Since Monday"
    assert terms["due_date"] == "2026-12-31 23:59:59"
    assert (terms["impact"], terms["urgency"]) == ("1", "2")
    assert terms["correlation_display"] == "SnowOps · Infrastructure"
    assert _input(card, "name")["value"] == "VPN drops every hour"
    assert teams.sim.instance.find_by_number("INC0010001") is None


async def test_a_mandatory_reference_is_a_type_ahead_of_the_instances_records(
    teams: TeamsHarness,
) -> None:
    set_field(teams.sim.instance, "incident", "business_service", mandatory=True)
    [form_msg] = await teams.say("snow create Rotate the VPN keys")
    field = _input(form_msg.cards[0], "sn.business_service")
    query = field["choices.data"]
    assert query == {"type": "Data.Query", "dataset": "snowops.ref.cmdb_ci"}
    search = {"queryText": "vpn", "dataset": query["dataset"], "queryOptions": {"top": 15}}
    found = await teams.invoke(bf.invoke("application/search", search, teams.service_url))
    assert found["value"]["results"] == [{"value": VPN, "title": "Corporate VPN"}]
    other = {**search, "dataset": "snowops.ref.sys_user"}
    found = await teams.invoke(bf.invoke("application/search", other, teams.service_url))
    assert found["value"]["results"] == []
    await _submit(
        teams, form_msg, **form_inputs(name="Rotate the VPN keys"), **{"sn.business_service": VPN}
    )
    record = teams.sim.instance.find_by_number("INC0010001")
    assert record is not None
    assert record[1]["business_service"] == VPN
