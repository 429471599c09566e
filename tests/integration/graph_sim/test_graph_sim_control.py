"""The /sim/ control API: faults, request log, scores, states, tokens, clock, reset."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from sim.graph import DEFAULT_TENANT_ID, GraphSim

Client = TestClient[Any, Any]
LIST = "/v1.0/security/secureScoreControlProfiles"
TODAY = "/v1.0/security/secureScores?$top=1"


async def today(client: Client, headers: dict[str, str]) -> dict[str, Any]:
    return dict((await (await client.get(TODAY, headers=headers)).json())["value"][0])


async def test_faults_endpoints(client: Client, headers: dict[str, str], sim: GraphSim) -> None:
    response = await client.post("/sim/faults", json={"status": 429, "retry_after": 4})
    assert response.status == 200
    faults = (await response.json())["faults"]
    assert faults == [
        {"status": 429, "count": 1, "retry_after": 4, "latency_ms": 0, "scope": "api"}
    ]
    assert len((await (await client.get("/sim/faults")).json())["faults"]) == 1
    assert (await client.delete("/sim/faults")).status == 200
    assert sim.faults == []
    assert (await client.post("/sim/faults", json={"scope": "nowhere"})).status == 400
    assert (await client.post("/sim/faults", json={"bogus": 1})).status == 400
    assert (await client.post("/sim/faults", data=b"[1]")).status == 400


async def test_request_log(client: Client, headers: dict[str, str]) -> None:
    await client.get(f"{LIST}?$top=2", headers=headers)
    log = (await (await client.get("/sim/requests")).json())["requests"]
    assert log[0][0] == "POST"
    assert log[0][1].endswith("/oauth2/v2.0/token")
    assert log[-1] == ["GET", f"{LIST}?$top=2"]
    await client.delete("/sim/requests")
    assert (await (await client.get("/sim/requests")).json())["requests"] == []


async def test_set_score(client: Client, headers: dict[str, str], sim: GraphSim) -> None:
    before = await today(client, headers)
    response = await client.post(
        "/sim/controls/BlockLegacyAuthentication/score", json={"score": 8, "today": True}
    )
    assert response.status == 200
    answer = await response.json()
    assert answer["currentScore"] == before["currentScore"] + 8
    assert (answer["controlName"], answer["live"]) == ("BlockLegacyAuthentication", 8.0)
    after = await today(client, headers)
    entry = next(
        c for c in after["controlScores"] if c["controlName"] == "BlockLegacyAuthentication"
    )
    assert (entry["score"], entry["scoreInPercentage"]) == (8.0, 100.0)
    assert after["currentScore"] == before["currentScore"] + 8
    bad = [
        ("BlockLegacyAuthentication", {"score": 9}, 400),
        ("BlockLegacyAuthentication", {}, 400),
        ("BlockLegacyAuthentication", {"score": "high"}, 400),
        ("NoSuchControl", {"score": 1}, 404),
        ("AdminMFA", {"score": 1}, 404),
    ]
    for control, body, status in bad:
        assert (await client.post(f"/sim/controls/{control}/score", json=body)).status == status
    sim.set_control_score("AdminMFAV2", 10)
    assert (await today(client, headers))["currentScore"] == after["currentScore"] + 5


async def test_set_state(client: Client, headers: dict[str, str]) -> None:
    response = await client.post(
        "/sim/controls/DLPEnabled/state", json={"state": "ThirdParty", "comment": "Using X"}
    )
    assert response.status == 200
    profile = await (await client.get(f"{LIST}/DLPEnabled", headers=headers)).json()
    updates = profile["controlStateUpdates"]
    assert [u["state"] for u in updates] == ["Default", "ThirdParty"]
    assert updates[-1]["comment"] == "Using X"
    assert updates[-1]["updatedDateTime"].endswith("Z")
    assert (await client.post("/sim/controls/DLPEnabled/state", json={"state": "x"})).status == 400
    assert (await client.post("/sim/controls/Nope/state", json={"state": "Ignored"})).status == 404


async def test_expire_tokens_reset_and_health(
    client: Client, headers: dict[str, str], sim: GraphSim
) -> None:
    assert (await client.post("/sim/tokens/expire")).status == 200
    assert (await client.get(LIST, headers=headers)).status == 401
    sim.set_control_score("DLPEnabled", 10)
    sim.advance_clock(60)
    assert (await client.post("/sim/reset")).status == 200
    assert sim.tokens == {}
    assert sim.request_log == []
    scores = sim.scores(DEFAULT_TENANT_ID)[0]["controlScores"]
    assert next(c["score"] for c in scores if c["controlName"] == "DLPEnabled") == 0
    health = await (await client.get("/sim/health")).json()
    assert health["status"] == "ok"
    moved = await (await client.post("/sim/clock/advance", json={"seconds": 3600})).json()
    assert moved["now"] > health["now"]
