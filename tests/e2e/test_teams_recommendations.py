"""Secure Score in Teams: list, page, share into an incident and a change, no duplicates."""

from __future__ import annotations

import json
import re
from typing import Any

from core import commands as c
from core.grammar import parse
from tests.e2e.teams_harness import TeamsHarness, action_of, form_inputs
from tests.fakes import bot_activities as bf


def share_buttons(content: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("title") == "Share to ServiceNow" and node.get("type") == "Action.Submit":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(content)
    return found


def shared_id(button: dict[str, Any]) -> str:
    """The recommendation a Share button shares (its value is the command ``share <id>``)."""
    command = parse(button["data"]["value"])
    assert isinstance(command, c.Share)
    assert button["data"]["verb"] == "snow"
    return command.recommendation_id


async def share_and_submit(teams: TeamsHarness, button: dict[str, Any], kind: str) -> str:
    """Click Share on a card (a dialog opens), submit the prefilled form as ``kind``."""
    assert button["data"]["msteams"] == {"type": "task/fetch"}
    opened = await teams.invoke(bf.task_fetch(button["data"], teams.service_url, conv=bf.CHANNEL))
    form = opened["task"]["value"]["card"]["content"]
    fields = {e["id"]: e for e in form["body"] if str(e.get("type", "")).startswith("Input.")}
    description = fields["description"]["value"]
    assert "Action: https://" in description
    assert "<" not in description  # remediation arrives as text
    submit = action_of(form, "Create ticket")
    assert submit["data"]["form"]["s"] == "Microsoft"
    data = {
        **submit["data"],
        **form_inputs(
            kind=kind,
            name=fields["name"]["value"],
            description=description,
            category=fields["category"]["value"],
        ),
    }
    done = await teams.invoke(bf.task_submit(data, teams.service_url, conv=bf.CHANNEL))
    match = re.search(r"(INC|CHG)\d{7}", done["task"]["value"])
    assert match is not None, done
    return match.group(0)


async def test_recommendations_list_page_share_and_no_duplicates(teams: TeamsHarness) -> None:
    [listing] = await teams.say("recommendations", conv=bf.CHANNEL, mention=True)
    buttons = share_buttons(listing.cards[0])
    assert len(buttons) == 8
    assert "Score to gain" in listing.text
    [identity] = await teams.say("snow recommendations identity")
    assert "Identity" in identity.text

    more = action_of(listing.cards[0], next(
        a["title"] for a in listing.cards[0].get("actions", []) if a["title"].startswith("Next")
    ))  # fmt: skip
    page = await teams.invoke(
        bf.card_action(more["verb"], more["data"], teams.service_url, card_id=listing.id)
    )
    assert page["type"] == "application/vnd.microsoft.card.adaptive"  # replaced in place
    assert share_buttons(page["value"])
    assert share_buttons(page["value"])[0]["data"]["value"] != buttons[0]["data"]["value"]

    first, second = buttons[:2]
    incident = await share_and_submit(teams, first, "incident")
    change = await share_and_submit(teams, second, "change")
    assert incident.startswith("INC")
    assert change.startswith("CHG")
    found = teams.sim.instance.find_by_number(incident)
    assert found is not None
    assert "Recommendation source: Microsoft" in found[1]["description"]
    assert f"Recommendation: {shared_id(first)}" in found[1]["description"]
    posted = [
        s for s in teams.connector.posts(bf.CHANNEL) if incident in s.text or change in s.text
    ]
    assert len(posted) == 2  # both ticket cards went to the channel

    # Sharing it again shows the ticket that tracks it, and makes nothing new.
    again = await teams.invoke(bf.task_fetch(first["data"], teams.service_url, conv=bf.CHANNEL))
    shown = json.dumps(again)
    assert "already tracked by" in shown
    assert incident in shown
    creates = [p for m, p in teams.sim.instance.request_log if m == "POST" and "/table/" in p]
    assert len(creates) == 2
    [after] = await teams.say("recommendations", conv=bf.CHANNEL, mention=True)
    assert first["data"]["value"] not in [b["data"]["value"] for b in share_buttons(after.cards[0])]
    assert incident in after.text
    [typed] = await teams.say(f"snow share {shared_id(first)}")
    assert "already tracked by" in typed.text
