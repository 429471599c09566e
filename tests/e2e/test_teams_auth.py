"""Who may call /api/messages: with an app id, only requests with a valid token for that
app and that connector; without one, nobody, unless anonymous local mode is on, and then
only activities from a loopback connector."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.app import Services, build_app, build_services
from bot.settings import Settings
from core.clock import FakeClock
from core.models import ChannelRef
from core.views import Notice
from tests.conftest import FAST_RETRY
from tests.e2e.teams_harness import TeamsHarness
from tests.fakes import bot_activities as bf
from tests.fakes.teams_connector import FakeConnector


async def test_a_request_without_a_token_is_refused(teams: TeamsHarness) -> None:
    status, body = await teams.send(bf.message("snow help", teams.service_url), token=None)
    assert status == 401
    assert body == {"error": "Authorization header not found"}
    assert teams.connector.sent == []


@pytest.mark.parametrize(
    "bad",
    ["forged", "audience", "expired", "service", "tenant", "garbage", "scheme"],
)
async def test_a_bad_token_is_refused(teams: TeamsHarness, bad: str) -> None:
    activity = bf.message("snow help", teams.service_url)
    mint = teams.entra.mint
    tokens = {
        "forged": lambda: mint(teams.service_url, forged=True),
        "audience": lambda: mint(teams.service_url, audience="another-bot"),
        "expired": lambda: mint(teams.service_url, expires_in=-3600),
        "service": lambda: mint("https://smba.trafficmanager.net/evil/"),
        "tenant": lambda: mint(
            teams.service_url, issuer=teams.entra.entra_issuer, tid="another-tenant"
        ),
        "garbage": lambda: "not.a.token",
    }
    if bad == "scheme":
        headers = {"Authorization": f"Basic {mint(teams.service_url)}"}
        async with teams.http.post(
            f"{teams.url}/api/messages", json=activity, headers=headers
        ) as r:
            assert r.status == 401
    else:
        status, body = await teams.send(activity, token=tokens[bad]())
        assert status == 401
        assert "error" in body
    assert teams.connector.sent == []


def _unsigned(claims: dict[str, object], alg: str) -> str:
    import jwt

    if alg == "none":
        return jwt.encode(claims, None, algorithm="none")
    return jwt.encode(claims, "a shared secret anyone could guess", algorithm="HS256")


@pytest.mark.parametrize("alg", ["none", "HS256"])
async def test_a_token_not_signed_with_a_published_key_is_refused(
    teams: TeamsHarness, alg: str
) -> None:
    claims = {
        "iss": "https://api.botframework.com",
        "aud": teams.entra.app_id,
        "serviceurl": teams.service_url,
        "exp": 9_999_999_999,
    }
    status, _ = await teams.send(
        bf.message("snow help", teams.service_url), token=_unsigned(claims, alg)
    )
    assert status == 401
    assert teams.connector.sent == []


async def test_a_token_that_names_no_connector_is_refused(teams: TeamsHarness) -> None:
    """Without a serviceurl claim the token could send the bot's replies (and its own
    token) anywhere the activity says."""
    token = teams.entra.mint("", serviceurl=None)
    status, _ = await teams.send(bf.message("snow help", "https://evil.example.com/"), token=token)
    assert status == 401
    assert teams.connector.sent == []


async def test_a_key_not_endorsed_for_the_channel_is_refused(teams: TeamsHarness) -> None:
    activity = bf.message("snow help", teams.service_url)
    activity["channelId"] = "webchat"  # the fake's key is endorsed for msteams only
    status, _ = await teams.send(activity, token=teams.entra.mint(teams.service_url))
    assert status == 401
    assert teams.connector.sent == []


async def test_an_activity_from_another_tenant_is_refused(teams: TeamsHarness) -> None:
    activity = bf.message("snow help", teams.service_url, tenant="other-tenant")
    status, body = await teams.send(activity, token=teams.entra.mint(teams.service_url))
    assert status == 403
    assert body == {"error": "This bot does not serve this Microsoft Entra tenant."}
    assert teams.connector.sent == []


async def test_tenant_tokens_of_the_bots_tenant_are_accepted(teams: TeamsHarness) -> None:
    token = teams.entra.mint(teams.service_url, issuer=teams.entra.entra_issuer, tid=bf.TENANT)
    status, _ = await teams.send(bf.message("snow help", teams.service_url), token=token)
    assert status == 202
    assert len(teams.connector.posts()) == 1


async def test_bad_bodies_get_a_clear_answer_and_health_stays_public(teams: TeamsHarness) -> None:
    headers = {"Authorization": f"Bearer {teams.entra.mint(teams.service_url)}"}
    async with teams.http.post(f"{teams.url}/api/messages", data=b"{nope", headers=headers) as r:
        assert r.status == 400
        assert "JSON activity" in (await r.json())["error"]
    malformed = {**bf.message("snow help", teams.service_url), "from": 5}
    async with teams.http.post(f"{teams.url}/api/messages", json=malformed, headers=headers) as r:
        assert r.status == 400
        assert (await r.json())["error"].startswith("The activity is malformed")
    assert teams.connector.sent == []
    async with teams.http.get(f"{teams.url}/healthz") as r:
        assert r.status == 200


async def test_signing_keys_are_fetched_once(teams: TeamsHarness) -> None:
    for _ in range(3):
        await teams.say("snow help")
    assert teams.entra.key_requests == 2  # Bot Framework's and the tenant's metadata


async def _serve(settings: Settings) -> tuple[TestServer, str, Services]:
    services = build_services(settings, clock=FakeClock(), retry=FAST_RETRY)
    app = build_app(settings, services=services)
    port = int(settings.public_url.rsplit(":", 1)[1])
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    return server, settings.public_url, services


Anonymous = tuple[str, FakeConnector, aiohttp.ClientSession, Services]


@pytest.fixture
async def anonymous(make_settings: Callable[..., Settings]) -> AsyncIterator[Anonymous]:
    connector = FakeConnector()
    await connector.start()
    server, url, services = await _serve(make_settings(SNOWOPS_TEAMS_ANONYMOUS="1"))
    async with aiohttp.ClientSession() as http:
        try:
            yield url, connector, http, services
        finally:
            await server.close()
            await connector.close()


async def test_anonymous_mode_accepts_only_loopback_connectors(anonymous: Anonymous) -> None:
    url, connector, http, _ = anonymous
    async with http.post(f"{url}/api/messages", json=bf.message("help", connector.url)) as r:
        assert r.status == 202
    [reply] = connector.posts()
    assert reply.token is None  # no credentials: nothing to send
    assert "SnowOps" in reply.text
    remote = bf.message("help", "https://smba.trafficmanager.net/amer/")
    async with http.post(f"{url}/api/messages", json=remote) as r:
        assert r.status == 403
        assert "loopback" in (await r.json())["error"]
    headers = {"Authorization": "Bearer something"}
    local = bf.message("help", connector.url)
    async with http.post(f"{url}/api/messages", json=local, headers=headers) as r:
        assert r.status == 401
    assert len(connector.posts()) == 1


async def test_without_an_app_id_the_endpoint_is_refused(
    make_settings: Callable[..., Settings],
) -> None:
    server, url, _ = await _serve(make_settings())
    try:
        async with aiohttp.ClientSession() as http:
            activity = bf.message("help", "http://127.0.0.1:9/")
            async with http.post(f"{url}/api/messages", json=activity) as r:
                assert r.status == 401
                assert "TEAMS_APP_ID" in (await r.json())["error"]
    finally:
        await server.close()


async def test_anonymous_mode_posts_proactively_without_a_token(anonymous: Anonymous) -> None:
    url, connector, http, services = anonymous
    async with http.post(f"{url}/api/messages", json=bf.message("help", connector.url)) as r:
        assert r.status == 202
    assert services.teams is not None
    channel = ChannelRef(f"teams:{bf.TENANT}", bf.PERSONAL)
    await services.teams.sink.post(channel, Notice("INC0010001 is resolved"), key="k1")
    posted = connector.posts()[-1]
    assert posted.texts == ["INC0010001 is resolved"]
    assert posted.token is None
