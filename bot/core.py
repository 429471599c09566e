"""Core's half of the composition root: the ServiceNow and Graph clients, the
repositories, the services, the handlers and their router."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import httpx2

from bot.core_channels import channel_notifier, language_handlers, poll_loops
from bot.core_threads import card_index, thread_parts
from bot.schedule import personal_notices
from bot.score import ScoreServices, build_score
from bot.settings import Settings
from core.accounts import AccountService, LinkResult
from core.audit import AuditTrail
from core.clock import Clock
from core.connections import ConnectionService, ConnectResult
from core.coordinator import SyncCoordinator
from core.deliveries import DeliveryQueue
from core.doctor import Check, ServiceNowProbe
from core.form_fit import FormFit, build_form_fit
from core.gateway import TicketGateway
from core.handlers.accounts import AccountHandlers
from core.handlers.audit import AuditHandlers
from core.handlers.connections import ConnectionHandlers
from core.handlers.form_fit import FormFitHandlers
from core.handlers.home import HomeHandlers
from core.handlers.lookup import LookupHandlers
from core.handlers.mapping import MappingHandlers
from core.handlers.notifications import NotificationHandlers
from core.handlers.recommendations import RecommendationHandlers
from core.handlers.router import HandlerGroup, Router
from core.handlers.subscriptions import SubscriptionHandlers
from core.handlers.ticket_actions import TicketActionHandlers
from core.handlers.tickets import TicketHandlers
from core.handlers.watch import WatchHandlers
from core.languages import WorkspaceLanguage
from core.lookup import LookupPolicy
from core.models import OAuthClientConfig
from core.notify import Notifier
from core.pending import CreateChecker, PendingCreates
from core.ports import ChatSink
from core.publisher import CardPublisher
from core.recommendations import RecommendationService
from core.repos import (
    AdminContacts,
    Baselines,
    DeliveryHealth,
    OwnRecommendations,
    PendingSignIns,
    PushKeys,
    StateNames,
    TenantLinks,
    Watermarks,
    WorkspaceClients,
)
from core.repos.user_links import UserLinks
from core.retry import Answered, RetryPolicy
from core.securescore.client import GraphClient
from core.servicenow import InstancePool, OAuthClient, TableClient, TokenKeeper
from core.servicenow.gateway import ServiceNowGateway
from core.servicenow.push import PushReceiver
from core.storage import AuditLog
from core.store.port import Store
from core.sync import StatusSync
from core.ticket_actions import IdentityModes, TicketActions
from core.tickets import TicketService
from core.watch import QueryWatches

__all__ = ["Clients", "CoreServices", "build_core", "replica_name"]

OnResponse = Callable[[Answered], Awaitable[None]]


def replica_name() -> str:
    """Names this replica in leases and the consumer group (host and pid, for operators)."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass
class CoreServices:
    """Core's long-lived objects, platform-free."""

    settings: Settings
    clock: Clock
    store: Store
    clients: Clients
    connections: ConnectionService
    tickets: TicketService
    recommendations: RecommendationService
    deliveries: DeliveryQueue
    notifier: Notifier
    publisher: CardPublisher
    sync: StatusSync
    coordinator: SyncCoordinator
    push: PushReceiver
    router: Router
    #: Tells chat how a ServiceNow sign-in ended (the OAuth callback's last step).
    announce: Callable[[ConnectResult | LinkResult], Awaitable[None]]
    #: Secure Score's refresh, its handlers and chart images.
    score: ScoreServices

    @property
    def languages(self) -> WorkspaceLanguage:
        """Each workspace's language for channel messages (``/snow language``); it keeps
        nothing but the store, so every one made is the same."""
        return WorkspaceLanguage(self.store)

    @property
    def pool(self) -> InstancePool:
        """Pooled HTTP clients, one per ServiceNow instance."""
        return self.clients.pool

    @property
    def oauth(self) -> OAuthClient:
        """ServiceNow's OAuth grants."""
        return self.clients.oauth

    @property
    def tokens(self) -> TokenKeeper:
        """Valid access tokens for each connection."""
        return self.clients.tokens

    @property
    def table(self) -> TableClient:
        """The Table API client."""
        return self.clients.table

    @property
    def gateway(self) -> TicketGateway:
        """The ticket system, in the domain's words."""
        return self.clients.gateway

    @property
    def graph(self) -> GraphClient | None:
        """Microsoft Graph's Secure Score client, when configured."""
        return self.clients.graph


@dataclass(frozen=True, slots=True)
class Clients:
    """What talks to ServiceNow and Graph."""

    pool: InstancePool
    oauth: OAuthClient
    tokens: TokenKeeper
    table: TableClient
    gateway: TicketGateway
    graph: GraphClient | None


def _clients(
    settings: Settings,
    store: Store,
    clock: Clock,
    transport: httpx2.AsyncBaseTransport | None,
    retry: RetryPolicy | None,
    on_response: tuple[OnResponse | None, OnResponse | None],
) -> Clients:
    pool = InstancePool(
        retry or RetryPolicy(attempts=settings.http_retries, timeout_seconds=settings.http_timeout),
        transport=transport,
        on_response=on_response[0],
    )
    oauth = OAuthClient(pool)
    tokens = TokenKeeper(store, oauth, clock)
    table = TableClient(pool, tokens)
    graph = None
    if settings.graph_client_id and settings.graph_client_secret:
        graph = GraphClient(
            api_url=settings.graph_api_url,
            login_url=settings.graph_login_url,
            client_id=settings.graph_client_id,
            client_secret=settings.graph_client_secret.get_secret_value(),
            retry_policy=pool.retry,
            transport=transport,
            on_response=on_response[1],
        )
    return Clients(pool, oauth, tokens, table, ServiceNowGateway(table, store), graph)


def _accounts(
    settings: Settings, store: Store, audit: AuditLog, clients: Clients, clock: Clock
) -> AccountService:
    return AccountService(
        UserLinks(store), store, PendingSignIns(store), clients.oauth, clients.pool, audit,
        clock, public_url=settings.public_url,
    )  # fmt: skip


def _actions(
    clients: Clients,
    store: Store,
    connections: ConnectionService,
    audit: AuditLog,
    sync: StatusSync,
) -> TicketActionHandlers:
    modes = IdentityModes(store)
    actions = TicketActions(
        clients.gateway, store, connections.accounts, modes, store, audit, sync.apply
    )
    actions.acted = personal_notices(store).acted  # who took a ticket hears of it
    return TicketActionHandlers(actions, modes)


def _connections(
    settings: Settings, store: Store, audit: AuditLog, clients: Clients, clock: Clock
) -> ConnectionService:
    default_client = None
    if settings.servicenow_client_id and settings.servicenow_client_secret:
        default_client = OAuthClientConfig(
            settings.servicenow_client_id, settings.servicenow_client_secret.get_secret_value()
        )
    return ConnectionService(
        store,
        WorkspaceClients(store),
        PendingSignIns(store),
        audit,
        clients.oauth,
        clients.gateway,
        clients.tokens,
        clock,
        public_url=settings.public_url,
        default_client=default_client,
        allowed_hosts=settings.servicenow_allowed_hosts,
        accounts=_accounts(settings, store, audit, clients, clock),
    )


def _recommendations(
    settings: Settings, store: Store, audit: AuditLog, clients: Clients, clock: Clock
) -> RecommendationService:
    return RecommendationService(
        TenantLinks(store),
        OwnRecommendations(store),
        store,
        audit,
        clients.graph,
        clock,
        default_tenant=settings.graph_tenant_id,
        cache_seconds=settings.graph_cache_seconds,
    )


def _diagnose(
    store: Store, clients: Clients, clock: Clock
) -> Callable[[str], Awaitable[list[Check]]]:
    """The doctor's ServiceNow checks of one workspace, for `/snow status`."""
    probe = ServiceNowProbe(store, clients.pool, clock)

    async def diagnose(workspace: str) -> list[Check]:
        conn = await store.get_connection(workspace)
        return [] if conn is None else await probe.check(conn, refresh=False)

    return diagnose


def _handlers(
    clients: Clients,
    store: Store,
    connections: ConnectionService,
    audit: AuditTrail,
    sync: StatusSync,
    tickets: TicketService,
    names: StateNames,
    publisher: CardPublisher,
    clock: Clock,
    recommendations: RecommendationService,
    deliveries: DeliveryQueue,
    notifier: Notifier,
    sinks: Mapping[str, ChatSink],
    fit: FormFit,
) -> list[HandlerGroup]:
    """The request handlers that need nothing built for them alone."""
    return [
        AuditHandlers(audit),
        AccountHandlers(connections.accounts),
        _actions(clients, store, connections, audit, sync),
        TicketHandlers(tickets, names, publisher, store, clock, clients.gateway, fit),
        MappingHandlers(fit.mappings, fit.check, fit.fitter, audit),
        FormFitHandlers(fit.required),
        SubscriptionHandlers(store, audit, sinks, QueryWatches(store)),
        WatchHandlers(QueryWatches(store), clients.gateway, audit, clock, sinks),
        RecommendationHandlers(recommendations, names, store, clients.gateway),
        NotificationHandlers(deliveries, notifier, audit),
        HomeHandlers(connections, store, names),
    ]


def _tickets(
    clients: Clients,
    store: Store,
    baselines: Baselines,
    audit: AuditLog,
    clock: Clock,
    pending: PendingCreates,
) -> tuple[TicketService, FormFit]:
    """The ticket service, fitting each request to its workspace's instance."""
    tickets = TicketService(clients.gateway, store, store, baselines, audit, clock, pending)
    fit = build_form_fit(clients.gateway, store, store, clock)
    tickets.fit = fit.fitter.fit
    return tickets, fit


def _lookups(clients: Clients, tickets: TicketService, store: Store) -> LookupHandlers:
    """``/snow ticket``, ``/snow lookup`` and link previews, under the look-up rule."""
    return LookupHandlers(
        tickets, clients.gateway, StateNames(store), LookupPolicy(store), store, AuditTrail(store)
    )


def build_core(
    settings: Settings,
    store: Store,
    clock: Clock,
    sinks: Mapping[str, ChatSink],
    *,
    transport: httpx2.AsyncBaseTransport | None = None,
    retry: RetryPolicy | None = None,
    on_response: tuple[OnResponse | None, OnResponse | None] = (None, None),
) -> CoreServices:
    """Core's services over ``store``, posting through ``sinks`` (by platform)."""
    clients = _clients(settings, store, clock, transport, retry, on_response)
    names, contacts, deliveries = StateNames(store), AdminContacts(store), DeliveryQueue(store)
    baselines, audit, languages = Baselines(store), AuditTrail(store), WorkspaceLanguage(store)
    connections = _connections(settings, store, audit, clients, clock)
    pending, health = PendingCreates(store), DeliveryHealth(store, clock)
    tickets, fit = _tickets(clients, store, baselines, audit, clock, pending)
    recommendations = _recommendations(settings, store, audit, clients, clock)
    notifier = channel_notifier(store, clock, sinks, health, languages)
    publisher = CardPublisher(sinks, card_index(store), languages)
    checker = CreateChecker(pending, clients.gateway, store, baselines, names, publisher,
                            notifier, clock)  # fmt: skip
    sync = StatusSync(clients.gateway, store, store, baselines, Watermarks(store), clock,
                      notifier.enqueue_all)  # fmt: skip
    notifier.known = sync.stored  # what a sync batch hands over is not read back
    coordinator = poll_loops(settings, store, clients.gateway, clients.tokens, sync, contacts,
                             notifier, clock, checker, replica_name())  # fmt: skip
    connection_handlers = ConnectionHandlers(
        connections, names, deliveries, contacts, notifier, sinks, audit,
        diagnose=_diagnose(store, clients, clock), health=health, accounts=connections.accounts,
    )  # fmt: skip
    score = build_score(settings, store, clock, clients.graph, recommendations, tickets,
                        notifier, publisher, sinks)  # fmt: skip
    threads = thread_parts(clients.gateway, store, connections.accounts, audit, sync, notifier,
                           sinks)  # fmt: skip
    router = Router([
        *threads.groups, score.handlers, score.schedule.handlers, connection_handlers,
        _lookups(clients, tickets, store), language_handlers(store, audit, score),
        *_handlers(clients, store, connections, audit, sync, tickets, names, publisher, clock,
                   recommendations, deliveries, notifier, sinks, fit),
    ], fit_form=(fit.form, fit.form_now))  # fmt: skip
    return CoreServices(
        settings=settings,
        clock=clock,
        store=store,
        clients=clients,
        connections=connections,
        tickets=tickets,
        recommendations=recommendations,
        deliveries=deliveries,
        notifier=notifier,
        publisher=publisher,
        sync=sync,
        coordinator=coordinator,
        push=PushReceiver(PushKeys(store), store, store, sync, clock, coordinator.cadence),
        router=router,
        announce=connection_handlers.connected,
        score=score,
    )
