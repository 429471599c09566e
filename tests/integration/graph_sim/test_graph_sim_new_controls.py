"""Microsoft adds improvement actions over time: the sim lists a new control at once and
scores it from the next day's entry on, so "new recommendation" rules can be tested."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sim.graph import GraphSim, GraphSimConfig
from sim.graph.cli import main

Client = TestClient[Any, Any]
FetchToken = Callable[..., Awaitable[Any]]
NOON = datetime(2026, 7, 20, 12, 0, tzinfo=UTC)
PROFILE = {
    "id": "NewIdentityControl",
    "title": "Require phishing-resistant MFA for admins",
    "controlCategory": "Identity",
    "maxScore": 8.0,
}


@pytest.fixture
def sim(config: GraphSimConfig) -> GraphSim:
    """A simulator whose clock starts at noon on a fixed day."""
    return GraphSim(config, clock=lambda: NOON)


async def _get(client: Client, fetch_token: FetchToken, path: str) -> Any:
    token = (await (await fetch_token()).json())["access_token"]
    response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200
    return await response.json()


def _names(entry: dict[str, Any]) -> set[str]:
    return {c["controlName"] for c in entry["controlScores"]}


async def test_a_new_control_is_listed_now_and_scored_from_tomorrow(
    client: Client, fetch_token: FetchToken
) -> None:
    before = await _get(client, fetch_token, "/v1.0/security/secureScores?$top=1")
    added = await client.post("/sim/controls", json={"profile": PROFILE, "score": 0})
    assert added.status == 200
    profile = await _get(
        client, fetch_token, "/v1.0/security/secureScoreControlProfiles/NewIdentityControl"
    )
    assert profile["title"] == PROFILE["title"]
    assert profile["maxScore"] == 8.0
    today = (await _get(client, fetch_token, "/v1.0/security/secureScores?$top=1"))["value"][0]
    assert "NewIdentityControl" not in _names(today)
    assert today["maxScore"] == before["value"][0]["maxScore"]
    await client.post("/sim/clock/advance", json={"seconds": 86400})
    tomorrow = (await _get(client, fetch_token, "/v1.0/security/secureScores?$top=1"))["value"][0]
    assert "NewIdentityControl" in _names(tomorrow)
    assert tomorrow["maxScore"] == before["value"][0]["maxScore"] + 8.0


async def test_adding_a_control_checks_what_it_is_given(client: Client) -> None:
    bad = await client.post("/sim/controls", json={"profile": {"id": "X"}})
    assert bad.status == 400
    assert "controlCategory" in (await bad.json())["error"]
    assert (await client.post("/sim/controls", json={"profile": PROFILE})).status == 200
    again = await client.post("/sim/controls", json={"profile": PROFILE})
    assert again.status == 400
    assert "exists already" in (await again.json())["error"]
    too_much = await client.post(
        "/sim/controls", json={"profile": {**PROFILE, "id": "Other"}, "score": 99}
    )
    assert too_much.status == 400


def test_in_process_a_control_can_be_added_to_today(sim: GraphSim) -> None:
    sim.add_control(PROFILE, 0.0, today=True)
    assert sim.control_scores("NewIdentityControl")["live"] == 0.0
    assert sim.profile("t", "NewIdentityControl") is not None
    assert sim.control_scores("NewIdentityControl")["history"][0]["score"] == 0.0


async def test_the_cli_adds_a_control(client: Client, sim: GraphSim) -> None:
    url = str(client.make_url("")).rstrip("/")
    argv = ["add-control", "--url", url, "CliControl", "Data", "6", "Label every file", "--today"]
    assert await asyncio.to_thread(main, argv) == 0
    profile = sim.profile("t", "CliControl")
    assert profile is not None
    assert (profile["title"], profile["maxScore"]) == ("Label every file", 6.0)
    assert sim.control_scores("CliControl")["history"][0]["score"] == 0.0
