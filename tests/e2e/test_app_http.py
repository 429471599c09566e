"""The aiohttp app over HTTP: health, readiness, metrics."""

from __future__ import annotations

import json
from collections.abc import Callable

from aiohttp.test_utils import TestServer

from bot.app import build_app
from bot.settings import Settings
from core.connections import OAuthClientConfig
from sim.servicenow import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
)
from tests.conftest import App, Sim, admin_ctx


async def test_healthz(app: App) -> None:
    async with app.http.get(f"{app.url}/healthz") as r:
        assert r.status == 200
        assert await r.json() == {"status": "ok"}


async def test_readyz_counts_connections_without_naming_them(app: App, sim: Sim) -> None:
    async with app.http.get(f"{app.url}/readyz") as r:
        assert r.status == 200
        assert await r.json() == {
            "status": "ok",
            "store": "ok",
            "connections": {"total": 0, "needs_reauth": 0},
        }
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
    await app.services.router.handle_text(admin_ctx("teams:tenant-1"), "ticket INC0010001")
    async with app.http.get(f"{app.url}/readyz") as r:
        body = await r.json()
        text = json.dumps(body)
    assert r.status == 200
    assert body == {
        "status": "degraded",
        "store": "ok",
        "connections": {"total": 1, "needs_reauth": 1},
    }
    assert "tenant-1" not in text
    assert sim.url not in text


async def test_readyz_fails_when_the_key_cannot_decrypt(
    app: App, sim: Sim, make_settings: Callable[..., Settings]
) -> None:
    await app.services.connections.connect_with_password(
        "slack:T1",
        sim.url,
        OAuthClientConfig(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        DEFAULT_USERNAME,
        DEFAULT_PASSWORD,
        "test",
    )
    # The operator changed SNOWOPS_SECRET_KEY without keeping the old one.
    settings = make_settings(SNOWOPS_STORE=app.services.settings.store)
    other = build_app(settings)
    server = TestServer(other, host="127.0.0.1")
    await server.start_server()
    try:
        async with app.http.get(str(server.make_url("/readyz"))) as r:
            assert r.status == 503
            assert (await r.json())["reason"] == "secret key cannot decrypt"
    finally:
        await server.close()


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
    assert 'snowops_servicenow_responses_total{status="200"}' in text


async def test_callback_page_is_not_cached_and_echoes_nothing_unknown(app: App) -> None:
    async with app.http.get(
        f"{app.url}/servicenow/oauth/callback",
        params={"state": "unknown", "error": "x", "error_description": "<script>alert(1)</script>"},
    ) as r:
        body = await r.text()
        assert r.status == 400
        assert r.headers["Cache-Control"] == "no-store"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert "default-src 'none'" in r.headers["Content-Security-Policy"]
    assert "script" not in body
    assert "expired" in body
