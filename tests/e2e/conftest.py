"""Slack end to end: SnowOps's real server, a fake Slack Web API, the ServiceNow simulator."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from adapters.slack.sink import SlackChatSink
from bot.app import Services
from bot.settings import Settings
from core.clock import FakeClock
from tests.conftest import Graph, Sim, graph_settings, serve_connected
from tests.fakes.slack_api import TEAM_ID, FakeSlackApi
from tests.fakes.slack_signing import (
    event_body,
    interactivity_body,
    signed_headers,
    slash_command_body,
)

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-0123-snowops-test"
WORKSPACE = f"slack:{TEAM_ID}"
ADMIN = "U0ADMIN"
#: The "Loading…" placeholder modal, in either language.
LOADING = re.compile("Loading…|Laddar…")
USER = "U0USER"


def validate_blocks(blocks: list[dict[str, Any]]) -> None:
    """Every block must parse and re-serialise through slack_sdk.models (limits checked)."""
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, f"unknown block: {raw}"
        block.to_dict()


def button_values(surface: dict[str, Any]) -> set[str]:
    """The commands the buttons of a message, modal or Home view carry."""
    values: set[str] = set()
    for block in surface.get("blocks", []):
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("type") == "button" and element.get("value"):
                values.add(element["value"])
    return values


def validate_view(view: dict[str, Any]) -> None:
    """A modal or Home view must be accepted by slack_sdk.models.views.View."""
    View(**view).to_dict()
    validate_blocks(view.get("blocks", []))


def form_state(
    *,
    kind: str = "incident",
    name: str = "Rotate the VPN certificate",
    description: str = "It expires next week.",
    priority: str = "2",
    due: str | None = "2026-12-31",
    category: str | None = "Infrastructure",
) -> dict[str, dict[str, dict[str, Any]]]:
    """``view.state.values`` as Slack sends them for the ticket form."""

    def select(value: str | None) -> dict[str, Any]:
        option = {"text": {"type": "plain_text", "text": value}, "value": value} if value else None
        return {"type": "static_select", "selected_option": option}

    return {
        "kind": {"value": select(kind)},
        "name": {"value": {"type": "plain_text_input", "value": name}},
        "description": {"value": {"type": "plain_text_input", "value": description}},
        "priority": {"value": select(priority)},
        "due": {"value": {"type": "datepicker", "selected_date": due}},
        "category": {"value": select(category)},
    }


@dataclass
class SlackHarness:
    """SnowOps reachable as Slack would reach it."""

    url: str
    http: aiohttp.ClientSession
    api: FakeSlackApi
    services: Services
    clock: FakeClock
    sim: Sim

    async def post(
        self, body: bytes, *, content_type: str | None = None, **headers: str
    ) -> aiohttp.ClientResponse:
        """POST a signed body to /slack/events; returns the (read) response."""
        signed = signed_headers(
            SIGNING_SECRET, body, **({"content_type": content_type} if content_type else {})
        )
        signed.update(headers)
        async with self.http.post(f"{self.url}/slack/events", data=body, headers=signed) as r:
            await r.read()
            return r

    async def command(
        self, text: str, *, user: str = USER, name: str = "cmd", channel: str = "C0SEC"
    ) -> aiohttp.ClientResponse:
        """``/snow <text>`` from ``user`` in ``channel``; its response_url is ``name``."""
        body = slash_command_body(
            text, user_id=user, channel_id=channel, response_url=self.api.response_url(name)
        )
        return await self.post(body)

    async def interact(self, payload: dict[str, Any]) -> aiohttp.ClientResponse:
        """A block action, view submission or shortcut."""
        return await self.post(interactivity_body(payload))

    async def event(
        self, event: dict[str, Any], *, event_id: str, **headers: str
    ) -> aiohttp.ClientResponse:
        """An Events API delivery."""
        body = event_body(event, team_id=TEAM_ID, event_id=event_id)
        return await self.post(body, content_type="application/json", **headers)

    async def modal_after(self, text: str) -> dict[str, Any]:
        """Run ``/snow <text>``, whose answer is a modal; return what the modal shows once
        it is more than "Loading…"."""
        before = self.modals_shown()
        opened = len(self.api.calls_to("views.open"))
        await self.command(text, name=f"modal{opened}")
        return await self.latest_modal(before)

    def modal_id(self, callback_id: str) -> str:
        """The id of the newest modal with ``callback_id`` (as the fake Web API keeps it)."""
        ids = [v["id"] for v in self.api.views.values() if v.get("callback_id") == callback_id]
        assert ids, f"no {callback_id} modal was shown"
        return str(ids[-1])

    def modals_shown(self) -> int:
        """How many modals were opened or updated so far."""
        return len([c for c in self.api.calls if c.method in ("views.open", "views.update")])

    async def latest_modal(
        self, after: int, callback_id: str | None = None, within: float = 5
    ) -> dict[str, Any]:
        """The newest modal opened or updated after the first ``after`` ones (with
        ``callback_id`` if given), once it is more than a "Loading…" placeholder (in
        English or Swedish)."""
        async with asyncio.timeout(within):
            while True:
                shown = [
                    c.args["view"]
                    for c in self.api.calls
                    if c.method in ("views.open", "views.update") and "view" in c.args
                ][after:]
                if callback_id is not None:
                    shown = [v for v in shown if v.get("callback_id") == callback_id]
                if shown and not LOADING.search(json.dumps(shown[-1], ensure_ascii=False)):
                    view: dict[str, Any] = shown[-1]
                    return view
                await asyncio.sleep(0.02)

    @property
    def sink(self) -> SlackChatSink:
        """The Slack ChatSink the notifier uses."""
        assert self.services.slack is not None
        return self.services.slack.sink

    def every_payload_is_valid_block_kit(self) -> None:
        """What SnowOps sent Slack is valid Block Kit, whichever method carried it."""
        for call in self.api.calls:
            if call.args.get("blocks"):
                validate_blocks(call.args["blocks"])
            if "view" in call.args and isinstance(call.args["view"], dict):
                validate_view(call.args["view"])
        for response in self.api.responses:
            validate_blocks(response.get("blocks") or [])


@pytest.fixture
def slack_env() -> dict[str, str]:
    """Extra settings for the ``slack`` fixture (parametrize it to change them)."""
    return {}


@pytest.fixture
async def slack(
    make_settings: Callable[..., Settings], sim: Sim, graph: Graph, slack_env: dict[str, str]
) -> AsyncIterator[SlackHarness]:
    """SnowOps in single-workspace Slack mode, its workspace connected to the ServiceNow
    simulator, Secure Score read from the Graph simulator."""
    api = FakeSlackApi()
    await api.start()
    api.set_user(ADMIN, is_admin=True, email="beth.anglin@example.com", real_name="Beth Anglin")
    api.set_user(USER, email="abel.tuter@example.com", real_name="Abel Tuter")
    settings = make_settings(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=api.base_url,
        **graph_settings(graph),
        **slack_env,
    )
    try:
        async with (
            serve_connected(settings, sim, WORKSPACE) as (services, clock),
            aiohttp.ClientSession() as http,
        ):
            yield SlackHarness(settings.public_url, http, api, services, clock, sim)
    finally:
        await api.close()


# The Teams harness and the replicas' Redis live in their own modules; their fixtures are
# shared from here.
from tests.e2e.replicas import shared_redis  # noqa: E402, F401
from tests.e2e.teams_harness import teams, teams_env  # noqa: E402, F401
