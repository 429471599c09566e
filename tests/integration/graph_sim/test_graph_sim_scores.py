"""secureScores: newest first, $top=1, the live controlScores shape, and the daily roll-over."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from sim.graph import DEFAULT_TENANT_ID, GraphSim
from sim.graph.data import PROFILES

Client = TestClient[Any, Any]
SCORES = "/v1.0/security/secureScores"
SCORED = [p for p in PROFILES if not p["deprecated"]]


async def test_top_one_is_today(client: Client, headers: dict[str, str], sim: GraphSim) -> None:
    response = await client.get(f"{SCORES}?$top=1", headers=headers)
    assert response.status == 200
    body = await response.json()
    assert list(body) == ["@odata.context", "@odata.nextLink", "value"]
    assert body["@odata.context"].endswith("/v1.0/$metadata#security/secureScores")
    assert "/v1.0/security/secureScores?$top=1&$skiptoken=" in body["@odata.nextLink"]
    [today] = body["value"]
    day = sim.now().date().isoformat()
    assert today["id"] == f"{DEFAULT_TENANT_ID}_{day}"
    assert today["createdDateTime"] == f"{day}T00:00:00Z"
    assert today["azureTenantId"] == DEFAULT_TENANT_ID
    assert today["vendorInformation"]["provider"] == "SecureScore"
    assert today["maxScore"] == sum(p["maxScore"] for p in SCORED)
    assert today["currentScore"] == round(sum(c["score"] for c in today["controlScores"]), 2)
    assert isinstance(today["activeUserCount"], int)
    assert "HasM365E5" in today["enabledServices"]
    bases = [entry["basis"] for entry in today["averageComparativeScores"]]
    assert bases == ["AllTenants", "TotalSeats"]
    assert today["averageComparativeScores"][1]["SeatSizeRangeLowerValue"] == "1"
    assert "identityScoreMax" in today["averageComparativeScores"][0]


async def test_control_scores_live_shape(client: Client, headers: dict[str, str]) -> None:
    today = (await (await client.get(f"{SCORES}?$top=1", headers=headers)).json())["value"][0]
    by_name = {c["controlName"]: c for c in today["controlScores"]}
    assert list(by_name) == [p["id"] for p in SCORED]
    maximum = {p["id"]: p["maxScore"] for p in SCORED}
    for entry in today["controlScores"]:
        assert {"controlCategory", "description", "implementationStatus", "lastSynced"} <= set(
            entry
        )
        assert entry["scoreInPercentage"] == round(
            entry["score"] / maximum[entry["controlName"]] * 100, 2
        )
        for key in ("count", "total", "on"):
            assert isinstance(entry.get(key, ""), str)
    sspr = by_name["SelfServicePasswordReset"]
    assert (sspr["count"], sspr["total"], sspr["score"]) == ("48", "48", 1.0)
    assert by_name["IntegratedApps"]["on"] == "true"
    achieved = [name for name, c in by_name.items() if c["score"] == maximum[name]]
    partial = [name for name, c in by_name.items() if 0 < c["score"] < maximum[name]]
    zero = [name for name, c in by_name.items() if c["score"] == 0]
    assert len(achieved) >= 5
    assert len(partial) >= 5
    assert len(zero) > len(achieved)


async def test_history_newest_first(client: Client, headers: dict[str, str]) -> None:
    body = await (await client.get(SCORES, headers=headers)).json()
    days = [entry["createdDateTime"] for entry in body["value"]]
    assert len(days) == 90
    assert days == sorted(days, reverse=True)
    assert "@odata.nextLink" not in body
    # AdminMFAV2 improved over the week.
    admin = [
        next(c["score"] for c in entry["controlScores"] if c["controlName"] == "AdminMFAV2")
        for entry in body["value"]
    ]
    assert admin[0] > admin[-1]
    second = await (await client.get(f"{SCORES}/{body['value'][1]['id']}", headers=headers)).json()
    assert second["id"] == body["value"][1]["id"]
    missing = await client.get(f"{SCORES}/{DEFAULT_TENANT_ID}_1999-01-01", headers=headers)
    assert missing.status == 404


async def test_new_day_rolls_over(client: Client, headers: dict[str, str], sim: GraphSim) -> None:
    before = (await (await client.get(f"{SCORES}?$top=1", headers=headers)).json())["value"][0]
    sim.advance_clock(86400)
    # The token outlived its hour, so fetch a fresh one the way a client would.
    response = await client.post(
        f"/{DEFAULT_TENANT_ID}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": sim.config.client_id,
            "client_secret": sim.config.client_secret,
            "scope": "https://graph.microsoft.com/.default",
        },
    )
    fresh = {"Authorization": f"Bearer {(await response.json())['access_token']}"}
    body = await (await client.get(SCORES, headers=fresh)).json()
    assert len(body["value"]) == 90
    assert body["value"][0]["id"] == f"{DEFAULT_TENANT_ID}_{sim.now().date().isoformat()}"
    assert body["value"][1]["id"] == before["id"]
    assert body["value"][0]["currentScore"] == before["currentScore"]
