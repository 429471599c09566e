"""SnowOps restarts, and Teams hears once of what changed while it was down: a fresh process
(new services on the same store, nothing in memory) delivers every change once to the
ticket card, its channel thread and the subscribed channel, and does not post again what the
stopped process had already posted."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.app import Services, build_services
from tests.e2e.teams_harness import (
    WORKSPACE,
    TeamsHarness,
    card_and_subscriber,
    card_updates,
    sync_and_deliver,
    thread_of,
    told,
)

NAME = "Rotate the VPN certificate"


@asynccontextmanager
async def restarted(teams: TeamsHarness) -> AsyncIterator[Services]:
    """A restarted process: fresh services on the same store and settings."""
    again = build_services(teams.services.settings, clock=teams.clock)
    await again.start()
    try:
        yield again
    finally:
        await again.stop()


async def test_changes_made_while_snowops_was_down_are_delivered_once(
    teams: TeamsHarness,
) -> None:
    card = await card_and_subscriber(teams, NAME)
    number = card.number
    assert await sync_and_deliver(teams) == 0  # a cycle ran before the stop: the watermark
    teams.connector.sent.clear()
    teams.sim.instance.set_state(number, "2")
    teams.sim.instance.add_journal(number, "Done while you were away")

    async with restarted(teams) as again:
        assert again.workers is not None
        assert await again.workers.run_cycle(WORKSPACE) == 2
        # The card updated, then a reply in its thread and a post in the channel for each.
        assert await again.notifier.deliver("restarted") == 5
        await again.workers.run_cycle(WORKSPACE)
        assert await again.notifier.deliver("restarted") == 0

    [update] = card_updates(teams.connector, card)
    assert "In Progress" in json.dumps(update.cards)
    replies = thread_of(teams.connector, card)
    assert replies[0] == f"{number} {NAME}: New → In Progress"
    assert "Done while you were away" in replies[1]
    assert len(replies) == 2
    assert told(teams.connector) == replies  # the subscribed channel: once each
    # The fresh process got its own token for every call.
    assert all(s.token in teams.entra.issued for s in teams.connector.sent)


async def test_a_message_posted_just_before_the_stop_is_not_posted_again(
    teams: TeamsHarness,
) -> None:
    """The stopped process posted the thread reply, but Teams' answer never reached it;
    the fresh one finds the reply with Microsoft Graph and only posts what is missing."""
    card = await card_and_subscriber(teams, NAME)
    number = card.number
    await sync_and_deliver(teams)
    teams.connector.sent.clear()
    teams.sim.instance.set_state(number, "2")
    teams.connector.lose_answer_next(status=None)  # posted, then the connection drops
    await teams.services.workers.run_cycle(WORKSPACE)
    assert await teams.services.notifier.deliver("stopping") == 2
    assert len(teams.connector.posts()) == 2  # one of them SnowOps does not know went out

    teams.clock.advance(60)  # the restart takes a minute: past the wait before a redo
    async with restarted(teams) as again:
        assert again.workers is not None
        await again.workers.run_cycle(WORKSPACE)
        assert await again.notifier.deliver("restarted") == 1  # settled: found, not posted
        assert await again.notifier.deliver("restarted") == 0

    assert thread_of(teams.connector, card) == [f"{number} {NAME}: New → In Progress"]
    assert told(teams.connector) == [f"{number} {NAME}: New → In Progress"]
    assert len(card_updates(teams.connector, card)) == 1
    assert teams.connector.graph_calls  # it looked before posting again
