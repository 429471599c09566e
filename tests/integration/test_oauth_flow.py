"""Connecting a workspace: OAuth code flow with PKCE, through /servicenow/oauth/callback."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from core.connections import OAuthClientConfig
from core.models import ConnectionStatus
from core.views import Notice, StatusView
from sim.servicenow import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
)
from tests.conftest import App, Sim, admin_ctx
from tests.integration.oauth_helpers import approve


async def start_connect(app: App, sim: Sim) -> str:
    await app.services.connections.set_client(
        "slack:T0123", OAuthClientConfig(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), actor="test"
    )
    view = await app.services.dispatcher.run_text(admin_ctx(), f"connect {sim.url}")
    assert isinstance(view, Notice), view
    assert view.link
    assert view.link.startswith(f"{sim.url}/oauth_auth.do?")
    return view.link


async def test_code_flow_end_to_end(app: App, sim: Sim) -> None:
    link = await start_connect(app, sim)
    query = parse_qs(urlsplit(link).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == [f"{app.url}/servicenow/oauth/callback"]
    assert "client_secret" not in query

    callback = await approve(app.http, link, username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD)
    assert callback.startswith(f"{app.url}/servicenow/oauth/callback?")
    async with app.http.get(callback) as page:
        body = await page.text()
        assert page.status == 200, body
    assert "Connected to ServiceNow" in body
    assert "snowops.integration" in body

    conn = await app.services.store.get_connection("slack:T0123")
    assert conn is not None
    assert conn.instance_url == sim.url
    assert conn.connected_as == DEFAULT_USERNAME
    assert conn.status is ConnectionStatus.ACTIVE
    assert conn.access_token
    assert conn.refresh_token

    # The state is single use: the same callback a second time is refused.
    async with app.http.get(callback) as again:
        assert again.status == 400
        assert "already used or has expired" in await again.text()

    status = await app.services.dispatcher.run_text(admin_ctx(), "status")
    assert isinstance(status, StatusView)
    assert ("Connected as", DEFAULT_USERNAME) in status.lines
    assert status.healthy


async def test_denied_access_explains(app: App, sim: Sim) -> None:
    link = await start_connect(app, sim)
    callback = await approve(
        app.http, link, username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD, action="deny"
    )
    async with app.http.get(callback) as page:
        assert page.status == 400
        assert "choose Allow" in await page.text()
    assert await app.services.store.get_connection("slack:T0123") is None


async def test_forged_state_is_refused(app: App, sim: Sim) -> None:
    async with app.http.get(
        f"{app.url}/servicenow/oauth/callback", params={"state": "forged", "code": "abc"}
    ) as page:
        assert page.status == 400
        assert "already used or has expired" in await page.text()


async def test_connect_without_an_oauth_client_says_how(app: App, sim: Sim) -> None:
    view = await app.services.dispatcher.run_text(admin_ctx(), f"connect {sim.url}")
    assert isinstance(view, Notice)
    assert "no ServiceNow OAuth client is configured" in view.text
    assert "SERVICENOW_CLIENT_ID" in view.hint


async def test_connect_is_for_admins_only(app: App, sim: Sim) -> None:
    ctx = admin_ctx()
    ctx = type(ctx)(ctx.workspace, ctx.requester, ctx.channel, is_admin=False)
    view = await app.services.dispatcher.run_text(ctx, f"connect {sim.url}")
    assert isinstance(view, Notice)
    assert "Only workspace admins" in view.text


async def test_plain_http_instance_refused(app: App) -> None:
    view = await app.services.dispatcher.run_text(admin_ctx(), "connect http://acme.example.com")
    assert isinstance(view, Notice)
    assert "must use https://" in view.text


async def test_signing_in_with_the_admins_own_account_is_flagged(app: App, sim: Sim) -> None:
    link = await start_connect(app, sim)  # the admin's chat email is abel.tuter@example.com
    callback = await approve(app.http, link, username="abel.tuter", password="snowops-demo")
    async with app.http.get(callback) as page:
        body = await page.text()
    assert page.status == 200
    assert "personal account" in body
    status = await app.services.dispatcher.run_text(admin_ctx(), "status")
    assert isinstance(status, StatusView)
    assert not status.healthy
    assert any(label == "Warning" and "integration user" in v for label, v in status.lines)


async def test_the_deployments_client_secret_goes_only_to_servicenow_hosts(
    app: App, make_settings: object
) -> None:
    services = app.services
    assert services.connections.default_client_allowed("https://acme.service-now.com")
    assert services.connections.default_client_allowed("http://127.0.0.1:8765")
    assert not services.connections.default_client_allowed("https://evil.example")


async def test_ip_address_instances_are_refused(app: App) -> None:
    for target in ("https://169.254.169.254", "https://10.0.0.5"):
        view = await app.services.dispatcher.run_text(admin_ctx(), f"connect {target}")
        assert isinstance(view, Notice)
        assert "not an IP address" in view.text
