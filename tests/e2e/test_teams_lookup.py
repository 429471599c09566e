"""Teams: due dates in the user's zone, and ticket links unfurled through the message
extension's ``composeExtension/queryLink`` (real /api/messages, the ServiceNow simulator)."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.e2e.fuzzing import FUZZ, json_values, no_error_logged
from tests.e2e.teams_harness import ADMIN, TeamsClient, TeamsHarness, action_of, form_inputs
from tests.fakes import bot_activities as bf

STOCKHOLM = "Europe/Stockholm"
CLIENT_INFO = [{"type": "clientInfo", "locale": "sv-SE", "timezone": STOCKHOLM}]


async def create_in_stockholm(teams: TeamsClient, due: str) -> tuple[dict[str, Any], str, str]:
    """``snow create`` and Create ticket, by a user whose Teams runs in Stockholm time;
    returns the form card, the ticket card's JSON and the ticket's number."""
    [form_msg] = await teams.say("snow create Rotate the VPN certificate", localTimezone=STOCKHOLM)
    form = form_msg.cards[0]
    button = action_of(form, "Create ticket")
    data = {**button["data"], **form_inputs(due=due)}
    body = await teams.invoke(
        bf.card_action(
            button["verb"], data, teams.service_url, card_id=form_msg.id, entities=CLIENT_INFO
        )
    )
    card = json.dumps(body["value"])
    number = re.search(r"INC\d{7}", card)
    assert number is not None, card
    return form, card, number.group()


def query_link(teams: TeamsClient, url: str, **kw: Any) -> dict[str, Any]:
    """The invoke Teams sends when ``url`` is pasted in a compose box."""
    return bf.invoke("composeExtension/queryLink", {"url": url}, teams.service_url, **kw)


def record_url(teams: TeamsHarness, number: str) -> str:
    found = teams.sim.instance.find_by_number(number)
    assert found is not None
    return f"{teams.sim.url}/{found[0]}.do?sys_id={found[1]['sys_id']}"


async def foreign_incident(teams: TeamsHarness, title: str) -> str:
    """An incident made in ServiceNow directly (the simulator's control API), not by SnowOps."""
    body = {"table": "incident", "records": [{"short_description": title}]}
    async with teams.http.post(f"{teams.sim.url}/sim/bulk", json=body) as r:
        assert r.status == 200
        [record] = (await r.json())["records"]
    return str(record["number"])


async def test_a_stockholm_users_due_date_is_the_end_of_their_day(teams: TeamsHarness) -> None:
    form, card, number = await create_in_stockholm(teams, "2026-12-31")
    assert f"Due date ({STOCKHOLM})" in json.dumps(form)
    assert f"Dec 31, 2026 ({STOCKHOLM})" in card
    found = teams.sim.instance.find_by_number(number)
    assert found is not None
    assert found[1]["due_date"] == "2026-12-31 22:59:59"
    _, summer, later_number = await create_in_stockholm(teams, "2027-07-01")
    later = teams.sim.instance.find_by_number(later_number)
    assert later is not None
    assert later[1]["due_date"] == "2027-07-01 21:59:59"
    assert f"Jul 1, 2027 ({STOCKHOLM})" in summer


async def test_a_pasted_ticket_link_unfurls_under_the_lookup_rule(teams: TeamsHarness) -> None:
    _, _, number = await create_in_stockholm(teams, "2026-12-31")
    own = record_url(teams, number)
    foreign = record_url(teams, await foreign_incident(teams, "Printer on fire"))

    answer = await teams.invoke(query_link(teams, own))
    [attachment] = answer["composeExtension"]["attachments"]
    assert answer["composeExtension"]["type"] == "result"
    card = json.dumps(attachment["content"])
    assert number in card
    assert "Rotate the VPN certificate" in card
    assert attachment["preview"]["content"]["title"].startswith(number)

    refused = await teams.invoke(query_link(teams, foreign))
    assert refused["composeExtension"]["attachments"] == []  # under own: no preview
    elsewhere = own.replace("127.0.0.1", "evil.example.com")
    assert (await teams.invoke(query_link(teams, elsewhere)))["composeExtension"][
        "attachments"
    ] == []

    [said] = await teams.say("snow lookup any", **ADMIN)
    assert "now show any ticket" in said.text
    shown = await teams.invoke(query_link(teams, foreign))
    [attachment] = shown["composeExtension"]["attachments"]
    assert "Printer on fire" in json.dumps(attachment["content"])


@FUZZ
@given(value=json_values | st.fixed_dictionaries({"url": json_values | st.text(max_size=80)}))
async def test_any_query_link_payload_is_answered_never_a_500(
    teams: TeamsHarness, value: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.clear()
    status, body = await teams.send(
        bf.invoke("composeExtension/queryLink", value, teams.service_url)
    )
    assert status < 500, body
    no_error_logged(caplog, value)
