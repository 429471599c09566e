"""Digests and quiet hours on Slack: a digest channel gets one summary per period and no
per-event posts; a quiet channel gets its held priority-3 news once, after the window, and
priority-1 news at once. Sync, the timer and deliveries are driven by the test."""

from __future__ import annotations

import asyncio
import json

from tests.e2e.conftest import ADMIN, SlackHarness, form_state
from tests.fakes.slack_signing import view_submission_payload

WS = "slack:T0123"
OPS = "C0OPS"


async def create_ticket(slack: SlackHarness, name: str, priority: str) -> str:
    """A ticket made from the form in #security; returns its number once its card is kept."""
    slack.api.clear()
    await slack.command(f"create {name}")
    await slack.api.wait_for("views.open")
    view = [v for v in slack.api.views.values() if v.get("callback_id") == "ticket_form"][-1]
    state = form_state(name=name, priority=priority)
    await slack.interact(
        view_submission_payload(
            view["id"], "ticket_form", state, private_metadata=view["private_metadata"]
        )
    )
    await slack.api.wait_for("chat.postMessage")
    store = slack.services.store
    for _ in range(250):  # the card's place is saved just after Slack answers
        for ticket in await store.list_tickets(WS, limit=50):
            if ticket.title == name and await store.list_card_locations(WS, ticket.number):
                return ticket.number
        await asyncio.sleep(0.02)
    raise AssertionError("the ticket card was never recorded")


async def in_ops(slack: SlackHarness, command: str) -> str:
    """Run an admin command in #ops; returns what SnowOps answered."""
    slack.api.clear()
    await slack.command(command, user=ADMIN, channel=OPS, name="sub")
    response = await slack.api.wait_for_response()
    return str(response)


async def sync_tick_deliver(slack: SlackHarness) -> None:
    """One sync cycle, one timer turn, and every delivery that is due."""
    await slack.services.workers.run_cycle(WS)
    await slack.services.score.schedule.tick(WS)
    while await slack.services.notifier.deliver("test"):
        pass


def ops_posts(slack: SlackHarness) -> list[str]:
    return [
        str(c.args.get("text", ""))
        for c in slack.api.calls_to("chat.postMessage")
        if c.args["channel"] == OPS
    ]


async def test_a_digest_channel_gets_one_summary_per_period_and_no_event_posts(
    slack: SlackHarness,
) -> None:
    first = await create_ticket(slack, "Rotate the *VPN* certificate", "3")
    second = await create_ticket(slack, "Block legacy auth", "4")
    answer = await in_ops(slack, "subscribe incident digest daily 09:00 zone Europe/Stockholm")
    assert "one digest a day at 09:00 (Europe/Stockholm)" in answer
    third = await create_ticket(slack, "Renew the TLS certificate", "3")  # made in the period
    slack.api.clear()

    slack.sim.instance.set_state(first, "2")
    await sync_tick_deliver(slack)
    slack.sim.instance.set_state(second, "6")
    slack.sim.instance.add_journal(first, "Waiting for the vendor")
    await sync_tick_deliver(slack)
    assert ops_posts(slack) == []  # nothing per event

    # The fake clock starts at 12:00 UTC (13:00 in Stockholm); the period ends at 09:00
    # Stockholm time the next day, 08:00 UTC, and the digest goes a minute later.
    slack.clock.advance(20 * 3600 + 30)
    await sync_tick_deliver(slack)
    assert ops_posts(slack) == []
    slack.clock.advance(60)
    await sync_tick_deliver(slack)
    [digest] = ops_posts(slack)
    assert "Digest, Thu 26 Nov 09:00 – Fri 27 Nov 09:00 (Europe/Stockholm): 4 changes" in digest
    assert f"Created (1):\n• New incident {third}: Renew the TLS certificate" in digest
    assert f"{second} Block legacy auth: New → Resolved" in digest
    assert f"{first} Rotate the *VPN* certificate: New → In Progress" in digest
    # The title was typed by a person: its asterisks are not bold in the message.
    posted = slack.api.calls_to("chat.postMessage")
    [shown] = [json.dumps(c.args["blocks"]) for c in posted if c.args["channel"] == OPS]
    assert "*VPN*" not in shown
    assert "VPN" in shown
    assert "Waiting for the vendor" in digest
    assert digest.index("Resolved (1)") < digest.index("Moved (1)")

    # Ticked again, by this replica or another: nothing more.
    await sync_tick_deliver(slack)
    assert len(ops_posts(slack)) == 1

    # The next period's change goes in the next period's digest.
    slack.sim.instance.set_state(first, "6")
    await sync_tick_deliver(slack)
    assert len(ops_posts(slack)) == 1
    slack.clock.advance(24 * 3600)
    await sync_tick_deliver(slack)
    assert len(ops_posts(slack)) == 2
    assert "1 change" in ops_posts(slack)[-1]
    slack.every_payload_is_valid_block_kit()


async def test_quiet_hours_hold_priority_3_until_they_end_and_let_priority_1_through(
    slack: SlackHarness,
) -> None:
    routine = await create_ticket(slack, "Rotate the VPN certificate", "3")
    urgent = await create_ticket(slack, "Mail is down", "1")
    await in_ops(slack, "subscribe")
    answer = await in_ops(slack, "quiet 18:00-08:00")
    assert "quiet 18:00–08:00" in answer
    slack.clock.advance(7 * 3600)  # 19:00 UTC: quiet
    slack.api.clear()

    slack.sim.instance.set_state(routine, "2")
    slack.sim.instance.set_state(urgent, "2")
    await sync_tick_deliver(slack)
    [at_once] = ops_posts(slack)
    assert urgent in at_once

    slack.clock.advance(12 * 3600)  # 07:00: still quiet
    await sync_tick_deliver(slack)
    assert len(ops_posts(slack)) == 1
    slack.clock.advance(3600)  # 08:00: the window ended
    await sync_tick_deliver(slack)
    posts = ops_posts(slack)
    assert len(posts) == 2
    assert f"{routine} Rotate the VPN certificate: New → In Progress" in posts[1]
    await sync_tick_deliver(slack)
    assert len(ops_posts(slack)) == 2

    await in_ops(slack, "quiet off")
    assert "each change as it happens (UTC)" in await in_ops(slack, "quiet")
