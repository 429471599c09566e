"""Closing the Secure Score loop: 90 daily secureScores, a moved control showing up in the
next day's entry, scripted scores over time, past history for the chart, CLI."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sim.graph import DEFAULT_TENANT_ID, GraphSim, GraphSimConfig
from sim.graph.cli import main
from sim.graph.data import CONTROL_SCORES

Client = TestClient[Any, Any]
FetchToken = Callable[..., Awaitable[Any]]
SCORES = "/v1.0/security/secureScores"
NOON = datetime(2026, 7, 20, 12, 0, tzinfo=UTC)
TODAY = NOON.date()


@pytest.fixture
def sim(config: GraphSimConfig) -> GraphSim:
    """A simulator whose clock starts at noon on a fixed day (the offset still moves it)."""
    return GraphSim(config, clock=lambda: NOON)


async def entries(client: Client, fetch_token: FetchToken) -> list[dict[str, Any]]:
    """Every retained secureScore, newest first, with a fresh token (days pass here)."""
    token = (await (await fetch_token()).json())["access_token"]
    response = await client.get(SCORES, headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200
    return list((await response.json())["value"])


def score_of(entry: dict[str, Any], control: str) -> float:
    return float(next(c["score"] for c in entry["controlScores"] if c["controlName"] == control))


def day_of(entry: dict[str, Any]) -> date:
    return date.fromisoformat(entry["id"].rsplit("_", 1)[1])


async def test_ninety_days_newest_first_one_per_day(
    client: Client, fetch_token: FetchToken
) -> None:
    values = await entries(client, fetch_token)
    assert len(values) == 90
    days = [day_of(e) for e in values]
    assert days == [TODAY - timedelta(days=back) for back in range(90)]
    for entry in values:
        assert entry["id"] == f"{DEFAULT_TENANT_ID}_{day_of(entry).isoformat()}"
        assert entry["createdDateTime"] == f"{day_of(entry).isoformat()}T00:00:00Z"
        assert entry["currentScore"] == round(sum(c["score"] for c in entry["controlScores"]), 2)
    # The seeded week of improvement, then the oldest known value back to day 90.
    assert [score_of(e, "AdminMFAV2") for e in values[:6]] == [5.0, 5.0, 2.5, 2.5, 0.0, 0.0]
    assert score_of(values[-1], "AdminMFAV2") == 0.0


async def test_a_moved_score_shows_in_the_next_days_entry(
    client: Client, fetch_token: FetchToken, sim: GraphSim
) -> None:
    before = await entries(client, fetch_token)
    response = await client.post("/sim/controls/BlockLegacyAuthentication/score", json={"score": 8})
    assert response.status == 200
    answer = await response.json()
    assert answer["currentScore"] == before[0]["currentScore"]  # today's snapshot stays
    assert answer["liveCurrentScore"] == round(before[0]["currentScore"] + 8, 2)
    same_day = await entries(client, fetch_token)
    assert same_day[0] == before[0]

    moved = await client.post("/sim/clock/advance", json={"seconds": 12 * 3600})
    assert moved.status == 200
    after = await entries(client, fetch_token)
    assert len(after) == 90
    assert day_of(after[0]) == TODAY + timedelta(days=1)
    assert score_of(after[0], "BlockLegacyAuthentication") == 8.0
    assert after[0]["currentScore"] == round(before[0]["currentScore"] + 8, 2)
    assert after[1] == before[0]  # yesterday's entry is as Graph took it
    assert day_of(after[-1]) == TODAY - timedelta(days=88)  # the oldest day dropped


async def test_several_days_pass_at_once(
    client: Client, fetch_token: FetchToken, sim: GraphSim
) -> None:
    sim.move_control_score("DLPEnabled", 10)
    sim.advance_clock(3 * 86400)
    values = await entries(client, fetch_token)
    assert [day_of(e) for e in values[:4]] == [TODAY + timedelta(days=d) for d in (3, 2, 1, 0)]
    assert [score_of(e, "DLPEnabled") for e in values[:4]] == [10.0, 10.0, 10.0, 0.0]


async def test_scripted_score_over_time(
    client: Client, fetch_token: FetchToken, sim: GraphSim
) -> None:
    response = await client.post(
        "/sim/controls/AdminMFAV2/script", json={"steps": [[0, 0], [3, 10]]}
    )
    assert response.status == 200
    body = await response.json()
    assert body["scheduled"] == [{"date": (TODAY + timedelta(days=3)).isoformat(), "score": 10.0}]
    assert (body["live"], body["history"][0]) == (0.0, {"date": TODAY.isoformat(), "score": 0.0})
    for _ in range(4):
        sim.advance_clock(86400)
    values = await entries(client, fetch_token)
    shown = [score_of(e, "AdminMFAV2") for e in reversed(values[:5])]
    assert shown == [0.0, 0.0, 0.0, 10.0, 10.0]  # today, +1, +2, then 10 from day 3 on
    state = await (await client.get("/sim/controls/AdminMFAV2")).json()
    assert (state["scheduled"], state["live"]) == ([], 10.0)


async def test_history_for_the_chart(client: Client, fetch_token: FetchToken) -> None:
    thirty = [round(9 - i * 0.3, 2) for i in range(30)]  # yesterday 9, falling into the past
    response = await client.post("/sim/controls/MFARegistrationV2/history", json={"scores": thirty})
    assert response.status == 200
    values = await entries(client, fetch_token)
    assert [score_of(e, "MFARegistrationV2") for e in values[1:31]] == thirty
    assert score_of(values[0], "MFARegistrationV2") == CONTROL_SCORES["MFARegistrationV2"]["score"]
    for entry in values[1:31]:
        assert entry["currentScore"] == round(sum(c["score"] for c in entry["controlScores"]), 2)


async def test_score_control_errors(client: Client) -> None:
    bad = [
        ("score", "AdminMFAV2", {"score": 11}, 400),
        ("script", "AdminMFAV2", {"steps": [[1, 20]]}, 400),
        ("script", "AdminMFAV2", {"steps": [[-1, 2]]}, 400),
        ("script", "AdminMFAV2", {"steps": "soon"}, 400),
        ("script", "AdminMFAV2", {"steps": []}, 400),
        ("history", "AdminMFAV2", {"scores": 3}, 400),
        ("history", "AdminMFAV2", {"scores": ["x"]}, 400),
        ("history", "NoSuchControl", {"scores": [1]}, 404),
        ("script", "NoSuchControl", {"steps": [[1, 1]]}, 404),
    ]
    for kind, control, body, status in bad:
        response = await client.post(f"/sim/controls/{control}/{kind}", json=body)
        assert response.status == status, (kind, body)
    assert (await client.get("/sim/controls/NoSuchControl")).status == 404


async def test_reset_forgets_moves_scripts_and_history(
    client: Client, fetch_token: FetchToken, sim: GraphSim
) -> None:
    sim.move_control_score("DLPEnabled", 10)
    sim.script_control_score("AdminMFAV2", [(2, 0)])
    sim.set_score_history("AdminMFAV2", [1, 1, 1])
    await client.post("/sim/reset")
    assert sim.book.schedule == {}
    assert sim.book.live["DLPEnabled"] == CONTROL_SCORES["DLPEnabled"]["score"]
    values = await entries(client, fetch_token)
    assert score_of(values[1], "AdminMFAV2") == 5.0


async def test_cli_score_script_history_clock(
    client: Client, sim: GraphSim, capsys: pytest.CaptureFixture[str]
) -> None:
    url = str(client.make_url("")).rstrip("/")

    async def run(*argv: str) -> int:
        return await asyncio.to_thread(main, [argv[0], "--url", url, *argv[1:]])

    assert await run("score", "DLPEnabled", "5") == 0
    assert json.loads(capsys.readouterr().out)["live"] == 5.0
    assert score_of(sim.scores(DEFAULT_TENANT_ID)[0], "DLPEnabled") == 0.0
    assert await run("score", "DLPEnabled", "6", "--today") == 0
    assert score_of(sim.scores(DEFAULT_TENANT_ID)[0], "DLPEnabled") == 6.0
    capsys.readouterr()
    assert await run("script", "AdminMFAV2", "0:0", "2:10") == 0
    assert json.loads(capsys.readouterr().out)["scheduled"][0]["score"] == 10.0
    assert await run("history", "AdminMFAV2", "1", "2", "3") == 0
    assert await run("clock", "--days", "2") == 0
    values = sim.scores(DEFAULT_TENANT_ID)
    assert day_of(values[0]) == TODAY + timedelta(days=2)
    assert [score_of(e, "AdminMFAV2") for e in values[:6]] == [10.0, 0.0, 0.0, 1.0, 2.0, 3.0]
    with pytest.raises(SystemExit):
        await run("script", "AdminMFAV2", "soon")
