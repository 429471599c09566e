"""The aiohttp app over HTTP: health, readiness, metrics."""

from __future__ import annotations

from core.connections import OAuthClientConfig
from sim.servicenow import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
)
from tests.conftest import App, Sim


async def test_healthz(app: App) -> None:
    async with app.http.get(f"{app.url}/healthz") as r:
        assert r.status == 200
        assert await r.json() == {"status": "ok"}


async def test_readyz_reports_store_and_each_connection(app: App, sim: Sim) -> None:
    async with app.http.get(f"{app.url}/readyz") as r:
        assert r.status == 200
        assert await r.json() == {"status": "ok", "store": "ok", "connections": {}}
    await app.services.connections.connect_with_password(
        "teams:tenant-1",
        sim.url,
        OAuthClientConfig(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        DEFAULT_USERNAME,
        DEFAULT_PASSWORD,
        "test",
    )
    sim.instance.revoke_refresh_tokens()
    app.clock.advance(3600)
    await app.services.dispatcher.run_text(
        __import__("tests.conftest", fromlist=["admin_ctx"]).admin_ctx("teams:tenant-1"),
        "ticket INC0000001",
    )
    async with app.http.get(f"{app.url}/readyz") as r:
        body = await r.json()
    assert r.status == 200
    assert body["status"] == "degraded"
    assert body["connections"]["teams:tenant-1"]["status"] == "needs_reauth"
    assert body["connections"]["teams:tenant-1"]["instance"] == sim.url


async def test_readyz_fails_when_the_store_is_gone(app: App) -> None:
    await app.services.store.close()
    async with app.http.get(f"{app.url}/readyz") as r:
        assert r.status == 503
        assert (await r.json())["store"] == "unreachable"
    await app.services.store.open()


async def test_metrics_count_requests_by_route(app: App, sim: Sim) -> None:
    for _ in range(3):
        async with app.http.get(f"{app.url}/healthz"):
            pass
    await app.services.connections.connect_with_password(
        "slack:T1",
        sim.url,
        OAuthClientConfig(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        DEFAULT_USERNAME,
        DEFAULT_PASSWORD,
        "test",
    )
    async with app.http.get(f"{app.url}/metrics") as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/plain")
        text = await r.text()
    assert 'snowops_http_requests_total{route="/healthz",status="200"} 3.0' in text
    assert 'snowops_servicenow_responses_total{host="127.0.0.1",status="200"}' in text


async def test_unknown_route_is_404_not_a_trace(app: App) -> None:
    async with app.http.get(f"{app.url}/nope") as r:
        assert r.status == 404
        assert "Traceback" not in await r.text()
