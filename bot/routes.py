"""HTTP routes of the core: health, readiness, metrics, the ServiceNow OAuth callback and
ServiceNow's pushed ticket changes."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.charts import add_chart_routes
from bot.pages import consent_page, page, page_locale
from bot.services import Services
from core.accounts import LinkResult
from core.connections import ConnectResult
from core.errors import StoreUnavailable
from core.i18n import _, use_locale
from core.languages import WorkspaceLanguage
from core.models import ConnectionStatus
from core.secrets import SecretKeyError
from core.servicenow.errors import ServiceNowError
from core.servicenow.push import MAX_BODY, PushRejected

__all__ = ["CoreRoutes", "add_core_routes"]

log = logging.getLogger(__name__)

Page = Callable[["CoreRoutes", web.Request], Awaitable[web.Response]]


def _in_browser_language(handler: Page) -> Page:
    """Answer a page in the browser's language (its ``Accept-Language``)."""

    @functools.wraps(handler)
    async def wrapped(self: CoreRoutes, request: web.Request) -> web.Response:
        with use_locale(page_locale(request)):
            return await handler(self, request)

    return wrapped


class CoreRoutes:
    """The routes every SnowOps process serves."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def healthz(self, _: web.Request) -> web.Response:
        """The process answers."""
        return web.json_response({"status": "ok"})

    async def readyz(self, _: web.Request) -> web.Response:
        """The store answers and the secret key decrypts; totals only (this is public)."""
        store = self._services.store
        try:
            await store.ping()
            connections = await store.list_connections()
        except SecretKeyError:
            return web.json_response(
                {"status": "unavailable", "store": "ok", "reason": "secret key cannot decrypt"},
                status=503,
            )
        except StoreUnavailable:  # logged once per outage by the store
            return web.json_response({"status": "unavailable", "store": "unreachable"}, status=503)
        except Exception as exc:
            log.warning("store not ready: %s", type(exc).__name__)
            return web.json_response({"status": "unavailable", "store": "unreachable"}, status=503)
        needs = sum(c.status is not ConnectionStatus.ACTIVE for c in connections)
        return web.json_response(
            {
                "status": "degraded" if needs else "ok",
                "store": "ok",
                "connections": {"total": len(connections), "needs_reauth": needs},
            }
        )

    async def _announce(self, result: ConnectResult | LinkResult) -> None:
        """Tell chat how the connect ended; a failure there never breaks the page."""
        try:
            # Said in chat, not on the page: in the workspace's language, not the browser's.
            origin = result.origin
            languages = WorkspaceLanguage(self._services.store)
            language = await languages.language(origin.workspace) if origin else None
            with use_locale(language):
                await self._services.announce(result)
        except Exception:
            log.exception("post-connect notification failed")

    @_in_browser_language
    async def oauth_callback(self, request: web.Request) -> web.Response:
        """Where ServiceNow sends the admin back after signing in."""
        state = request.query.get("state", "")
        code = request.query.get("code", "")
        error = request.query.get("error", "")
        if not state:
            return page(
                _("Sign-in link incomplete"),
                _("ServiceNow sent no state value back."),
                ok=False,
                hint=_("Start again with /snow connect in chat."),
                status=400,
            )
        if error or not code:
            return await self._refused(request, state, error)
        connections = self._services.connections
        try:
            result = await connections.finish(state, code)
        except ServiceNowError as exc:
            message = exc.message[:1].upper() + exc.message[1:] + "."
            return page(_("Not connected"), message, ok=False, hint=exc.hint, status=400)
        await self._announce(result)
        if isinstance(result, LinkResult):
            name = result.link.user_name if result.link else "?"
            return page(
                _("ServiceNow account linked"),
                _(
                    "Your chat account is linked to the ServiceNow user {name}. You can close "
                    "this tab and go back to chat.",
                    name=name,
                ),
                ok=True,
            )
        conn = result.connection
        where = conn.instance_url if conn is not None else "ServiceNow"
        if conn is not None and conn.connected_as:
            said = _(
                "SnowOps is connected to {url} as {user}. You can close this tab and go back "
                "to chat.",
                url=where,
                user=conn.connected_as,
            )
        else:
            said = _(
                "SnowOps is connected to {url}. You can close this tab and go back to chat.",
                url=where,
            )
        return page(_("Connected to ServiceNow"), said, ok=True, hint=result.warning)

    @_in_browser_language
    async def sign_in_page(self, request: web.Request) -> web.Response:
        """The page a sign-in link opens: it names the workspace and who asked, and needs a
        click (a form post, which link previews never send) to go on to ServiceNow."""
        token = request.query.get("t", "")
        intro = await self._services.connections.sign_in_intro(token)
        if intro is None:
            return _expired()
        return consent_page(
            token, intro.workspace, intro.requested_by, intro.instance_url, intro.purpose
        )

    @_in_browser_language
    async def sign_in_go(self, request: web.Request) -> web.Response:
        """The click on that page: spend the link and go on to ServiceNow's sign-in."""
        form = await request.post()
        token = form.get("t")
        intro = None
        if isinstance(token, str):
            intro = await self._services.connections.sign_in_intro(token, use=True)
        if intro is None:
            return _expired()
        raise web.HTTPSeeOther(intro.authorize_url, headers={"Cache-Control": "no-store"})

    async def _refused(self, request: web.Request, state: str, error: str) -> web.Response:
        """The admin denied access, or ServiceNow sent an error."""
        connections = self._services.connections
        result = await connections.abandon(state)
        if result is None:
            # Not a sign-in we started: echo nothing from the query string.
            return page(
                _("Sign-in link expired"),
                _("This sign-in link was already used or has expired."),
                ok=False,
                hint=_("Sign-in links work once, for 10 minutes. Run /snow connect again."),
                status=400,
            )
        detail = request.query.get("error_description", "") or error or _("no code was sent")
        hint = (
            _("Access was not allowed. Run /snow connect again and choose Allow.")
            if error == "access_denied"
            else _(
                "Check the Application Registry entry's redirect URL: it must be {url}",
                url=connections.redirect_uri,
            )
        )
        await self._announce(result)
        said = _("ServiceNow said: {detail}.", detail=detail[:300])
        return page(_("Not connected"), said, ok=False, hint=hint, status=400)

    async def servicenow_events(self, request: web.Request) -> web.Response:
        """A ticket change pushed by ServiceNow's business rule."""
        # Size first: nothing is buffered beyond what a ticket record can need.
        if (request.content_length or 0) > MAX_BODY:
            return web.json_response({"error": "body too large"}, status=413)
        # Read to the end (a body can arrive in many segments, or chunked), never past it.
        body = bytearray()
        async for chunk in request.content.iter_chunked(64 * 1024):
            body += chunk
            if len(body) > MAX_BODY:
                return web.json_response({"error": "body too large"}, status=413)
        h = request.headers
        try:
            outcome = await self._services.push.receive(
                h.get("X-SnowOps-Instance", ""),
                h.get("X-SnowOps-Timestamp", ""),
                h.get("X-SnowOps-Signature", ""),
                bytes(body),
            )
        except PushRejected as exc:
            log.info("push refused (%s): %s", exc.status, exc.reason)
            return web.json_response({"error": exc.reason}, status=exc.status)
        except ServiceNowError as exc:
            # The record was fine; fetching its comments failed. The next poll catches up.
            return web.json_response({"error": exc.message}, status=503)
        return web.json_response(
            {"workspaces": len(outcome.workspaces), "events": len(outcome.events)}, status=202
        )


def _expired() -> web.Response:
    return page(
        _("Sign-in link expired"),
        _("This sign-in link was already used or has expired."),
        ok=False,
        hint=_("Sign-in links work once, for 10 minutes. Run /snow connect again in chat."),
        status=410,
    )


def add_core_routes(app: web.Application, services: Services) -> None:
    """Register the routes every SnowOps process serves."""
    routes = CoreRoutes(services)
    app.router.add_get("/healthz", routes.healthz)
    app.router.add_get("/readyz", routes.readyz)
    if services.metrics is not None:
        app.router.add_get("/metrics", services.metrics.handle)
    app.router.add_get("/servicenow/oauth/callback", routes.oauth_callback)
    app.router.add_get("/servicenow/oauth/start", routes.sign_in_page)
    app.router.add_post("/servicenow/oauth/start", routes.sign_in_go)
    app.router.add_post("/servicenow/events", routes.servicenow_events)
    add_chart_routes(app, services.score.charts)
