"""Multi-workspace Slack: the OAuth install flow, installations kept encrypted in the Store."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.app import build_app
from bot.settings import Settings
from tests.e2e.conftest import SIGNING_SECRET
from tests.fakes.slack_api import (
    INSTALL_BOT_TOKEN,
    INSTALL_TEAM_ID,
    FakeSlackApi,
)
from tests.fakes.slack_signing import signed_headers, slash_command_body

CLIENT_ID = "1234567890.0987654321"
CLIENT_SECRET = "slack-client-secret-for-tests"


@pytest.fixture
async def installable(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> AsyncIterator[tuple[str, FakeSlackApi, Settings]]:
    api = FakeSlackApi(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    await api.start()
    settings = make_settings(
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=api.base_url,
    )
    app = build_app(settings)
    port = int(settings.public_url.rsplit(":", 1)[1])
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    try:
        yield settings.public_url, api, settings
    finally:
        await server.close()
        await api.close()


async def test_install_then_use_from_the_new_workspace(
    installable: tuple[str, FakeSlackApi, Settings],
) -> None:
    url, api, settings = installable
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{url}/slack/install") as page:
            assert page.status == 200
            html = await page.text()
            cookie = page.headers.get("Set-Cookie", "").split(";", 1)[0]
        match = re.search(r"state=([A-Za-z0-9_\-]+)", html)
        assert match is not None
        state = match.group(1)
        assert "slack.com/oauth/v2/authorize" in html
        assert f"client_id={CLIENT_ID}" in html
        redirect = f"{url}/slack/oauth_redirect?code=fake-code&state={state}"
        async with http.get(redirect, headers={"Cookie": cookie}) as done:
            assert done.status == 200, await done.text()
        # The state was single use.
        async with http.get(redirect, headers={"Cookie": cookie}) as again:
            assert again.status != 200 or "error" in (await again.text()).lower()

        body = slash_command_body(
            "help", team_id=INSTALL_TEAM_ID, response_url=api.response_url("t456")
        )
        async with http.post(
            f"{url}/slack/events", data=body, headers=signed_headers(SIGNING_SECRET, body)
        ) as r:
            assert r.status == 200
            answer = await r.json()
    assert "/snow" in str(answer["blocks"])
    # Bolt authorized the request with the new workspace's installation.
    assert any(c.token == INSTALL_BOT_TOKEN for c in api.calls_to("auth.test"))
    # The bot token is kept, encrypted: it is nowhere in the database file in clear.
    rows, raw = await asyncio.to_thread(_dump, settings.store.removeprefix("sqlite:///"))
    assert rows
    assert INSTALL_BOT_TOKEN not in repr(rows)
    assert INSTALL_BOT_TOKEN.encode() not in raw


def _dump(db: str) -> tuple[list[tuple[object, ...]], bytes]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT * FROM documents").fetchall()
    wal = Path(f"{db}-wal")
    return rows, Path(db).read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def test_a_forged_state_is_refused(installable: tuple[str, FakeSlackApi, Settings]) -> None:
    url, api, _ = installable
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{url}/slack/oauth_redirect?code=fake-code&state=forged") as r,
    ):
        assert r.status in (400, 401, 403)
    assert api.calls_to("oauth.v2.access") == []


async def test_a_command_from_a_workspace_without_an_installation_is_told_to_install(
    installable: tuple[str, FakeSlackApi, Settings],
) -> None:
    url, api, _ = installable
    body = slash_command_body("help", team_id="T0NOTHERE", response_url=api.response_url("no"))
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{url}/slack/events", data=body, headers=signed_headers(SIGNING_SECRET, body)
        ) as r:
            assert r.status == 200
            acked = await r.text()
    # As bolt answers a workspace it has no installation for: an empty ack, then the
    # reason through response_url; no help leaks out.
    assert "/snow" not in acked
    [told] = await api.wait_for_response()
    assert "Please reinstall this app into your workspace" in str(told)
    assert "/snow" not in str(told)
