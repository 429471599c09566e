"""Hostile or broken requests to ``/api/messages`` get a 4xx and one log line, never a 500
or a traceback: bodies too deep, too big (with or without a Content-Length), of the wrong
shape, with a bad ``serviceUrl``, an unsigned token, or forged card data."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import jwt
import pytest
from aiohttp.test_utils import TestServer

from bot.app import build_app, build_services
from bot.settings import Settings
from core.clock import FakeClock
from tests.conftest import FAST_RETRY
from tests.e2e.teams_harness import TeamsHarness
from tests.fakes import bot_activities as bf
from tests.fakes.teams_connector import FakeConnector

DEEP = 100_000


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """Nothing logged a traceback or an error."""
    for record in caplog.records:
        assert record.exc_info is None, record.getMessage()
        assert record.levelno < logging.ERROR, record.getMessage()
        assert "Traceback" not in record.getMessage()


def refused_once(caplog: pytest.LogCaptureFixture) -> None:
    """One line says a request was refused, and nothing else was logged about it."""
    no_traceback(caplog)
    lines = [r for r in caplog.records if r.name.startswith("adapters.teams")]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert "refused" in lines[0].getMessage()


async def post_raw(
    teams: TeamsHarness, body: bytes | Any, *, token: bool = True, chunked: bool = False
) -> tuple[int, Any]:
    """POST ``body`` as it is (bytes, or an async iterator for a chunked body)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {teams.entra.mint(teams.service_url)}"
    async with teams.http.post(f"{teams.url}/api/messages", data=body, headers=headers) as r:
        raw = await r.read()
        return r.status, (json.loads(raw) if raw else None)


@pytest.mark.parametrize("token", [True, False])
@pytest.mark.parametrize("bracket", ["[", '{"a":'])
async def test_json_nested_very_deep_is_a_400(
    teams: TeamsHarness, caplog: pytest.LogCaptureFixture, token: bool, bracket: str
) -> None:
    status, body = await post_raw(teams, (bracket * DEEP).encode(), token=token)
    assert status == 400
    assert "JSON activity" in body["error"]
    refused_once(caplog)


async def test_an_activity_nested_deeper_than_any_activity_is_a_400(
    teams: TeamsHarness, caplog: pytest.LogCaptureFixture
) -> None:
    activity = bf.message("snow help", teams.service_url)
    value: Any = "x"
    for _ in range(200):  # parses, but no activity nests like this
        value = [value]
    activity["value"] = value
    status, body = await teams.send(activity)
    assert status == 400
    assert "too deeply" in body["error"]
    assert teams.connector.sent == []
    refused_once(caplog)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("from", "29:1user"),
        ("from", None),
        ("from", {"name": "no id"}),
        ("conversation", None),
        ("recipient", {"id": 5}),
        ("channelId", ""),
        ("conversation", ["a:1personal-chat"]),
        ("recipient", 7),
        ("channelData", "tenant"),
        ("serviceUrl", ""),
        ("serviceUrl", "http://[::1"),
        ("serviceUrl", "http://127.0.0.1:99999/"),
        ("serviceUrl", 42),
        ("type", 1),
    ],
)
async def test_an_activity_of_the_wrong_shape_is_a_400(
    teams: TeamsHarness, caplog: pytest.LogCaptureFixture, field: str, value: Any
) -> None:
    activity = bf.message("snow help", teams.service_url)
    activity[field] = value
    status, body = await post_raw(teams, json.dumps(activity).encode())
    assert status == 400, body
    assert "error" in body
    assert teams.connector.sent == []
    refused_once(caplog)


async def test_a_chunked_body_over_the_limit_is_a_413(
    teams: TeamsHarness, caplog: pytest.LogCaptureFixture
) -> None:
    activity = bf.message("snow help", teams.service_url)
    activity["text"] = "snow help " + "x" * (900 * 1024)
    raw = json.dumps(activity).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(raw), 64 * 1024):
            yield raw[i : i + 64 * 1024]

    status, body = await post_raw(teams, chunks())
    assert status == 413
    assert body == {"error": "Request too large."}
    assert teams.connector.sent == []
    refused_once(caplog)


async def test_an_unsigned_token_is_a_401_even_while_the_keys_are_unavailable(
    teams: TeamsHarness, caplog: pytest.LogCaptureFixture
) -> None:
    teams.entra.keys_down = True  # the sign-in service's keys cannot be fetched
    claims = {
        "iss": "https://api.botframework.com",
        "aud": teams.entra.app_id,
        "serviceurl": teams.service_url,
        "exp": 9_999_999_999,
    }
    token = jwt.encode(claims, None, algorithm="none")
    status, body = await teams.send(bf.message("snow help", teams.service_url), token=token)
    assert status == 401
    assert body == {"error": "Invalid token or authentication failed."}
    assert teams.entra.key_requests == 0  # refused before any key is fetched
    refused_once(caplog)


FORGED: list[Any] = [
    {
        "action": {
            "type": "Action.Execute",
            "verb": "snow",
            "data": {"value": "recommendations page 999999999999999999999999999999"},
        }
    },
    {
        "action": {
            "type": "Action.Execute",
            "verb": "snow",
            "data": {"value": "tickets page 1" + "0" * 40},
        }
    },
    {
        "action": {
            "type": "Action.Execute",
            "verb": "recommendations",
            "data": {"value": "Data|0|" + "9" * 30},
        }
    },
    {
        "action": {
            "type": "Action.Execute",
            "verb": "tickets",
            "data": {"value": "incident|1|" + "9" * 30},
        }
    },
    {"action": {"type": "Action.Execute", "verb": "snow", "data": {"value": ["tickets"]}}},
    {"action": {"type": "Action.Execute", "verb": ["snow"], "data": "tickets"}},
    {"action": "snow tickets"},
    {"action": {"verb": "ticket_form", "data": {"form": "not a form", "priority": {"x": 1}}}},
    {"action": {"verb": "ticket_form", "data": {"form": {"sid": ["x"], "source": 5}}}},
    {"action": {"verb": "rename_state", "data": {"state_pick": 5, "state_label": ["x"]}}},
    ["not", "an", "object"],
    "a string",
]


@pytest.mark.parametrize("value", FORGED, ids=range(len(FORGED)))
async def test_forged_card_actions_get_a_clean_answer(
    teams: TeamsHarness, caplog: pytest.LogCaptureFixture, value: Any
) -> None:
    activity = bf.invoke("adaptiveCard/action", {}, teams.service_url)
    activity["value"] = value
    status, body = await teams.send(activity)
    assert status < 500, body
    if status == 200:
        assert body["statusCode"] < 500
        assert "Traceback" not in json.dumps(body)
        assert "reference" not in json.dumps(body).lower()  # no "something went wrong"
    no_traceback(caplog)


@pytest.fixture
async def anonymous(
    make_settings: Callable[..., Settings],
) -> AsyncIterator[tuple[str, FakeConnector, aiohttp.ClientSession]]:
    """SnowOps in anonymous local mode."""
    connector = FakeConnector()
    await connector.start()
    settings = make_settings(SNOWOPS_TEAMS_ANONYMOUS="1")
    services = build_services(settings, clock=FakeClock(), retry=FAST_RETRY)
    port = int(settings.public_url.rsplit(":", 1)[1])
    server = TestServer(build_app(settings, services=services), host="127.0.0.1", port=port)
    await server.start_server()
    async with aiohttp.ClientSession() as http:
        try:
            yield settings.public_url, connector, http
        finally:
            await server.close()
            await connector.close()


@pytest.mark.parametrize("service_url", ["", "   ", "http://[::1", "127.0.0.1:9", None, {}])
async def test_anonymous_mode_refuses_a_bad_service_url_with_a_400(
    anonymous: tuple[str, FakeConnector, aiohttp.ClientSession],
    caplog: pytest.LogCaptureFixture,
    service_url: Any,
) -> None:
    url, connector, http = anonymous
    activity = bf.message("help", connector.url)
    activity["serviceUrl"] = service_url
    async with http.post(f"{url}/api/messages", json=activity) as r:
        assert r.status == 400
    assert connector.sent == []
    refused_once(caplog)


async def test_anonymous_mode_still_answers_a_good_activity(
    anonymous: tuple[str, FakeConnector, aiohttp.ClientSession],
) -> None:
    url, connector, http = anonymous
    async with http.post(f"{url}/api/messages", json=bf.message("help", connector.url)) as r:
        assert r.status == 202
    assert len(connector.posts()) == 1


@pytest.mark.parametrize("name", ["signin/verifyState", "no/such/invoke"])
async def test_an_invoke_snowops_does_not_take_is_a_400(
    teams: TeamsHarness, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    value = {"action": {"type": "Action.Execute", "verb": "snow", "data": {"value": "help"}}}
    status, body = await teams.send(bf.invoke(name, value, teams.service_url))
    assert status == 400  # not the SDK's 501
    assert "does not handle" in body["error"]
    assert teams.connector.sent == []
    no_traceback(caplog)
