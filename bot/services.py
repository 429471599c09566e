"""The composition root: everything one SnowOps process runs, built here from settings.

Tests build SnowOps the same way, passing fakes only for what crosses the process edge (a
clock, an HTTP transport, an extra chat platform). Nothing does I/O while building.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import httpx2

from adapters.console.session import LocalSession, console_context
from adapters.console.sink import ConsoleSink
from adapters.slack.app import SlackAdapter
from adapters.teams.app import TeamsAdapter
from bot.adapters import slack_config, teams_config
from bot.core import CoreServices, build_core
from bot.metrics import Metrics
from bot.settings import Settings
from bot.workers import Workers
from core.clock import Clock, SystemClock
from core.ports import ChatSink
from core.retry import RetryPolicy
from core.store.cached import CachingStore
from core.store.factory import open_store
from core.store.port import Store

__all__ = ["Services", "build_services"]

log = logging.getLogger(__name__)


@dataclass
class Services(CoreServices):
    """Every long-lived object of one SnowOps process: core's, the chat platforms', the
    background workers."""

    metrics: Metrics | None = None
    workers: Workers | None = None
    slack: SlackAdapter | None = None
    teams: TeamsAdapter | None = None
    console: ConsoleSink | None = None
    console_session: LocalSession | None = None

    async def start(self) -> None:
        """Open what needs opening, then start the background workers."""
        await self.store.open()
        if self.slack is not None:
            await self.slack.start()
        if self.teams is not None:
            await self.teams.start()
        if self.settings.sync_enabled and self.workers is not None:
            await self.workers.start()

    async def stop(self) -> None:
        """Stop the workers (releasing their poll leases), then close connections."""
        if self.workers is not None:
            await self.workers.stop()
        await self.sync.close()
        if self.slack is not None:
            await self.slack.stop()
        if self.teams is not None:
            await self.teams.stop()
        await self.pool.aclose()
        if self.graph is not None:
            await self.graph.aclose()
        await self.store.close()


def _store(settings: Settings) -> Store:
    # Every command reads connections, state names and ticket pages: cache them briefly.
    return CachingStore(open_store(settings.store, settings.secret_box()))


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    transport: httpx2.AsyncBaseTransport | None = None,
    retry: RetryPolicy | None = None,
    sinks: Mapping[str, ChatSink] | None = None,
) -> Services:
    """Wire every service from settings (no I/O happens here). ``sinks`` adds chat
    platforms for notifications (by workspace prefix), beside the configured ones."""
    store = _store(settings)
    metrics = Metrics()
    # Core's services post through the sinks; the adapters' listeners need core: the map
    # is filled as the adapters are made, before anything runs.
    all_sinks: dict[str, ChatSink] = dict(sinks or {})
    slack = teams = None
    if settings.slack_enabled:
        slack = SlackAdapter(slack_config(settings), store, store, store)
        all_sinks["slack"] = slack.sink
    if settings.teams_enabled:
        teams = TeamsAdapter(teams_config(settings), store, store)
        all_sinks["teams"] = teams.sink
    # The local terminal chat (`snowops chat`); it only ever hears about console:* tickets.
    console = ConsoleSink()
    all_sinks["console"] = console
    core = build_core(
        settings,
        store,
        clock or SystemClock(),
        all_sinks,
        transport=transport,
        retry=retry,
        on_response=(metrics.on_servicenow_response, metrics.on_graph_response),
    )
    for adapter in (slack, teams):
        if adapter is not None:
            adapter.serve(core.router)
    workers = Workers(
        core.coordinator, core.notifier, core.deliveries, core.clock, settings.delivery_lease,
        refresh=core.score.refresher.refresh, score_interval=settings.score_interval,
        tick=core.score.schedule.tick,
    )  # fmt: skip
    return Services(
        **vars(core),
        metrics=metrics,
        workers=workers,
        slack=slack,
        teams=teams,
        console=console,
        console_session=LocalSession(core.router, console, console_context()),
    )
