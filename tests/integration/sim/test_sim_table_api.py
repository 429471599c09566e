"""Table API over HTTP: auth, CRUD, insert defaults, priority, data policy, headers."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sim.servicenow import DEFAULT_PASSWORD, DEFAULT_USERNAME, SimInstance

Client = TestClient[Any, Any]
SYS_ID = re.compile(r"[0-9a-f]{32}")
STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
NOT_AUTHENTICATED = (
    b'{"error":{"message":"User Not Authenticated","detail":"Required to provide Auth '
    b'information"},"status":"failure"}'
)
NO_RECORD = (
    b'{"error":{"message":"No Record found","detail":"Record doesn\'t exist or ACL restricts '
    b'the record retrieval"},"status":"failure"}'
)
INTEGRATION_SYS_ID = "5fa7a2d11b3a2010a8e4edf7ec4bcb2e"


@pytest.mark.parametrize(
    "auth",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic Zm9vOmJhcg=="}],
)
async def test_unauthenticated_requests_get_the_recorded_401(
    client: Client, auth: dict[str, str]
) -> None:
    response = await client.get("/api/now/table/incident", headers=auth)
    assert response.status == 401
    assert await response.read() == NOT_AUTHENTICATED
    assert response.headers["Content-Type"] == "application/json;charset=UTF-8"


async def test_token_in_query_and_basic_auth_work(client: Client, token: str) -> None:
    by_query = await client.get("/api/now/table/incident", params={"access_token": token})
    assert by_query.status == 200
    basic = base64.b64encode(f"{DEFAULT_USERNAME}:{DEFAULT_PASSWORD}".encode()).decode()
    by_basic = await client.get(
        "/api/now/table/incident", headers={"Authorization": f"Basic {basic}"}
    )
    assert by_basic.status == 200


async def test_invalid_table(client: Client, headers: dict[str, str]) -> None:
    response = await client.get("/api/now/table/u_no_such_table", headers=headers)
    assert response.status == 400
    assert await response.read() == (
        b'{"error":{"message":"Invalid table u_no_such_table","detail":null},"status":"failure"}'
    )


async def test_create_incident_defaults_and_headers(
    client: Client, headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/now/table/incident", json={"short_description": "Disk full"}, headers=headers
    )
    assert response.status == 201
    assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert response.headers["Server"] == "ServiceNow"
    assert response.headers["X-Is-Logged-In"] == "true"
    assert re.fullmatch(r"[0-9a-f]{12}", response.headers["X-Transaction-ID"])
    record = (await response.json())["result"]
    base = str(client.make_url("")).rstrip("/")
    assert response.headers["Location"] == f"{base}/api/now/v2/table/incident/{record['sys_id']}"
    assert SYS_ID.fullmatch(record["sys_id"])
    assert record["number"] == "INC0010001"
    expected = {
        "impact": "3",
        "urgency": "3",
        "priority": "5",
        "state": "1",
        "incident_state": "1",
        "severity": "3",
        "category": "inquiry",
        "active": "true",
        "escalation": "0",
        "notify": "1",
        "approval": "not requested",
        "reopen_count": "0",
        "child_incidents": "0",
        "sys_mod_count": "0",
        "sys_created_by": DEFAULT_USERNAME,
        "sys_updated_by": DEFAULT_USERNAME,
        "correlation_id": "",
        "correlation_display": "",
        "due_date": "",
        "description": "",
        "caller_id": "",
        "comments": "",
        "work_notes": "",
    }
    assert {k: record[k] for k in expected} == expected
    for name in ("sys_created_on", "sys_updated_on", "opened_at"):
        assert STAMP.fullmatch(record[name])
    assert record["opened_by"] == {
        "link": f"{base}/api/now/table/sys_user/{INTEGRATION_SYS_ID}",
        "value": INTEGRATION_SYS_ID,
    }
    assert all(isinstance(v, str | dict) for v in record.values())
    second = await client.post("/api/now/table/incident", json={}, headers=headers)
    assert (await second.json())["result"]["number"] == "INC0010002"


async def test_create_change_request_defaults(
    client: Client, headers: dict[str, str], create: Any
) -> None:
    record = await create("change_request", {"short_description": "Patch", "priority": "2"})
    assert record["number"] == "CHG0030001"
    expected = {
        "type": "normal",
        "state": "-5",
        "phase": "requested",
        "phase_state": "open",
        "priority": "2",  # writable on change_request
        "risk": "3",
        "impact": "3",
    }
    assert {k: record[k] for k in expected} == expected
    assert record["requested_by"]["value"] == INTEGRATION_SYS_ID


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [
        ("1", "1", "1"),
        ("1", "2", "2"),
        ("1", "3", "3"),
        ("2", "1", "2"),
        ("2", "2", "3"),
        ("2", "3", "4"),
        ("3", "1", "3"),
        ("3", "2", "4"),
        ("3", "3", "5"),
    ],
)
async def test_incident_priority_lookup(
    create: Any, impact: str, urgency: str, priority: str
) -> None:
    record = await create("incident", {"impact": impact, "urgency": urgency, "priority": "1"})
    assert record["priority"] == priority


async def test_crud_round_trip(client: Client, headers: dict[str, str], create: Any) -> None:
    record = await create("incident", {"short_description": "Printer", "impact": 2, "urgency": 2})
    url = f"/api/now/table/incident/{record['sys_id']}"
    got = await client.get(url, headers=headers)
    assert (await got.json())["result"]["short_description"] == "Printer"

    patched = await client.patch(url, json={"urgency": "1", "priority": "5"}, headers=headers)
    assert patched.status == 200
    body = (await patched.json())["result"]
    assert body["priority"] == "2"  # recomputed from impact 2 x urgency 1, write ignored
    assert body["sys_mod_count"] == "1"

    unchanged = await client.patch(url, json={"urgency": "1", "nope": "x"}, headers=headers)
    assert (await unchanged.json())["result"]["sys_mod_count"] == "1"

    put = await client.put(url, json={"short_description": "Printer jam"}, headers=headers)
    assert (await put.json())["result"]["sys_mod_count"] == "2"

    quiet = await client.patch(
        url, json={"description": "x"}, headers={**headers, "X-no-response-body": "true"}
    )
    assert quiet.status == 200
    assert await quiet.read() == b""

    deleted = await client.delete(url, headers={"Authorization": headers["Authorization"]})
    assert deleted.status == 204
    assert await deleted.read() == b""
    missing = await client.get(url, headers=headers)
    assert missing.status == 404
    assert await missing.read() == NO_RECORD
    assert (await client.patch(url, json={}, headers=headers)).status == 404
    assert (await client.delete(url, headers=headers)).status == 404


@pytest.mark.parametrize(
    "drop", [{"Accept": ""}, {"Content-Type": "text/plain"}, {"Accept": "application/xml"}]
)
async def test_writes_need_json_accept_and_content_type(
    client: Client, headers: dict[str, str], drop: dict[str, str]
) -> None:
    sent = {**headers, **drop}  # an empty Accept replaces aiohttp's default */*
    response = await client.post(
        "/api/now/table/incident", data=b'{"short_description":"x"}', headers=sent
    )
    assert response.status == 400
    assert (await response.json())["status"] == "failure"


async def test_malformed_json_is_a_json_400(client: Client, headers: dict[str, str]) -> None:
    response = await client.post("/api/now/table/incident", data=b"{not json", headers=headers)
    assert response.status == 400
    assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert (await response.json())["error"]["message"] == "Exception while reading request"


async def test_posting_an_array_creates_only_the_first(
    client: Client, headers: dict[str, str], instance: SimInstance
) -> None:
    response = await client.post(
        "/api/now/table/incident",
        json=[{"short_description": "one"}, {"short_description": "two"}],
        headers=headers,
    )
    assert response.status == 201
    assert [r["short_description"] for r in instance.store.rows("incident")] == ["one"]


async def test_resolving_needs_close_code_and_notes(
    client: Client, headers: dict[str, str], create: Any
) -> None:
    record = await create("incident", {"short_description": "x"})
    url = f"/api/now/table/incident/{record['sys_id']}"
    refused = await client.patch(url, json={"state": "6"}, headers=headers)
    assert refused.status == 403
    error = (await refused.json())["error"]
    assert error["message"] == "Operation Failed"
    assert error["detail"].startswith("Data Policy Exception:")
    assert "Resolution code" in error["detail"]
    unchanged = await (await client.get(url, headers=headers)).json()
    assert unchanged["result"]["state"] == "1"

    resolved = await client.patch(
        url,
        json={"state": "6", "close_code": "Solution provided", "close_notes": "Fixed"},
        headers=headers,
    )
    body = (await resolved.json())["result"]
    assert body["state"] == body["incident_state"] == "6"
    assert STAMP.fullmatch(body["resolved_at"])
    assert body["resolved_by"]["value"] == INTEGRATION_SYS_ID
    closed = await client.patch(url, json={"state": "7"}, headers=headers)
    body = (await closed.json())["result"]
    assert body["active"] == "false"
    assert STAMP.fullmatch(body["closed_at"])
    reopened = await client.patch(url, json={"state": "2"}, headers=headers)
    body = (await reopened.json())["result"]
    assert (body["reopen_count"], body["active"], body["resolved_at"]) == ("1", "true", "")


async def test_sys_user_has_the_seeded_users(client: Client, headers: dict[str, str]) -> None:
    response = await client.get(
        "/api/now/table/sys_user",
        params={"sysparm_query": "ORDERBYuser_name", "sysparm_fields": "user_name,name,email"},
        headers=headers,
    )
    names = [
        "abel.tuter",
        "admin",
        "beth.anglin",
        "david.loo",
        "fred.luddy",
        "joe.employee",
        "snowops.integration",
    ]
    result = (await response.json())["result"]
    assert [r["user_name"] for r in result] == names
    assert result[0] == {
        "user_name": "abel.tuter",
        "name": "Abel Tuter",
        "email": "abel.tuter@example.com",
    }


async def test_unknown_api_path_and_method(client: Client, headers: dict[str, str]) -> None:
    response = await client.get("/api/now/nothing/here", headers=headers)
    assert response.status == 400
    assert (await response.json())["error"]["message"] == (
        "Requested URI does not represent any resource"
    )
    response = await client.post("/api/now/table/incident/abc", json={}, headers=headers)
    assert response.status == 405
    assert (await response.json())["status"] == "failure"
