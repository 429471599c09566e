"""Secure Score in Slack: list, filter, share into an incident and a change, no duplicates."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.e2e.conftest import SlackHarness, form_state
from tests.fakes.slack_signing import block_actions_payload, view_submission_payload


def share_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e
        for b in message["blocks"]
        for e in b.get("elements", []) + ([b["accessory"]] if b.get("accessory") else [])
        if str(e.get("action_id", "")).startswith("snow")
        and str(e.get("value")).startswith("share ")
    ]


async def list_recommendations(slack: SlackHarness, text: str, name: str) -> dict[str, Any]:
    before = len(slack.api.responses)
    await slack.command(text, name=name)
    await slack.api.wait_for_response(count=before + 1)
    return slack.api.responses_to(name)[-1]


async def share_and_submit(slack: SlackHarness, button: dict[str, Any], kind: str) -> str:
    """Click Share on a card, submit the prefilled form as ``kind``; returns the number."""
    before = slack.modals_shown()
    await slack.interact(
        block_actions_payload(button["action_id"], button["value"], message_ts="1700000000.0001")
    )
    form = await slack.latest_modal(before, "ticket_form")
    view_id = slack.modal_id("ticket_form")
    blocks = {b.get("block_id"): b for b in form["blocks"]}
    name = blocks["name"]["element"]["initial_value"]
    description = blocks["description"]["element"]["initial_value"]
    assert "Action: https://" in description
    assert "<" not in description.replace("&lt;", "")  # remediation arrives as text
    category = blocks["category"]["element"]["initial_option"]["value"]
    posts_before = len(slack.api.calls_to("chat.postMessage"))
    await slack.interact(
        view_submission_payload(
            view_id,
            "ticket_form",
            form_state(kind=kind, name=name, description=description, category=category),
            private_metadata=form["private_metadata"],
        )
    )
    [*_, posted] = await slack.api.wait_for("chat.postMessage", count=posts_before + 1)
    match = re.search(r"(INC|CHG)\d{7}", json.dumps(posted.args["blocks"]))
    assert match is not None
    return match.group(0)


async def test_recommendations_list_filter_share_and_no_duplicates(slack: SlackHarness) -> None:
    listing = await list_recommendations(slack, "recommendations", "all")
    assert listing["response_type"] == "in_channel"
    buttons = share_buttons(listing)
    assert len(buttons) == 8
    text = json.dumps(listing["blocks"], ensure_ascii=False)
    # Each item's one line: points to gain · category · source.
    assert re.search(r"\+\d+ points · \w+ · Microsoft", text)

    identity = await list_recommendations(slack, "recommendations identity", "identity")
    shown = json.dumps(identity["blocks"], ensure_ascii=False)
    assert "· Identity · Microsoft" in shown
    for category in ("Devices", "Apps", "Infrastructure"):
        assert f"· {category} ·" not in shown

    first, second = share_buttons(listing)[:2]
    incident = await share_and_submit(slack, first, "incident")
    change = await share_and_submit(slack, second, "change")
    assert incident.startswith("INC")
    assert change.startswith("CHG")
    found = slack.sim.instance.find_by_number(incident)
    assert found is not None
    assert "Recommendation source: Microsoft" in found[1]["description"]
    assert f"Recommendation: {first['value'].removeprefix('share ')}" in found[1]["description"]

    # A second share of the same action shows the open ticket, and makes nothing new.
    before = len(slack.api.responses)
    await slack.command(first["value"], name="again")
    await slack.api.wait_for_response(count=before + 1)
    shown = json.dumps(slack.api.responses_to("again")[-1])
    assert "already tracked by" in shown
    assert incident in shown
    creates = [p for m, p in slack.sim.instance.request_log if m == "POST" and "/table/" in p]
    assert len(creates) == 2

    # And the card now points at its ticket instead of offering Share.
    again = await list_recommendations(slack, "recommendations", "after")
    assert first["value"] not in [b["value"] for b in share_buttons(again)]
    assert incident in json.dumps(again["blocks"])
    slack.every_payload_is_valid_block_kit()


async def test_own_recommendation_is_added_and_shared(slack: SlackHarness) -> None:
    await slack.command('recommendations add identity "Review guest access" "Every quarter"')
    [added] = await slack.api.wait_for_response()
    match = re.search(r"own-[0-9a-f]{8}", json.dumps(added))
    assert match is not None
    form = json.dumps(await slack.modal_after(f"share {match.group(0)}"))
    assert "Review guest access" in form
    assert "your team" in form
    slack.every_payload_is_valid_block_kit()
