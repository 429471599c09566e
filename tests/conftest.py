"""Shared fixtures: the ServiceNow simulator and SnowOps itself, each on a real socket.

Nothing of our own is patched: SnowOps is built by the same composition root as in
production (``bot.app.build_services``), with only the clock and retry timings tuned.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from aiohttp.typedefs import Middleware

from bot.app import Services, build_app, build_services
from bot.settings import Settings, load_settings
from core.clock import FakeClock
from core.connections import OAuthClientConfig
from core.handlers.context import RequestContext
from core.models import ChannelRef, Requester
from core.ports import ChatSink
from core.secrets import generate_key
from core.servicenow import RetryPolicy
from sim.graph import DEFAULT_CLIENT_ID as GRAPH_DEFAULT_CLIENT_ID
from sim.graph import DEFAULT_CLIENT_SECRET as GRAPH_DEFAULT_CLIENT_SECRET
from sim.graph import DEFAULT_TENANT_ID as GRAPH_DEFAULT_TENANT_ID
from sim.graph import GraphSim, GraphSimConfig, build_graph_sim_app
from sim.servicenow import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    SimConfig,
    SimInstance,
    build_sim_app,
)

IN_CI = bool(os.environ.get("CI"))
FAST_RETRY = RetryPolicy(
    attempts=4, base_delay=0.01, max_delay=0.05, budget_seconds=5, timeout_seconds=2
)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Settings come only from what a test passes, never from the developer's shell.
    for name in list(os.environ):
        if name.startswith(("SNOWOPS_", "SERVICENOW_", "SLACK_", "TEAMS_", "GRAPH_")):
            monkeypatch.delenv(name, raising=False)


@dataclass
class Sim:
    """A running simulator."""

    url: str
    instance: SimInstance


@contextlib.asynccontextmanager
async def serve_sim(*middlewares: Middleware) -> AsyncIterator[Sim]:
    """A ServiceNow simulator on a real loopback port, for as long as the block runs;
    ``middlewares`` see each request first (a test rigging what the instance answers)."""
    instance = SimInstance(SimConfig())
    app = build_sim_app(instance)
    app.middlewares[:0] = middlewares
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    url = str(server.make_url("")).rstrip("/")
    instance.config.instance_url = url
    try:
        yield Sim(url, instance)
    finally:
        await server.close()


@pytest.fixture
async def sim() -> AsyncIterator[Sim]:
    """A ServiceNow simulator on a real loopback port."""
    async with serve_sim() as running:
        yield running


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings as the environment would give them, with overrides."""

    def make(**env: str) -> Settings:
        values = {
            "SNOWOPS_STORE": f"sqlite:///{tmp_path / 'snowops.db'}",
            "SNOWOPS_SECRET_KEY": generate_key(),
            "SNOWOPS_PUBLIC_URL": f"http://127.0.0.1:{free_port()}",
            # Tests drive sync cycles and deliveries themselves, deterministically.
            "SNOWOPS_SYNC": "false",
            **env,
        }
        for key, value in values.items():
            os.environ[key] = value
        try:
            return load_settings(_env_file=None)
        finally:
            for key in values:
                os.environ.pop(key, None)

    return make


@dataclass
class Graph:
    """A running Microsoft Graph simulator."""

    url: str
    sim: GraphSim


@pytest.fixture
async def graph() -> AsyncIterator[Graph]:
    """A Microsoft Graph Secure Score simulator on a real loopback port."""
    state = GraphSim(GraphSimConfig())
    server = TestServer(build_graph_sim_app(state), host="127.0.0.1")
    await server.start_server()
    try:
        yield Graph(str(server.make_url("")).rstrip("/"), state)
    finally:
        await server.close()


@dataclass
class App:
    """A running SnowOps server and its services."""

    url: str
    services: Services
    clock: FakeClock
    http: aiohttp.ClientSession


@pytest.fixture
def app_env() -> dict[str, str]:
    """Extra settings for the ``app`` fixture; a test module overrides this to add some."""
    return {}


@pytest.fixture
def app_sinks() -> dict[str, ChatSink]:
    """Extra chat platforms for the ``app`` fixture (by workspace prefix); a test folder
    overrides this to record what core posts."""
    return {}


@pytest.fixture
async def app(
    make_settings: Callable[..., Settings],
    app_env: dict[str, str],
    app_sinks: dict[str, ChatSink],
) -> AsyncIterator[App]:
    """SnowOps on its own port (``SNOWOPS_PUBLIC_URL``), SQLite store, fake clock."""
    settings = make_settings(**app_env)
    clock = FakeClock()
    services = build_services(settings, clock=clock, retry=FAST_RETRY, sinks=app_sinks)
    web_app = build_app(settings, services=services)
    port = int(settings.public_url.rsplit(":", 1)[1])
    server = TestServer(web_app, host="127.0.0.1", port=port)
    await server.start_server()
    async with aiohttp.ClientSession() as http:
        try:
            yield App(settings.public_url, services, clock, http)
        finally:
            await server.close()


def admin_ctx(workspace: str = "slack:T0123", user: str = "U_ADMIN") -> RequestContext:
    """A workspace admin in a channel."""
    return RequestContext(
        workspace=workspace,
        requester=Requester("slack", user, "Ada Admin", "abel.tuter@example.com"),
        channel=ChannelRef(workspace, "C_SEC"),
        is_admin=True,
    )


async def connect_workspace(
    services: Services, sim_url: str, workspace: str = "slack:T0123"
) -> None:
    """Connect a workspace headlessly (password grant) to the ServiceNow simulator."""
    await services.connections.connect_with_password(
        workspace,
        sim_url,
        OAuthClientConfig(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        DEFAULT_USERNAME,
        DEFAULT_PASSWORD,
        actor="test",
    )


def graph_settings(graph: Graph) -> dict[str, str]:
    """The settings that point Secure Score at the Graph simulator."""
    return {
        "GRAPH_CLIENT_ID": GRAPH_DEFAULT_CLIENT_ID,
        "GRAPH_CLIENT_SECRET": GRAPH_DEFAULT_CLIENT_SECRET,
        "GRAPH_TENANT_ID": GRAPH_DEFAULT_TENANT_ID,
        "GRAPH_API_URL": graph.url,
        "GRAPH_LOGIN_URL": graph.url,
    }


@asynccontextmanager
async def serve_connected(
    settings: Settings, sim: Sim, workspace: str
) -> AsyncIterator[tuple[Services, FakeClock]]:
    """SnowOps built from ``settings`` on its public port, on a fake clock, with
    ``workspace`` connected to the simulator; the server closes on exit."""
    clock = FakeClock()
    services = build_services(settings, clock=clock, retry=FAST_RETRY)
    app = build_app(settings, services=services)
    port = int(settings.public_url.rsplit(":", 1)[1])
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    try:
        await connect_workspace(services, sim.url, workspace)
        yield services, clock
    finally:
        await server.close()


@pytest.fixture
async def connected(app: App, sim: Sim) -> App:
    """The ``app`` with workspace ``slack:T0123`` connected to the simulator."""
    await connect_workspace(app.services, sim.url)
    return app
