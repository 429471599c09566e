"""Bearer token checks on the Graph API: 401 bodies, expiry, and 403 without the app role."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sim.graph import DEFAULT_UNCONSENTED_TENANT_ID, GraphSim

Client = TestClient[Any, Any]
FetchToken = Any
LIST = "/v1.0/security/secureScoreControlProfiles"
DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


async def graph_error(response: Any, status: int, code: str) -> str:
    """Check Graph's error envelope; return the message."""
    assert response.status == status
    assert response.headers["Content-Type"] == "application/json"
    body = await response.json()
    assert list(body) == ["error"]
    error = body["error"]
    assert list(error) == ["code", "innerError", "message"]
    assert error["code"] == code
    inner = error["innerError"]
    assert DATE.match(inner["date"])
    assert inner["request-id"] == response.headers["request-id"]
    assert inner["client-request-id"] == response.headers["client-request-id"]
    return str(error["message"])


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, "Access token is empty."),
        ("Bearer ", "Access token is empty."),
        ("Basic dXNlcjpwYXNz", "Access token is empty."),
        ("Bearer opaque-garbage", "IDX14100: JWT is not well formed, there are no dots (.)."),
        ("Bearer a.b.c", "Access token validation failure."),
    ],
)
async def test_unauthenticated(client: Client, authorization: str | None, message: str) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await client.get(LIST, headers=headers)
    assert (await graph_error(response, 401, "InvalidAuthenticationToken")).startswith(message)
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm=""')


async def test_expired_token(client: Client, headers: dict[str, str], sim: GraphSim) -> None:
    assert (await client.get(LIST, headers=headers)).status == 200
    sim.advance_clock(3599)
    response = await client.get(LIST, headers=headers)
    message = await graph_error(response, 401, "InvalidAuthenticationToken")
    assert message == "Access token has expired or is not yet valid."


async def test_forbidden_without_role(client: Client, fetch_token: FetchToken) -> None:
    token = (await (await fetch_token(DEFAULT_UNCONSENTED_TENANT_ID)).json())["access_token"]
    for path in (LIST, "/v1.0/security/secureScores?$top=1", f"{LIST}/AdminMFAV2"):
        response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        message = await graph_error(response, 403, "Forbidden")
        assert message == (
            "Auth token does not contain valid permissions or user does not have valid roles."
        )


async def test_forbidden_naming_the_role(
    client: Client, fetch_token: FetchToken, sim: GraphSim
) -> None:
    sim.config.forbidden_style = "missing_roles"
    token = (await (await fetch_token(DEFAULT_UNCONSENTED_TENANT_ID)).json())["access_token"]
    response = await client.get(LIST, headers={"Authorization": f"Bearer {token}"})
    message = await graph_error(response, 403, "Forbidden")
    assert message == (
        "Missing role permissions on the request. API requires one of "
        "'SecurityEvents.Read.All, SecurityEvents.ReadWrite.All'. Roles on the request ''."
    )
    assert "SecurityEvents.Read.All" in message
