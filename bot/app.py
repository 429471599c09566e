"""The composition root: everything SnowOps runs is built here, from settings.

Tests build the app the same way, passing fakes only for what crosses the process edge
(a clock, an HTTP transport).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import httpx2
from aiohttp import web
from pydantic import SecretStr

from adapters.console.sink import ConsoleSink
from adapters.slack.app import SlackAdapter
from adapters.slack.config import SlackConfig
from adapters.teams.app import TeamsAdapter, add_refusing_route
from adapters.teams.config import TeamsConfig
from bot.metrics import Metrics
from bot.settings import Settings
from bot.workers import CONTACT_NS, Workers
from core.clock import Clock, SystemClock
from core.connections import ConnectionService, ConnectResult, OAuthClientConfig
from core.dispatch import Dispatcher
from core.doctor import Check, ServiceNowProbe
from core.notify import Notifier
from core.ports import ChatSink
from core.push import PushReceiver
from core.recommendations import RecommendationService
from core.secrets import SecretBox
from core.securescore.client import GraphClient
from core.servicenow import InstancePool, OAuthClient, RetryPolicy, TableClient, TokenKeeper
from core.store import codec
from core.store.cached import CachingStore
from core.store.factory import open_store
from core.store.port import Store
from core.sync import StatusSync
from core.tickets import TicketService

__all__ = ["SERVICES", "Services", "build_app", "build_services"]

log = logging.getLogger(__name__)

ConnectedHook = Callable[[ConnectResult], Awaitable[None]]


@dataclass
class Services:
    """Every long-lived object of one SnowOps process."""

    settings: Settings
    clock: Clock
    box: SecretBox
    store: Store
    pool: InstancePool
    oauth: OAuthClient
    tokens: TokenKeeper
    table: TableClient
    connections: ConnectionService
    tickets: TicketService
    recommendations: RecommendationService
    graph: GraphClient | None
    dispatcher: Dispatcher
    metrics: Metrics
    sync: StatusSync
    push: PushReceiver
    notifier: Notifier
    workers: Workers
    slack: SlackAdapter | None = None
    teams: TeamsAdapter | None = None
    console: ConsoleSink | None = None
    on_connected: list[ConnectedHook] = field(default_factory=list)

    async def start(self) -> None:
        """Open what needs opening, then start the background workers."""
        await self.store.open()
        if self.slack is not None:
            await self.slack.start()
        if self.teams is not None:
            await self.teams.start()
        if self.settings.sync_enabled:
            await self.workers.start()

    async def stop(self) -> None:
        """Stop the workers, then close connections and pools."""
        await self.workers.stop()
        if self.slack is not None:
            await self.slack.stop()
        if self.teams is not None:
            await self.teams.stop()
        await self.pool.aclose()
        if self.graph is not None:
            await self.graph.aclose()
        await self.store.close()


SERVICES = web.AppKey("services", Services)


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
    clock = clock or SystemClock()
    box = settings.secret_box()
    # Every command reads connections, state names and ticket pages: cache them briefly.
    store = CachingStore(open_store(settings.store, box))
    metrics = Metrics()
    pool = InstancePool(
        retry or RetryPolicy(attempts=settings.http_retries, timeout_seconds=settings.http_timeout),
        transport=transport,
        on_response=metrics.on_servicenow_response,
    )
    oauth = OAuthClient(pool)
    tokens = TokenKeeper(store, oauth, clock)
    table = TableClient(pool, tokens)
    default_client = None
    if settings.servicenow_client_id and settings.servicenow_client_secret:
        default_client = OAuthClientConfig(
            settings.servicenow_client_id, settings.servicenow_client_secret.get_secret_value()
        )
    connections = ConnectionService(
        store,
        oauth,
        table,
        tokens,
        clock,
        public_url=settings.public_url,
        default_client=default_client,
        allowed_hosts=settings.servicenow_allowed_hosts,
    )
    tickets = TicketService(store, table, clock)
    graph = None
    if settings.graph_client_id and settings.graph_client_secret:
        graph = GraphClient(
            api_url=settings.graph_api_url,
            login_url=settings.graph_login_url,
            client_id=settings.graph_client_id,
            client_secret=settings.graph_client_secret.get_secret_value(),
            retry_policy=pool.retry,
            transport=transport,
            on_response=metrics.on_graph_response,
        )
    recommendations = RecommendationService(
        store,
        graph,
        clock,
        default_tenant=settings.graph_tenant_id,
        cache_seconds=settings.graph_cache_seconds,
    )
    probe = ServiceNowProbe(store, pool, clock)

    async def diagnose(workspace: str) -> list[Check]:
        conn = await store.get_connection(workspace)
        return [] if conn is None else await probe.check(conn, refresh=False)

    dispatcher = Dispatcher(store, connections, tickets, recommendations, clock, diagnose=diagnose)
    slack = None
    hooks: list[ConnectedHook] = []
    if settings.slack_enabled:
        slack = SlackAdapter(slack_config(settings), dispatcher, store, clock)
        hooks.append(slack.connected)
    teams = None
    if settings.teams_enabled:
        teams = TeamsAdapter(teams_config(settings), dispatcher, store)
        hooks.append(teams.connected)
    all_sinks: dict[str, ChatSink] = dict(sinks or {})
    if slack is not None:
        all_sinks["slack"] = slack.sink
    if teams is not None:
        all_sinks["teams"] = teams.sink
    # The local terminal chat (`snowops chat`); it only ever hears about console:* tickets.
    console = ConsoleSink()
    all_sinks["console"] = console
    hooks.append(console.connected)
    notifier = Notifier(store, all_sinks, clock)
    sync = StatusSync(store, table, clock, emit=notifier.enqueue_all)
    workers = Workers(
        store, sync, notifier, tokens, clock, settings.poll_interval, settings.delivery_lease
    )
    hooks.append(_contact_keeper(store))
    return Services(
        settings=settings,
        clock=clock,
        box=box,
        store=store,
        pool=pool,
        oauth=oauth,
        tokens=tokens,
        table=table,
        connections=connections,
        tickets=tickets,
        recommendations=recommendations,
        graph=graph,
        dispatcher=dispatcher,
        metrics=metrics,
        sync=sync,
        push=PushReceiver(store, sync, clock),
        notifier=notifier,
        workers=workers,
        slack=slack,
        teams=teams,
        console=console,
        on_connected=hooks,
    )


def _contact_keeper(store: Store) -> ConnectedHook:
    """Remember where admins connected from: they are told there if the connection dies."""

    async def keep(result: ConnectResult) -> None:
        if result.connection is not None and result.origin is not None:
            await store.put_document(
                CONTACT_NS,
                result.origin.workspace,
                {"channel": codec.channel_to_doc(result.origin), "by": result.requested_by},
            )

    return keep


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def slack_config(settings: Settings) -> SlackConfig:
    """The Slack adapter's slice of the settings."""
    return SlackConfig(
        signing_secret=_secret(settings.slack_signing_secret) or "",
        bot_token=_secret(settings.slack_bot_token),
        client_id=settings.slack_client_id,
        client_secret=_secret(settings.slack_client_secret),
        app_token=_secret(settings.slack_app_token),
        api_url=settings.slack_api_url.rstrip("/") + "/",
        public_url=settings.public_url,
        admins=settings.admins,
    )


def teams_config(settings: Settings) -> TeamsConfig:
    """The Teams adapter's slice of the settings."""
    return TeamsConfig(
        app_id=settings.teams_app_id,
        app_password=_secret(settings.teams_app_password),
        tenant_id=settings.teams_tenant_id,
        anonymous=settings.teams_anonymous,
        login_url=settings.teams_login_url,
        openid_url=settings.teams_openid_url,
        admins=settings.admins,
        admin_role=settings.teams_admin_role,
        public_url=settings.public_url,
    )


def build_app(settings: Settings, *, services: Services | None = None) -> web.Application:
    """The aiohttp application with every route and background task."""
    from bot import routes

    services = services or build_services(settings)
    app = web.Application(middlewares=[services.metrics.middleware])
    app[SERVICES] = services

    async def lifecycle(_: web.Application) -> AsyncIterator[None]:
        await services.start()
        log.info("SnowOps ready on %s", settings.public_url)
        yield
        await services.stop()

    app.cleanup_ctx.append(lifecycle)
    routes.add_core_routes(app, services)
    if services.slack is not None:
        services.slack.add_routes(app)
    if services.teams is not None:
        services.teams.add_routes(app)
    else:
        add_refusing_route(app)
    return app
