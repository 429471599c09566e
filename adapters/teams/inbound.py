"""``POST /api/messages`` bodies: read within a size limit, parsed, and checked for the shape
of a Bot Framework activity before anything else looks at them.

Whatever is wrong comes back as :class:`BadActivity` with the HTTP status and a short
message for the caller; nothing here raises anything else for any body.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from microsoft_agents.activity import Activity
from pydantic import ValidationError

__all__ = ["MAX_BODY", "MAX_DEPTH", "BadActivity", "read_activity"]

#: Bot Framework activities are small; a bigger body is not one.
MAX_BODY = 512 * 1024
#: Nesting deeper than this is no activity (cards nest a few levels; JSON parsers recurse).
MAX_DEPTH = 64
#: Fields that are objects in every activity that has them.
_OBJECTS = ("from", "recipient", "conversation", "channelData")
#: Objects every activity has, each with an ``id``.
_NAMED = ("from", "recipient", "conversation")
#: The SDK logs every activity it cannot validate as an error with its traceback; while
#: SnowOps validates a request body itself, that is a 400 with one line, not an error.
_SDK_VALIDATION_LOGGER = "microsoft_agents.activity.activity"
_checking: ContextVar[bool] = ContextVar("snowops_teams_checking", default=False)


def _not_while_checking(record: logging.LogRecord) -> bool:
    return not _checking.get()


logging.getLogger(_SDK_VALIDATION_LOGGER).addFilter(_not_while_checking)


class BadActivity(Exception):
    """The body is refused with ``status``; ``message`` is safe to show the caller."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


async def _body(request: web.Request) -> bytes:
    """The body, refused as soon as it passes :data:`MAX_BODY` (with or without a
    Content-Length: a chunked body is counted as it arrives)."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise BadActivity("Request too large.", 413)
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.readany()
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_BODY:
            raise BadActivity("Request too large.", 413)
        chunks.append(chunk)


def _too_deep(value: Any) -> bool:
    """True if ``value`` nests containers deeper than :data:`MAX_DEPTH` (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))
    return False


def _parse(raw: bytes) -> Any:
    try:
        # Deep nesting stops the parser with RecursionError, caught like any bad JSON;
        # what parses is bounded by :func:`_too_deep` next.
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise BadActivity("The body must be a JSON activity.") from None


def _service_url_ok(value: Any) -> bool:
    if not isinstance(value, str) or not value or len(value) > 2048:
        return False
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises ValueError for a port that is not one
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _mentions_ok(entities: Any) -> bool:
    """Every mention names who it mentions: the SDK strips the bot's mention from the text
    by that name, and fails on one without (Teams always sends both)."""
    if not isinstance(entities, list):
        return True  # absent; any other shape is refused by validation below
    for entity in entities:
        if isinstance(entity, dict) and entity.get("type") == "mention":
            mentioned = entity.get("mentioned")
            if not isinstance(mentioned, dict) or not all(
                isinstance(mentioned.get(k), str) for k in ("id", "name")
            ):
                return False
    return True


def check_shape(activity: Any) -> dict[str, Any]:
    """The activity, when it has the shape of one; else :class:`BadActivity`."""
    if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
        raise BadActivity("The body must be a JSON activity.")
    if _too_deep(activity):
        raise BadActivity("The activity nests too deeply.")
    for name in _OBJECTS:
        if name in activity and not isinstance(activity[name], dict | None):
            raise BadActivity(f"The activity is malformed ({name}).")
    for name in _NAMED:
        # Every activity Teams sends names its channel, sender, recipient and conversation:
        # the SDK keys its turn state on them.
        part = activity.get(name)
        if not isinstance(part, dict) or not isinstance(part.get("id"), str) or not part["id"]:
            raise BadActivity(f"The activity is malformed ({name}).")
    if not isinstance(activity.get("channelId"), str) or not activity["channelId"]:
        raise BadActivity("The activity is malformed (channelId).")
    if not _service_url_ok(activity.get("serviceUrl")):
        raise BadActivity("The activity is malformed (serviceUrl).")
    if not _mentions_ok(activity.get("entities")):
        raise BadActivity("The activity is malformed (entities).")
    token = _checking.set(True)
    try:
        Activity.model_validate(activity)
    except (ValidationError, ValueError, TypeError) as exc:
        errors = exc.errors() if isinstance(exc, ValidationError) else []
        where = ".".join(str(p) for p in errors[0]["loc"]) if errors else "?"
        raise BadActivity(f"The activity is malformed ({where[:60]}).") from None
    finally:
        _checking.reset(token)
    return activity


async def read_activity(request: web.Request) -> dict[str, Any]:
    """The request's activity, or :class:`BadActivity` (413 too large, 400 otherwise)."""
    return check_shape(_parse(await _body(request)))
