"""Socket Mode: SnowOps with no public URL, talking to Slack over a websocket."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl

from bot.app import build_services
from bot.settings import Settings
from tests.conftest import FAST_RETRY
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_signing import slash_command_body
from tests.fakes.slack_socket import FakeSocketMode


async def test_commands_arrive_over_the_socket(make_settings: Callable[..., Settings]) -> None:
    async with FakeSlackApi() as api, FakeSocketMode() as socket:
        api.socket_url = socket.url
        settings = make_settings(
            SLACK_BOT_TOKEN="xoxb-socket",
            SLACK_APP_TOKEN="xapp-1-socket",
            SLACK_API_URL=api.base_url,
        )
        services = build_services(settings, retry=FAST_RETRY)
        await services.start()
        try:
            await socket.connected.wait()
            body = slash_command_body("help", response_url=api.response_url("sock"))
            payload = dict(parse_qsl(body.decode()))
            socket.send(
                {
                    "envelope_id": "env-1",
                    "type": "slash_commands",
                    "payload": payload,
                    "accepts_response_payload": True,
                }
            )
            ack = await socket.wait_for_ack("env-1")
            assert ack["envelope_id"] == "env-1"
            assert "/snow" in str(ack["payload"]["blocks"])
        finally:
            await services.stop()


async def test_without_a_signing_secret_no_http_request_is_accepted(
    make_settings: Callable[..., Settings],
) -> None:
    import aiohttp
    from aiohttp.test_utils import TestServer

    from bot.app import build_app

    settings = make_settings(
        SLACK_BOT_TOKEN="xoxb-socket",
        SLACK_APP_TOKEN="xapp-1-socket",
        SLACK_API_URL="http://127.0.0.1:9/api/",  # nothing listens: Slack is unreachable
    )
    server = TestServer(build_app(settings), host="127.0.0.1")
    await server.start_server()
    try:
        body = slash_command_body("help")
        async with (
            aiohttp.ClientSession() as http,
            http.post(str(server.make_url("/slack/events")), data=body) as r,
        ):
            assert r.status in (404, 405)
    finally:
        await server.close()
