"""The ticket card's form actions on Teams, end to end: *Add comment*, *Assign to group*,
*Resolve* and *Close* open a dialog (``task/fetch``) whose card form's submission
(``task/submit``) lands in ServiceNow as whoever submits it; the group input's type-ahead
is answered through the ``application/search`` invoke; the card offers only what the
ticket's state allows."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.e2e.teams_harness import TeamsHarness, action_of, cards_in, create_inline, form_inputs
from tests.fakes import bot_activities as bf

BETH = {"user": bf.ADMIN_ID, "aad": bf.ADMIN_AAD, "user_name": "Beth Anglin"}
SECURITY_OPERATIONS = "8a4dde73c6112278017a6a4baf547aa7"


def titles(card: dict[str, Any]) -> list[str]:
    """The card's buttons, in order: its rows of buttons, then any at card level."""
    sets = [b for b in card.get("body", []) if b.get("type") == "ActionSet"]
    buttons = [a for s in sets for a in s["actions"]] + card.get("actions", [])
    return [str(a.get("title")) for a in buttons]


async def open_dialog(teams: TeamsHarness, card: dict[str, Any], title: str) -> dict[str, Any]:
    """Click a card button that opens a dialog; the card form inside it."""
    button = action_of(card, title)
    assert button["type"] == "Action.Submit"
    answer = await teams.invoke(bf.task_fetch(button["data"], teams.service_url))
    assert answer["task"]["type"] == "continue", answer
    [form] = cards_in(answer)
    return form


async def submit(
    teams: TeamsHarness, form: dict[str, Any], inputs: dict[str, str], **who: Any
) -> Any:
    """Submit a dialog's card form with ``inputs`` (as Teams merges them into its data)."""
    [button] = form["actions"]
    data = {**button["data"], **inputs}
    return await teams.invoke(bf.task_submit(data, teams.service_url, **who))


def journal(teams: TeamsHarness, words: str) -> list[dict[str, str]]:
    return [
        r for r in teams.sim.instance.store.rows("sys_journal_field") if words in r.get("value", "")
    ]


async def test_add_comment_in_a_dialog_acts_as_the_submitter(teams: TeamsHarness) -> None:
    number, _ = await create_inline(teams)
    card = teams.answered[-1]["value"]
    assert titles(card) == [
        "Open in ServiceNow",
        "Add comment",
        "Add work note",
        "Assign to me",
        "Assign to group",
        "Resolve",
        "Refresh",
    ]
    # Every button shown, in rows that fit Teams' width; none hidden in the "…" menu.
    rows = [b["actions"] for b in card["body"] if b["type"] == "ActionSet"]
    assert len(rows) > 1
    assert "actions" not in card

    form = await open_dialog(teams, card, "Add comment")
    assert [i["id"] for i in form["body"] if i["type"].startswith("Input.")] == ["text"]
    # Opened by Abel, submitted by Beth: Beth is who acts.
    answer = await submit(teams, form, {"text": "Rebooted the **concentrator**"}, **BETH)
    assert f"Added a comment to {number}" in json.dumps(answer)
    [row] = journal(teams, "Rebooted the **concentrator**")
    assert row["element"] == "comments"
    assert "From Microsoft Teams by Beth Anglin" in row["value"]

    # An empty one comes back with the error under its field, and nothing is written.
    again = await submit(teams, form, {"text": "  "})
    [shown] = cards_in(again)
    assert "Write something to add." in json.dumps(shown)
    assert teams.every_card_is_valid() >= 3


async def test_assign_to_group_searches_as_you_type(teams: TeamsHarness) -> None:
    number, _ = await create_inline(teams)
    form = await open_dialog(teams, teams.answered[-1]["value"], "Assign to group")
    [group] = [i for i in form["body"] if i.get("id") == "group"]
    query = group["choices.data"]
    assert query == {"type": "Data.Query", "dataset": "snowops.groups"}

    search = {"queryText": "sec", "dataset": query["dataset"], "queryOptions": {"top": 15}}
    found = await teams.invoke(bf.invoke("application/search", search, teams.service_url))
    assert found["type"] == "application/vnd.microsoft.search.searchResponse"
    assert found["value"]["results"] == [
        {"value": "Security Operations", "title": "Security Operations"}
    ]
    status, _ = await teams.send(
        bf.invoke("application/search", {**search, "dataset": "users"}, teams.service_url)
    )
    assert status == 400

    answer = await submit(teams, form, {"group": "Security Operations"})
    assert f"{number} is assigned to Security Operations" in json.dumps(answer)
    found_ticket = teams.sim.instance.find_by_number(number)
    assert found_ticket is not None
    assert found_ticket[1]["assignment_group"] == SECURITY_OPERATIONS


async def test_resolve_lists_custom_codes_and_a_double_submit_resolves_once(
    teams: TeamsHarness,
) -> None:
    custom = {"value": "Duplicate", "label": "Duplicate of another incident", "sequence": 1}
    body = {"table": "incident", "element": "close_code", "choices": [custom]}
    async with teams.http.post(f"{teams.sim.url}/sim/choices", json=body) as r:
        assert r.status == 200
    number, _ = await create_inline(teams)
    form = await open_dialog(teams, teams.answered[-1]["value"], "Resolve")
    [codes] = [i for i in form["body"] if i.get("id") == "close_code"]
    assert codes["choices"][0] == {"title": "Duplicate of another incident", "value": "Duplicate"}

    inputs = {"close_code": "Duplicate", "close_notes": "Same as INC0000001"}
    answers = await asyncio.gather(submit(teams, form, inputs), submit(teams, form, inputs))
    assert any(f"{number} is resolved" in json.dumps(a) for a in answers)
    found = teams.sim.instance.find_by_number(number)
    assert found is not None
    assert (found[1]["state"], found[1]["close_code"]) == ("6", "Duplicate")
    patches = [p for m, p in teams.sim.instance.request_log if m == "PATCH" and "incident" in p]
    assert len(patches) == 1

    [said] = await teams.say(f"snow ticket {number}")
    assert titles(said.cards[0]) == ["Open in ServiceNow", "Add comment", "Reopen", "Refresh"]


async def test_close_a_change_from_its_card(teams: TeamsHarness) -> None:
    [form_msg] = await teams.say("snow create change Rotate the jump host keys")
    button = action_of(form_msg.cards[0], "Create ticket")
    data = {**button["data"], **form_inputs(kind="change", name="Rotate the jump host keys")}
    made = await teams.invoke(
        bf.card_action(button["verb"], data, teams.service_url, card_id=form_msg.id)
    )
    card = made["value"]
    number = "CHG" + json.dumps(card).split("CHG", 1)[1][:7]
    assert "Close" in titles(card)
    assert "Resolve" not in titles(card)
    teams.sim.instance.set_state(number, "0")  # Review: closing is next in the change model

    form = await open_dialog(teams, card, "Close")
    [codes] = [i for i in form["body"] if i.get("id") == "close_code"]
    assert codes["choices"][0]["value"] == "successful"
    answer = await submit(teams, form, {"close_code": "successful", "close_notes": "Rotated"})
    assert f"{number} is closed" in json.dumps(answer)
    found = teams.sim.instance.find_by_number(number)
    assert found is not None
    assert found[1]["state"] == "3"

    [said] = await teams.say(f"snow ticket {number}")
    assert titles(said.cards[0]) == ["Open in ServiceNow", "Refresh"]


async def test_a_typed_command_without_text_answers_with_the_form_as_a_card(
    teams: TeamsHarness,
) -> None:
    number, _ = await create_inline(teams)
    [form_msg] = await teams.say(f"snow note {number}")
    [form] = form_msg.cards
    [button] = form["actions"]
    assert (button["type"], button["verb"]) == ("Action.Execute", "ticket_action")
    data = {**button["data"], "text": "Isolated the host"}
    answer = await teams.invoke(
        bf.card_action(button["verb"], data, teams.service_url, card_id=form_msg.id)
    )
    # The form's card becomes what was done.
    assert answer["type"] == "application/vnd.microsoft.card.adaptive"
    assert f"Added a work note to {number}" in json.dumps(answer["value"])
    [row] = journal(teams, "Isolated the host")
    assert row["element"] == "work_notes"
