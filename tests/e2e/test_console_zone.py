"""The console's due dates are in this machine's time zone: the terminal's prompt says
which, the ticket lands in ServiceNow at the end of that local day, and the card says so."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adapters.console.routes import add_console_routes
from adapters.console.session import CONSOLE_HEADER
from bot.app import build_app, build_services
from bot.settings import Settings
from core.clock import FakeClock
from tests.conftest import FAST_RETRY, Sim, connect_workspace
from tests.e2e.console_harness import TOKEN, run_terminal


@pytest.fixture
async def console_url(
    make_settings: Callable[..., Settings], sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """The console API of SnowOps, on a machine set to Stockholm time, whose workspace
    console:local is connected to the simulator."""
    monkeypatch.setenv("TZ", "Europe/Stockholm")
    settings = make_settings()
    services = build_services(settings, clock=FakeClock(), retry=FAST_RETRY)
    web_app = build_app(settings, services=services)
    assert services.console_session is not None
    add_console_routes(web_app, services.console_session, TOKEN)
    port = int(settings.public_url.rsplit(":", 1)[1])
    server = TestServer(web_app, host="127.0.0.1", port=port)
    await server.start_server()
    try:
        await connect_workspace(services, sim.url, "console:local")
        yield settings.public_url
    finally:
        await server.close()


async def test_a_stockholm_consoles_due_date_is_the_end_of_its_day(
    console_url: str, sim: Sim
) -> None:
    # Type (incident), name, description, priority, due date, category.
    typed = b"/snow create incident\n\nRotate the VPN keys\n\n\n2026-12-31\n\n"
    text = await run_terminal(console_url, typed)
    assert "Due date YYYY-MM-DD in Europe/Stockholm (optional" in text
    assert "Due: Dec 31, 2026 (Europe/Stockholm)" in text, text
    async with (
        aiohttp.ClientSession(headers={CONSOLE_HEADER: TOKEN}) as http,
        http.get(f"{sim.url}/sim/tickets/INC0010001") as r,
    ):
        record = (await r.json())["record"]
    assert record["short_description"] == "Rotate the VPN keys"
    assert record["due_date"] == "2026-12-31 22:59:59"
