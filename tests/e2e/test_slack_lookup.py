"""Slack: due dates in the user's zone, looking up any ticket, and unfurling ticket links
(signed requests to /slack/events, the fake Slack Web API, the ServiceNow simulator)."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.e2e.conftest import ADMIN, USER, SlackHarness, form_state
from tests.e2e.fuzzing import FUZZ, mutated, no_error_logged
from tests.fakes.slack_signing import view_submission_payload

STOCKHOLM = "Europe/Stockholm"


async def foreign_incident(slack: SlackHarness, title: str = "HR: payroll <!here> *breach*") -> str:
    """An incident made in ServiceNow directly (its control API), not by SnowOps."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{slack.sim.url}/sim/bulk",
            json={"table": "incident", "records": [{"short_description": title}]},
        ) as r,
    ):
        assert r.status == 200
        [record] = (await r.json())["records"]
    number = str(record["number"])
    assert number.startswith("INC")
    return number


async def answer_to(slack: SlackHarness, text: str, *, user: str = USER) -> dict[str, Any]:
    """What ``/snow <text>`` answers through its response_url."""
    name = f"r{len(slack.api.responses)}"
    await slack.command(text, user=user, name=name)
    await slack.api.wait_for_response(count=len(slack.api.responses) + 1, timeout=10)
    return slack.api.responses_to(name)[-1]


async def create_with_due(slack: SlackHarness, due: str, view_id: str) -> dict[str, Any]:
    """Open the form as the Stockholm user, submit it with ``due``; the created record."""
    before = slack.modals_shown()
    await slack.command("create Rotate the VPN certificate", name=f"form{view_id}")
    view = await slack.latest_modal(before, "ticket_form")
    payload = view_submission_payload(
        view_id, "ticket_form", form_state(due=due),
        private_metadata=view["private_metadata"], user_id=USER,
    )  # fmt: skip
    r = await slack.interact(payload)
    assert r.status == 200
    posts = len(slack.api.calls_to("chat.postMessage")) + 1
    posted = await slack.api.wait_for("chat.postMessage", count=posts)
    blocks = json.dumps(posted[-1].args["blocks"])
    number = re.search(r"INC\d{7}", blocks)
    assert number is not None
    found = slack.sim.instance.find_by_number(number.group())
    assert found is not None
    return {"view": view, "record": found[1], "card": blocks}


async def test_a_stockholm_users_due_date_is_the_end_of_their_day(slack: SlackHarness) -> None:
    slack.api.users[USER]["tz"] = STOCKHOLM
    winter = await create_with_due(slack, "2026-12-31", "V0WINTER")
    assert f"Due date ({STOCKHOLM})" in json.dumps(winter["view"])
    assert winter["record"]["due_date"] == "2026-12-31 22:59:59"
    assert f"Dec 31, 2026 ({STOCKHOLM})" in winter["card"]
    summer = await create_with_due(slack, "2027-07-01", "V0SUMMER")
    assert summer["record"]["due_date"] == "2027-07-01 21:59:59"
    assert f"Jul 1, 2027 ({STOCKHOLM})" in summer["card"]
    slack.every_payload_is_valid_block_kit()


async def test_a_ticket_not_made_by_snowops_is_refused_under_own_and_shown_under_any(
    slack: SlackHarness,
) -> None:
    number = await foreign_incident(slack)
    refused = await answer_to(slack, f"ticket {number}")
    text = json.dumps(refused)
    assert "shows only tickets made from it" in text
    assert "/snow lookup any" in text
    assert "payroll" not in text

    assert "Only workspace admins" in json.dumps(await answer_to(slack, "lookup any"))
    set_any = await answer_to(slack, "lookup any", user=ADMIN)
    assert "now show any ticket" in json.dumps(set_any)
    assert "lookup any" in json.dumps(await answer_to(slack, "lookup", user=ADMIN))

    shown = await answer_to(slack, f"ticket {number}")
    card = json.dumps(shown["blocks"])
    assert number in card
    assert "payroll" in card
    assert "<!here>" not in card  # what was typed in ServiceNow is data, escaped
    assert "Not made by SnowOps" in card
    labels = [e["text"]["text"] for b in shown["blocks"] for e in b.get("elements", [])
              if e.get("type") == "button"]  # fmt: skip
    assert labels == ["Open in ServiceNow", "Refresh"]
    assert await slack.services.store.get_ticket("slack:T0123", number) is None  # not tracked

    await answer_to(slack, "lookup own", user=ADMIN)
    assert "shows only tickets made from it" in json.dumps(
        await answer_to(slack, f"ticket {number}")
    )
    slack.every_payload_is_valid_block_kit()


def link_shared(
    links: list[str], *, user: str = USER, ts: str = "1700000100.000200"
) -> dict[str, Any]:
    """A ``link_shared`` event as Slack sends it for a message in #security."""
    return {
        "type": "link_shared",
        "channel": "C0SEC",
        "is_bot_user_member": True,
        "user": user,
        "message_ts": ts,
        "unfurl_id": f"C0SEC.{ts}.unfurl",
        "thread_ts": None,
        "source": "conversations_history",
        "links": [{"domain": "127.0.0.1", "url": url} for url in links],
        "event_ts": ts,
    }


async def test_a_record_link_unfurls_under_the_lookup_rule(slack: SlackHarness) -> None:
    foreign = await foreign_incident(slack, "Printer on fire")
    found = slack.sim.instance.find_by_number(foreign)
    assert found is not None
    foreign_url = f"{slack.sim.url}/incident.do?sys_id={found[1]['sys_id']}"
    own = await create_with_due(slack, "2026-12-31", "V0OWN")
    own_url = f"{slack.sim.url}/incident.do?sys_id={own['record']['sys_id']}"
    elsewhere = f"https://evil.example.com/incident.do?sys_id={own['record']['sys_id']}"

    r = await slack.event(link_shared([own_url, foreign_url, elsewhere]), event_id="Ev0UNFURL1")
    assert r.status == 200
    [call] = await slack.api.wait_for("chat.unfurl")
    assert (call.args["channel"], call.args["ts"]) == ("C0SEC", "1700000100.000200")
    unfurls = call.args["unfurls"]
    assert list(unfurls) == [own_url]  # under own: SnowOps's ticket only, nothing else
    preview = json.dumps(unfurls[own_url]["blocks"])
    assert own["record"]["number"] in preview
    assert "Rotate the VPN certificate" in preview
    assert "2 - High" in preview

    await answer_to(slack, "lookup any", user=ADMIN)
    nav = f"{slack.sim.url}/nav_to.do?uri=incident.do%3Fsys_id%3D{found[1]['sys_id']}"
    await slack.event(link_shared([nav], ts="1700000200.000300"), event_id="Ev0UNFURL2")
    calls = await slack.api.wait_for("chat.unfurl", count=2)
    assert "Printer on fire" in json.dumps(calls[-1].args["unfurls"][nav]["blocks"])
    slack.every_payload_is_valid_block_kit()


async def test_a_link_to_a_ticket_that_may_not_be_shown_gets_no_unfurl(slack: SlackHarness) -> None:
    number = await foreign_incident(slack)
    found = slack.sim.instance.find_by_number(number)
    assert found is not None
    url = f"{slack.sim.url}/incident.do?sys_id={found[1]['sys_id']}"
    await slack.event(link_shared([url]), event_id="Ev0UNFURL3")
    await slack.api.wait_for("users.info")
    await asyncio.sleep(0.5)
    assert slack.api.calls_to("chat.unfurl") == []


_LINK_PATHS = [
    ("channel",),
    ("user",),
    ("message_ts",),
    ("unfurl_id",),
    ("source",),
    ("links",),
    ("links", 0),
    ("links", 0, "url"),
    ("links", 0, "domain"),
    ("links", 1, "url"),
]
_event_ids = itertools.count(1)


@FUZZ
@given(data=st.data())
async def test_any_link_shared_payload_is_answered_never_a_500(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    caplog.set_level(logging.INFO)
    caplog.clear()
    links = [f"{slack.sim.url}/incident.do?sys_id={'0' * 32}", f"{slack.sim.url}/nav_to.do?uri=x"]
    event = data.draw(mutated(link_shared(links), _LINK_PATHS))
    r = await slack.event(event, event_id=f"Ev0LINKFUZZ{next(_event_ids)}")
    assert r.status < 500
    assert slack.services.slack is not None
    await slack.services.slack.after.drain(5)
    no_error_logged(caplog, event)
