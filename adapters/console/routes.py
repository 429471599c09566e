"""``/console/…``: the HTTP face of :class:`LocalSession`, for ``snowops chat --server``.

Registered only by ``snowops dev`` and ``snowops chat`` (never by ``snowops serve``), and
answered only when the caller and the Host header are this machine, no proxy forwarded the
request, and the console header carries the run's secret token (adapters/console/token.py):
a web page cannot reach it (no CORS, custom header, DNS rebinding stopped by the Host
check), nor another user, nor anyone through a local tunnel or reverse proxy.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from adapters.console.action_forms import action_to_doc
from adapters.console.language import LOCALE_HEADER, locale_tag
from adapters.console.session import (
    CONSOLE_HEADER,
    LocalSession,
    Reply,
    confirm_to_doc,
    form_from_doc,
    form_to_doc,
)
from core.actions import ActionFormContext
from core.urls import is_loopback_host

__all__ = ["add_console_routes"]

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.Response]]
MAX_WAIT = 25.0


def _host_name(host: str) -> str:
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


_FORWARDED = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP")


def _loopback_only(handler: Handler, token: str) -> Handler:
    async def guarded(request: web.Request) -> web.Response:
        remote = request.remote or ""
        host = _host_name(request.headers.get("Host", ""))
        given = request.headers.get(CONSOLE_HEADER, "")
        if not (
            is_loopback_host(remote)
            and is_loopback_host(host)
            and not any(h in request.headers for h in _FORWARDED)
            and hmac.compare_digest(given.encode(), token.encode())
        ):
            return web.json_response(
                {"error": "the console API answers this machine only"}, status=403
            )
        try:
            return await handler(request)
        except ValueError as exc:
            log.info("console request refused: %s", exc)
            return web.json_response({"error": str(exc)}, status=400)

    return guarded


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read() or b"{}")
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python goes
        raise ValueError("the body must be JSON") from None
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _locale(request: web.Request) -> str | None:
    """The asking terminal's language (its ``LANG``); None from a client that sends none,
    which is then answered in the server's console language."""
    given = request.headers.get(LOCALE_HEADER)
    return None if given is None else locale_tag(given)


def _reply_doc(reply: Reply) -> dict[str, Any]:
    """A command's reply as the JSON ``POST /console/commands`` answers."""
    return {
        "text": reply.text,
        "form": form_to_doc(reply.form) if reply.form else None,
        "action": action_to_doc(reply.action) if reply.action else None,
        "confirm": confirm_to_doc(reply.confirm),
    }


def _events_query(request: web.Request) -> tuple[int, float]:
    """``after`` and ``wait`` of ``GET /console/events``, checked."""
    try:
        after = int(request.query.get("after", "0"))
        wait = float(request.query.get("wait", "20"))
        if not math.isfinite(wait):  # nan passes min and max unchanged, then never ends
            raise ValueError(wait)
    except ValueError:
        raise ValueError("after must be an integer and wait a finite number of seconds") from None
    return after, min(max(wait, 0.0), MAX_WAIT)


def add_console_routes(app: web.Application, session: LocalSession, token: str) -> None:
    """Register ``POST /console/commands``, ``POST /console/forms``, ``POST /console/actions``
    (a ticket action's form), ``POST /console/groups`` (its group type-ahead),
    ``GET /console/events``,
    answered only to callers on this machine that send ``token`` (see console.token)."""

    async def commands(request: web.Request) -> web.Response:
        text = (await _json(request)).get("text")
        if not isinstance(text, str):
            raise ValueError("text must be a string")
        reply = await session.command(text, locale=_locale(request))
        return web.json_response(_reply_doc(reply))

    async def actions(request: web.Request) -> web.Response:
        body = await _json(request)
        context = ActionFormContext.from_doc(body.get("context"))  # a UsageError is a 400
        values = body.get("values")
        if not isinstance(values, dict):
            raise ValueError("values must be an object")
        given = {str(k): str(v) for k, v in values.items()}
        reply = await session.act(context, given, locale=_locale(request))
        return web.json_response({"text": reply.text, "errors": reply.errors})

    async def groups(request: web.Request) -> web.Response:
        query = (await _json(request)).get("query")
        if not isinstance(query, str):
            raise ValueError("query must be a string")
        names = await session.suggest(query, locale=_locale(request))
        return web.json_response({"groups": names})

    async def forms(request: web.Request) -> web.Response:
        body = await _json(request)
        form = form_from_doc(body.get("form"))
        values = body.get("values")
        key = body.get("key")
        if not isinstance(values, dict) or not isinstance(key, str) or not key:
            raise ValueError("values (an object) and key (a string) are required")
        given = {str(k): str(v) for k, v in values.items()}
        reply = await session.submit(form, given, key, locale=_locale(request))
        return web.json_response({"text": reply.text, "errors": reply.errors})

    async def events(request: web.Request) -> web.Response:
        entries = await session.events(*_events_query(request))
        return web.json_response({"events": [{"seq": e.seq, "text": e.text} for e in entries]})

    app.router.add_post("/console/commands", _loopback_only(commands, token))
    app.router.add_post("/console/forms", _loopback_only(forms, token))
    app.router.add_post("/console/actions", _loopback_only(actions, token))
    app.router.add_post("/console/groups", _loopback_only(groups, token))
    app.router.add_get("/console/events", _loopback_only(events, token))
