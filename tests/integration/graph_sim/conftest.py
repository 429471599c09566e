"""Fixtures: a GraphSim served over real HTTP, plus token and header helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from sim.graph import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_TENANT_ID,
    GraphSim,
    GraphSimConfig,
    build_graph_sim_app,
)

Client = TestClient[Any, Any]
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
FetchToken = Callable[..., Awaitable[Any]]


@pytest.fixture
def config() -> GraphSimConfig:
    """Default configuration; tests override it with their own fixture when needed."""
    return GraphSimConfig()


@pytest.fixture
def sim(config: GraphSimConfig) -> GraphSim:
    """A fresh simulator."""
    return GraphSim(config)


@pytest.fixture
async def client(sim: GraphSim) -> AsyncIterator[Client]:
    """An HTTP client talking to the simulator through a real socket."""
    async with TestClient(TestServer(build_graph_sim_app(sim))) as test_client:
        yield test_client


@pytest.fixture
def fetch_token(client: Client) -> FetchToken:
    """POST a client-credentials request (defaults: the good one) and return the response."""

    async def _fetch(tenant: str = DEFAULT_TENANT_ID, **overrides: str | None) -> Any:
        form = {
            "grant_type": "client_credentials",
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
            "scope": GRAPH_SCOPE,
            **overrides,
        }
        data = {key: value for key, value in form.items() if value is not None}
        return await client.post(f"/{tenant}/oauth2/v2.0/token", data=data)

    return _fetch


@pytest.fixture
async def token(fetch_token: FetchToken) -> str:
    """An access token for the consented default tenant."""
    response = await fetch_token()
    assert response.status == 200, await response.text()
    return str((await response.json())["access_token"])


@pytest.fixture
def headers(token: str) -> dict[str, str]:
    """Headers a Graph client sends."""
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}
