"""The door of ``POST /slack/events``: nothing of a request is read as data before its
signature is verified, and nothing reaches bolt that bolt cannot read.

Bolt parses a body before its own signature check and indexes into it as Slack documents
it, so an unsigned junk body, a non-numeric timestamp or a signed payload of another shape
failed as a 500 with a traceback. Here a request is, in order:

1. verified: ``X-Slack-Request-Timestamp`` is Unix seconds within five minutes, and
   ``X-Slack-Signature`` matches the raw body (compared in constant time) → else 401;
2. parsed as bolt parses it (:func:`parse_body`, the same reading), into a JSON object
   → else 400;
3. checked against the shape bolt and the listeners read (:mod:`adapters.slack.payloads`)
   → else 400.

Each refusal is one line in the log, naming why. The rest reach bolt already parsed
(:class:`Admitted`): the gate is the one signature check of HTTP requests (bolt's own is
switched off, it would hash the same bytes again) and the one reading of their body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from aiohttp import web
from slack_bolt.request.async_request import AsyncBoltRequest

from adapters.slack.payloads import PayloadError, check_payload

__all__ = [
    "MAX_SKEW",
    "Admitted",
    "Refused",
    "SlackGate",
    "form_fields",
    "parse_body",
    "read_body",
    "verify",
]

log = logging.getLogger(__name__)

#: How far a request's timestamp may be from our clock, in seconds (Slack's rule).
MAX_SKEW = 300
_TIMESTAMP_DIGITS = 12


class Refused(Exception):
    """A request that is not let in: ``status`` is the HTTP answer, ``reason`` says why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def verify(secret: str, headers: Mapping[str, str], raw: bytes, now: float) -> None:
    """Raise :class:`Refused` (401) unless ``raw`` was signed by Slack with ``secret``
    within :data:`MAX_SKEW` seconds of ``now``."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not signature:
        raise Refused(401, "unsigned")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= _TIMESTAMP_DIGITS):
        raise Refused(401, "X-Slack-Request-Timestamp is not Unix seconds")
    if abs(now - int(timestamp)) > MAX_SKEW:
        raise Refused(401, "stale timestamp")
    mac = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256)
    expected = b"v0=" + mac.hexdigest().encode()
    if not hmac.compare_digest(expected, signature.encode("utf-8", "replace")):
        raise Refused(401, "bad signature")


def form_fields(text: str) -> dict[str, str]:
    """A URL-encoded form as ``dict(parse_qsl(text, keep_blank_values=True))`` reads it
    (the last of a repeated name wins), in a third of the time: only the fields that
    are escaped are unescaped, and a slash command is mostly plain ids."""
    fields: dict[str, str] = {}
    for piece in text.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        if "%" in name or "+" in name:
            name = unquote_plus(name)
        if "%" in value or "+" in value:
            value = unquote_plus(value)
        fields[name] = value
    return fields


def parse_body(text: str, content_type: str | None) -> Any:
    """Bolt's reading of a body (``slack_bolt.request.internals.parse_body``): JSON, a
    form, or a form's ``payload`` field as JSON."""
    if not text:
        return {}
    if content_type == "application/json" or text.startswith("{"):
        return json.loads(text)
    fields = form_fields(text)
    if "payload" in text:
        payload = fields.get("payload")
        return json.loads(payload) if payload is not None else {}
    return fields


def read_body(raw: bytes, content_type: str) -> tuple[str, dict[str, Any]]:
    """The body as text (what bolt is given) and as the object bolt will read from it;
    :class:`Refused` (400) when it is not a JSON object or form of one."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the body is not UTF-8") from None
    try:
        # Bolt's own reading (JSON, a form, or a form's `payload` field), so what is
        # checked here is exactly what bolt and the listeners see.
        body: object = parse_body(text, content_type or None)
    except (ValueError, RecursionError):
        raise Refused(400, "the body is not JSON") from None
    if not isinstance(body, dict):
        raise Refused(400, "the payload must be a JSON object")
    try:
        check_payload(body)
    except PayloadError as exc:
        raise Refused(400, f"malformed payload: {exc}") from None
    return text, body


@dataclass(frozen=True, slots=True)
class Admitted:
    """A verified request: its body as text and as the checked object it reads as."""

    raw: str
    body: dict[str, Any]
    query: str
    headers: dict[str, str]

    def for_bolt(self) -> AsyncBoltRequest:
        """The request for bolt, with the body already parsed: bolt's constructor would
        parse the raw body again unless handed an object, as Socket Mode hands it one;
        the request is then an HTTP one again, its ``raw_body`` the request's."""
        request = AsyncBoltRequest(
            body=self.body, query=self.query, headers=dict(self.headers), mode="socket_mode"
        )
        request.raw_body = self.raw
        request.mode = "http"
        return request


class SlackGate:
    """Lets verified, readable requests through to bolt; answers the rest itself."""

    def __init__(self, signing_secret: str, now: Callable[[], float] = time.time) -> None:
        self._secret = signing_secret
        self._now = now

    async def admit(self, request: web.Request) -> Admitted | web.Response:
        """The verified request, or the answer that refuses it."""
        raw = await request.read()
        # Content type as bolt takes it (the header up to ";"), for the same reading.
        content_type = request.headers.get("Content-Type", "").split(";")[0]
        try:
            verify(self._secret, request.headers, raw, self._now())
            text, body = read_body(raw, content_type)
        except Refused as exc:
            log.info("refused Slack request (%s): %s", exc.status, exc.reason)
            error = "invalid request" if exc.status == 401 else exc.reason
            return web.json_response({"error": error}, status=exc.status)
        return Admitted(text, body, request.query_string, dict(request.headers))
