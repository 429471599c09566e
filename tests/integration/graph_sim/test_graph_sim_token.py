"""The Entra ID token endpoint: client credentials success and each error body."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sim.graph import (
    DEFAULT_CLIENT_ID,
    DEFAULT_TENANT_ID,
    DEFAULT_UNCONSENTED_TENANT_ID,
    GraphSim,
)

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
Client = TestClient[Any, Any]
FetchToken = Any
STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$")


def claims(access_token: str) -> dict[str, Any]:
    payload = access_token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


async def aadsts(response: Any, status: int, error: str, code: int) -> str:
    """Check the AADSTS envelope; return the description's first line."""
    assert response.status == status
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    body = await response.json()
    assert list(body) == [
        "error",
        "error_description",
        "error_codes",
        "timestamp",
        "trace_id",
        "correlation_id",
        "error_uri",
    ]
    assert body["error"] == error
    assert body["error_codes"] == [code]
    assert GUID.match(body["trace_id"])
    assert GUID.match(body["correlation_id"])
    assert STAMP.match(body["timestamp"])
    assert body["error_uri"] == f"https://login.microsoftonline.com/error?code={code}"
    first, trace, correlation, stamp = body["error_description"].split("\r\n")
    assert first.startswith(f"AADSTS{code}: ")
    assert trace == f"Trace ID: {body['trace_id']}"
    assert correlation == f"Correlation ID: {body['correlation_id']}"
    assert stamp == f"Timestamp: {body['timestamp']}"
    assert response.headers["x-ms-request-id"] == body["trace_id"]
    return str(first)


async def test_client_credentials_success(fetch_token: FetchToken, sim: GraphSim) -> None:
    response = await fetch_token()
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store, no-cache"
    body = await response.json()
    assert list(body) == ["token_type", "expires_in", "ext_expires_in", "access_token"]
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == body["ext_expires_in"] == 3599
    token_claims = claims(body["access_token"])
    assert token_claims["tid"] == DEFAULT_TENANT_ID
    assert token_claims["appid"] == DEFAULT_CLIENT_ID
    assert token_claims["aud"] == "https://graph.microsoft.com"
    assert token_claims["roles"] == ["SecurityEvents.Read.All"]
    assert token_claims["exp"] - token_claims["iat"] == 3599
    issued = sim.tokens[body["access_token"]]
    assert (issued.tenant_id, issued.roles) == (DEFAULT_TENANT_ID, ("SecurityEvents.Read.All",))


async def test_tenant_by_domain_and_unconsented_tenant(fetch_token: FetchToken) -> None:
    response = await fetch_token("Contoso.onmicrosoft.com")
    assert claims((await response.json())["access_token"])["tid"] == DEFAULT_TENANT_ID
    # Entra ID issues the token; it just carries no roles claim.
    response = await fetch_token(DEFAULT_UNCONSENTED_TENANT_ID)
    assert response.status == 200
    token_claims = claims((await response.json())["access_token"])
    assert token_claims["tid"] == DEFAULT_UNCONSENTED_TENANT_ID
    assert "roles" not in token_claims


async def test_wrong_secret(fetch_token: FetchToken) -> None:
    response = await fetch_token(client_secret="nope")
    first = await aadsts(response, 401, "invalid_client", 7000215)
    assert first == (
        "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
        "request is the client secret value, not the client secret ID, for a secret added to "
        f"app '{DEFAULT_CLIENT_ID}'."
    )


async def test_correlation_id_echoes_client_request_id(client: Client) -> None:
    response = await client.post(
        f"/{DEFAULT_TENANT_ID}/oauth2/v2.0/token",
        data={"grant_type": "client_credentials", "client_id": DEFAULT_CLIENT_ID},
        headers={"client-request-id": "11111111-2222-3333-4444-555555555555"},
    )
    body = await response.json()
    assert body["correlation_id"] == "11111111-2222-3333-4444-555555555555"


@pytest.mark.parametrize(
    ("tenant", "overrides", "status", "error", "code", "text"),
    [
        (
            "00000000-0000-0000-0000-00000000dead",
            {},
            400,
            "invalid_tenant",
            90002,
            "Tenant '00000000-0000-0000-0000-00000000dead' not found.",
        ),
        ("common", {}, 400, "invalid_request", 50059, "No tenant-identifying information"),
        (
            DEFAULT_TENANT_ID,
            {"client_id": "99999999-9999-9999-9999-999999999999"},
            400,
            "unauthorized_client",
            700016,
            "Application with identifier '99999999-9999-9999-9999-999999999999' was not found "
            "in the directory 'Contoso'.",
        ),
        (
            DEFAULT_TENANT_ID,
            {"scope": "https://graph.microsoft.com/SecurityEvents.Read.All"},
            400,
            "invalid_scope",
            1002012,
            "The provided value for scope https://graph.microsoft.com/SecurityEvents.Read.All "
            "is not valid. Client credential flows must have a scope value with /.default",
        ),
        (
            DEFAULT_TENANT_ID,
            {"scope": "https://management.azure.com/.default"},
            400,
            "invalid_resource",
            500011,
            "The resource principal named https://management.azure.com was not found",
        ),
        (
            DEFAULT_TENANT_ID,
            {"client_secret": None},
            401,
            "invalid_client",
            7000216,
            "'client_assertion', 'client_secret' or 'request' is required",
        ),
        (
            DEFAULT_TENANT_ID,
            {"scope": None},
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        ),
        (
            DEFAULT_TENANT_ID,
            {"grant_type": "password"},
            400,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type 'password'.",
        ),
    ],
)
async def test_error_bodies(
    fetch_token: FetchToken,
    tenant: str,
    overrides: dict[str, str | None],
    status: int,
    error: str,
    code: int,
    text: str,
) -> None:
    first = await aadsts(await fetch_token(tenant, **overrides), status, error, code)
    assert text in first


async def test_json_body_is_not_a_form(client: Client) -> None:
    response = await client.post(
        f"/{DEFAULT_TENANT_ID}/oauth2/v2.0/token", json={"grant_type": "client_credentials"}
    )
    first = await aadsts(response, 400, "invalid_request", 900144)
    assert first.endswith("'grant_type'.")
