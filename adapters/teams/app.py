"""The Teams adapter: an Agents SDK ``AgentApplication`` behind ``POST /api/messages`` on
SnowOps's own aiohttp app, and the Teams ChatSink for the notifier.

Inbound tokens are checked by :class:`~adapters.teams.auth.InboundAuth` on this route only
(``/healthz`` and the rest stay public); the SDK then runs the turn, and its connector
client posts replies to the activity's ``serviceUrl`` with the bot's token.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from aiohttp import web
from microsoft_agents.activity import ActivityTypes
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.aiohttp._aiohttp_request_adapter import AiohttpRequestAdapter
from microsoft_agents.hosting.core import (
    AgentApplication,
    ApplicationOptions,
    ConnectionManager,
    MemoryStorage,
    RouteRank,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, ClaimsIdentity

from adapters.teams.auth import AuthRefused, ClientCredentialsProvider, InboundAuth
from adapters.teams.config import TeamsConfig
from adapters.teams.context import TeamsUsers
from adapters.teams.handlers import TeamsHandlers
from adapters.teams.inbound import BadActivity, read_activity
from adapters.teams.invokes import MESSAGE_ACTION, TeamsInvokes
from adapters.teams.owners import TeamOwners
from adapters.teams.recall import GraphReader
from adapters.teams.references import References
from adapters.teams.sink import TeamsChatSink
from adapters.teams.tenants import current_tenant
from adapters.teams.unfurl import TeamsUnfurl
from core.handlers.router import Router
from core.i18n import use_locale
from core.languages import WorkspaceLanguage
from core.storage import Documents, IdempotencyKeys

__all__ = ["TeamsAdapter", "add_refusing_route", "locale_of"]

log = logging.getLogger(__name__)


def _invoke(name: str) -> Any:
    """Selector of invokes called ``name`` (``activity.name``)."""

    def selector(context: TurnContext) -> bool:
        return context.activity.type == ActivityTypes.invoke and context.activity.name == name

    return selector


def locale_of(activity: dict[str, Any]) -> str:
    """The sender's language tag (``sv-SE``): the activity's ``locale``, for messages and
    invokes alike; empty (English) when Teams sent none."""
    locale = activity.get("locale")
    return locale[:35] if isinstance(locale, str) else ""


def _any_invoke(context: TurnContext) -> bool:
    return context.activity.type == ActivityTypes.invoke


class _CheckedRequest(AiohttpRequestAdapter):
    """The request with the identity SnowOps checked (the SDK's own adapter would read it
    from the aiohttp request's string-keyed storage) and the body it already read."""

    def __init__(
        self, request: web.Request, identity: ClaimsIdentity, activity: dict[str, Any]
    ) -> None:
        super().__init__(request)
        self._identity = identity
        self._activity = activity

    def get_claims_identity(self) -> ClaimsIdentity:
        return self._identity

    async def json(self) -> dict[str, Any]:
        return self._activity


class TeamsAdapter:
    """Everything Teams: the SDK adapter and application, the route, the ChatSink.

    Built in two steps, because core's services need the ChatSink and the handlers need
    core: the sink exists from the start, :meth:`serve` attaches the router.
    """

    def __init__(self, config: TeamsConfig, docs: Documents, keys: IdempotencyKeys) -> None:
        self.config = config
        self._keys = keys
        self._session: aiohttp.ClientSession | None = None
        self.inbound = InboundAuth(config)
        self.tokens = ClientCredentialsProvider(config)
        auth_config = AgentAuthConfiguration(
            client_id=config.app_id,
            tenant_id=config.tenant_id,
            anonymous_allowed=not config.authenticated,
        )
        connections = ConnectionManager(
            provider_factory=lambda _: self.tokens,
            connections_configurations={"SERVICE_CONNECTION": auth_config},
        )
        self.adapter = CloudAdapter(connection_manager=connections)
        self.adapter.on_turn_error = self._turn_failed
        self.agent: AgentApplication[TurnState] = AgentApplication[TurnState](
            ApplicationOptions(storage=MemoryStorage(), start_typing_timer=False),
            connection_manager=connections,
        )
        self.references = References(docs)
        self.languages = WorkspaceLanguage(docs)
        self.graph = GraphReader(self.tokens) if config.authenticated else None
        self.sink = TeamsChatSink(
            self.adapter,
            self.references,
            config.app_id if config.authenticated else None,
            graph=self.graph,
        )

    def serve(self, router: Router) -> None:
        """Answer Teams' activities with ``router`` (core's one entry point)."""
        users = TeamsUsers(self.config.admins, self.config.admin_role)
        owners = TeamOwners(self.graph, self.references)
        h = TeamsHandlers(
            self.config, router, self._keys, users, self.references, owners, self.languages
        )
        i = TeamsInvokes(h)
        agent = self.agent
        agent.before_turn(h.before_turn)
        agent.error(h.on_error)
        agent.add_route(_invoke("adaptiveCard/action"), i.card_action, is_invoke=True)
        agent.add_route(_invoke("task/fetch"), i.task_fetch, is_invoke=True)
        agent.add_route(_invoke("task/submit"), i.task_submit, is_invoke=True)
        agent.add_route(_invoke("application/search"), i.search, is_invoke=True)
        agent.add_route(
            _invoke("composeExtension/fetchTask"), i.share_message_fetch, is_invoke=True
        )
        agent.add_route(
            _invoke("composeExtension/submitAction"), i.share_message_submit, is_invoke=True
        )
        query_link = TeamsUnfurl(h).query_link
        agent.add_route(_invoke("composeExtension/queryLink"), query_link, is_invoke=True)
        agent.conversation_update("membersAdded")(h.on_members_added)
        agent.conversation_update("membersRemoved")(h.on_members_removed)
        agent.installation_update()(h.on_installation)
        # Routes of equal rank are not tried in order: the catch-all routes go last.
        agent.activity(ActivityTypes.message, rank=RouteRank.LAST)(h.on_message)
        agent.add_route(_any_invoke, i.unknown, is_invoke=True, rank=RouteRank.LAST)
        log.debug("Teams message action %s registered", MESSAGE_ACTION)

    @staticmethod
    async def _turn_failed(context: TurnContext, error: Exception) -> None:
        # The SDK's default posts "Exception caught: …" to the user; the application's
        # error handler has already answered, so only log.
        log.error("Teams turn failed: %s", type(error).__name__, exc_info=error)

    async def start(self) -> None:
        """Open the HTTP session for token and key requests."""
        self._session = aiohttp.ClientSession()
        self.inbound.use_session(self._session)
        self.tokens.use_session(self._session)

    async def stop(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def messages(self, request: web.Request) -> web.StreamResponse:
        """``POST /api/messages``: check the body and the caller, then run the turn."""
        try:
            activity = await read_activity(request)
            identity, tenant = await self.inbound.check(
                request.headers.get("Authorization"), activity, request.remote
            )
        except BadActivity as exc:
            log.warning("Teams request refused (%d): %s", exc.status, exc.message)
            return web.json_response({"error": exc.message}, status=exc.status)
        except AuthRefused as exc:
            log.warning("Teams request refused (%d): %s", exc.status, exc.reason)
            return web.json_response({"error": exc.message}, status=exc.status)
        token = current_tenant.set(tenant)
        try:
            # The language follows the person: the whole turn (parsing, core, the cards)
            # speaks the sender's client language; channel posts choose their own in core.
            with use_locale(locale_of(activity)):
                result = await self.adapter.process_request(
                    _CheckedRequest(request, identity, activity), self.agent
                )
        except Exception:
            log.exception("Teams activity not processed")
            return web.json_response({"error": "The activity could not be processed."}, status=500)
        finally:
            current_tenant.reset(token)
        return CloudAdapter._to_aiohttp_response(result)

    def add_routes(self, app: web.Application) -> None:
        """``POST /api/messages``."""
        app.router.add_post("/api/messages", self.messages)


def add_refusing_route(app: web.Application) -> None:
    """Without Teams configured, ``/api/messages`` says so instead of a bare 404."""

    async def refuse(_: web.Request) -> web.Response:
        return web.json_response(
            {"error": "Teams is not configured on this server (set TEAMS_APP_ID)."}, status=401
        )

    app.router.add_post("/api/messages", refuse)
