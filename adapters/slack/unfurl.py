"""Slack link unfurling: ``link_shared`` → core's previews → ``chat.unfurl``.

Slack sends ``link_shared`` only for URLs of the domains in the app's ``unfurl_domains``
(the customer's ServiceNow domain, see README), so only record links unfurl here; a bare
ticket number in a message is no link, and Slack says nothing of it.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.after import AfterAck, Work
from adapters.slack.blocks_text import context, escape, link, section
from adapters.slack.context import request_context
from adapters.slack.permissions import SlackUsers
from adapters.slack.sink import error_code
from core.handlers.router import Router
from core.i18n import _, use_locale
from core.outcomes import Previews
from core.previews import MAX_PREVIEWS, PreviewLinks, TicketPreview

__all__ = ["UnfurlListener", "preview_blocks", "register_unfurl_listener"]

log = logging.getLogger(__name__)

JSON = dict[str, Any]
_ID_MAX = 200
_URL_MAX = 3000


def _dict(value: Any) -> JSON:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value[:_ID_MAX] if isinstance(value, str) else ""


def preview_blocks(preview: TicketPreview) -> list[JSON]:
    """A ticket's compact preview: number (linked) and title; kind, state, priority, due."""
    facts = [preview.kind.label, preview.state, preview.priority]
    if preview.due and preview.due != "—":
        facts.append(_("due {date}", date=preview.due))
    head = f"*{link(preview.url, preview.number)}* {escape(preview.title)}"
    return [section(head), context(escape(" · ".join(facts)))]


def _links(event: JSON) -> tuple[str, ...]:
    raw = event.get("links")
    found = [
        item["url"]
        for item in (raw if isinstance(raw, list) else [])[:MAX_PREVIEWS]
        if isinstance(item, dict) and isinstance(item.get("url"), str)
    ]
    return tuple(url for url in found if 0 < len(url) <= _URL_MAX)


class UnfurlListener:
    """Previews the tickets a message links to, as whoever shared the links may see them."""

    def __init__(self, router: Router, users: SlackUsers) -> None:
        self._router = router
        self._users = users

    async def link_shared(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> Work | None:
        """Acknowledge, then unfurl (core reads ServiceNow: never inside Slack's 3 s)."""
        await ack()
        event = _dict(body.get("event"))
        links, user = _links(event), _text(event.get("user"))
        where = {
            "channel": _text(event.get("channel")),
            "ts": _text(event.get("message_ts")),
            "unfurl_id": _text(event.get("unfurl_id")),
            "source": _text(event.get("source")),
        }
        in_message = where["channel"] and where["ts"]
        in_composer = where["unfurl_id"] and where["source"]
        if not links or not user or not (in_message or in_composer):
            return None
        return self._unfurl(body, client, user, links, where)

    async def _unfurl(
        self,
        body: dict[str, Any],
        client: AsyncWebClient,
        user: str,
        links: tuple[str, ...],
        where: dict[str, str],
    ) -> None:
        channel = where["channel"] or None
        ctx = await request_context(self._users, client, {**body, "user_id": user}, channel)
        # The preview is written in the language of whoever shared the link.
        with use_locale(ctx.locale):
            outcome = await self._router.handle(ctx, PreviewLinks(links))
            previews = outcome.items if isinstance(outcome, Previews) else ()
            unfurls = {p.link: {"blocks": preview_blocks(p)} for p in previews}
        if not unfurls:
            return  # nothing that may be shown here: the link stays a plain link
        try:
            # slack_sdk leaves out the None ones: a message's channel and ts, or the
            # composer's unfurl_id and source.
            await client.chat_unfurl(
                channel=channel,
                ts=where["ts"] or None,
                unfurl_id=where["unfurl_id"] or None,
                source=where["source"] or None,
                unfurls=unfurls,
            )
        except SlackApiError as exc:
            log.info("chat.unfurl failed: %s", error_code(exc))


def register_unfurl_listener(app: AsyncApp, listener: UnfurlListener, after: AfterAck) -> None:
    """Attach the ``link_shared`` listener to the bolt app."""
    app.event("link_shared")(after.listener(listener.link_shared))
