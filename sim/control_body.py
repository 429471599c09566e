"""Shared plumbing of both simulators' /sim/ control APIs: JSON bodies and error mapping."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.Response]]


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object ({} when empty); ValueError when it is not one."""
    raw = await request.read()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise ValueError(f"body is not JSON: {error}") from None
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    return body


def guarded(handler: Handler) -> Handler:
    """Map KeyError to 404 and ValueError/TypeError to 400, as JSON."""

    async def wrapper(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except KeyError as error:
            return web.json_response({"error": str(error.args[0])}, status=404)
        except (ValueError, TypeError) as error:
            return web.json_response({"error": str(error)}, status=400)

    return wrapper


def text_list(value: object, name: str) -> list[str]:
    """A list of strings from a JSON value (absent: empty)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{name} must be a list of strings")
    return list(value)
