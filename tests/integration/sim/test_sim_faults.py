"""Injected faults over HTTP: status codes, rate-limit headers, latency and special shapes."""

from __future__ import annotations

import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sim.servicenow import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Fault, SimInstance

Client = TestClient[Any, Any]
TABLE = "/api/now/table/incident"


async def password_grant(client: Client) -> Any:
    return await client.post(
        "/oauth_token.do",
        data={
            "grant_type": "password",
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
            "username": "admin",
            "password": "admin",
        },
    )


async def test_rate_limit_then_recovery(
    client: Client, headers: dict[str, str], instance: SimInstance
) -> None:
    instance.inject_fault(Fault(status=429, count=2, retry_after=7))
    for _ in range(2):
        response = await client.get(TABLE, headers=headers)
        assert response.status == 429
        assert await response.json() == {
            "error": {
                "message": "Rate limit exceeded",
                "detail": "Rate limit of 100 requests per hour for Table API exceeded",
            },
            "status": "failure",
        }
        assert response.headers["Retry-After"] == "7"
        assert response.headers["X-RateLimit-Limit"] == "100"
        assert int(response.headers["X-RateLimit-Reset"]) >= int(time.time())
        assert len(response.headers["X-RateLimit-Rule"]) == 32
    assert (await client.get(TABLE, headers=headers)).status == 200
    assert instance.faults == []


async def test_500_body(client: Client, headers: dict[str, str], instance: SimInstance) -> None:
    instance.inject_fault(Fault(status=500))
    response = await client.get(TABLE, headers=headers)
    assert response.status == 500
    error = (await response.json())["error"]
    assert error["message"] == "Exception while executing request: null"


@pytest.mark.parametrize("status", [502, 503])
async def test_gateway_errors_are_html(
    client: Client, headers: dict[str, str], instance: SimInstance, status: int
) -> None:
    instance.inject_fault(Fault(status=status, retry_after=3))
    response = await client.get(TABLE, headers=headers)
    assert response.status == status
    assert response.content_type == "text/html"
    assert response.headers["Retry-After"] == "3"


async def test_latency_then_normal_answer(
    client: Client, headers: dict[str, str], instance: SimInstance
) -> None:
    instance.inject_fault(Fault(latency_ms=80))
    started = time.monotonic()
    response = await client.get(TABLE, headers=headers)
    assert time.monotonic() - started >= 0.08
    assert response.status == 200


async def test_html_login_page(
    client: Client, headers: dict[str, str], instance: SimInstance
) -> None:
    instance.inject_fault(Fault(kind="html_login"))
    response = await client.get(TABLE, headers=headers)
    assert response.status == 200
    assert response.content_type == "text/html"
    html = await response.text()
    assert 'action="login.do"' in html
    assert 'name="user_name"' in html


async def test_ip_blocked(client: Client, headers: dict[str, str], instance: SimInstance) -> None:
    instance.inject_fault(Fault(kind="ip_blocked", scope="all"))
    response = await password_grant(client)
    assert response.status == 403
    assert "Access restricted" in await response.text()


async def test_cross_scope_only_hits_the_token_endpoint(
    client: Client, headers: dict[str, str], instance: SimInstance
) -> None:
    instance.inject_fault(Fault(kind="cross_scope", scope="all"))
    assert (await client.get(TABLE, headers=headers)).status == 200
    response = await password_grant(client)
    assert response.status == 401
    text = await response.text()
    assert "'oauth_entity' from scope" in text
    assert "has been refused due to the table's cross-scope access policy" in text
    assert (await password_grant(client)).status == 200


async def test_acl_only_hits_table_reads(
    client: Client, headers: dict[str, str], instance: SimInstance
) -> None:
    instance.inject_fault(Fault(kind="acl"))
    created = await client.post(TABLE, json={"short_description": "x"}, headers=headers)
    assert created.status == 201
    response = await client.get("/api/now/table/sys_journal_field", headers=headers)
    assert response.status == 403
    assert await response.json() == {
        "error": {
            "message": "Insufficient rights",
            "detail": "Insufficient rights to query records",
        },
        "status": "failure",
    }


async def test_scopes_select_paths(
    client: Client, headers: dict[str, str], instance: SimInstance
) -> None:
    instance.inject_fault(Fault(status=503, scope="oauth"))
    assert (await client.get(TABLE, headers=headers)).status == 200
    assert (await password_grant(client)).status == 503
    instance.inject_fault(Fault(status=401, scope="oauth"))
    denied = await password_grant(client)
    assert await denied.read() == b'{"error_description":"access_denied","error":"server_error"}'
    instance.inject_fault(Fault(status=500, scope="table", count=5))
    assert (await password_grant(client)).status == 200
    instance.clear_faults()
    assert (await client.get(TABLE, headers=headers)).status == 200


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"scope": "everything"}, ValueError),
        ({"kind": "teapot"}, ValueError),
        ({"count": 0}, ValueError),
        ({"status": "429"}, TypeError),
    ],
)
def test_fault_validation(fields: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error, match="must"):
        Fault(**fields)
