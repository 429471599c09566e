"""Two SnowOps processes share one Redis and both run the timer (as often as they poll,
every 0.3 s): a ticket's reminder, its overdue notice and a post held for quiet hours are
each told once.

Real processes (`python -m bot.cli serve`), real Redis, the ServiceNow simulator and the
fake Slack Web API on loopback; the wall clock runs (see tests/e2e/replicas.py)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from core.secrets import generate_key
from tests.conftest import Sim
from tests.e2e.conftest import ADMIN, BOT_TOKEN, SIGNING_SECRET, WORKSPACE, form_state
from tests.e2e.replicas import SharedRedis, connect_once, replica_env, replicas, until
from tests.e2e.test_scale_out import slack_post
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_signing import (
    interactivity_body,
    slash_command_body,
    view_submission_payload,
)

pytestmark = pytest.mark.redis

NAME = "Rotate the VPN certificate"
NUMBER = "INC0010001"


async def command(http: aiohttp.ClientSession, api: FakeSlackApi, url: str, text: str) -> None:
    """An admin's command in #ops, answered."""
    name = f"r{len(api.responses)}"
    body = slash_command_body(
        text, user_id=ADMIN, channel_id="C0OPS", response_url=api.response_url(name)
    )
    await slack_post(http, url, body)
    await until(lambda: bool(api.responses_to(name)), f"an answer to {text}")


async def create_ticket(
    http: aiohttp.ClientSession, api: FakeSlackApi, url: str, due: datetime
) -> None:
    """`/snow create` in #security, the form submitted with a due date and priority 3."""
    body = slash_command_body(f"create {NAME}", user_id=ADMIN, response_url=api.response_url())
    await slack_post(http, url, body)
    await api.wait_for("views.open", timeout=30)
    view = [v for v in api.views.values() if v.get("callback_id") == "ticket_form"][-1]
    state = form_state(name=NAME, priority="3", due=due.strftime("%Y-%m-%d %H:%M"))
    payload = view_submission_payload(
        view["id"], "ticket_form", state, private_metadata=view["private_metadata"]
    )
    await slack_post(http, url, interactivity_body(payload))
    await api.wait_for("chat.postMessage", timeout=30)


@pytest.mark.timeout(300)  # bounds a stuck run; each wait below is for an outcome
async def test_two_replicas_remind_escalate_and_release_once(
    sim: Sim, shared_redis: SharedRedis, tmp_path: Path
) -> None:
    api = FakeSlackApi()
    await api.start()
    api.set_user(ADMIN, is_admin=True, email="beth.anglin@example.com", real_name="Beth Anglin")
    settings = {
        "SNOWOPS_STORE": shared_redis.url,
        "SNOWOPS_SECRET_KEY": generate_key(),
        "SNOWOPS_POLL_INTERVAL": "0.3",
        "SNOWOPS_LOG_LEVEL": "WARNING",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api.base_url,
    }
    await connect_once(settings, WORKSPACE, sim.url)
    due = datetime.now(UTC)  # set once the replicas run
    try:
        async with (
            aiohttp.ClientSession() as http,
            replicas(replica_env(settings), http, 2, tmp_path) as running,
        ):
            minute = datetime.now(UTC).replace(second=0, microsecond=0)
            # 60-120 s away (a due date has minutes), time for the reminder first on a loaded
            # machine; the quiet hours end then too.
            due = minute + timedelta(minutes=2)
            window = f"{(minute - timedelta(minutes=1)):%H:%M}-{due:%H:%M}"
            await command(http, api, running[0].url, "subscribe incident")
            await command(http, api, running[1].url, f"quiet {window}")
            await create_ticket(http, api, running[0].url, due)
            await until(lambda: shared_redis.polled(WORKSPACE), "a replica polled ServiceNow")
            sim.instance.set_state(NUMBER, "2")  # in the quiet hours: held

            def reminded() -> bool:
                posts = api.calls_to("chat.postMessage")
                return any("reminder: due" in str(c.args.get("text")) for c in posts)

            await until(reminded, "the reminder, before the ticket is due")

            def in_ops() -> list[str]:
                posts = api.calls_to("chat.postMessage")
                return [str(c.args["text"]) for c in posts if c.args["channel"] == "C0OPS"]

            # The quiet hours end, and the ticket falls due, at ``due``: wait for it.
            await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
            await until(lambda: len(in_ops()) >= 3, f"the held posts and the overdue: {in_ops()}")
            # Both replicas go on ticking: give them time to tell anything twice.
            await asyncio.sleep(3)
            await until(shared_redis.settled, "every delivery done")
    finally:
        await api.close()

    assert sorted(t.splitlines()[0] for t in in_ops()) == [
        f"{NUMBER} {NAME}: New → In Progress",
        f"{NUMBER} {NAME}: overdue: it was due {due:%a %d %b %Y %H:%M} UTC",
        f"New incident {NUMBER}: {NAME}",  # made in the quiet hours: held too
    ]
    posts = api.calls_to("chat.postMessage")
    thread = [str(c.args["text"]) for c in posts if c.args.get("thread_ts")]
    assert sorted(t.split(": ", 1)[1] for t in thread) == [
        "New → In Progress",
        f"overdue: it was due {due:%a %d %b %Y %H:%M} UTC",
        f"reminder: due {due:%a %d %b %Y %H:%M} UTC",
    ]
    direct = [c for c in posts if str(c.args["channel"]).startswith("D")]
    assert len(direct) == 1
    assert "Reminder:" in direct[0].args["text"]
    updates = [json.dumps(c.args["blocks"]) for c in api.calls_to("chat.update")]
    assert any("Overdue: it was due" in u for u in updates)
