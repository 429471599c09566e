"""Thread replies and change approvals on Teams (end to end, against the simulator): a
reply in a ticket card's channel thread becomes one journal entry, answered with a short
reply there and never echoed; an approver who chats with SnowOps gets the change's card in
their personal chat, and *Reject* asks for a reason in a card form."""

from __future__ import annotations

import json
import re

from sim.servicenow.users import DEMO_PASSWORD
from tests.e2e.teams_harness import (
    ADMIN,
    TeamsHarness,
    action_of,
    card_and_subscriber,
    form_inputs,
    sync_and_deliver,
    thread_of,
)
from tests.fakes import bot_activities as bf
from tests.integration.oauth_helpers import approve


def entries(teams: TeamsHarness, number: str) -> list[dict[str, str]]:
    found = teams.sim.instance.find_by_number(number)
    assert found is not None
    rows = teams.sim.instance.store.rows("sys_journal_field")
    return [dict(r) for r in rows if r.get("element_id") == found[1]["sys_id"]]


async def test_a_reply_in_a_card_thread_becomes_one_work_note(teams: TeamsHarness) -> None:
    card = await card_and_subscriber(teams, "Patch the VPN concentrator")
    [set_up] = await teams.say("threads work_notes", conv=card.thread, mention=True, **ADMIN)
    assert "Threads work_notes" in set_up.text
    before = len(entries(teams, card.number))
    [said] = await teams.say("Rebooted it, <b>all good</b>", conv=card.thread)
    assert f"Added to {card.number} as a work note" in json.dumps(said.activity)
    assert said.conversation == card.thread
    [note] = entries(teams, card.number)[before:]
    assert note["element"] == "work_notes"
    assert note["value"].startswith("Rebooted it, all good\n\n(From Microsoft Teams by Abel Tuter")
    await sync_and_deliver(teams)
    assert not [t for t in thread_of(teams.connector, card) if "Rebooted" in t]


async def test_off_by_default_and_a_mention_is_still_a_command(teams: TeamsHarness) -> None:
    card = await card_and_subscriber(teams, "Patch the VPN concentrator")
    before = len(entries(teams, card.number))
    await teams.say("Rebooted it", conv=card.thread)
    [answer] = await teams.say("threads", conv=card.thread, mention=True, **ADMIN)
    assert "Threads off" in answer.text
    assert entries(teams, card.number)[before:] == []


async def link_in_teams(teams: TeamsHarness, who: dict[str, str], user_name: str) -> None:
    """``who`` links their ServiceNow account from their personal chat with SnowOps."""
    said = await teams.say("snow link", conv=f"a:personal-{who['aad']}", **who)
    [url] = re.findall(
        r"http://127\.0\.0\.1:\d+/servicenow/oauth/start\?t=[\w-]+", json.dumps(said[0].activity)
    )
    callback = await approve(teams.http, url, username=user_name, password=DEMO_PASSWORD)
    async with teams.http.get(callback) as page:
        assert page.status == 200


async def test_an_approver_rejects_with_a_reason_from_their_personal_chat(
    teams: TeamsHarness,
) -> None:
    beth = {"user": bf.ADMIN_ID, "aad": bf.ADMIN_AAD, "user_name": "Beth Anglin"}
    await link_in_teams(teams, beth, "beth.anglin")
    [form] = await teams.say("snow create change Rotate the VPN certificate")
    button = action_of(form.cards[0], "Create ticket")
    data = {**button["data"], **form_inputs(kind="change")}
    body = await teams.invoke(
        bf.card_action(button["verb"], data, teams.service_url, card_id=form.id)
    )
    number = re.findall(r"CHG\d{7}", json.dumps(body))[0]
    teams.sim.instance.set_state(number, "-4")  # the CAB (fred and beth) is asked
    before = len(teams.connector.sent)
    await sync_and_deliver(teams)
    asked = [
        s for s in teams.connector.sent[before:]
        if "your approval is requested" in json.dumps(s.activity)
    ]  # fmt: skip
    assert [s.conversation for s in asked] == [f"a:personal-{bf.ADMIN_AAD}"]  # Fred never chatted
    await sync_and_deliver(teams)
    assert (
        len([s for s in teams.connector.sent if "approval is requested" in json.dumps(s.activity)])
        == 1
    )
    reject = action_of(asked[0].cards[0], "Reject")
    conv = {"conv": f"a:personal-{bf.ADMIN_AAD}", **beth}
    ask = await teams.invoke(
        bf.card_action(
            reject["verb"], reject["data"], teams.service_url, card_id=asked[0].id, **conv
        )
    )
    assert "Why do you reject" in json.dumps(ask)
    send = action_of(ask["value"], "Send")
    empty = await teams.invoke(
        bf.card_action(send["verb"], {**send["data"], "reason": " "}, teams.service_url, **conv)
    )
    assert "Say why" in json.dumps(empty)
    done = await teams.invoke(
        bf.card_action(
            send["verb"], {**send["data"], "reason": "No backout plan"}, teams.service_url, **conv
        )
    )
    assert f"You rejected {number}" in json.dumps(done)
    found = teams.sim.instance.find_by_number(number)
    assert found is not None
    assert (found[1]["state"], found[1]["approval"]) == ("-5", "rejected")
    rows = teams.sim.instance.store.rows("sys_journal_field")
    assert [r["sys_created_by"] for r in rows if "No backout plan" in r["value"]] == ["beth.anglin"]
