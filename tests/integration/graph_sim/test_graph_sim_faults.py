"""Injected faults over HTTP: throttling with Retry-After, outages, latency, token endpoint."""

from __future__ import annotations

import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sim.graph import GraphFault, GraphSim

Client = TestClient[Any, Any]
FetchToken = Any
LIST = "/v1.0/security/secureScoreControlProfiles"


async def test_throttled_then_success(
    client: Client, headers: dict[str, str], sim: GraphSim
) -> None:
    sim.inject_fault(GraphFault(status=429, count=2, retry_after=7))
    for _ in range(2):
        response = await client.get(LIST, headers=headers)
        assert response.status == 429
        assert response.headers["Retry-After"] == "7"
        body = await response.json()
        error = body["error"]
        assert (error["code"], error["message"]) == ("TooManyRequests", "Please retry again later.")
        inner = error["innerError"]
        assert (inner["code"], inner["status"], inner["message"]) == (
            "429",
            "429",
            "Please retry after",
        )
        assert inner["request-id"] == response.headers["request-id"]
    assert (await client.get(LIST, headers=headers)).status == 200
    assert sim.faults == []


async def test_throttle_defaults_retry_after(
    client: Client, headers: dict[str, str], sim: GraphSim
) -> None:
    sim.inject_fault(GraphFault(status=429))
    assert (await client.get(LIST, headers=headers)).headers["Retry-After"] == "1"


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [(503, "serviceNotAvailable", "Service unavailable"), (504, "UnknownError", "")],
)
async def test_outages(
    client: Client, headers: dict[str, str], sim: GraphSim, status: int, code: str, message: str
) -> None:
    sim.inject_fault(GraphFault(status=status, retry_after=3))
    response = await client.get("/v1.0/security/secureScores?$top=1", headers=headers)
    assert response.status == status
    assert response.headers["Retry-After"] == "3"
    error = (await response.json())["error"]
    assert (error["code"], error["message"]) == (code, message)


async def test_latency_only(client: Client, headers: dict[str, str], sim: GraphSim) -> None:
    sim.inject_fault(GraphFault(latency_ms=150))
    started = time.monotonic()
    assert (await client.get(LIST, headers=headers)).status == 200
    assert time.monotonic() - started >= 0.15


async def test_api_fault_leaves_token_endpoint_alone(
    fetch_token: FetchToken, sim: GraphSim
) -> None:
    sim.inject_fault(GraphFault(status=503))
    assert (await fetch_token()).status == 200
    assert len(sim.faults) == 1


async def test_token_scope(fetch_token: FetchToken, sim: GraphSim) -> None:
    sim.inject_fault(GraphFault(status=503, scope="token", retry_after=2))
    response = await fetch_token()
    assert response.status == 503
    assert response.headers["Retry-After"] == "2"
    body = await response.json()
    assert body["error"] == "temporarily_unavailable"
    assert body["error_codes"] == [90033]
    assert (await fetch_token()).status == 200


@pytest.mark.parametrize(
    "kwargs",
    [{"status": 200}, {"scope": "table"}, {"count": 0}, {"latency_ms": -1}, {"status": "429"}],
)
def test_invalid_faults(kwargs: dict[str, Any]) -> None:
    with pytest.raises((ValueError, TypeError)):
        GraphFault(**kwargs)
