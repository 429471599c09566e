"""Connecting a workspace: OAuth code flow with PKCE, through /servicenow/oauth/callback."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from core.actions import SubmitClient
from core.connections import OAuthClientConfig
from core.models import ChannelRef, ConnectionStatus
from core.outcomes import AskClient, PrivateLink, Reply
from core.servicenow.errors import ConfigurationError
from core.views import Notice, NoticeLevel, StatusView
from sim.servicenow import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
)
from tests.conftest import App, Sim, admin_ctx
from tests.integration.helpers import RecordingSink, run
from tests.integration.oauth_helpers import approve, through_intro

WS = "slack:T0123"
#: The admin's direct messages with SnowOps, where core confirms how a sign-in ended.
ADMIN_DM = ChannelRef(WS, "D_U_ADMIN")


async def start_connect(app: App, sim: Sim) -> str:
    await app.services.connections.set_client(
        WS, OAuthClientConfig(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), actor="test"
    )
    outcome = await app.services.router.handle_text(admin_ctx(), f"connect {sim.url}")
    # A sign-in link is for the admin's eyes only.
    assert isinstance(outcome, PrivateLink), outcome
    link = outcome.notice.link
    assert link
    # Our own page first (it names the workspace and who asked), then ServiceNow's sign-in.
    assert link.startswith(f"{app.url}/servicenow/oauth/start?t=")
    authorize = await through_intro(app.http, link)
    assert authorize.startswith(f"{sim.url}/oauth_auth.do?")
    return authorize


async def test_code_flow_end_to_end(app: App, sim: Sim, chat: RecordingSink) -> None:
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

    conn = await app.services.store.get_connection(WS)
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

    # Core told the admin privately, once, where and as whom it is connected.
    assert [p.channel for p in chat.posts] == [ADMIN_DM]
    [told] = chat.sent_to(ADMIN_DM)
    assert told.text.startswith("Connected to ")
    assert f"{sim.url} as {DEFAULT_USERNAME}." in told.text
    assert told.level is not NoticeLevel.ERROR
    # …and asked them to check that it was their sign-in (a forwarded link would not be).
    assert told.hint == (
        f"Is {DEFAULT_USERNAME} the ServiceNow account you signed in with? If not, someone "
        "else completed your sign-in link: run /snow disconnect now."
    )

    status = await run(app, admin_ctx(), "status")
    assert isinstance(status, StatusView)
    assert ("Connected as", DEFAULT_USERNAME) in status.lines
    assert status.healthy


async def test_denied_access_explains(app: App, sim: Sim, chat: RecordingSink) -> None:
    link = await start_connect(app, sim)
    callback = await approve(
        app.http, link, username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD, action="deny"
    )
    async with app.http.get(callback) as page:
        assert page.status == 400
        assert "choose Allow" in await page.text()
    assert await app.services.store.get_connection(WS) is None
    [told] = chat.sent_to(ADMIN_DM)
    assert told.text == "ServiceNow was not connected: access was not allowed."


async def test_forged_state_is_refused(app: App, sim: Sim) -> None:
    async with app.http.get(
        f"{app.url}/servicenow/oauth/callback", params={"state": "forged", "code": "abc"}
    ) as page:
        assert page.status == 400
        assert "already used or has expired" in await page.text()


async def test_connect_without_an_oauth_client_says_how(app: App, sim: Sim) -> None:
    router = app.services.router
    # No OAuth client may be used for this instance: the admin is asked for one, privately.
    asked = await router.handle_text(admin_ctx(), f"connect {sim.url}")
    assert asked == AskClient(sim.url)
    # Without one nothing can start, and what to configure is said.
    with pytest.raises(ConfigurationError) as caught:
        await app.services.connections.start(WS, sim.url, "slack:U_ADMIN")
    assert "no ServiceNow OAuth client is configured" in caught.value.message
    assert "SERVICENOW_CLIENT_ID" in caught.value.hint
    # Both halves of the client are needed; with them, the sign-in starts.
    half = await router.handle(admin_ctx(), SubmitClient(sim.url, DEFAULT_CLIENT_ID, " "))
    assert isinstance(half, Reply), half
    assert half.view == Notice(
        "Give both the client id and the client secret.", NoticeLevel.WARNING
    )
    given = await router.handle(
        admin_ctx(), SubmitClient(sim.url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    )
    assert isinstance(given, PrivateLink), given
    assert given.notice.link
    assert given.notice.link.startswith(f"{app.url}/servicenow/oauth/start?t=")


async def test_connect_is_for_admins_only(app: App, sim: Sim) -> None:
    ctx = admin_ctx()
    ctx = type(ctx)(ctx.workspace, ctx.requester, ctx.channel, is_admin=False)
    view = await run(app, ctx, f"connect {sim.url}")
    assert isinstance(view, Notice)
    assert "Only workspace admins" in view.text


async def test_plain_http_instance_refused(app: App) -> None:
    view = await run(app, admin_ctx(), "connect http://acme.example.com")
    assert isinstance(view, Notice)
    assert "must use https://" in view.text


async def test_signing_in_with_the_admins_own_account_is_flagged(
    app: App, sim: Sim, chat: RecordingSink
) -> None:
    link = await start_connect(app, sim)  # the admin's chat email is abel.tuter@example.com
    callback = await approve(app.http, link, username="abel.tuter", password="snowops-demo")
    async with app.http.get(callback) as page:
        body = await page.text()
    assert page.status == 200
    assert "personal account" in body
    # The admin is told privately too.
    [told] = chat.sent_to(ADMIN_DM)
    assert told.text.startswith("Connected to ")
    assert "personal account" in f"{told.text} {told.hint}"
    status = await run(app, admin_ctx(), "status")
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
        view = await run(app, admin_ctx(), f"connect {target}")
        assert isinstance(view, Notice)
        assert "not an IP address" in view.text


async def test_a_sign_in_link_opens_a_page_naming_the_workspace_and_who_asked(
    app: App, sim: Sim
) -> None:
    """A link forwarded to someone else cannot connect their account unnoticed: the page
    says whose workspace it is and who asked, and going on takes a deliberate click."""
    await app.services.connections.set_client(
        WS, OAuthClientConfig(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), actor="test"
    )
    outcome = await app.services.router.handle_text(admin_ctx(), f"connect {sim.url}")
    assert isinstance(outcome, PrivateLink)
    link = outcome.notice.link
    assert link
    async with app.http.get(link) as page:
        assert page.status == 200
        text = await page.text()
    assert "Slack workspace T0123" in text
    assert "Ada Admin" in text
    assert sim.url in text
    assert "close this page" in text
    assert "oauth_auth.do" not in text  # nothing leads to ServiceNow without the click
    # Viewing it twice (a link preview, a reload) does not use it up.
    async with app.http.get(link) as again:
        assert again.status == 200
    # A forged or replayed click goes nowhere.
    start = link.split("?", 1)[0]
    async with app.http.post(start, data={"t": "forged"}, allow_redirects=False) as forged:
        assert forged.status == 410
    authorize = await through_intro(app.http, link)
    assert authorize.startswith(f"{sim.url}/oauth_auth.do?")
    token = link.split("t=", 1)[1]
    async with app.http.post(start, data={"t": token}, allow_redirects=False) as replay:
        assert replay.status == 410
    async with app.http.get(link) as used:
        assert used.status == 410
        assert "already used or has expired" in await used.text()
