"""Fixtures: a SimInstance served over real HTTP, plus token and request helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from sim.servicenow import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    SimConfig,
    SimInstance,
    build_sim_app,
)
from sim.servicenow.users import DEMO_PASSWORD

Client = TestClient[Any, Any]
Create = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def config() -> SimConfig:
    """Default configuration; tests override it with their own fixture or parametrization."""
    return SimConfig()


@pytest.fixture
def instance(config: SimConfig) -> SimInstance:
    """A fresh simulated instance."""
    return SimInstance(config)


@pytest.fixture
async def client(instance: SimInstance) -> AsyncIterator[Client]:
    """An HTTP client talking to the instance through a real socket."""
    async with TestClient(TestServer(build_sim_app(instance))) as test_client:
        yield test_client


@pytest.fixture
async def token(client: Client) -> str:
    """An access token for the integration user (password grant)."""
    response = await client.post(
        "/oauth_token.do",
        data={
            "grant_type": "password",
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
            "username": DEFAULT_USERNAME,
            "password": DEFAULT_PASSWORD,
        },
    )
    assert response.status == 200
    return str((await response.json())["access_token"])


@pytest.fixture
def headers(token: str) -> dict[str, str]:
    """Headers a well-behaved Table API client sends."""
    return {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json",
        "Content-Type": "application/json",
    }


@pytest.fixture
def create(client: Client, headers: dict[str, str]) -> Create:
    """POST a record and return its `result` (raises on a non-201)."""

    async def _create(table: str, payload: dict[str, Any], **params: str) -> dict[str, Any]:
        response = await client.post(
            f"/api/now/table/{table}", json=payload, headers=headers, params=params
        )
        assert response.status == 201, await response.text()
        return dict((await response.json())["result"])

    return _create


Login = Callable[..., Awaitable[dict[str, str]]]


@pytest.fixture
def login(client: Client) -> Login:
    """Headers for a Table API client signed in as `user_name` (password grant)."""

    async def _login(user_name: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
        response = await client.post(
            "/oauth_token.do",
            data={
                "grant_type": "password",
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
                "username": user_name,
                "password": password,
            },
        )
        assert response.status == 200, await response.text()
        token = (await response.json())["access_token"]
        return {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    return _login
