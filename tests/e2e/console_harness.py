"""The console API (``/console/…``) served in this process, as ``snowops dev`` serves it,
for tests that call it over loopback HTTP and read its log."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adapters.console.remote import RemoteSession
from adapters.console.routes import add_console_routes
from adapters.console.session import CONSOLE_HEADER
from adapters.console.sink import ConsoleSink
from adapters.console.terminal import Terminal
from bot.app import build_app, build_services
from bot.services import Services
from bot.settings import Settings
from core.clock import FakeClock
from tests.conftest import FAST_RETRY

TOKEN = "console-test-token-0123456789abcdef"


@dataclass
class Console:
    """Where the console API answers, and a session that sends its token."""

    url: str
    http: aiohttp.ClientSession
    sink: ConsoleSink
    services: Services | None = None


@pytest.fixture
async def console(make_settings: Callable[..., Settings]) -> AsyncIterator[Console]:
    """SnowOps with the console API on loopback (no ServiceNow connection)."""
    settings = make_settings()
    services = build_services(settings, clock=FakeClock(), retry=FAST_RETRY)
    web_app = build_app(settings, services=services)
    assert services.console_session is not None
    add_console_routes(web_app, services.console_session, TOKEN)
    port = int(settings.public_url.rsplit(":", 1)[1])
    server = TestServer(web_app, host="127.0.0.1", port=port)
    await server.start_server()
    try:
        async with aiohttp.ClientSession(headers={CONSOLE_HEADER: TOKEN}) as http:
            assert services.console is not None
            yield Console(settings.public_url, http, services.console, services)
    finally:
        await server.close()


async def run_terminal(
    url: str, typed: bytes, token: str = TOKEN, locale: str | None = None
) -> str:
    """The whole terminal attached to ``url`` (as `snowops chat --server` is), ``typed`` on
    its standard input, in ``locale`` (a ``LANG``; default: this process's); what it
    printed. It must end cleanly (exit status 0)."""
    read, write = os.pipe()
    os.write(write, typed)
    os.close(write)
    out = io.StringIO()
    session = RemoteSession(url, token, locale)
    try:
        with os.fdopen(read) as stdin:
            assert await Terminal(session, out, locale=locale).run(stdin) == 0
    finally:
        await session.close()
    return out.getvalue()
