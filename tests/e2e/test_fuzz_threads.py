"""Fuzz the new inbound shapes (issue 12 parts 4 and 5): Slack ``message`` events with odd
subtypes and fields, and Teams channel-thread replies with odd text, mentions and thread
ids, sent where a ticket card's thread sends replies to ServiceNow. No answer is a 5xx and
nothing logs an error or a traceback, during the request or in the work after it."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import ADMIN, USER, SlackHarness
from tests.e2e.fuzzing import FUZZ, json_values, no_error_logged
from tests.e2e.teams_harness import ADMIN as TEAMS_ADMIN
from tests.e2e.teams_harness import TeamsHarness, card_and_subscriber
from tests.e2e.test_fuzz_slack import send, settle
from tests.e2e.test_slack_notifications import create_ticket
from tests.e2e.test_slack_threads import run
from tests.fakes import bot_activities as bf
from tests.fakes.slack_signing import JSON, event_body

CARD_TS = "card"  # stands for the card's ts while examples are drawn
_SUBTYPES = [
    None,
    "bot_message",
    "message_changed",
    "message_deleted",
    "message_replied",
    "thread_broadcast",
    "channel_join",
    "file_share",
    "me_message",
]
_texts = st.text(max_size=60) | st.sampled_from(["&lt;b&gt;", "<@U0ADMIN>", "x" * 5000, ""])


@st.composite
def message_events(draw: st.DrawFn) -> dict[str, Any]:
    """A ``message`` event: mostly well-formed thread replies, with odd parts."""
    event: dict[str, Any] = {
        "type": "message",
        "channel": draw(st.sampled_from(["C0SEC", "C0OTHER", ""]) | json_values),
        "channel_type": draw(st.sampled_from(["channel", "group", "im", "mpim"]) | json_values),
        "user": draw(st.sampled_from([USER, ADMIN, "U0BOT", ""]) | json_values),
        "text": draw(_texts | json_values),
        "ts": draw(st.sampled_from(["1800000000.000001", CARD_TS, ""]) | json_values),
    }
    thread = draw(st.sampled_from([CARD_TS, "1700000000.999999", None]) | json_values)
    if thread is not None:
        event["thread_ts"] = thread
    subtype = draw(st.sampled_from(_SUBTYPES) | json_values)
    if subtype is not None:
        event["subtype"] = subtype
    for extra in draw(st.lists(st.sampled_from(["bot_id", "bot_profile", "edited", "hidden"]))):
        event[extra] = draw(json_values)
    return event


_cards: dict[int, str] = {}


async def _card_ts(slack: SlackHarness) -> str:
    """One ticket card in #security with threads on, per harness."""
    if id(slack) not in _cards:
        _, ts = await create_ticket(slack)
        assert "Threads work_notes" in await run(slack, "threads work_notes")
        _cards[id(slack)] = ts
    return _cards[id(slack)]


def _placed(value: Any, ts: str) -> Any:
    return ts if value == CARD_TS else value


@FUZZ
@given(event=message_events())
async def test_slack_message_events(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, event: dict[str, Any]
) -> None:
    caplog.set_level(logging.INFO)
    ts = await _card_ts(slack)
    event = {k: _placed(v, ts) for k, v in event.items()}
    await send(slack, caplog, event_body(event), JSON)
    await settle(slack, caplog, event)


@st.composite
def thread_replies(draw: st.DrawFn, thread: str) -> dict[str, Any]:
    """A reply in a channel thread (the card's, or another), with odd text and mentions."""
    conv = draw(
        st.sampled_from(
            [thread, f"{bf.CHANNEL};messageid=9", f"{bf.CHANNEL};messageid=", bf.CHANNEL]
        )
    )
    activity = bf.message(draw(_texts), "http://connector.invalid/", conv=conv)
    if draw(st.booleans()):
        activity["entities"] = draw(
            st.lists(
                st.fixed_dictionaries(
                    {"type": st.sampled_from(["mention", "clientInfo"]) | json_values},
                    optional={"mentioned": json_values | st.just({"id": bf.BOT_ID})},
                ),
                max_size=2,
            )
            | json_values
        )
    if draw(st.booleans()):
        activity["textFormat"] = draw(st.sampled_from(["xml", "markdown"]) | json_values)
    return activity


@pytest.mark.timeout(120)
async def test_teams_thread_replies(teams: TeamsHarness, caplog: pytest.LogCaptureFixture) -> None:
    card = await card_and_subscriber(teams, "Patch the VPN concentrator")
    [on] = await teams.say("threads work_notes", conv=card.thread, mention=True, **TEAMS_ADMIN)
    assert "Threads work_notes" in on.text
    loop = asyncio.get_running_loop()
    statuses: list[int] = []

    async def post(activity: dict[str, Any]) -> int:
        activity = {**activity, "serviceUrl": teams.service_url}
        token = teams.entra.mint(teams.service_url)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        body = json.dumps(activity).encode()
        async with teams.http.post(f"{teams.url}/api/messages", data=body, headers=headers) as r:
            await r.read()
            return r.status

    @settings(
        derandomize=True,
        database=None,
        max_examples=60,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(thread_replies(card.thread))
    def each(activity: dict[str, Any]) -> None:
        status = asyncio.run_coroutine_threadsafe(post(activity), loop).result(timeout=30)
        statuses.append(status)
        assert status < 500, (status, activity)

    caplog.clear()
    await asyncio.to_thread(each)
    assert len(statuses) >= 40
    no_error_logged(caplog, "thread replies")
