"""Tickets that fit the customer's instance: sys_choice, sys_dictionary, mandatory fields,
custom fields and data policies, read and refused over the Table API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient

from sim.servicenow import SimInstance

Client = TestClient[Any, Any]
Create = Callable[..., Awaitable[dict[str, Any]]]
INCIDENT_CLOSE_CODES = [
    "Duplicate",
    "Known error",
    "Resolved by caller",
    "Resolved by change",
    "Resolved by problem",
    "Solution provided",
    "Workaround provided",
    "User error",
]


async def choices(
    client: Client, headers: dict[str, str], query: str, fields: str = "value,label"
) -> list[dict[str, str]]:
    response = await client.get(
        "/api/now/table/sys_choice",
        params={"sysparm_query": query, "sysparm_fields": fields},
        headers=headers,
    )
    assert response.status == 200
    return list((await response.json())["result"])


async def test_close_codes_as_an_instance_lists_them(
    client: Client, headers: dict[str, str]
) -> None:
    query = "name=incident^element=close_code^inactive=false^language=en^ORDERBYsequence"
    rows = await choices(client, headers, query)
    assert [r["value"] for r in rows] == INCIDENT_CLOSE_CODES
    assert all(r["label"] == r["value"] for r in rows)
    change = await choices(client, headers, "name=change_request^element=close_code")
    assert change == [
        {"value": "successful", "label": "Successful"},
        {"value": "successful_issues", "label": "Successful with issues"},
        {"value": "unsuccessful", "label": "Unsuccessful"},
    ]


async def test_choice_rows_have_the_sys_choice_fields(
    client: Client, headers: dict[str, str]
) -> None:
    response = await client.get(
        "/api/now/table/sys_choice",
        params={"sysparm_query": "name=incident^element=state^value=6", "sysparm_limit": "1"},
        headers=headers,
    )
    [row] = (await response.json())["result"]
    assert {"name", "element", "value", "label", "sequence", "inactive", "language"} <= set(row)
    assert (row["label"], row["inactive"], row["language"]) == ("Resolved", "false", "en")
    assert row["sequence"].isdigit()


async def test_categories_and_dependent_subcategories_per_table(
    client: Client, headers: dict[str, str]
) -> None:
    incident = await choices(client, headers, "name=incident^element=category")
    assert {"value": "network", "label": "Network"} in incident
    subs = await choices(
        client,
        headers,
        "name=incident^element=subcategory^dependent_value=network",
        "value,label,dependent_value",
    )
    assert {"value": "vpn", "label": "VPN", "dependent_value": "network"} in subs
    change = await choices(client, headers, "name=change_request^element=category")
    assert {"value": "Network", "label": "Network"} in change
    problem = await choices(client, headers, "name=problem^element=category")
    assert problem == incident


async def test_customised_choices_change_labels_and_lists(
    client: Client, headers: dict[str, str], create: Create
) -> None:
    response = await client.post(
        "/sim/choices",
        json={
            "table": "incident",
            "element": "close_code",
            "replace": True,
            "choices": [
                {"value": "fixed", "label": "Fixed"},
                {"value": "no_fault", "label": "No fault found", "sequence": 5},
                {"value": "Duplicate", "label": "Duplicate", "inactive": True},
            ],
        },
    )
    assert response.status == 200
    rows = await choices(
        client, headers, "name=incident^element=close_code^ORDERBYsequence", "value,inactive"
    )
    assert rows == [
        {"value": "no_fault", "inactive": "false"},
        {"value": "fixed", "inactive": "false"},
        {"value": "Duplicate", "inactive": "true"},
    ]
    made = await create(
        "incident",
        {"state": "6", "close_code": "no_fault", "close_notes": "ok"},
        sysparm_display_value="all",
        sysparm_fields="close_code",
    )
    assert made["close_code"] == {"display_value": "No fault found", "value": "no_fault"}
    # Adding without replace keeps the others; a new label on an existing value updates it.
    await client.post(
        "/sim/choices",
        json={"table": "incident", "element": "close_code", "choices": [{"value": "fixed"}]},
    )
    again = await choices(client, headers, "name=incident^element=close_code")
    assert len(again) == 3
    assert {"value": "fixed", "label": "fixed"} in again
    listed = await (await client.get("/sim/choices?table=incident&element=close_code")).json()
    assert len(listed["choices"]) == 3


async def test_choice_control_errors(client: Client) -> None:
    bad = [
        ({"table": "nope", "element": "x", "choices": []}, 404),
        ({"table": "incident", "element": "x", "choices": "no"}, 400),
        ({"table": "incident", "element": "", "choices": []}, 400),
        ({"table": "incident", "element": "x", "choices": [{"label": "no value"}]}, 400),
    ]
    for body, status in bad:
        assert (await client.post("/sim/choices", json=body)).status == status, body


async def test_dictionary_describes_fields(client: Client, headers: dict[str, str]) -> None:
    response = await client.get(
        "/api/now/table/sys_dictionary",
        params={
            "sysparm_query": "name=incident^elementINassignment_group,close_code,state",
            "sysparm_fields": "element,column_label,internal_type,reference,mandatory,choice",
        },
        headers=headers,
    )
    rows = {r["element"]: r for r in (await response.json())["result"]}
    assert rows["assignment_group"] == {
        "element": "assignment_group",
        "column_label": "Assignment group",
        "internal_type": "reference",
        "reference": "sys_user_group",
        "mandatory": "false",
        "choice": "0",
    }
    assert (rows["close_code"]["column_label"], rows["close_code"]["choice"]) == (
        "Resolution code",
        "1",
    )
    assert rows["state"]["internal_type"] == "integer"


async def test_mandatory_custom_field_refuses_a_create(
    client: Client, headers: dict[str, str], instance: SimInstance
) -> None:
    response = await client.post(
        "/sim/dictionary/incident/u_business_service",
        json={"mandatory": True, "label": "Business service", "reference": "cmdb_ci"},
    )
    assert response.status == 200
    entry = (await response.json())["entry"]
    assert (entry["mandatory"], entry["internal_type"], entry["reference"]) == (
        "true",
        "reference",
        "cmdb_ci",
    )
    refused = await client.post(
        "/api/now/table/incident", json={"short_description": "no service"}, headers=headers
    )
    assert refused.status == 403
    assert await refused.read() == (
        b'{"error":{"message":"Operation Failed","detail":"Data Policy Exception: \\n\\tThe '
        b'following fields are mandatory: Business service"},"status":"failure"}'
    )
    assert instance.store.rows("incident") == []
    made = await client.post(
        "/api/now/table/incident",
        json={"short_description": "with service", "u_business_service": "Email"},
        headers=headers,
        params={"sysparm_display_value": "true", "sysparm_exclude_reference_link": "true"},
    )
    assert made.status == 201
    assert (await made.json())["result"]["u_business_service"] == "Email"
    # The dictionary reads back the flag, so a client can learn what to ask for.
    listed = await client.get(
        "/api/now/table/sys_dictionary",
        params={"sysparm_query": "name=incident^mandatory=true", "sysparm_fields": "element"},
        headers=headers,
    )
    assert (await listed.json())["result"] == [{"element": "u_business_service"}]
    off = await client.post(
        "/sim/dictionary/incident/u_business_service", json={"mandatory": False}
    )
    assert (await off.json())["entry"]["mandatory"] == "false"
    again = await client.post("/api/now/table/incident", json={}, headers=headers)
    assert again.status == 201


async def test_dictionary_flag_without_enforcement(client: Client, headers: dict[str, str]) -> None:
    # A real instance enforces dictionary-mandatory fields in forms only.
    await client.post(
        "/sim/dictionary/incident/category", json={"mandatory": True, "enforce": False}
    )
    made = await client.post("/api/now/table/incident", json={"category": ""}, headers=headers)
    assert made.status == 201
    bad = [
        ("incident", "not_custom", {"mandatory": True}, 400),
        ("incident", "u_ref", {"reference": "nope"}, 400),
        ("nope", "u_x", {}, 404),
    ]
    for table, element, body, status in bad:
        response = await client.post(f"/sim/dictionary/{table}/{element}", json=body)
        assert response.status == status, element


async def test_data_policies_control_api(
    client: Client, headers: dict[str, str], create: Create
) -> None:
    base = (await (await client.get("/sim/data-policies")).json())["policies"]
    assert {p["table"] for p in base} == {"incident", "problem", "sn_si_incident"}
    response = await client.post(
        "/sim/data-policies",
        json={
            "table": "incident",
            "condition": "priority=1",
            "mandatory": ["assignment_group", "assigned_to"],
            "name": "P1 needs an owner",
        },
    )
    assert response.status == 200
    assert len((await response.json())["policies"]) == len(base) + 1
    low = await client.post("/api/now/table/incident", json={}, headers=headers)
    assert low.status == 201
    high = await client.post(
        "/api/now/table/incident", json={"impact": "1", "urgency": "1"}, headers=headers
    )
    assert (await high.json())["error"]["detail"] == (
        "Data Policy Exception: \n\tThe following fields are mandatory: "
        "Assignment group, Assigned to"
    )
    owned = await client.post(
        "/api/now/table/incident",
        json={
            "impact": "1",
            "urgency": "1",
            "assignment_group": "Service Desk",
            "assigned_to": "beth.anglin",
        },
        headers=headers,
    )
    assert owned.status == 201
    bad = {"table": "incident", "mandatory": ["no_such_field"]}
    assert (await client.post("/sim/data-policies", json=bad)).status == 400
    cleared = await (await client.delete("/sim/data-policies")).json()
    assert len(cleared["policies"]) == len(base)
    none_left = await (await client.delete("/sim/data-policies?base=true")).json()
    assert none_left["policies"] == []
    record = await create("incident", {"state": "6"})
    assert record["close_code"] == ""
