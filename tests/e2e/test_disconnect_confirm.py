"""*Disconnect* asks first, on every platform, through the real entry points: Slack's signed
requests, the Bot Framework's activities, the console's HTTP API and its terminal.

Typed ``disconnect`` answers with a confirmation step (Confirm / Cancel, or y/N in the
terminal); only its Confirm button, or ``disconnect confirm`` typed, disconnects. Slack's
configuration button asks in Slack's own dialog, so it carries the confirmed command.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adapters.console.routes import add_console_routes
from adapters.console.session import CONSOLE_HEADER
from bot.app import build_app, build_services
from bot.settings import Settings
from core.clock import FakeClock
from tests.conftest import FAST_RETRY, Sim, connect_workspace
from tests.e2e.conftest import ADMIN, SlackHarness
from tests.e2e.console_harness import TOKEN, Console, run_terminal
from tests.e2e.teams_harness import WORKSPACE, TeamsHarness, action_of, cards_in
from tests.fakes import bot_activities as bf
from tests.fakes.slack_signing import block_actions_payload

SLACK_WS = "slack:T0123"
TEAMS_ADMIN = {"user": bf.ADMIN_ID, "aad": bf.ADMIN_AAD, "user_name": "Beth Anglin"}


def _buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found = {}
    for block in blocks:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("type") == "button":
                found[element["text"]["text"]] = element
    return found


async def test_slack_typed_disconnect_asks_and_only_confirm_disconnects(
    slack: SlackHarness,
) -> None:
    await slack.command("disconnect", user=ADMIN, name="typed")
    [step] = await slack.api.wait_for_response()
    assert slack.sim.url in json.dumps(step["blocks"])
    assert "Tickets stop syncing" in json.dumps(step["blocks"])
    buttons = _buttons(step["blocks"])
    assert (buttons["Disconnect"]["value"], buttons["Disconnect"]["style"]) == (
        "disconnect confirm",
        "danger",
    )
    assert buttons["Cancel"]["value"] == "config"
    assert await slack.services.store.get_connection(SLACK_WS) is not None

    click = block_actions_payload(
        "snow", "disconnect confirm", user_id=ADMIN, response_url=slack.api.response_url("click")
    )
    await slack.interact(click)
    answers = await slack.api.wait_for_response(2)
    assert "Disconnected from ServiceNow" in answers[-1]["text"]
    assert answers[-1].get("replace_original") is True
    assert await slack.services.store.get_connection(SLACK_WS) is None
    slack.every_payload_is_valid_block_kit()


async def test_slack_configuration_disconnect_asks_in_slacks_dialog(slack: SlackHarness) -> None:
    home = {"id": "VHOME", "type": "home"}
    await slack.interact(block_actions_payload("snow", "config", user_id=ADMIN, view=home))
    view = await slack.latest_modal(0, "manage_configuration")
    button = _buttons(view["blocks"])["Disconnect"]
    assert button["value"] == "disconnect confirm"
    assert button["style"] == "danger"
    dialog = button["confirm"]
    assert dialog["title"]["text"] == "Disconnect?"
    assert slack.sim.url in dialog["text"]["text"]
    assert (dialog["confirm"]["text"], dialog["deny"]["text"], dialog["style"]) == (
        "Disconnect",
        "Cancel",
        "danger",
    )


async def test_teams_disconnect_needs_the_confirmation_step(teams: TeamsHarness) -> None:
    [step] = await teams.say("snow disconnect", **TEAMS_ADMIN)
    (content,) = step.cards
    assert teams.sim.url in json.dumps(content)
    confirm, cancel = action_of(content, "Disconnect"), action_of(content, "Cancel")
    assert (confirm["data"], confirm["style"]) == ({"value": "disconnect confirm"}, "destructive")
    assert cancel["data"] == {"value": "config"}
    assert await teams.services.store.get_connection(WORKSPACE) is not None

    # Cancel goes back to the configuration card, whose Disconnect button asks again.
    back = await teams.invoke(
        bf.card_action("snow", cancel["data"], teams.service_url, **TEAMS_ADMIN)
    )
    (config,) = cards_in(back)
    assert "ServiceNow configuration" in json.dumps(config)
    ask = action_of(config, "Disconnect")
    assert ask["data"] == {"value": "disconnect"}
    again = await teams.invoke(
        bf.card_action("snow", ask["data"], teams.service_url, **TEAMS_ADMIN)
    )
    assert action_of(cards_in(again)[0], "Disconnect")["data"] == {"value": "disconnect confirm"}
    assert await teams.services.store.get_connection(WORKSPACE) is not None

    done = await teams.invoke(
        bf.card_action("snow", confirm["data"], teams.service_url, **TEAMS_ADMIN)
    )
    assert "Disconnected from ServiceNow" in json.dumps(done)
    assert await teams.services.store.get_connection(WORKSPACE) is None


@pytest.fixture
async def connected_console(
    make_settings: Callable[..., Settings], sim: Sim
) -> AsyncIterator[Console]:
    """The console API on loopback, its workspace connected to the simulator."""
    settings = make_settings()
    services = build_services(settings, clock=FakeClock(), retry=FAST_RETRY)
    web_app = build_app(settings, services=services)
    assert services.console_session is not None
    assert services.console is not None
    add_console_routes(web_app, services.console_session, TOKEN)
    server = TestServer(web_app, host="127.0.0.1", port=int(settings.public_url.rsplit(":", 1)[1]))
    await server.start_server()
    try:
        await connect_workspace(services, sim.url, "console:local")
        async with aiohttp.ClientSession(headers={CONSOLE_HEADER: TOKEN}) as http:
            yield Console(settings.public_url, http, services.console, services)
    finally:
        await server.close()


async def _terminal(console: Console, typed: bytes) -> str:
    return await run_terminal(console.url, typed)


async def test_console_disconnect_asks_y_n(connected_console: Console, sim: Sim) -> None:
    assert connected_console.services is not None
    store = connected_console.services.store
    async with connected_console.http.post(
        f"{connected_console.url}/console/commands", json={"text": "/snow disconnect"}
    ) as response:
        body = await response.json()
    assert body["confirm"]["command"] == "disconnect confirm"
    assert "Disconnect? [y/N]" in body["confirm"]["question"]
    assert await store.get_connection("console:local") is not None

    said_no = await _terminal(connected_console, b"/snow disconnect\nn\n")
    assert f"Disconnect {sim.url}?" in said_no
    assert f"Not disconnected: still connected to {sim.url}." in said_no
    assert await store.get_connection("console:local") is not None

    said_yes = await _terminal(connected_console, b"/snow disconnect\ny\n")
    assert "Disconnected from ServiceNow" in said_yes
    assert await store.get_connection("console:local") is None
