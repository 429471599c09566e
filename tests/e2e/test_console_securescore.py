"""The Secure Score loop in the console (`/console/…`, as `snowops chat` calls it), against
both simulators: `/snow securescore` prints the score, both changes and a sparkline; a
shared recommendation's resolved ticket hears "+N points"; rules are added, listed and
removed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adapters.console.routes import add_console_routes
from adapters.console.session import CONSOLE_HEADER
from bot.app import build_app
from bot.settings import Settings
from sim.graph import DEFAULT_TENANT_ID
from tests.conftest import Graph, Sim, graph_settings, serve_connected
from tests.e2e.console_harness import TOKEN, Console
from tests.e2e.test_slack_securescore import DAY

WORKSPACE = "console:local"


@pytest.fixture
async def console(
    make_settings: Callable[..., Settings], sim: Sim, graph: Graph
) -> AsyncIterator[Console]:
    """The console API with console:local connected and Secure Score from the simulator."""
    settings = make_settings(**graph_settings(graph))
    async with serve_connected(settings, sim, WORKSPACE) as (services, _):
        assert services.console_session is not None
        # The console API on a second port of the same services, as `snowops dev` adds it.
        web_app = build_app(settings, services=services)
        add_console_routes(web_app, services.console_session, TOKEN)
        server = TestServer(web_app, host="127.0.0.1")
        await server.start_server()
        try:
            async with aiohttp.ClientSession(headers={CONSOLE_HEADER: TOKEN}) as http:
                assert services.console is not None
                url = str(server.make_url("")).rstrip("/")
                yield Console(url, http, services.console, services)
        finally:
            await server.close()


async def say(console: Console, text: str) -> dict[str, Any]:
    async with console.http.post(f"{console.url}/console/commands", json={"text": text}) as r:
        assert r.status == 200
        body: dict[str, Any] = await r.json()
        return body


async def feed(console: Console) -> str:
    async with console.http.get(f"{console.url}/console/events?after=0&wait=0") as r:
        return "\n".join(e["text"] for e in (await r.json())["events"])


async def test_securescore_prints_score_changes_and_a_sparkline(
    console: Console, graph: Graph
) -> None:
    entries = graph.sim.scores(DEFAULT_TENANT_ID)
    text = (await say(console, "/snow securescore"))["text"]
    assert f"Score: {entries[0]['currentScore']:g} of {entries[0]['maxScore']:g}" in text
    week = entries[0]["currentScore"] - entries[7]["currentScore"]
    month = entries[0]["currentScore"] - entries[30]["currentScore"]
    assert f"Change: +{week:g} over 7 days, +{month:g} over 30 days" in text
    [spark] = [line for line in text.splitlines() if "Last 30 days:" in line]
    bars = spark.split(": ", 1)[1]
    assert len(bars) == 30
    assert set(bars) <= set("▁▂▃▄▅▆▇█")
    assert "Biggest open gains:" in text


async def test_a_resolved_ticket_hears_its_points(console: Console, graph: Graph, sim: Sim) -> None:
    answer = await say(console, "/snow share scid_96")  # 0 of 8
    form = answer["form"]
    values = {k: str(form[k] or "") for k in ("kind", "name", "description", "category")}
    values.update(priority="2", due="")
    async with console.http.post(
        f"{console.url}/console/forms", json={"form": form, "values": values, "key": "k1"}
    ) as r:
        made = (await r.json())["text"]
    number = made.split("Created ", 1)[1][:10]
    services = console.services
    assert services is not None
    assert services.workers is not None
    sim.instance.set_state(number, "6")  # the service desk resolves it
    await services.workers.run_cycle(WORKSPACE)
    await services.notifier.deliver("test")
    graph.sim.move_control_score("scid_96", 8)
    graph.sim.advance_clock(DAY)
    assert (await services.score.refresher.refresh(WORKSPACE)).told == 1
    await services.notifier.deliver("test")
    assert f"{number} " in await feed(console)
    assert "+8 points: 0 → 8 of 8" in await feed(console)


async def test_rules_are_added_listed_and_removed(console: Console) -> None:
    assert "No rules yet" in (await say(console, "/snow rules"))["text"]
    added = await say(
        console,
        '/snow rules add when "new recommendation" category Identity points>=8 then incident '
        "priority 2",
    )
    assert "Rule 1 added" in added["text"]
    await say(console, '/snow rules add when "score drops" by>=5 then change')
    listed = (await say(console, "/snow rules"))["text"]
    assert '1. when "new recommendation" category Identity points>=8 then incident' in listed
    assert '2. when "score drops" by>=5 then change priority 3' in listed
    assert "Removed rule 1" in (await say(console, "/snow rules remove 1"))["text"]
    assert "There is no rule 2" in (await say(console, "/snow rules remove 2"))["text"]
    bad = (await say(console, '/snow rules add when "score rises" then incident'))["text"]
    assert "is not a trigger" in bad
