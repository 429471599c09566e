"""Replies in a ticket card's thread on Slack become journal entries where the channel asks
(`/snow threads`), written as their author, marked with a reaction and never echoed back;
anything else in a channel is left alone (Slack, end to end, against the simulator)."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from adapters.slack.threads import MARK
from sim.servicenow.users import DEMO_PASSWORD
from tests.e2e.conftest import ADMIN, USER, SlackHarness
from tests.e2e.test_slack_notifications import create_ticket, sync_and_deliver, thread_replies
from tests.integration.oauth_helpers import approve

CHANNEL = "C0SEC"  # where create_ticket posts the card
_ts = iter(range(1, 10_000))


async def run(slack: SlackHarness, text: str, user: str = ADMIN, channel: str = CHANNEL) -> str:
    """``/snow <text>``; what SnowOps answered (its response_url posts, as JSON)."""
    name = f"cmd-{next(_ts)}"
    await slack.command(text, user=user, name=name, channel=channel)
    for _ in range(500):  # answered after the ack
        if slack.api.responses_to(name):
            return json.dumps(slack.api.responses_to(name))
        await asyncio.sleep(0.02)
    raise AssertionError(f"/snow {text} got no answer")


async def link(slack: SlackHarness, user: str, user_name: str) -> None:
    """``user`` links their own ServiceNow account (the real sign-in, as a person does)."""
    answer = await run(slack, "link", user=user)
    [url] = re.findall(r"http://127\.0\.0\.1:\d+/servicenow/oauth/start\?t=[\w-]+", answer)
    callback = await approve(slack.http, url, username=user_name, password=DEMO_PASSWORD)
    async with slack.http.get(callback) as page:
        assert page.status == 200


def message(user: str, text: str, thread: str | None, **more: Any) -> dict[str, Any]:
    """A ``message`` event as Slack sends it for a post in #security."""
    ts = f"1800000000.{next(_ts):06d}"
    event: dict[str, Any] = {
        "type": "message",
        "channel": CHANNEL,
        "channel_type": "channel",
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "team": "T0123",
    }
    if thread is not None:
        event["thread_ts"] = thread
    event.update(more)
    return event


async def post(slack: SlackHarness, event: dict[str, Any], event_id: str | None = None) -> None:
    """Deliver the event and let the work after its ack finish."""
    response = await slack.event(event, event_id=event_id or f"Ev{next(_ts):08d}")
    assert response.status == 200
    assert slack.services.slack is not None
    await slack.services.slack.after.drain(10)


def entries(slack: SlackHarness, number: str) -> list[dict[str, str]]:
    found = slack.sim.instance.find_by_number(number)
    assert found is not None
    rows = slack.sim.instance.store.rows("sys_journal_field")
    return [dict(r) for r in rows if r.get("element_id") == found[1]["sys_id"]]


def marks(slack: SlackHarness, event: dict[str, Any]) -> list[str]:
    return slack.api.reactions.get((CHANNEL, event["ts"]), {}).get(MARK, [])


async def threads(slack: SlackHarness, mode: str) -> None:
    assert f"Threads {mode}" in await run(slack, f"threads {mode}")


async def test_a_reply_becomes_one_work_note_by_its_author_and_is_not_echoed(
    slack: SlackHarness,
) -> None:
    number, ts = await create_ticket(slack)
    await threads(slack, "work_notes")
    await link(slack, USER, "abel.tuter")
    before = len(entries(slack, number))
    reply = message(USER, "Rebooted the VPN box &amp; checked &lt;logs&gt;", ts)
    await post(slack, reply, "EvREPLY1")
    await post(slack, reply, "EvREPLY1")  # Slack's retry of the same delivery
    [note] = entries(slack, number)[before:]
    assert (note["element"], note["value"]) == (
        "work_notes",
        "Rebooted the VPN box & checked <logs>",
    )
    assert note["sys_created_by"] == "abel.tuter"  # as the person, with their own token
    assert len(marks(slack, reply)) == 1
    slack.api.clear()
    await sync_and_deliver(slack)
    assert not [t for t in thread_replies(slack, ts) if "Rebooted" in t]


async def test_a_comment_from_an_unlinked_person_names_them_and_is_not_echoed(
    slack: SlackHarness,
) -> None:
    number, ts = await create_ticket(slack)
    await threads(slack, "comments")
    before = len(entries(slack, number))
    reply = message(USER, "Users can sign in again", ts)
    await post(slack, reply)
    [comment] = entries(slack, number)[before:]
    assert comment["element"] == "comments"
    assert comment["value"].startswith("Users can sign in again\n\n(From Slack by Abel Tuter")
    assert comment["sys_created_by"] == "snowops.integration"
    assert len(marks(slack, reply)) == 1
    slack.api.clear()
    await sync_and_deliver(slack)
    assert not [t for t in thread_replies(slack, ts) if "sign in again" in t]
    # A comment made in ServiceNow still reaches the thread.
    slack.sim.instance.add_journal(number, "Confirmed by the service desk")
    await sync_and_deliver(slack)
    assert [t for t in thread_replies(slack, ts) if "Confirmed by the service desk" in t]


async def test_linked_mode_asks_an_unlinked_author_privately_and_writes_nothing(
    slack: SlackHarness,
) -> None:
    number, ts = await create_ticket(slack)
    await threads(slack, "work_notes")
    assert "Identity mode linked" in await run(slack, "identity linked")
    before = len(entries(slack, number))
    reply = message(USER, "Patched it", ts)
    await post(slack, reply)
    assert entries(slack, number)[before:] == []
    assert marks(slack, reply) == []
    [told] = [c for c in slack.api.calls_to("chat.postEphemeral") if c.args.get("thread_ts")]
    assert told.args["user"] == USER
    assert "link your ServiceNow account first" in json.dumps(told.args)


async def test_nothing_is_written_when_off_or_not_a_persons_reply_under_a_card(
    slack: SlackHarness,
) -> None:
    number, ts = await create_ticket(slack)
    before = len(entries(slack, number))
    off = message(USER, "threads are off by default", ts)
    await post(slack, off)
    await threads(slack, "work_notes")
    ignored = [
        off,
        message(USER, "not under a card", "1700000000.999999"),
        message(USER, "a new message, no thread", None),
        message("U0BOT", "the bot's own", ts, bot_id="B0BOT"),
        message(USER, "edited", ts, subtype="message_changed"),
        message(USER, "joined", ts, subtype="channel_join"),
        message(USER, "in a DM", ts, channel_type="im"),
        message(USER, "", ts),
    ]
    for event in ignored[1:]:
        await post(slack, event)
    assert entries(slack, number)[before:] == []
    assert slack.api.reactions == {}
    assert [
        c for c in slack.api.calls_to("chat.postEphemeral") if "link" in json.dumps(c.args)
    ] == []


async def test_threads_is_for_the_channels_admins(slack: SlackHarness) -> None:
    assert "Only workspace admins" in await run(slack, "threads work_notes", user=USER)
    assert "Threads off" in await run(slack, "threads")


async def test_servicenow_refusing_the_author_is_said_privately_and_nothing_is_marked(
    slack: SlackHarness,
) -> None:
    number, ts = await create_ticket(slack)
    await threads(slack, "work_notes")
    slack.api.set_user("U0JOE", email="joe.employee@example.com", real_name="Joe Employee")
    await link(slack, "U0JOE", "joe.employee")  # no itil role: may not write work notes
    before = len(entries(slack, number))
    reply = message("U0JOE", "I think it is fixed", ts)
    await post(slack, reply)
    assert entries(slack, number)[before:] == []
    assert marks(slack, reply) == []
    [told] = [c for c in slack.api.calls_to("chat.postEphemeral") if c.args.get("thread_ts")]
    assert told.args["user"] == "U0JOE"
    # ServiceNow hides the incident from someone without a role: its own words, and why.
    assert "No Record found" in told.args["text"]
    assert "when an ACL hides it" in json.dumps(told.args)
