"""Closing the Secure Score loop in Teams, against both simulators: a ticket shared from a
recommendation in a channel is resolved; when the control's score rises its card and
thread say "+N points", when it does not within the window the card is flagged and offers
Reopen; `snow securescore` answers with a card whose Image is SnowOps's PNG chart."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from core.securescore.chart import CHART_HEIGHT, CHART_WIDTH
from sim.graph import DEFAULT_TENANT_ID
from tests.conftest import Graph
from tests.e2e.teams_harness import (
    WORKSPACE,
    Card,
    TeamsHarness,
    action_of,
    card_updates,
    form_inputs,
    sync_and_deliver,
    thread_of,
)
from tests.e2e.test_slack_securescore import DAY, png_size
from tests.fakes import bot_activities as bf

ROOTS = iter(range(1, 100))


def _inputs(node: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Input.") and "id" in node:
            found[node["id"]] = node.get("value")
        for value in node.values():
            found.update(_inputs(value))
    elif isinstance(node, list):
        for value in node:
            found.update(_inputs(value))
    return found


async def share_in_channel(teams: TeamsHarness, control: str) -> Card:
    """A new post in #security: `@SnowOps snow share <control>`; the form card it answers
    with is submitted as prefilled and becomes the ticket's card."""
    root = f"1680000000{next(ROOTS):03d}"
    thread = f"{bf.CHANNEL};messageid={root}"
    [form] = await teams.say(f"snow share {control}", conv=thread, activity_id=root, mention=True)
    fields = _inputs(form.cards[0])
    button = action_of(form.cards[0], "Create ticket")
    inputs = form_inputs(
        name=fields["name"], description=fields["description"], category=fields["category"]
    )
    body = await teams.invoke(
        bf.card_action(
            button["verb"], {**button["data"], **inputs}, teams.service_url,
            card_id=form.id, conv=thread, mention=True,
        )
    )  # fmt: skip
    number = json.dumps(body["value"]).split('"text": "', 2)[1].split(" ")[0]
    return Card(number, form.id, root)


async def refresh_and_deliver(teams: TeamsHarness) -> int:
    result = await teams.services.score.refresher.refresh(WORKSPACE)
    await teams.services.notifier.deliver("test")
    return result.told


async def resolved(teams: TeamsHarness, control: str) -> Card:
    card = await share_in_channel(teams, control)
    teams.sim.instance.set_state(card.number, "6")
    await sync_and_deliver(teams)
    assert await refresh_and_deliver(teams) == 0
    return card


async def test_points_gained_show_on_the_card_and_in_its_thread(
    teams: TeamsHarness, graph: Graph
) -> None:
    card = await resolved(teams, "scid_90")  # 0 of 9
    graph.sim.move_control_score("scid_90", 9)
    teams.clock.advance(DAY)
    graph.sim.advance_clock(DAY)
    assert await refresh_and_deliver(teams) == 1
    [*_, update] = card_updates(teams.connector, card)
    assert "+9 points: 0 → 9 of 9" in json.dumps(update.cards, ensure_ascii=False)
    assert any("+9 points: 0 → 9 of 9" in text for text in thread_of(teams.connector, card))


async def test_no_gain_within_the_window_is_flagged_with_reopen(
    teams: TeamsHarness, graph: Graph
) -> None:
    card = await resolved(teams, "SigninRiskPolicy")  # 0 of 7, never fixed
    teams.clock.advance(3 * DAY)
    graph.sim.advance_clock(3 * DAY)
    assert await refresh_and_deliver(teams) == 1
    [*_, update] = card_updates(teams.connector, card)
    assert "still shows it open" in json.dumps(update.cards)
    assert action_of(update.cards[0], "Reopen")["data"]["value"] == f"reopen {card.number}"
    assert any("still shows it open" in text for text in thread_of(teams.connector, card))


async def test_securescore_card_has_the_score_changes_and_chart(
    teams: TeamsHarness, graph: Graph
) -> None:
    now, week = graph.sim.scores(DEFAULT_TENANT_ID)[0], graph.sim.scores(DEFAULT_TENANT_ID)[7]
    [answer] = await teams.say("snow securescore")
    text = json.dumps(answer.cards, ensure_ascii=False)
    assert f"{now['currentScore']:g} of {now['maxScore']:g}" in text
    assert f"+{now['currentScore'] - week['currentScore']:g}" in text
    assert "Change over 30 days" in text
    [image] = [e for e in answer.cards[0]["body"] if e["type"] == "Image"]
    async with aiohttp.ClientSession() as http, http.get(image["url"]) as r:
        assert r.status == 200
        assert png_size(await r.read()) == (CHART_WIDTH, CHART_HEIGHT)
