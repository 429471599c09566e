"""HTTP routes of the core: health, readiness, metrics, the ServiceNow OAuth callback and
ServiceNow's pushed ticket changes."""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from core.connections import ConnectResult
from core.models import ConnectionStatus
from core.push import MAX_BODY, PushRejected
from core.secrets import SecretKeyError
from core.servicenow.errors import ServiceNowError

if TYPE_CHECKING:
    from bot.app import Services

__all__ = ["add_core_routes"]

log = logging.getLogger(__name__)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SnowOps: {title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:16px system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}}
.ok{{color:#1a7f37}}.err{{color:#cf222e}}p.hint{{background:#f6f8fa;padding:1rem}}</style>
</head><body><h1 class="{cls}">{title}</h1><p>{body}</p>{hint}</body></html>"""


def _page(title: str, body: str, *, ok: bool, hint: str = "", status: int = 200) -> web.Response:
    hint_html = f'<p class="hint">{html.escape(hint)}</p>' if hint else ""
    text = _PAGE.format(
        title=html.escape(title),
        body=html.escape(body),
        hint=hint_html,
        cls="ok" if ok else "err",
    )
    # The URL carried an OAuth code: keep the page out of caches and referrers.
    headers = {
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        "X-Content-Type-Options": "nosniff",
    }
    return web.Response(text=text, content_type="text/html", status=status, headers=headers)


async def _notify(services: Services, result: ConnectResult) -> None:
    """Tell chat how the connect ended; a failing adapter never breaks the page."""
    for hook in services.on_connected:
        try:
            await hook(result)
        except Exception:
            log.exception("post-connect notification failed")


def add_core_routes(app: web.Application, services: Services) -> None:
    """Register the routes every SnowOps process serves."""

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_: web.Request) -> web.Response:
        # Totals only: this endpoint is public, workspace names and errors are not.
        try:
            await services.store.ping()
            connections = await services.store.list_connections()
        except SecretKeyError:
            return web.json_response(
                {"status": "unavailable", "store": "ok", "reason": "secret key cannot decrypt"},
                status=503,
            )
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

    async def oauth_callback(request: web.Request) -> web.Response:
        state = request.query.get("state", "")
        code = request.query.get("code", "")
        error = request.query.get("error", "")
        if not state:
            return _page(
                "Sign-in link incomplete",
                "ServiceNow sent no state value back.",
                ok=False,
                hint="Start again with /snow connect in chat.",
                status=400,
            )
        if error or not code:
            result = await services.connections.abandon(state)
            if result is None:
                # Not a sign-in we started: echo nothing from the query string.
                return _page(
                    "Sign-in link expired",
                    "This sign-in link was already used or has expired.",
                    ok=False,
                    hint="Sign-in links work once, for 10 minutes. Run /snow connect again.",
                    status=400,
                )
            detail = request.query.get("error_description", "") or error or "no code was sent"
            hint = (
                "Access was not allowed. Run /snow connect again and choose Allow."
                if error == "access_denied"
                else "Check the Application Registry entry's redirect URL: it must be "
                f"{services.connections.redirect_uri}"
            )
            await _notify(services, result)
            return _page(
                "Not connected",
                f"ServiceNow said: {detail[:300]}.",
                ok=False,
                hint=hint,
                status=400,
            )
        try:
            result = await services.connections.finish(state, code)
        except ServiceNowError as exc:
            return _page(
                "Not connected",
                exc.message[:1].upper() + exc.message[1:] + ".",
                ok=False,
                hint=exc.hint,
                status=400,
            )
        await _notify(services, result)
        conn = result.connection
        assert conn is not None
        who = f" as {conn.connected_as}" if conn.connected_as else ""
        return _page(
            "Connected to ServiceNow",
            f"SnowOps is connected to {conn.instance_url}{who}. You can close this tab "
            "and go back to chat.",
            ok=True,
            hint=result.warning,
        )

    async def servicenow_events(request: web.Request) -> web.Response:
        # Size first: nothing is buffered beyond what a ticket record can need.
        if (request.content_length or 0) > MAX_BODY:
            return web.json_response({"error": "body too large"}, status=413)
        # Read to the end (a body can arrive in many segments, or chunked), never past
        # the limit.
        body = bytearray()
        async for chunk in request.content.iter_chunked(64 * 1024):
            body += chunk
            if len(body) > MAX_BODY:
                return web.json_response({"error": "body too large"}, status=413)
        h = request.headers
        try:
            outcome = await services.push.receive(
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

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", services.metrics.handle)
    app.router.add_get("/servicenow/oauth/callback", oauth_callback)
    app.router.add_post("/servicenow/events", servicenow_events)
