"""Slack ``message`` events in threads → core's :class:`~core.actions.ThreadPost`.

Only a person's plain reply in a thread is passed on: SnowOps's own and other bots'
messages, edits, deletions, joins and every other subtype, and messages that start no
thread reply, are acknowledged and dropped here. Core decides whether the thread is a ticket
card's and whether the channel sends replies to ServiceNow; a reply that went gets a
reaction, and someone who must link first is told privately.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.after import AfterAck, Work
from adapters.slack.blocks import post_message
from adapters.slack.context import request_context
from adapters.slack.permissions import SlackUsers
from adapters.slack.sink import error_code
from core.actions import ThreadPost
from core.handlers.context import RequestContext
from core.handlers.router import Router
from core.i18n import use_locale
from core.outcomes import Marked, Reply
from core.views import Notice

__all__ = ["MARK", "SlackThreads", "register_threads"]

log = logging.getLogger(__name__)

#: The reaction that marks a reply SnowOps wrote to ServiceNow.
MARK = "white_check_mark"
_CHANNEL_TYPES = ("channel", "group")
_MAX_TEXT = 40_000


def _str(value: object, limit: int = 64) -> str:
    return value[:limit] if isinstance(value, str) else ""


def thread_post(event: dict[str, Any]) -> tuple[str, str, ThreadPost] | None:
    """(user, message ts, the post) of a person's reply in a channel thread, else None."""
    if event.get("subtype") or event.get("bot_id") or event.get("bot_profile"):
        return None
    if event.get("channel_type") not in _CHANNEL_TYPES:
        return None
    user, ts, thread = _str(event.get("user")), _str(event.get("ts")), _str(event.get("thread_ts"))
    channel, text = _str(event.get("channel")), event.get("text")
    if not (user and ts and thread and channel) or thread == ts or not isinstance(text, str):
        return None
    # Slack escapes &, < and > in message text; ServiceNow gets what the person typed.
    return user, ts, ThreadPost(channel, thread, html.unescape(text[:_MAX_TEXT]))


class SlackThreads:
    """The ``message`` listener."""

    def __init__(self, router: Router, users: SlackUsers) -> None:
        self._router = router
        self._users = users

    async def message(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> Work | None:
        """Acknowledge; a person's thread reply goes to core after the ack."""
        await ack()
        event = body.get("event")
        found = thread_post(event) if isinstance(event, dict) else None
        if found is None:
            return None
        user, ts, post = found
        return self._post({**body, "user_id": user}, client, ts, post)

    async def _post(
        self, body: dict[str, Any], client: AsyncWebClient, ts: str, post: ThreadPost
    ) -> None:
        ctx = await request_context(self._users, client, body, post.channel)
        with use_locale(ctx.locale):
            await self._answer(client, ctx, ts, post)

    async def _answer(
        self, client: AsyncWebClient, ctx: RequestContext, ts: str, post: ThreadPost
    ) -> None:
        outcome = await self._router.handle(ctx, post)
        try:
            if isinstance(outcome, Marked):
                await client.reactions_add(channel=post.channel, timestamp=ts, name=MARK)
            elif isinstance(outcome, Reply) and isinstance(outcome.view, Notice):
                await client.chat_postEphemeral(
                    channel=post.channel,
                    user=ctx.requester.user_id,
                    thread_ts=post.thread,
                    **post_message(outcome.view),
                )
        except SlackApiError as exc:
            log.info("thread reply not marked: %s", error_code(exc))


def register_threads(app: AsyncApp, threads: SlackThreads, after: AfterAck) -> None:
    """Listen to ``message`` events (``message.channels``, ``message.groups``)."""
    app.event("message")(after.listener(threads.message))
