"""ServiceNow pushes ticket changes (POST /servicenow/events, signed, the simulator playing
the business rule) and Teams hears of each once: the ticket card updated in place, a reply
in its channel thread, one message in the subscribed channel; a change that is both pushed
and polled is announced once, whichever comes first."""

from __future__ import annotations

import json

from tests.e2e.push_rule import install_rule, pushed
from tests.e2e.teams_harness import (
    TeamsHarness,
    card_and_subscriber,
    card_updates,
    sync_and_deliver,
    thread_of,
    told,
)

NAME = "Rotate the VPN certificate"


async def test_a_pushed_state_change_updates_the_card_replies_and_tells_the_channel_once(
    teams: TeamsHarness,
) -> None:
    card = await card_and_subscriber(teams, NAME)
    number = card.number
    await install_rule(teams)
    teams.connector.sent.clear()

    teams.sim.instance.set_state(number, "2")
    [delivery] = await pushed(teams)
    assert delivery["status"] == 202, delivery["answer"]
    assert json.loads(delivery["answer"]) == {"workspaces": 1, "events": 1}
    assert await teams.services.notifier.deliver("test") == 3
    [update] = card_updates(teams.connector, card)
    assert "In Progress" in json.dumps(update.cards)
    assert thread_of(teams.connector, card) == [f"{number} {NAME}: New → In Progress"]
    assert told(teams.connector) == [f"{number} {NAME}: New → In Progress"]

    # The poll that follows sees the same change: one notification, not two.
    assert await sync_and_deliver(teams) == 0
    assert len(teams.connector.sent) == 3
    assert teams.connector.graph_calls == []  # nothing was redone, nothing looked for


async def test_a_change_polled_first_is_not_announced_again_when_pushed(
    teams: TeamsHarness,
) -> None:
    card = await card_and_subscriber(teams, NAME)
    number = card.number
    await install_rule(teams)
    rule = teams.sim.instance.pusher.rule
    teams.sim.instance.pusher.rule = None  # the push is late
    teams.sim.instance.set_state(number, "2")
    assert await sync_and_deliver(teams) == 3
    teams.sim.instance.pusher.rule = rule
    teams.sim.instance.add_journal(number, "Blocked for everyone", element="work_notes")
    [delivery] = await pushed(teams)
    assert delivery["status"] == 202
    assert json.loads(delivery["answer"])["events"] == 0
    assert await teams.services.notifier.deliver("test") == 0
    assert len(card_updates(teams.connector, card)) == 1
    assert len(thread_of(teams.connector, card)) == 1
    assert len(told(teams.connector)) == 1


async def test_a_pushed_comment_reaches_the_thread_and_the_channel_once(
    teams: TeamsHarness,
) -> None:
    card = await card_and_subscriber(teams, NAME)
    number = card.number
    await install_rule(teams)
    teams.connector.sent.clear()
    teams.sim.instance.add_journal(number, "Legacy auth is blocked for all users now")
    [delivery] = await pushed(teams)
    assert delivery["status"] == 202
    await teams.services.notifier.deliver("test")
    [reply] = thread_of(teams.connector, card)
    assert "new comment from beth.anglin: Legacy auth is blocked" in reply
    [post] = told(teams.connector)
    assert "Legacy auth is blocked" in post
    assert await sync_and_deliver(teams) == 0
    assert len(teams.connector.posts()) == 2


async def test_pushes_for_two_tickets_each_reach_their_own_card_once(teams: TeamsHarness) -> None:
    first_card = await card_and_subscriber(teams, NAME)
    first = first_card.number
    second_card = await card_and_subscriber(teams, "Block legacy authentication")
    second = second_card.number
    await install_rule(teams)
    teams.connector.sent.clear()
    teams.sim.instance.set_state(first, "2")
    teams.sim.instance.set_state(second, "3")
    teams.sim.instance.set_state(first, "6")
    log = await pushed(teams)
    assert [d["status"] for d in log] == [202, 202, 202]
    # Delivered while the poll sees the same changes: still once each.
    assert await sync_and_deliver(teams) == 9
    assert await sync_and_deliver(teams) == 0
    assert thread_of(teams.connector, first_card) == [
        f"{first} {NAME}: New → In Progress",
        f"{first} {NAME}: In Progress → Resolved",
    ]
    assert thread_of(teams.connector, second_card) == [
        f"{second} Block legacy authentication: New → On Hold"
    ]
    assert len(told(teams.connector)) == 3
    assert "Resolved" in json.dumps(card_updates(teams.connector, first_card)[-1].cards)
    assert "On Hold" in json.dumps(card_updates(teams.connector, second_card)[-1].cards)
