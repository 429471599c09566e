"""Three SnowOps processes share one Redis; one is killed (SIGKILL) mid-run. Every ticket
change still reaches the card's thread and the subscribed channel exactly once.

Real processes (`python -m bot.cli serve`), real Redis, the ServiceNow simulator and the
fake Slack Web API on loopback: nothing is patched. The replicas and the waits are shared
with the Teams version (tests/e2e/replicas.py).
"""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from core.secrets import generate_key
from tests.conftest import Sim
from tests.e2e.conftest import ADMIN, BOT_TOKEN, SIGNING_SECRET, WORKSPACE, form_state
from tests.e2e.replicas import (
    OUTCOME_TIMEOUT,
    Replica,
    SharedRedis,
    connect_once,
    kill_the_poller,
    replica_env,
    replicas,
    until,
)
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_signing import (
    interactivity_body,
    signed_headers,
    slash_command_body,
    view_submission_payload,
)

pytestmark = pytest.mark.redis

TICKETS = 4


async def slack_post(http: aiohttp.ClientSession, url: str, body: bytes, **kw: str) -> None:
    async with http.post(
        f"{url}/slack/events", data=body, headers=signed_headers(SIGNING_SECRET, body, **kw)
    ) as r:
        assert r.status == 200, await r.text()


async def create_ticket(
    http: aiohttp.ClientSession, api: FakeSlackApi, url: str, name: str
) -> None:
    """`/snow create` in #security through one replica, and the form submitted."""
    opened = len(api.calls_to("views.open"))
    cards = len(_cards(api))
    await slack_post(
        http,
        url,
        slash_command_body(f"create {name}", user_id=ADMIN, response_url=api.response_url()),
    )
    await api.wait_for("views.open", count=opened + 1, timeout=10)
    view = [v for v in api.views.values() if v.get("callback_id") == "ticket_form"][-1]
    payload = view_submission_payload(
        view["id"], "ticket_form", form_state(name=name), private_metadata=view["private_metadata"]
    )
    await slack_post(http, url, interactivity_body(payload))

    def carded() -> bool:
        return len(_cards(api)) > cards

    await until(carded, f"the card of {name}")


def _cards(api: FakeSlackApi) -> list[Any]:
    """The ticket cards posted in #security (subscribed #ops hears of each ticket too)."""
    return [
        c
        for c in api.calls_to("chat.postMessage")
        if c.args.get("blocks") and not c.args.get("thread_ts") and c.args["channel"] == "C0SEC"
    ]


@pytest.mark.timeout(400)  # bounds a stuck run; each wait below is for an outcome
async def test_three_replicas_one_killed_deliver_every_change_once(
    sim: Sim, shared_redis: SharedRedis, tmp_path: Path
) -> None:
    api = FakeSlackApi()  # with the history scopes: a redo first looks for its copy
    await api.start()
    api.set_user(ADMIN, is_admin=True, email="beth.anglin@example.com", real_name="Beth Anglin")
    settings = {
        "SNOWOPS_STORE": shared_redis.url,
        "SNOWOPS_SECRET_KEY": generate_key(),
        "SNOWOPS_POLL_INTERVAL": "0.3",
        "SNOWOPS_DELIVERY_LEASE": "2",
        "SNOWOPS_LOG_LEVEL": "WARNING",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api.base_url,
    }
    # Connect the workspace once, as an admin would; every replica reads it from Redis.
    await connect_once(settings, WORKSPACE, sim.url)

    async with aiohttp.ClientSession() as http:
        try:
            async with replicas(replica_env(settings), http, 3, tmp_path) as running:
                await scenario(http, api, sim, shared_redis, running)
        finally:
            await api.close()


async def scenario(
    http: aiohttp.ClientSession,
    api: FakeSlackApi,
    sim: Sim,
    shared: SharedRedis,
    running: list[Replica],
) -> None:
    """Subscribe #ops, make the tickets, move them, kill the poller, move them again."""
    first = running[0].url
    await slack_post(
        http,
        first,
        slash_command_body(
            "subscribe incident",
            user_id=ADMIN,
            channel_id="C0OPS",
            response_url=api.response_url("sub"),
        ),
    )
    numbers = []
    for i in range(TICKETS):
        await create_ticket(http, api, running[i % 3].url, f"Rotate certificate {i}")
        numbers.append(f"INC{10001 + i:07d}")
    assert len(_cards(api)) == TICKETS  # one card each, in #security

    def announced() -> list[str]:
        return [
            c.args["text"]
            for c in api.calls_to("chat.postMessage")
            if c.args["channel"] == "C0OPS" and c.args["text"].startswith("New incident ")
        ]

    # #ops hears once that each ticket was made, before anything moves.
    await until(lambda: len(announced()) >= TICKETS, "every ticket announced in #ops")
    await until(lambda: shared.polled(WORKSPACE), "a replica polled ServiceNow")
    await until(shared.settled, "the announcements acknowledged")
    assert sorted(announced()) == sorted(set(announced()))
    assert len(announced()) == TICKETS
    api.clear()
    # Slack acts, then answers slowly: a replica killed now dies holding deliveries
    # that went out but were never acknowledged.
    api.latency["chat.postMessage"] = 0.15

    for n in numbers:
        sim.instance.set_state(n, "2")

    async def seen() -> bool:
        # Each change is a card update, a thread reply and a #ops post: once all are
        # queued, the poller saw every ticket move (a later poll would fold In
        # Progress and On Hold into one change).
        return await shared.queued() >= 4 * TICKETS  # and the announcements

    await until(seen, "the poller saw every ticket move to In Progress")

    async def told() -> bool:
        # Its events are queued before its baselines move: killed between the two, the
        # next poller would rightly tell "New → On Hold", which this test does not ask.
        return await shared.told(WORKSPACE, numbers, "2")

    await until(told, "the poller recorded what it told")
    # Kill the replica that polls ServiceNow now (its lease names its pid).
    await kill_the_poller(shared, running, WORKSPACE)
    for n in numbers:
        sim.instance.add_journal(n, f"Work started on {n}")
    for n in numbers:
        sim.instance.set_state(n, "3")

    expected_per_ticket = 3  # In Progress, the comment, On Hold
    want = TICKETS * expected_per_ticket

    def replies() -> list[str]:
        return [c.args["text"] for c in api.calls_to("chat.postMessage")]

    await api.wait_for("chat.postMessage", count=want * 2, timeout=OUTCOME_TIMEOUT)
    # Nothing doubled can still come once every delivery is acknowledged, and the
    # killed replica's leases (2 s) have run out and were taken over.
    await until(shared.settled, "every delivery acknowledged")

    texts = replies()
    counts = collections.Counter(texts)
    assert [t for t, c in counts.items() if c > 1] == []
    assert len(texts) == want * 2  # each change: thread reply + #ops post
    for n in numbers:
        mine = [t for t in texts if t.startswith(n)]
        assert sum("New → In Progress" in t for t in mine) == 2
        assert sum(f"Work started on {n}" in t for t in mine) == 2
        assert sum("In Progress → On Hold" in t for t in mine) == 2, texts
    # Every card ends showing the truth.
    for (channel, _ts), message in api.messages.items():
        if channel == "C0SEC" and "blocks" in message and "thread_ts" not in message:
            assert "On Hold" in str(message["blocks"])
