"""The Slack adapter: a bolt ``AsyncApp`` mounted on SnowOps's own aiohttp app.

Modes: single workspace (``SLACK_BOT_TOKEN``), OAuth install for many workspaces
(``SLACK_CLIENT_ID``/``SLACK_CLIENT_SECRET``, installations kept in the Store), and Socket
Mode on top of either when ``SLACK_APP_TOKEN`` is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.after import AfterAck
from adapters.slack.config import BOT_SCOPES, SlackConfig
from adapters.slack.gate import SlackGate
from adapters.slack.http import SlackHttp
from adapters.slack.listeners import SlackListeners, register_listeners
from adapters.slack.listeners_actions import ActionListeners, register_action_listeners
from adapters.slack.permissions import SlackUsers
from adapters.slack.reasons import SlackReasons, register_reasons
from adapters.slack.replies import SlackReplies
from adapters.slack.sink import SlackChatSink
from adapters.slack.slash import SlashCommands
from adapters.slack.stores import StoreInstallationStore, StoreOAuthStateStore
from adapters.slack.threads import SlackThreads, register_threads
from adapters.slack.unfurl import UnfurlListener, register_unfurl_listener
from core.handlers.router import Router
from core.i18n import _
from core.ports import DeliveryError
from core.storage import Documents, IdempotencyKeys, OneTimeValues

__all__ = ["SlackAdapter"]

log = logging.getLogger(__name__)

_RETRY_TTL = 3600.0


class DropRetries(AsyncMiddleware):
    """A delivery Slack retries is handled once: later copies get 200 and no-retry.
    Runs after the request's signature was verified (by the gate over HTTP)."""

    def __init__(self, keys: IdempotencyKeys) -> None:
        self._keys = keys

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        """Drop a repeated ``event_id``; let everything else through."""
        event_id = req.body.get("event_id") if isinstance(req.body, dict) else None
        if event_id:
            seen = await self._keys.begin_idempotent(f"slack-event:{event_id}", _RETRY_TTL)
            if seen is not None:
                log.info("dropped Slack retry of %s", event_id)
                return BoltResponse(status=200, body="", headers={"X-Slack-No-Retry": "1"})
        return await next()


def _kind(body: dict[str, Any]) -> str:
    """What a payload is, for a log line: its type, command or event type."""
    event = body.get("event")
    kind = body.get("type") or body.get("command") or ""
    if isinstance(event, dict):
        kind = f"{kind} {event.get('type')}"
    return repr(str(kind)[:60])


async def on_bolt_error(error: Exception, body: dict[str, Any]) -> None:
    """Bolt's error handler. A request no listener takes is one line (bolt's own warning
    quotes the payload over many lines); anything else that fails is a bug, logged whole."""
    if isinstance(error, BoltUnhandledRequestError):
        log.info("no listener for Slack request %s", _kind(body))
        return
    log.error("Slack request %s failed", _kind(body), exc_info=error)


class SlackAdapter:
    """Everything Slack: the bolt app, its routes, the ChatSink, Socket Mode.

    Built in two steps, because core's services need the ChatSink and the listeners need
    core: the sink exists from the start, :meth:`serve` attaches the router.
    """

    def __init__(
        self,
        config: SlackConfig,
        docs: Documents,
        once: OneTimeValues,
        keys: IdempotencyKeys,
    ) -> None:
        self.config = config
        self._keys = keys
        self.installations = StoreInstallationStore(docs)
        client = AsyncWebClient(token=config.bot_token, base_url=config.api_url)
        if config.oauth:
            assert config.client_id is not None
            self.bolt = AsyncApp(
                signing_secret=config.signing_secret,
                process_before_response=True,
                raise_error_for_unhandled_request=True,
                request_verification_enabled=False,  # the gate verifies; see add_routes
                client=AsyncWebClient(base_url=config.api_url),
                installation_store=self.installations,
                oauth_settings=AsyncOAuthSettings(
                    client_id=config.client_id,
                    client_secret=config.client_secret,
                    scopes=list(BOT_SCOPES),
                    redirect_uri=f"{config.public_url}/slack/oauth_redirect",
                    authorization_url=config.authorize_url,
                    installation_store=self.installations,
                    state_store=StoreOAuthStateStore(once),
                ),
            )
        else:
            self.bolt = AsyncApp(
                signing_secret=config.signing_secret,
                process_before_response=True,
                raise_error_for_unhandled_request=True,
                request_verification_enabled=False,  # the gate verifies; see add_routes
                client=client,
            )
        self.http = SlackHttp()
        self.sink = SlackChatSink(self._client_for)
        # A class middleware: bolt calls it directly, without per-request kwargs injection.
        self.bolt.use(DropRetries(keys))
        self.bolt.error(on_bolt_error)
        self.after = AfterAck()
        self._socket: AsyncSocketModeHandler | None = None
        self._socket_task: asyncio.Task[None] | None = None
        self._slash: SlashCommands | None = None
        self._client: AsyncWebClient | None = None

    async def _client_for(self, workspace: str) -> AsyncWebClient:
        """A Web API client with the bot token of ``slack:<team>``."""
        if not self.config.oauth:
            # One token: one client, reused (it holds no per-call state), on the pool.
            if self._client is None or self._client.session is not self.http.session:
                self._client = AsyncWebClient(
                    token=self.config.bot_token,
                    base_url=self.config.api_url,
                    session=self.http.session,
                )
            return self._client
        team = workspace.split(":", 1)[1]
        bot = await self.installations.async_find_bot(enterprise_id=None, team_id=team)
        if bot is None:
            raise DeliveryError(
                f"SnowOps is not installed in Slack workspace {team}",
                permanent=True,
                hint=_("Reinstall the Slack app from /slack/install"),
            )
        return AsyncWebClient(
            token=bot.bot_token, base_url=self.config.api_url, session=self.http.session
        )

    def serve(self, router: Router) -> None:
        """Answer Slack's requests with ``router`` (core's one entry point)."""
        users, replies = SlackUsers(self.config.admins), SlackReplies(self.http)
        listeners = SlackListeners(router, users, replies)
        register_listeners(self.bolt, listeners, self.after)
        self._slash = SlashCommands(listeners.command, self.after, self._client_for, replies)
        actions = ActionListeners(router, users, replies)
        register_action_listeners(self.bolt, actions, self.after)
        register_threads(self.bolt, SlackThreads(router, users), self.after)
        register_reasons(self.bolt, SlackReasons(router, users, replies), self.after)
        register_unfurl_listener(self.bolt, UnfurlListener(router, users), self.after)

    def add_routes(self, app: web.Application) -> None:
        """``POST /slack/events``; with OAuth, ``GET /slack/install`` and the redirect."""

        if not self.config.signing_secret:
            # Socket Mode only: without a signing secret no HTTP request could be verified,
            # so none is accepted.
            return

        # The gate is the only signature check of HTTP requests (bolt's is off): every
        # request to the bolt app passes it first.
        gate = SlackGate(self.config.signing_secret)

        async def events(request: web.Request) -> web.Response:
            admitted = await gate.admit(request)
            if isinstance(admitted, web.Response):
                return admitted
            if self._slash is not None and self._slash.takes(admitted.body):
                return await self._slash.answer(admitted.body)
            return await to_aiohttp_response(await self.bolt.async_dispatch(admitted.for_bolt()))

        app.router.add_post("/slack/events", events)
        if self.config.oauth:
            flow = self.bolt.oauth_flow
            assert flow is not None

            async def install(request: web.Request) -> web.Response:
                return await to_aiohttp_response(
                    await flow.handle_installation(await to_bolt_request(request))
                )

            async def redirect(request: web.Request) -> web.Response:
                return await to_aiohttp_response(
                    await flow.handle_callback(await to_bolt_request(request))
                )

            app.router.add_get("/slack/install", install)
            app.router.add_get("/slack/oauth_redirect", redirect)

    async def start(self) -> None:
        """Connect Socket Mode when an app-level token is configured, in the background:
        the server must come up (health checks, ServiceNow callbacks) even if Slack can't
        be reached yet."""
        # Bolt's own client keeps its per-call sessions: lazy listeners deep-copy it.
        await self.http.start()
        if self.config.app_token:
            self._socket = AsyncSocketModeHandler(self.bolt, self.config.app_token)
            self._socket_task = asyncio.create_task(self._connect(self._socket))

    async def _connect(self, handler: AsyncSocketModeHandler) -> None:
        try:
            await handler.connect_async()  # type: ignore[no-untyped-call]
        except Exception as exc:
            log.error("Slack Socket Mode could not connect: %s", type(exc).__name__)
        else:
            log.info("Slack Socket Mode connected")

    async def stop(self) -> None:
        """Finish (or cancel) work still running after acks; close Socket Mode."""
        await self.after.drain()
        if self._socket_task is not None:
            self._socket_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._socket_task
            self._socket_task = None
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        await self.http.stop()
