"""``/snow`` over HTTP, answered without bolt's general dispatch.

A slash command is most of what people send, and Slack wants its answer within three
seconds. Through bolt, a verified and parsed command still went through bolt's middleware
chain (authorization, self-event and URL-verification checks that never apply to a
command), listener matching and keyword injection, twice the cost of SnowOps's own work.
Here the same listener gets the same arguments: bolt's ``ack``, the body the gate read, and
the workspace's Web API client. A workspace without an installation is told what bolt
tells it, the same way (through ``response_url``); a listener that fails is logged as
bolt's error handler would, with the same 500. Socket Mode and every other kind of request
still go through bolt.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncAck
from slack_bolt.middleware.authorization.internals import (
    _build_user_facing_authorize_error_message,
)
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.after import AfterAck, Listener
from adapters.slack.context import team_of, where_of, workspace_of
from adapters.slack.replies import SlackReplies
from core.ports import DeliveryError

__all__ = ["COMMAND", "SlashCommands"]

log = logging.getLogger(__name__)

#: The one slash command SnowOps registers (manifests/slack/manifest.yaml).
COMMAND = "/snow"

ClientFor = Callable[[str], Awaitable[AsyncWebClient]]
#: (id of the blocks, text, response type) → (the blocks, the ack's response).
Memo = dict[tuple[int, str, str | None], tuple[object, BoltResponse]]
_MEMO_SIZE = 256
_INSTALL_FIRST = _build_user_facing_authorize_error_message()
_PLAIN = frozenset({"text", "blocks", "response_type"})


class _Ack(AsyncAck):
    """Bolt's ack, which serialises the same answer once: quick answers are rendered once
    per view (``listeners.render`` is cached), so the same blocks object is the same JSON.
    The memo holds the blocks it was keyed on, so their id cannot be reused meanwhile."""

    def __init__(self, memo: Memo) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._memo = memo

    async def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        """As bolt's ``ack``; a message of blocks seen before reuses its JSON."""
        blocks, text = kwargs.get("blocks"), kwargs.get("text", "")
        if args or kwargs.keys() - _PLAIN or not isinstance(blocks, list):
            return await super().__call__(*args, **kwargs)
        if not isinstance(text, str):
            return await super().__call__(*args, **kwargs)
        key = (id(blocks), text, kwargs.get("response_type"))
        hit = self._memo.get(key)
        if hit is not None and hit[0] is blocks:
            self.response = hit[1]
            return hit[1]
        response = await super().__call__(**kwargs)
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.clear()
        self._memo[key] = (blocks, response)
        return response


class SlashCommands:
    """Answers a verified ``/snow`` request with the command listener."""

    def __init__(
        self, listener: Listener, after: AfterAck, client_for: ClientFor, replies: SlackReplies
    ) -> None:
        self._listener = listener
        self._after = after
        self._client_for = client_for
        self._replies = replies
        self._memo: Memo = {}

    @staticmethod
    def takes(body: dict[str, Any]) -> bool:
        """Whether ``body`` (a verified, checked payload) is a ``/snow`` command."""
        return body.get("command") == COMMAND and "type" not in body

    async def answer(self, body: dict[str, Any]) -> web.Response:
        """The ack's HTTP response; the listener's slow part starts after it."""
        try:
            client = await self._client_for(workspace_of(team_of(body)))
        except DeliveryError:
            log.info("Slack command from a workspace without an installation")
            where = where_of(body)
            if where.response_url is None:
                return web.Response(text=_INSTALL_FIRST)
            self._after.spawn(self._replies.respond(where, {"text": _INSTALL_FIRST}))
            return web.Response()
        ack = _Ack(self._memo)
        try:
            work = await self._listener(ack, body, client)
        except Exception as exc:
            log.error("Slack request 'command %s' failed", COMMAND, exc_info=exc)
            return web.Response(status=500)
        if work is not None:
            self._after.spawn(work)
        answer = ack.response
        if answer is None:
            return web.Response()
        return web.Response(
            status=answer.status,
            body=answer.body.encode(),
            headers=answer.first_headers_without_set_cookie(),
        )
