"""Reading back what the bot posted in Teams, so a redo after a lost answer posts nothing twice.

The Bot Framework connector cannot read messages; Microsoft Graph can, with resource-specific
consent (RSC): the app manifest asks for ``ChannelMessage.Read.Group`` and
``ChatMessage.Read.Chat`` (application), granted for a team or a group chat when the app is
added there. Every short message the sink posts is a small card whose first element (its text)
carries an element id made from its delivery key (:func:`tag_of`); Graph keeps the card as it
was sent (``chatMessage.attachments[].content``, a JSON string), so the id is found there again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import aiohttp
from yarl import URL

from adapters.teams.auth import ClientCredentialsProvider, TokenError
from adapters.teams.cards import CARD_CONTENT_TYPE
from adapters.teams.config import GRAPH_SCOPE
from adapters.teams.tenants import current_tenant
from core.ports import DeliveryError

__all__ = [
    "GraphReader",
    "GraphRefused",
    "carries",
    "channel_messages_path",
    "chat_messages_path",
    "tag_card",
    "tag_of",
]

log = logging.getLogger(__name__)

#: Messages (or replies) per page: Graph's most.
PAGE_SIZE = 50
#: Pages read at most: a lost answer is retried within minutes, so its message is among
#: the newest few hundred.
PAGES = 4
_TIMEOUT = aiohttp.ClientTimeout(total=15)


class GraphRefused(Exception):
    """Graph will not let the bot read this conversation (RSC not consented, app removed)."""


def tag_of(key: str) -> str:
    """The card element id that marks the message posted for delivery ``key``."""
    return "snowops-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def tag_card(content: dict[str, Any], key: str) -> dict[str, Any]:
    """Give the card's first element (a short message's text: a TextBlock, or a
    RichTextBlock when the text must not be read as Markdown) the id of ``key``. Every
    Adaptive Card element has an ``id``; people never see it."""
    body = content.get("body")
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body[0]["id"] = tag_of(key)
    return content


def _has_id(node: Any, tag: str) -> bool:
    if isinstance(node, dict):
        return node.get("id") == tag or any(_has_id(v, tag) for v in node.values())
    if isinstance(node, list):
        return any(_has_id(v, tag) for v in node)
    return False


def carries(message: Mapping[str, Any], tag: str) -> bool:
    """True if a Graph ``chatMessage`` holds a card with an element whose id is ``tag``."""
    for attachment in message.get("attachments") or []:
        if not isinstance(attachment, dict):
            continue
        if attachment.get("contentType") != CARD_CONTENT_TYPE:
            continue
        content = attachment.get("content")
        if isinstance(content, str):
            try:
                content = json.loads(content)
            except ValueError:
                continue
        if _has_id(content, tag):
            return True
    return False


def _segment(value: str) -> str:
    return quote(value, safe="")


def channel_messages_path(group: str, channel: str, thread: str | None) -> str:
    """A channel's top-level messages, or the replies in the thread of message ``thread``."""
    path = f"/v1.0/teams/{_segment(group)}/channels/{_segment(channel)}/messages"
    return f"{path}/{_segment(thread)}/replies" if thread else path


def chat_messages_path(chat: str) -> str:
    """A group chat's messages (its conversation id is its Graph chat id)."""
    return f"/v1.0/chats/{_segment(chat)}/messages"


class GraphReader:
    """Reads a conversation's newest messages with the bot's app-only Graph token."""

    def __init__(self, tokens: ClientCredentialsProvider, graph_url: str | None = None) -> None:
        self._tokens = tokens
        self._base = (graph_url or tokens.teams_config.graph_url).rstrip("/")

    async def find(self, path: str, tag: str, tenant: str | None = None) -> bool:
        """True if a message under ``path`` carries ``tag``. Raises :class:`GraphRefused`
        when Graph will not say, :class:`DeliveryError` when it could say later.

        Asked with a token of ``tenant`` (default: the tenant the current task works for,
        :data:`~adapters.teams.tenants.current_tenant`, else the bot's own)."""
        tenant = tenant or current_tenant.get()
        url: URL | None = URL(self._base + path, encoded=True).with_query({"$top": PAGE_SIZE})
        for _ in range(PAGES):
            if url is None:
                break
            page = await self._get(url, tenant)
            if any(carries(m, tag) for m in page.get("value") or [] if isinstance(m, dict)):
                return True
            url = self._next(page)
        return False

    def _next(self, page: Mapping[str, Any]) -> URL | None:
        link = page.get("@odata.nextLink")
        # The bot's token goes to Graph only, never to a link pointing elsewhere.
        if isinstance(link, str) and link.startswith(self._base + "/"):
            return URL(link, encoded=True)
        return None

    async def get(self, path: str, query: Mapping[str, str], tenant: str) -> dict[str, Any]:
        """One Graph resource (``path`` under the Graph URL) with a token of ``tenant``."""
        return await self._get(URL(self._base + path, encoded=True).with_query(query), tenant)

    async def _get(self, url: URL, tenant: str | None) -> dict[str, Any]:
        for fresh in (False, True):
            status, headers, data = await self._request(url, fresh, tenant)
            if status == 401 and not fresh:
                continue  # a token revoked early: one more try with a new one
            break
        if status == 200:
            return data if isinstance(data, dict) else {}
        if status == 404:
            return {}  # no such thread (any more): nothing of ours is there
        if status in (401, 403):
            raise GraphRefused(f"Microsoft Graph answered {status}")
        if status == 429:
            retry = headers.get("Retry-After") or ""
            wait = float(retry) if retry.replace(".", "", 1).isdigit() else None
            raise DeliveryError("Microsoft Graph rate limit", retry_after=wait)
        raise DeliveryError(f"Microsoft Graph answered {status}")

    async def _request(
        self, url: URL, fresh: bool, tenant: str | None
    ) -> tuple[int, Mapping[str, str], Any]:
        session = self._tokens.session
        if session is None:
            raise DeliveryError("the Teams adapter is not started")
        try:
            token = await self._tokens.token_for(tenant, [GRAPH_SCOPE], force_refresh=fresh)
        except TokenError as exc:
            raise DeliveryError(f"no Microsoft Graph token: {exc}", hint=str(exc)) from None
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        try:
            async with session.get(url, headers=headers, timeout=_TIMEOUT) as response:
                data = await response.json(content_type=None) if response.status == 200 else None
                return response.status, response.headers, data
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise DeliveryError(f"Microsoft Graph unreachable ({type(exc).__name__})") from None
