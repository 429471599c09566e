"""Two SnowOps processes share one Redis and both refresh Secure Score (every 0.3 s): a new
recommendation matching a rule still gets exactly one ticket and one announcement.

Real processes (`python -m bot.cli serve`), real Redis, both simulators and the fake Slack
Web API on loopback: nothing is patched (see tests/e2e/replicas.py)."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest

from core.secrets import generate_key
from tests.conftest import Graph, Sim, graph_settings
from tests.e2e.conftest import ADMIN, BOT_TOKEN, SIGNING_SECRET, WORKSPACE
from tests.e2e.replicas import SharedRedis, connect_once, replica_env, replicas, until
from tests.e2e.test_scale_out import slack_post
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_signing import slash_command_body

pytestmark = pytest.mark.redis

RULE = 'rules add when "new recommendation" category Identity points>=8 then incident priority 2'
NEW = {
    "id": "NewAdminMfa",
    "title": "Require phishing-resistant MFA for admins",
    "controlCategory": "Identity",
    "maxScore": 8.0,
}
SCORES = "/v1.0/security/secureScores"


@pytest.mark.timeout(300)  # bounds a stuck run; each wait below is for an outcome
async def test_two_replicas_open_one_ticket_for_a_new_recommendation(
    sim: Sim, graph: Graph, shared_redis: SharedRedis, tmp_path: Path
) -> None:
    api = FakeSlackApi()
    await api.start()
    api.set_user(ADMIN, is_admin=True, email="beth.anglin@example.com", real_name="Beth Anglin")
    settings = {
        "SNOWOPS_STORE": shared_redis.url,
        "SNOWOPS_SECRET_KEY": generate_key(),
        "SNOWOPS_POLL_INTERVAL": "0.3",
        "SNOWOPS_SCORE_INTERVAL": "0.3",
        "SNOWOPS_LOG_LEVEL": "WARNING",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api.base_url,
        **graph_settings(graph),
    }
    await connect_once(settings, WORKSPACE, sim.url)
    try:
        async with (
            aiohttp.ClientSession() as http,
            replicas(replica_env(settings), http, 2, tmp_path) as running,
        ):
            body = slash_command_body(
                RULE, user_id=ADMIN, channel_id="C0SEC", response_url=api.response_url("rule")
            )
            await slack_post(http, running[0].url, body)
            await api.wait_for_response(timeout=30)
            assert "Rule 1 added" in json.dumps(api.responses_to("rule"))

            graph.sim.add_control(NEW, 0)

            def made() -> list[dict[str, object]]:
                rows = sim.instance.store.rows("incident")
                return [
                    r for r in rows if str(r.get("correlation_id")).endswith(":rec:NewAdminMfa")
                ]

            def cards() -> list[str]:
                posts = api.calls_to("chat.postMessage")
                return [json.dumps(c.args["blocks"]) for c in posts
                        if c.args.get("blocks") and not c.args.get("thread_ts")]  # fmt: skip

            await until(lambda: bool(made()) and bool(cards()), "the rule opened a ticket")
            # Both replicas go on refreshing and evaluating the rule: a dozen more reads of
            # the score later, still one ticket and one card.
            seen = len([p for _, p in graph.sim.request_log if p.startswith(SCORES)])

            def later() -> bool:
                reads = [p for _, p in graph.sim.request_log if p.startswith(SCORES)]
                return len(reads) >= seen + 12

            await until(later, "the replicas refreshed Secure Score again")
            [ticket] = made()
            [card] = cards()
            assert str(ticket["number"]) in card
            assert "Opened by rule 1" in card
    finally:
        await api.close()
