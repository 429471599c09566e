"""Teams at scale: three SnowOps processes share one Redis, the one polling ServiceNow is
killed (SIGKILL) mid-run, and every ticket change still reaches each card's channel thread
and the subscribed channel exactly once, and every card ends showing the truth.

Real processes (`python -m bot.cli serve`) with Teams credentials, real Redis, the
ServiceNow simulator, and, on loopback, the fake sign-in service (tokens in, the bot's
tokens out) and the fake Bot Framework connector with its Microsoft Graph read-back, so a
replica that takes over a dead one's deliveries looks for their copies before posting.
Nothing is patched; every wait is for an outcome (tests/e2e/replicas.py).
"""

from __future__ import annotations

import collections
import json
from pathlib import Path

import aiohttp
import pytest

from core.secrets import generate_key
from tests.conftest import Sim
from tests.e2e.replicas import (
    Replica,
    SharedRedis,
    connect_once,
    kill_the_poller,
    replica_env,
    replicas,
    until,
)
from tests.e2e.teams_harness import (
    APP_PASSWORD,
    WORKSPACE,
    TeamsClient,
    card_and_subscriber,
    card_updates,
)
from tests.fakes import bot_activities as bf
from tests.fakes.entra import BOT_FRAMEWORK_SCOPE, GRAPH_SCOPE, FakeEntra
from tests.fakes.teams_connector import FakeConnector, Sent

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        not Path("/proc/net/tcp").exists(),
        reason="tells which replica made a call from /proc (Linux)",
    ),
]

TICKETS = 4
CHANGES = 3  # In Progress, a comment, On Hold


@pytest.mark.timeout(400)  # bounds a stuck run; each wait below is for an outcome
async def test_three_teams_replicas_one_killed_deliver_every_change_once(
    sim: Sim, shared_redis: SharedRedis, tmp_path: Path
) -> None:
    entra = FakeEntra(bf.TENANT, bf.APP_ID, APP_PASSWORD)
    await entra.start()
    # The connector takes only the bot's Bot Framework tokens, Graph only its Graph ones.
    connector = FakeConnector(
        tokens=lambda: entra.issued_for(BOT_FRAMEWORK_SCOPE),
        graph_tokens=lambda: entra.issued_for(GRAPH_SCOPE),
    )
    await connector.start()
    connector.set_member(bf.ADMIN_ID, name="Beth Anglin", aadObjectId=bf.ADMIN_AAD)
    settings = {
        "SNOWOPS_STORE": shared_redis.url,
        "SNOWOPS_SECRET_KEY": generate_key(),
        "SNOWOPS_POLL_INTERVAL": "0.3",
        "SNOWOPS_DELIVERY_LEASE": "2",
        "SNOWOPS_LOG_LEVEL": "INFO",
        "SNOWOPS_ADMINS": bf.ADMIN_AAD,
        "TEAMS_APP_ID": bf.APP_ID,
        "TEAMS_APP_PASSWORD": APP_PASSWORD,
        "TEAMS_TENANT_ID": bf.TENANT,
        "TEAMS_LOGIN_URL": entra.url,
        "TEAMS_OPENID_URL": entra.openid_url,
        "TEAMS_GRAPH_URL": connector.url,
    }
    await connect_once(settings, WORKSPACE, sim.url)
    try:
        async with (
            aiohttp.ClientSession() as http,
            replicas(replica_env(settings), http, 3, tmp_path) as running,
        ):
            answered: list[object] = []  # every invoke's answer, whichever replica gave it
            clients = [
                TeamsClient(r.url, http, connector, entra, answered=answered) for r in running
            ]
            await scenario(clients, connector, sim, shared_redis, running)
            # Every call to Teams carried a token the sign-in service issued for it.
            assert all(s.token in entra.issued_for(BOT_FRAMEWORK_SCOPE) for s in connector.sent)
            assert clients[0].every_card_is_valid() > TICKETS
    finally:
        await connector.close()
        await entra.close()


async def scenario(
    clients: list[TeamsClient],
    connector: FakeConnector,
    sim: Sim,
    shared: SharedRedis,
    running: list[Replica],
) -> None:
    """Subscribe #incident-room, make the tickets in #security through every replica, move
    them, kill the poller, move them again."""
    cards = [
        await card_and_subscriber(clients[i % 3], f"Rotate certificate {i}") for i in range(TICKETS)
    ]
    assert len({c.number for c in cards}) == TICKETS

    await until(lambda: shared.polled(WORKSPACE), "a replica polled ServiceNow")

    def made() -> int:
        return sum(
            s.method == "POST" and s.texts[0].startswith("New incident ") for s in connector.sent
        )

    # #incident-room hears once of each ticket made: those posts go first.
    await until(lambda: made() >= TICKETS, "every ticket announced in #incident-room")
    await until(shared.settled, "the announcements acknowledged")
    start = len(connector.sent)
    # Teams acts, then answers slowly: a replica killed now dies holding deliveries that
    # went out but were never acknowledged.
    connector.latency = 0.15
    for card in cards:
        sim.instance.set_state(card.number, "2")

    async def seen() -> bool:
        # Each change is a card update, a thread reply and a post in #incident-room: once
        # all are queued, the poller saw every ticket move (a later poll would fold In
        # Progress and On Hold into one change).
        return await shared.queued() >= 4 * TICKETS  # and the announcements

    await until(seen, "the poller saw every ticket move to In Progress")

    caught: list[Sent] = []

    def posting(replica: Replica) -> bool:
        """Teams carried out a post of ``replica``'s and has not answered it yet."""
        caught[:] = [
            s
            for s in list(connector.unanswered)
            if s.method == "POST" and s.peer is not None and replica.has_socket(s.peer)
        ]
        return bool(caught)

    # Kill the replica that polls ServiceNow while Teams holds one of its posts unanswered:
    # whoever takes that delivery over must find the post, not make it again.
    await kill_the_poller(shared, running, WORKSPACE, posting, "the poller posting in Teams")
    for card in cards:
        sim.instance.add_journal(card.number, f"Work started on {card.number}")
    for card in cards:
        sim.instance.set_state(card.number, "3")

    def notifications() -> list[tuple[str, str]]:
        """(conversation, text) of every message posted since the tickets were made."""
        return [(s.conversation, s.texts[0]) for s in connector.sent[start:] if s.method == "POST"]

    want = TICKETS * CHANGES * 2  # each change: a reply in the card's thread + a post
    await until(lambda: len(notifications()) >= want, "every change posted")
    # Nothing doubled can still come once every delivery is acknowledged, and the killed
    # replica's leases (2 s) have run out and were taken over.
    await until(shared.settled, "every delivery acknowledged")

    posted = notifications()
    assert made() == TICKETS
    assert [p for p, n in collections.Counter(posted).items() if n > 1] == []
    assert len(posted) == want
    for card in cards:
        number = card.number
        thread = [t for c, t in posted if c == card.thread]
        told = [t for c, t in posted if c == bf.PRIVATE_CHANNEL and t.startswith(number)]
        for heard in (thread, told):
            assert len(heard) == CHANGES
            assert sum("New → In Progress" in t for t in heard) == 1
            assert sum(f"Work started on {number}" in t for t in heard) == 1
            assert sum("In Progress → On Hold" in t for t in heard) == 1
        # Every card ends showing the truth.
        assert "On Hold" in json.dumps(card_updates(connector, card)[-1].cards)
    # The post the killed replica never heard back about is there once, and it was looked
    # for (with Microsoft Graph) before anything was posted again.
    lost = (caught[0].conversation, caught[0].texts[0])
    assert [p for p in posted if p == lost] == [lost]
    assert connector.graph_calls
