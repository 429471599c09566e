"""problem, sn_si_incident (and an instance without its plugin), cmdb_ci type-ahead."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sim.servicenow import SimConfig, SimInstance

Client = TestClient[Any, Any]
Create = Callable[..., Awaitable[dict[str, Any]]]
Login = Callable[..., Awaitable[dict[str, str]]]
BETH = "46d44a23a9fe19810012d100cca80666"
INVALID_SIR = (
    b'{"error":{"message":"Invalid table sn_si_incident","detail":null},"status":"failure"}'
)


async def test_problem_numbers_states_and_policies(
    client: Client, headers: dict[str, str], create: Create
) -> None:
    problem = await create("problem", {"short_description": "Mail queue backs up"})
    assert re.fullmatch(r"PRB\d{7}", problem["number"])
    assert problem["number"] == "PRB0040001"
    assert (problem["state"], problem["problem_state"], problem["priority"]) == ("101", "101", "5")
    url = f"/api/now/table/problem/{problem['sys_id']}"
    assess = await client.patch(url, json={"state": "102"}, headers=headers)
    assert assess.status == 403
    assert (await assess.json())["error"]["detail"].endswith("mandatory: Assigned to")
    assigned = await client.patch(
        url, json={"state": "102", "assigned_to": "beth.anglin"}, headers=headers
    )
    assert (await assigned.json())["result"]["problem_state"] == "102"
    for state in ("103", "104"):
        moved = await client.patch(url, json={"problem_state": state}, headers=headers)
        assert (await moved.json())["result"]["state"] == state
    resolving = await client.patch(url, json={"state": "106"}, headers=headers)
    assert (await resolving.json())["error"]["detail"].endswith("mandatory: Resolution code")
    resolved = await client.patch(
        url,
        json={"state": "106", "resolution_code": "fix_applied", "fix_notes": "Bigger queue"},
        headers=headers,
        params={"sysparm_display_value": "true", "sysparm_fields": "state,resolution_code"},
    )
    assert (await resolved.json())["result"] == {
        "state": "Resolved",
        "resolution_code": "Fix Applied",
    }
    closed = await client.patch(url, json={"state": "107"}, headers=headers)
    body = (await closed.json())["result"]
    assert (body["active"], body["closed_by"]["value"]) == ("false", body["resolved_by"]["value"])


async def test_problem_state_choices(client: Client, headers: dict[str, str]) -> None:
    response = await client.get(
        "/api/now/table/sys_choice",
        params={
            "sysparm_query": "name=problem^element=state^ORDERBYsequence",
            "sysparm_fields": "value,label",
        },
        headers=headers,
    )
    assert [(r["value"], r["label"]) for r in (await response.json())["result"]] == [
        ("101", "New"),
        ("102", "Assess"),
        ("103", "Root Cause Analysis"),
        ("104", "Fix in Progress"),
        ("106", "Resolved"),
        ("107", "Closed"),
    ]


async def test_security_incidents(client: Client, login: Login) -> None:
    david = await login("david.loo")
    response = await client.post(
        "/api/now/table/sn_si_incident",
        json={"short_description": "Phish reported", "category": "phishing"},
        headers=david,
        params={"sysparm_display_value": "all", "sysparm_fields": "number,state,category"},
    )
    assert response.status == 201
    made = (await response.json())["result"]
    assert made["number"]["value"] == "SIR0010001"
    assert made["state"] == {"display_value": "Draft", "value": "10"}
    assert made["category"] == {"display_value": "Phishing", "value": "phishing"}
    sys_id = response.headers["Location"].rsplit("/", 1)[1]
    url = f"/api/now/table/sn_si_incident/{sys_id}"
    for state in ("16", "18", "19", "20", "100"):
        assert (await client.patch(url, json={"state": state}, headers=david)).status == 200
    closing = await client.patch(url, json={"state": "3"}, headers=david)
    assert (await closing.json())["error"]["detail"].endswith("mandatory: Close code, Close notes")
    closed = await client.patch(
        url,
        json={"state": "3", "close_code": "confirmed", "close_notes": "Blocked sender"},
        headers=david,
    )
    assert (await closed.json())["result"]["active"] == "false"
    choices = await client.get(
        "/api/now/table/sys_choice",
        params={"sysparm_query": "name=sn_si_incident^element=state", "sysparm_fields": "value"},
        headers=david,
    )
    values = [r["value"] for r in (await choices.json())["result"]]
    assert values == ["10", "16", "18", "19", "20", "100", "3", "7"]


async def test_instance_without_security_incident_response(
    client: Client, headers: dict[str, str], login: Login
) -> None:
    david = await login("david.loo")  # the integration user is no security analyst
    made = await client.post("/api/now/table/sn_si_incident", json={}, headers=david)
    assert made.status == 201
    plugins = await (await client.get("/sim/plugins")).json()
    assert plugins == {"plugins": {"com.snc.security_incident": True}}
    off = await client.post("/sim/plugins/sn_si", json={"active": False})
    assert (await off.json()) == {"tables": ["sn_si_incident"], "active": False}
    for method, path in (
        ("GET", "/api/now/table/sn_si_incident"),
        ("POST", "/api/now/table/sn_si_incident"),
        ("GET", "/api/now/v2/table/sn_si_incident/0123456789abcdef0123456789abcdef"),
    ):
        response = await client.request(method, path, json={}, headers=david)
        assert (response.status, await response.read()) == (400, INVALID_SIR), path
    meta = await client.get(
        "/api/now/table/sys_choice",
        params={"sysparm_query": "name=sn_si_incident"},
        headers=headers,
    )
    assert (await meta.json())["result"] == []
    assert (await client.get("/sn_si_incident.do?sys_id=-1")).status == 404
    on = await client.post("/sim/plugins/com.snc.security_incident", json={"active": True})
    assert on.status == 200
    again = await client.post("/api/now/table/sn_si_incident", json={}, headers=david)
    assert (await again.json())["result"]["state"] == "10"
    assert (await client.post("/sim/plugins/nope", json={"active": False})).status == 404
    assert (await client.post("/sim/plugins/sn_si", json={})).status == 400


@pytest.mark.parametrize("config", [SimConfig(missing_plugins=("com.snc.security_incident",))])
async def test_configured_without_the_plugin(
    client: Client, headers: dict[str, str], instance: SimInstance
) -> None:
    response = await client.get("/api/now/table/sn_si_incident", headers=headers)
    assert (response.status, await response.read()) == (400, INVALID_SIR)
    assert instance.store.schema("sn_si_incident") is None


async def test_configuration_items_type_ahead(client: Client, headers: dict[str, str]) -> None:
    async def names(query: str) -> list[str]:
        response = await client.get(
            "/api/now/table/cmdb_ci",
            params={"sysparm_query": query, "sysparm_fields": "name", "sysparm_limit": "5"},
            headers=headers,
        )
        return [r["name"] for r in (await response.json())["result"]]

    assert await names("nameSTARTSWITHlnux^ORDERBYname") == ["lnux100", "lnux101"]
    assert await names("nameSTARTSWITHEMA") == ["Email"]  # case does not matter
    assert await names("nameLIKEserver^ORDERBYname") == ["MailServerUS"]
    assert await names("nameLIKEvpn^sys_class_name=cmdb_ci_service") == ["Corporate VPN"]
    response = await client.get(
        "/api/now/table/cmdb_ci",
        params={"sysparm_query": "name=EXCH-SJC-01", "sysparm_fields": "name,sys_class_name"},
        headers=headers,
    )
    assert (await response.json())["result"] == [
        {"name": "EXCH-SJC-01", "sys_class_name": "cmdb_ci_win_server"}
    ]


async def test_tickets_reference_configuration_items(
    client: Client, headers: dict[str, str], create: Create
) -> None:
    made = await create(
        "incident",
        {"cmdb_ci": "lnux100", "short_description": "slow"},
        sysparm_display_value="true",
        sysparm_exclude_reference_link="true",
    )
    assert made["cmdb_ci"] == "lnux100"
    found = await client.get(
        "/api/now/table/incident",
        params={"sysparm_query": "cmdb_ci.name=lnux100", "sysparm_fields": "number"},
        headers=headers,
    )
    assert (await found.json())["result"] == [{"number": made["number"]}]


async def test_control_state_fills_what_policies_need(instance: SimInstance) -> None:
    from sim.servicenow.writes import insert_record

    actor = instance.actor("admin")
    problem = insert_record(
        instance.store, instance.store.schemas["problem"], {}, actor, instance.timestamp()
    )
    record = instance.set_state(problem["number"], "106")
    assert (record["assigned_to"], record["resolution_code"]) == (BETH, "fix_applied")
    security = insert_record(
        instance.store, instance.store.schemas["sn_si_incident"], {}, actor, instance.timestamp()
    )
    closed = instance.set_state(security["number"], "3")
    assert (closed["close_code"], closed["active"]) == ("confirmed", "false")
