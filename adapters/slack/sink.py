"""The Slack ChatSink: post ticket cards, update them in place, reply in their threads."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import message, post_message
from core.i18n import N_, _
from core.models import CardLocation, ChannelRef
from core.ports import DeliveryError, Reachability
from core.views import Notice, TicketCard

__all__ = ["SlackChatSink", "error_code"]

log = logging.getLogger(__name__)

_GONE = {"not_in_channel", "channel_not_found", "is_archived", "account_inactive"}
_HINTS = {
    "not_in_channel": N_("Invite the bot to the channel: /invite @SnowOps"),
    "channel_not_found": N_("The channel is gone or private to the bot: invite @SnowOps to it"),
    "is_archived": N_("The channel is archived: unarchive it or unsubscribe it"),
    "account_inactive": N_("The Slack app was uninstalled from this workspace: reinstall it"),
}
_ARCHIVED = N_("the channel is archived")

#: How a person lets SnowOps post in a channel it is not in.
#: (Marked for translation: shown with ``_(INVITE_FIX)``.)
INVITE_FIX = N_("Invite SnowOps to the channel with /invite @SnowOps, then subscribe again.")
_UNREACHABLE = {
    "channel_not_found": N_("SnowOps is not in this private channel or conversation"),
    "not_in_channel": N_("SnowOps is not in this channel"),
}


def _hint(error: str) -> str:
    """What to do about Slack's ``error``, in the language of the text being built."""
    return _(_HINTS[error]) if error in _HINTS else ""


ClientFor = Callable[[str], Awaitable[AsyncWebClient]]
#: Message metadata type that carries a notification's delivery key.
_EVENT_TYPE = "snowops_notification"


def _answer(exc: SlackApiError) -> tuple[int, dict[str, Any], Any]:
    """Status, JSON body and headers of a refusal. slack_sdk hands over its own response,
    or, when a body claimed to be JSON but was not (a proxy's error page), aiohttp's raw
    response, which has ``status`` and no ``data``."""
    response = exc.response
    status = getattr(response, "status_code", None)
    if not isinstance(status, int):
        status = getattr(response, "status", None)
    data = getattr(response, "data", None)
    headers = getattr(response, "headers", None) or {}
    return (
        (status if isinstance(status, int) else 0),
        (data if isinstance(data, dict) else {}),
        headers,
    )


def error_code(exc: SlackApiError) -> str:
    """Slack's ``error`` of a refusal (``not_in_channel``…), or ``HTTP <status>`` when the
    answer was not Slack's JSON."""
    status, data, _ = _answer(exc)
    return str(data.get("error") or f"HTTP {status}")


def _refused(method: str, exc: SlackApiError) -> DeliveryError:
    """What a refusal from Slack means for a delivery (a 5xx may carry no JSON)."""
    status, data, headers = _answer(exc)
    error = str(data.get("error", "unknown"))
    if status == 429:
        retry = str(headers.get("Retry-After", "1") or "1")
        wait = float(retry) if retry.replace(".", "", 1).isdigit() else 1.0
        return DeliveryError(_("Slack rate limit on {method}", method=method), retry_after=wait)
    if status >= 500:
        return DeliveryError(_("Slack answered {status} on {method}", status=status, method=method))
    if status != 200 and not data:
        # Neither Slack's answer nor a refusal it explains: try again later.
        return DeliveryError(
            _("Slack answered {status} on {method}", status=status or "—", method=method)
        )
    return DeliveryError(
        # The error code stays last, after ": " (read back by _reachability).
        _("Slack refused {method}: {error}", method=method, error=error),
        permanent=error in _GONE,
        hint=_hint(error),
    )


def _reachability(exc: DeliveryError) -> Reachability:
    """What a refused look at a channel says about posting there."""
    error = str(exc).rpartition(": ")[2]
    if error in _UNREACHABLE:
        return Reachability.no(_(_UNREACHABLE[error]), _(INVITE_FIX))
    if error == "is_archived":
        return Reachability.no(_(_ARCHIVED), _hint(error))
    log.info("could not tell whether SnowOps can post there: %s", exc)
    return Reachability.unknown(str(exc))


class SlackChatSink:
    """Delivers to Slack with the right workspace's bot token; 429s wait for Retry-After.

    A wait longer than ``max_wait`` is handed back as a retryable DeliveryError instead: a
    notification must finish well inside its outbox lease (half of SNOWOPS_DELIVERY_LEASE),
    or another replica would take it over and post it too.
    """

    def __init__(self, client_for: ClientFor, *, max_wait: float = 10.0) -> None:
        self._client_for = client_for
        self._max_wait = max_wait

    async def _call(
        self, workspace: str, method: str, *, read: bool = False, **kwargs: Any
    ) -> dict[str, Any]:
        client = await self._client_for(workspace)
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        for attempt in (1, 2, 3):
            try:
                # Read methods take form parameters; write methods take JSON bodies.
                response = await (
                    client.api_call(method, params=kwargs)
                    if read
                    else client.api_call(method, json=kwargs)
                )
            except SlackApiError as exc:
                failure = _refused(method, exc)
                wait = failure.retry_after
                if _answer(exc)[0] == 429 and attempt < 3 and wait is not None:
                    if wait <= self._max_wait:
                        log.info("Slack rate limit on %s; waiting %.0fs", method, wait)
                        await asyncio.sleep(wait)
                        continue
                raise failure from None
            except (aiohttp.ClientError, TimeoutError, SlackClientError) as exc:
                # It may have been carried out: a retry looks for its copy first.
                raise DeliveryError(
                    _(
                        "Slack unreachable on {method} ({error})",
                        method=method,
                        error=type(exc).__name__,
                    )
                ) from None
            return dict(response.data) if isinstance(response.data, dict) else {}
        raise AssertionError("unreachable")

    async def post_card(self, channel: ChannelRef, card: TicketCard) -> CardLocation:
        """Post a ticket card to a channel (or a thread)."""
        body = message(card)
        data = await self._call(
            channel.workspace,
            "chat.postMessage",
            channel=channel.channel,
            thread_ts=channel.thread,
            unfurl_links=False,
            **body,
        )
        where = ChannelRef(channel.workspace, str(data.get("channel") or channel.channel))
        return CardLocation(where, str(data["ts"]))

    async def update_card(self, where: CardLocation, card: TicketCard) -> None:
        """``chat.update`` the card in place."""
        await self._call(
            where.channel.workspace,
            "chat.update",
            channel=where.channel.channel,
            ts=where.message_id,
            **message(card),
        )

    async def post(
        self, channel: ChannelRef, message: Notice, *, key: str, thread: str | None = None
    ) -> None:
        """A short message (it may quote ticket text: shown as typed, see
        :func:`~adapters.slack.blocks_cards.post_message`), carrying ``key`` as message
        metadata (invisible to people)."""
        await self._call(
            channel.workspace,
            "chat.postMessage",
            channel=channel.channel,
            thread_ts=thread,
            unfurl_links=False,
            **post_message(message),
            metadata={"event_type": _EVENT_TYPE, "event_payload": {"delivery": key}},
        )

    async def direct(self, workspace: str, user: str) -> ChannelRef:
        """A user's direct messages with the bot (``conversations.open``: its ``D…`` id, so
        a message there can be looked for again like anywhere else)."""
        data = await self._call(workspace, "conversations.open", users=user)
        channel = data.get("channel")
        opened = channel.get("id") if isinstance(channel, dict) else None
        return ChannelRef(workspace, str(opened or user))

    async def user_by_email(self, workspace: str, email: str) -> str | None:
        """The Slack user with this email (``users.lookupByEmail``), if there is one."""
        if "@" not in email:
            return None
        try:
            data = await self._call(workspace, "users.lookupByEmail", read=True, email=email)
        except DeliveryError as exc:
            log.info("no Slack user found by email: %s", exc)
            return None
        user = data.get("user")
        found = user.get("id") if isinstance(user, dict) else None
        return str(found) if isinstance(found, str) and found else None

    async def can_post(self, channel: ChannelRef) -> Reachability:
        """``conversations.info``: a channel the bot is not a member of, or cannot see (a
        private one: ``channel_not_found``), is unreachable, with the invite that fixes it.
        Without ``channels:read``/``groups:read`` it probes ``conversations.history``
        (the history scopes SnowOps has); when neither can tell, it says unknown."""
        try:
            data = await self._call(
                channel.workspace, "conversations.info", read=True, channel=channel.channel
            )
        except DeliveryError as exc:
            if "missing_scope" not in str(exc):
                return _reachability(exc)
            try:
                await self._call(
                    channel.workspace,
                    "conversations.history",
                    read=True,
                    channel=channel.channel,
                    limit=1,
                )
            except DeliveryError as probe:
                return _reachability(probe)
            return Reachability.yes()
        info = data.get("channel")
        info = info if isinstance(info, dict) else {}
        if info.get("is_archived"):
            return Reachability.no(_(_ARCHIVED), _hint("is_archived"))
        if info.get("is_member") is False:
            return Reachability.no(_(_UNREACHABLE["not_in_channel"]), _(INVITE_FIX))
        return Reachability.yes()

    async def was_posted(self, channel: ChannelRef, key: str, *, thread: str | None = None) -> bool:
        """Look for a message tagged ``key`` in the thread, or among the channel's newest
        100 messages. Without the history scopes it can never tell, and says False (a rare
        double after a crash beats a lost notification); other refusals are raised, to be
        retried."""
        try:
            if thread:
                data = await self._call(
                    channel.workspace,
                    "conversations.replies",
                    read=True,
                    channel=channel.channel,
                    ts=thread,
                    limit=200,
                    include_all_metadata="true",
                )
            else:
                data = await self._call(
                    channel.workspace,
                    "conversations.history",
                    read=True,
                    channel=channel.channel,
                    limit=100,
                    include_all_metadata="true",
                )
        except DeliveryError as exc:
            if "missing_scope" in str(exc) or "not_allowed_token_type" in str(exc):
                log.info("could not check for an earlier copy of %s: %s", key, exc)
                return False  # it can never tell: post (a rare double beats a loss)
            raise  # it could tell later (rate limited, Slack down): try again then
        for msg in data.get("messages") or []:
            meta = msg.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == _EVENT_TYPE and payload.get("delivery") == key:
                return True
        return False
