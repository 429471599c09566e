"""Digests, quiet hours, reminders and personal notifications on Teams, through the Bot
Framework entry point against the ServiceNow simulator; the test moves the clock and runs
the timer (what the workers' timer loop does every few seconds)."""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.teams_harness import (
    ADMIN,
    SUBSCRIBED,
    WORKSPACE,
    Card,
    TeamsHarness,
    action_of,
    card_and_subscriber,
    card_updates,
    form_inputs,
    thread_of,
    told,
)
from tests.fakes import bot_activities as bf

NAME = "Rotate the *VPN* certificate"


async def tick_and_deliver(teams: TeamsHarness) -> None:
    """One sync cycle, one timer turn, and every delivery that is due."""
    assert teams.services.workers is not None
    await teams.services.workers.run_cycle(WORKSPACE)
    await teams.services.score.schedule.tick(WORKSPACE)
    while await teams.services.notifier.deliver("test"):
        pass


async def another_ticket(teams: TeamsHarness, name: str, priority: str, root: str) -> str:
    """A ticket of ``priority`` made from the form card in a new thread of #security."""
    thread = f"{bf.CHANNEL};messageid={root}"
    [form] = await teams.say(f"snow create {name}", conv=thread, activity_id=root, mention=True)
    button = action_of(form.cards[0], "Create ticket")
    data: dict[str, Any] = {**button["data"], **form_inputs(name=name, priority=priority)}
    body = await teams.invoke(
        bf.card_action(button["verb"], data, teams.service_url, card_id=form.id, conv=thread)
    )
    first = body["value"]["body"][0]
    text = first.get("text") or "".join(str(r.get("text", "")) for r in first.get("inlines", []))
    return str(text).split(" ")[0]


async def admin_says(teams: TeamsHarness, text: str) -> str:
    """An admin's command in the subscribed channel; returns SnowOps's answer."""
    [answer] = await teams.say(text, conv=SUBSCRIBED, mention=True, **ADMIN)
    return str(answer.text)


async def test_a_digest_channel_gets_one_summary_an_hour_and_no_event_posts(
    teams: TeamsHarness,
) -> None:
    card = await card_and_subscriber(teams, NAME)
    answer = await admin_says(teams, "subscribe incident digest hourly")
    assert "one digest an hour, at minute 00 (UTC)" in answer
    teams.connector.sent.clear()

    teams.sim.instance.set_state(card.number, "2")
    teams.sim.instance.add_journal(card.number, "On it")
    await tick_and_deliver(teams)
    assert told(teams.connector) == []
    assert len(thread_of(teams.connector, card)) == 2  # the card's thread still hears

    teams.clock.advance(3600 + 61)  # 12:00 → 13:01: the 12:00–13:00 digest is due
    await tick_and_deliver(teams)
    await tick_and_deliver(teams)
    [digest] = told(teams.connector)
    assert digest.startswith("Digest, Thu 26 Nov 12:00 – Thu 26 Nov 13:00 (UTC): 2 changes")
    assert "Moved (1)" in digest
    assert "On it" in digest
    # The title was typed by a person: it is in a TextRun, which Teams shows as written
    # (no Markdown), so its asterisks are not made bold.
    [post] = [p for p in teams.connector.posts(SUBSCRIBED) if p.activity_id is None]
    [block] = post.cards[0]["body"]
    assert block["type"] == "RichTextBlock"
    assert "Rotate the *VPN* certificate" in block["inlines"][0]["text"]
    teams.every_card_is_valid()


async def test_quiet_hours_hold_priority_3_and_let_priority_1_through(
    teams: TeamsHarness,
) -> None:
    await card_and_subscriber(teams, "Patch the VPN concentrator")
    routine = await another_ticket(teams, "Renew the TLS certificate", "3", "1690000000901")
    urgent = await another_ticket(teams, "Mail is down", "1", "1690000000902")
    assert "quiet 18:00–08:00" in await admin_says(teams, "quiet 18:00-08:00")
    teams.clock.advance(8 * 3600)  # 20:00 UTC
    teams.connector.sent.clear()

    teams.sim.instance.set_state(routine, "2")
    teams.sim.instance.set_state(urgent, "2")
    await tick_and_deliver(teams)
    assert told(teams.connector) == [f"{urgent} Mail is down: New → In Progress"]

    teams.clock.advance(12 * 3600)  # 08:00: the window ended
    await tick_and_deliver(teams)
    await tick_and_deliver(teams)
    assert told(teams.connector) == [
        f"{urgent} Mail is down: New → In Progress",
        f"{routine} Renew the TLS certificate: New → In Progress",
    ]


async def test_a_reminder_and_an_overdue_notice_arrive_once_each(teams: TeamsHarness) -> None:
    card: Card = await card_and_subscriber(teams, "Patch the VPN concentrator")
    ticket = await teams.services.store.get_ticket(WORKSPACE, card.number)
    assert ticket is not None
    assert ticket.due is not None
    teams.connector.sent.clear()
    teams.clock.advance((ticket.due - teams.clock.now()).total_seconds() - 3600)
    await tick_and_deliver(teams)
    await tick_and_deliver(teams)
    assert thread_of(teams.connector, card) == [
        f"{card.number} Patch the VPN concentrator: reminder: due Thu 31 Dec 2026 23:59 UTC"
    ]
    assert told(teams.connector) == []

    teams.clock.advance(2 * 3600)
    await tick_and_deliver(teams)
    await tick_and_deliver(teams)
    [update] = card_updates(teams.connector, card)
    assert "Overdue: it was due Thu 31 Dec 2026 23:59 UTC." in json.dumps(update.cards)
    assert len(thread_of(teams.connector, card)) == 2
    assert told(teams.connector) == [
        f"{card.number} Patch the VPN concentrator: overdue: it was due Thu 31 Dec 2026 23:59 UTC"
    ]


async def test_notify_me_in_a_personal_chat_brings_others_changes_there(
    teams: TeamsHarness,
) -> None:
    card = await card_and_subscriber(teams, "Patch the VPN concentrator")  # by the user
    [answer] = await teams.say("notify me on")  # in their personal chat with SnowOps
    assert "You will get a direct message" in answer.text
    teams.connector.sent.clear()
    teams.sim.instance.set_state(card.number, "2")
    await tick_and_deliver(teams)
    assert told(teams.connector, bf.PERSONAL) == [
        f"{card.number} Patch the VPN concentrator: New → In Progress"
    ]
