"""The /sim/ control API, ticket progression and auto-progress."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from sim.servicenow import SIM_KEY, SimConfig, SimInstance, build_sim_app
from sim.servicenow.users import SEED_USERS

Client = TestClient[Any, Any]
BETH = "46d44a23a9fe19810012d100cca80666"


async def test_health_and_app_key(client: Client, instance: SimInstance) -> None:
    response = await client.get("/sim/health")
    assert (await response.json())["status"] == "ok"
    assert client.app is not None
    assert client.app[SIM_KEY] is instance


async def test_state_endpoint_is_a_real_update(
    client: Client, create: Any, instance: SimInstance
) -> None:
    await create("incident", {"short_description": "x"})
    response = await client.post("/sim/tickets/INC0010001/state", json={"state": "2"})
    record = (await response.json())["record"]
    assert (record["state"], record["incident_state"]) == ("2", "2")
    assert record["sys_mod_count"] == "1"
    assert record["sys_updated_by"] == "beth.anglin"

    response = await client.post("/sim/tickets/INC0010001/state", json={"state": "6"})
    record = (await response.json())["record"]
    assert record["close_code"] == "Solution provided"
    assert record["close_notes"]
    assert record["resolved_by"] == BETH
    got = await client.get("/sim/tickets/INC0010001")
    assert (await got.json())["record"]["state"] == "6"


async def test_journal_endpoint(client: Client, create: Any, instance: SimInstance) -> None:
    await create("incident", {})
    response = await client.post(
        "/sim/tickets/INC0010001/journal", json={"text": "Looking", "element": "work_notes"}
    )
    entry = (await response.json())["entry"]
    assert (entry["element"], entry["value"], entry["sys_created_by"]) == (
        "work_notes",
        "Looking",
        "beth.anglin",
    )
    found = instance.find_by_number("INC0010001")
    assert found is not None
    assert found[1]["sys_mod_count"] == "1"


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/sim/tickets/INC0099999/state", {"state": "2"}, 404),
        ("POST", "/sim/tickets/INC0099999/journal", {"text": "x"}, 404),
        ("POST", "/sim/tickets/INC0010001/state", {"state": "42"}, 400),
        ("POST", "/sim/tickets/INC0010001/state", {}, 400),
        ("POST", "/sim/tickets/INC0010001/journal", {"text": "x", "element": "notes"}, 400),
        ("POST", "/sim/faults", {"status": 429, "bogus": 1}, 400),
        ("POST", "/sim/faults", {"scope": "nowhere"}, 400),
    ],
)
async def test_control_errors(
    client: Client, create: Any, method: str, path: str, body: dict[str, Any], status: int
) -> None:
    await create("incident", {})
    response = await client.request(method, path, json=body)
    assert response.status == status
    assert "error" in await response.json()


async def test_fault_endpoints(client: Client, headers: dict[str, str]) -> None:
    response = await client.post("/sim/faults", json={"status": 503, "count": 2})
    assert (await response.json())["faults"][0]["status"] == 503
    assert (await client.get("/sim/faults")).status == 200
    assert (await client.get("/api/now/table/incident", headers=headers)).status == 503
    cleared = await client.delete("/sim/faults")
    assert (await cleared.json())["faults"] == []
    assert (await client.get("/api/now/table/incident", headers=headers)).status == 200


async def test_token_endpoints(client: Client, headers: dict[str, str]) -> None:
    assert (await client.post("/sim/tokens/revoke")).status == 200
    assert (await client.get("/api/now/table/incident", headers=headers)).status == 200
    assert (await client.post("/sim/tokens/expire")).status == 200
    assert (await client.get("/api/now/table/incident", headers=headers)).status == 401


async def test_request_log_reset_and_clock(
    client: Client, headers: dict[str, str], create: Any, instance: SimInstance
) -> None:
    await client.get("/api/now/table/incident?sysparm_limit=1", headers=headers)
    log = (await (await client.get("/sim/requests")).json())["requests"]
    assert log[0] == ["POST", "/oauth_token.do"]
    assert log[-1] == ["GET", "/api/now/table/incident?sysparm_limit=1"]
    assert all(not path.startswith("/sim/") for _, path in log)
    await client.delete("/sim/requests")
    assert instance.request_log == []

    await create("incident", {})
    before = instance.now()
    response = await client.post("/sim/clock/advance", json={"seconds": 3600})
    assert response.status == 200
    assert (instance.now() - before).total_seconds() >= 3600

    assert (await client.post("/sim/reset")).status == 200
    assert instance.store.rows("incident") == []
    assert len(instance.store.rows("sys_user")) == len(SEED_USERS)
    assert (await client.get("/api/now/table/incident", headers=headers)).status == 401


def test_incident_and_change_progressions() -> None:
    instance = SimInstance(SimConfig(seed_demo_tickets=True))
    states: dict[str, list[str]] = {}
    for _ in range(8):
        instance.advance_tickets()
        for table in ("incident", "change_request"):
            for row in instance.store.rows(table):
                states.setdefault(row["number"], []).append(row["state"])
    assert states["INC0010001"] == ["2", "6", "7", "7", "7", "7", "7", "7"]
    assert states["CHG0030001"] == ["-4", "-3", "-2", "-1", "0", "3", "3", "3"]
    found = instance.find_by_number("CHG0030001")
    assert found is not None
    assert (found[1]["active"], found[1]["close_code"]) == ("false", "successful")
    assert found[1]["sys_mod_count"] == "6"


def test_set_state_in_process() -> None:
    instance = SimInstance(SimConfig(seed_demo_tickets=True))
    record = instance.set_state("INC0010002", "7", close_code="Workaround provided")
    assert (record["state"], record["close_code"], record["active"]) == (
        "7",
        "Workaround provided",
        "false",
    )
    with pytest.raises(KeyError, match="INC0000000"):
        instance.set_state("INC0000000", "2")


async def test_auto_progress_task() -> None:
    instance = SimInstance(SimConfig(auto_progress_seconds=0.02, seed_demo_tickets=True))
    async with TestClient(TestServer(build_sim_app(instance))):
        for _ in range(100):
            await asyncio.sleep(0.02)
            found = instance.find_by_number("INC0010001")
            if found and found[1]["state"] == "7":
                break
    found = instance.find_by_number("INC0010001")
    assert found is not None
    assert found[1]["state"] == "7"


async def test_build_sim_app_from_config() -> None:
    app = build_sim_app(config=SimConfig(instance_url="https://dev12345.service-now.com/"))
    async with TestClient(TestServer(app)) as client:
        response = await client.post(
            "/api/now/table/incident",
            json={"short_description": "basic auth"},
            headers={
                "Authorization": "Basic YWRtaW46YWRtaW4=",  # admin:admin
                "Accept": "application/json",
                "Content-Type": "application/json",
            },
        )
        body = await response.json()
    location = response.headers["Location"]
    assert (
        location
        == f"https://dev12345.service-now.com/api/now/v2/table/incident/{body['result']['sys_id']}"
    )
    assert body["result"]["opened_by"]["link"].startswith(
        "https://dev12345.service-now.com/api/now/table/sys_user/"
    )
    assert body["result"]["sys_created_by"] == "admin"
