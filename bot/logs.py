"""Logging for the ``snowops`` command: text or JSON lines, request ids, no secrets.

``SNOWOPS_LOG_FORMAT=json`` writes one JSON object per line (``ts``, ``level``, ``logger``,
``msg``, ``request_id`` when the line belongs to an HTTP request, ``exc`` for a traceback),
which log shippers read without parsing rules. Every line, in either format, is scrubbed of
what looks like a token or a password first: a secret in a URL or an error message from a
library must not reach the log even when our own code never logs one.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import UTC, datetime

from aiohttp import web

__all__ = ["REQUEST_ID", "request_ids", "scrub", "setup_logging"]

#: The id of the HTTP request being handled (tasks it starts inherit it), or "".
REQUEST_ID: ContextVar[str] = ContextVar("snowops_request_id", default="")

_GOOD_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_SECRETS = [
    re.compile(r"\bxox[abposre]-[A-Za-z0-9-]+"),  # Slack tokens
    re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE),
    re.compile(r"\bgAAAAA[A-Za-z0-9_=-]{20,}"),  # Fernet tokens (encrypted secrets)
    re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*"),  # JWTs
]
_PAIRS = re.compile(
    r"\b(access_token|refresh_token|client_secret|password|code|token|assertion|"
    r"code_verifier|push_key)(\"?\s*[=:]\s*\"?)([^&\s\"',;]+)",
    re.IGNORECASE,
)


def scrub(text: str) -> str:
    """``text`` with anything that looks like a token, key or password replaced by ``***``."""
    for pattern in _SECRETS:
        text = pattern.sub(lambda m: m.group(1) + " ***" if m.lastindex else "***", text)
    return _PAIRS.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)


class _Scrubbed(logging.Filter):
    """Renders each record's message once, scrubbed, and tags it with the request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        record.request_id = REQUEST_ID.get()
        return True


class _JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = getattr(record, "request_id", "")
        if rid:
            line["request_id"] = rid
        if record.exc_info:
            line["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


class _Text(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        rid = getattr(record, "request_id", "")
        return scrub(f"{text} [{rid}]" if rid else text)


def setup_logging(level: str, fmt: str = "text") -> None:
    """Log to stderr at ``level``, as ``text`` lines or ``json`` lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_Scrubbed())
    if fmt == "json":
        handler.setFormatter(_JsonLines())
    else:
        handler.setFormatter(_Text("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "snowops", False)]:
        root.removeHandler(old)  # called again (tests, `dev` after `chat`): replace, not add
    handler.snowops = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # httpx2 logs every request URL at INFO; URLs can carry OAuth codes and tokens.
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give each request an id (the caller's ``X-Request-Id`` when it is sane), log lines
    written while handling it carry it, and the response echoes it."""
    given = request.headers.get("X-Request-Id", "")
    rid = given if _GOOD_ID.fullmatch(given) else uuid.uuid4().hex[:16]
    token = REQUEST_ID.set(rid)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers["X-Request-Id"] = rid
        raise
    finally:
        REQUEST_ID.reset(token)
    response.headers["X-Request-Id"] = rid
    return response
