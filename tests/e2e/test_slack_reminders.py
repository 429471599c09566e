"""Reminders, overdue notices and personal notifications on Slack, through the real entry
points against the ServiceNow simulator; the test moves the clock and runs the timer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from bot.app import Services, build_services
from sim.servicenow.progress import AGENT
from sim.servicenow.writes import update_record
from tests.e2e.conftest import ADMIN, USER, SlackHarness
from tests.e2e.test_slack_digests import WS, create_ticket, in_ops, ops_posts

NAME = "Rotate the VPN certificate"


async def tick_and_deliver(services: Services) -> None:
    """One sync cycle, one timer turn, and every delivery that is due."""
    assert services.workers is not None
    await services.workers.run_cycle(WS)
    await services.score.schedule.tick(WS)
    while await services.notifier.deliver("test"):
        pass


@asynccontextmanager
async def restarted(slack: SlackHarness) -> AsyncIterator[Services]:
    """A restarted process: fresh services on the same store, settings and clock."""
    again = build_services(slack.services.settings, clock=slack.clock)
    await again.start()
    try:
        yield again
    finally:
        await again.stop()


def texts_in(slack: SlackHarness, channel: str, *, thread: str | None = None) -> list[str]:
    return [
        str(c.args.get("text", ""))
        for c in slack.api.calls_to("chat.postMessage")
        if c.args["channel"] == channel and c.args.get("thread_ts") == thread
    ]


async def test_a_reminder_and_an_overdue_notice_arrive_once_each_even_after_a_restart(
    slack: SlackHarness,
) -> None:
    number = await create_ticket(slack, NAME, "3")  # due 2026-12-31 (the form's default)
    [card] = await slack.services.store.list_card_locations(WS, number)
    await in_ops(slack, "subscribe")
    ticket = await slack.services.store.get_ticket(WS, number)
    assert ticket is not None
    assert ticket.due is not None
    slack.api.clear()
    await tick_and_deliver(slack.services)
    assert slack.api.calls_to("chat.postMessage") == []  # weeks away: nothing yet

    # A day before (SNOWOPS_REMIND_BEFORE_HOURS=24): the card's thread and the requester.
    slack.clock.advance((ticket.due - slack.clock.now() - timedelta(hours=23)).total_seconds())
    await tick_and_deliver(slack.services)
    [reminder] = texts_in(slack, "C0SEC", thread=card.message_id)
    assert reminder == f"{number} {NAME}: reminder: due Thu 31 Dec 2026 23:59 UTC"
    dms = [c for c in slack.api.calls_to("chat.postMessage") if c.args["channel"].startswith("D")]
    assert len(dms) == 1
    assert f"Reminder: {number} {NAME}, which you asked for, is due" in dms[0].args["text"]
    assert ops_posts(slack) == []  # a reminder is for the card and its requester

    async with restarted(slack) as again:
        await tick_and_deliver(again)
        slack.clock.advance(22 * 3600)
        await tick_and_deliver(again)  # due within the hour, not yet past
        assert len(slack.api.calls_to("chat.postMessage")) == 2

        slack.clock.advance(2 * 3600)  # past due
        await tick_and_deliver(again)
        await tick_and_deliver(again)
    await tick_and_deliver(slack.services)  # the first process ticks again too

    [update] = slack.api.calls_to("chat.update")
    assert "Overdue: it was due Thu 31 Dec 2026 23:59 UTC." in json.dumps(update.args["blocks"])
    [_, overdue] = texts_in(slack, "C0SEC", thread=card.message_id)
    assert overdue == f"{number} {NAME}: overdue: it was due Thu 31 Dec 2026 23:59 UTC"
    [told] = ops_posts(slack)
    assert f"{number} {NAME}: overdue" in told
    assert len(slack.api.calls_to("chat.postMessage")) == 4
    slack.every_payload_is_valid_block_kit()


def direct_messages(slack: SlackHarness) -> list[str]:
    posts = slack.api.calls_to("chat.postMessage")
    return [str(c.args["text"]) for c in posts if c.args["channel"].startswith("D")]


async def test_notify_me_sends_the_requester_changes_made_by_others_not_their_own(
    slack: SlackHarness,
) -> None:
    number = await create_ticket(slack, NAME, "3")  # USER asked for it
    slack.api.clear()
    await slack.command("notify me on", user=USER, name="me")
    [answer] = await slack.api.wait_for_response()
    assert "You will get a direct message" in json.dumps(answer)
    [dm] = slack.api.calls_to("conversations.open")
    assert dm.args["users"] == USER
    slack.api.clear()

    # Changed in ServiceNow by an agent: the requester hears of it directly.
    slack.sim.instance.set_state(number, "2")
    await tick_and_deliver(slack.services)
    assert direct_messages(slack) == [f"{number} {NAME}: New → In Progress"]

    # Changed by the requester from chat: no direct message of their own action.
    slack.api.clear()
    await slack.command(f'resolve {number} "Solution provided" "Rotated"', user=USER, name="r")
    await slack.api.wait_for_response()
    found = slack.sim.instance.find_by_number(number)
    assert found is not None
    assert found[1]["state"] == "6"  # resolved, by the requester
    await tick_and_deliver(slack.services)
    assert direct_messages(slack) == []

    # Off: nothing more, whoever changes it.
    await slack.command("notify me off", user=USER, name="off")
    slack.api.clear()
    slack.sim.instance.set_state(number, "2")
    await tick_and_deliver(slack.services)
    assert direct_messages(slack) == []


async def test_notify_me_sends_the_assignee_changes_made_by_others(slack: SlackHarness) -> None:
    number = await create_ticket(slack, NAME, "3")
    await slack.command("notify me on", user=ADMIN, name="me")
    await slack.api.wait_for_response()
    slack.api.clear()
    await slack.command(f"assign {number} me", user=ADMIN, name="take")
    await slack.api.wait_for_response()
    await tick_and_deliver(slack.services)
    assert direct_messages(slack) == []  # their own action
    slack.sim.instance.add_journal(number, "Any news?", author="abel.tuter")
    await tick_and_deliver(slack.services)
    assert direct_messages(slack) == [f"{number} {NAME}: new comment from abel.tuter: Any news?"]


async def test_a_due_date_moved_closer_in_servicenow_is_reminded_at_the_next_tick(
    slack: SlackHarness,
) -> None:
    """A timer turn that found nothing due skips the workspace until its next due moment;
    a ticket the sync writes meanwhile (here: its due date moved to tomorrow by an agent)
    is looked at again at once."""
    number = await create_ticket(slack, NAME, "3")  # due 2026-12-31, weeks away
    [card] = await slack.services.store.list_card_locations(WS, number)
    await tick_and_deliver(slack.services)
    await tick_and_deliver(slack.services)  # skipped: nothing comes due for weeks
    assert texts_in(slack, "C0SEC", thread=card.message_id) == []

    sim = slack.sim.instance
    found = sim.store.find_by_number(number)
    assert found is not None
    table, record = found
    due = (slack.clock.now() + timedelta(hours=5)).strftime("%Y-%m-%d %H:%M:%S")
    # As an agent would, in ServiceNow: a real update (mod count and sys_updated_on move).
    update_record(
        sim.store,
        sim.store.schemas[table],
        record,
        {"due_date": due},
        sim.actor(AGENT),
        sim.timestamp(),
    )
    await tick_and_deliver(slack.services)
    [reminder] = texts_in(slack, "C0SEC", thread=card.message_id)
    assert reminder.startswith(f"{number} {NAME}: reminder: due ")


async def test_a_timer_turn_between_a_creates_save_and_its_card_still_reminds_in_its_thread(
    slack: SlackHarness,
) -> None:
    """The timer runs beside requests: a turn that finds a new ticket due for a reminder
    after the create saved it, and before its card is posted, leaves the reminder for the
    card instead of spending it on no thread."""
    form_due = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)  # the form's default due date
    slack.clock.advance((form_due - slack.clock.now() - timedelta(hours=5)).total_seconds())
    slack.api.latency["chat.postMessage"] = 0.5  # Slack takes its time with the card
    creating = asyncio.create_task(create_ticket(slack, NAME, "3"))
    store = slack.services.store
    for _ in range(500):  # until the create has saved it
        saved = [t for t in await store.list_tickets(WS, limit=50) if t.title == NAME]
        if saved:
            break
        await asyncio.sleep(0.01)
    [ticket] = saved
    assert await store.list_card_locations(WS, ticket.number) == []  # not posted yet
    await slack.services.score.schedule.tick(WS)  # the timer's turn, in that moment
    number = await creating
    slack.api.latency.clear()
    # No sync cycle between: the card kept is what makes the timer look again.
    await slack.services.score.schedule.tick(WS)
    while await slack.services.notifier.deliver("test"):
        pass
    await tick_and_deliver(slack.services)
    [card] = await store.list_card_locations(WS, number)
    [reminder] = texts_in(slack, "C0SEC", thread=card.message_id)
    assert reminder == f"{number} {NAME}: reminder: due Thu 31 Dec 2026 23:59 UTC"
    dms = [c for c in slack.api.calls_to("chat.postMessage") if c.args["channel"].startswith("D")]
    assert len(dms) == 1  # the requester is told once, whichever turn told them
