"""The Teams ChatSink: proactive ticket cards, updated in place, replies in their threads.

Every delivery continues a conversation from the reference saved on first contact
(:class:`~adapters.teams.references.References`); a conversation the bot was removed from
(403/404 from the connector) becomes a permanent failure with a hint for admins.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
from microsoft_agents.activity import Activity, ConversationReference
from microsoft_agents.hosting.core import ChannelServiceAdapter, TurnContext
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from adapters.teams.auth import TokenError
from adapters.teams.cards import attachment, card, summary_text
from adapters.teams.references import References
from core.models import CardLocation, ChannelRef
from core.ports import DeliveryError
from core.views import TicketCard

__all__ = ["TeamsChatSink", "delivery_error"]

log = logging.getLogger(__name__)

T = TypeVar("T")

_REMOVED_HINT = (
    "SnowOps was removed from this Teams conversation (or it was deleted): add the app "
    "to it again, or unsubscribe it"
)


def delivery_error(exc: BaseException, doing: str) -> DeliveryError:
    """A connector or token failure as a DeliveryError (permanent when the bot is gone)."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, aiohttp.ClientResponseError):
        if exc.status in (403, 404):
            return DeliveryError(
                f"Teams refused {doing}: {exc.status}", permanent=True, hint=_REMOVED_HINT
            )
        if exc.status == 429:
            retry = (exc.headers or {}).get("Retry-After") if exc.headers else None
            wait = float(retry) if retry and str(retry).replace(".", "", 1).isdigit() else None
            return DeliveryError(f"Teams rate limit on {doing}", retry_after=wait)
        if exc.status == 401:
            return DeliveryError(
                f"Teams refused the bot's token on {doing}",
                hint="Check TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID",
            )
        return DeliveryError(f"Teams answered {exc.status} on {doing}")
    if isinstance(exc, TokenError):
        return DeliveryError(f"no Teams token for {doing}: {exc}", hint=str(exc))
    return DeliveryError(f"Teams unreachable on {doing} ({type(exc).__name__})")


def _message(view: TicketCard | None = None, text: str | None = None) -> Activity:
    if view is not None:
        return Activity(
            type="message", summary=summary_text(view), attachments=[attachment(card(view))]
        )
    return Activity(type="message", text=text or "")


class TeamsChatSink:
    """Delivers notifications to Teams with the stored conversation references."""

    def __init__(
        self, adapter: ChannelServiceAdapter, references: References, app_id: str | None
    ) -> None:
        self._adapter = adapter
        self._refs = references
        self._app_id = app_id

    async def _continue(
        self,
        channel: ChannelRef,
        doing: str,
        work: Callable[[TurnContext, ConnectorClientBase, ConversationReference], Awaitable[T]],
    ) -> T:
        ref = await self._refs.get(channel.workspace, channel.channel)
        if ref is None:
            raise DeliveryError(
                f"SnowOps never heard from Teams conversation {channel.channel[:60]}",
                permanent=True,
                hint="Add SnowOps to the conversation and mention it once, then subscribe again",
            )
        results: list[T] = []
        failures: list[BaseException] = []

        async def callback(context: TurnContext) -> None:
            # Failures are carried out of the pipeline: the adapter's turn-error handler
            # would otherwise try to post about them into the very conversation that failed.
            try:
                client = context.services.get(ConnectorClientBase)
                assert client is not None
                results.append(await work(context, client, ref))
            except Exception as exc:
                failures.append(exc)

        continuation = ref.get_continuation_activity()
        try:
            if self._app_id:
                await self._adapter.continue_conversation(self._app_id, continuation, callback)
            else:
                await self._adapter.continue_conversation_with_claims(
                    ClaimsIdentity(), continuation, callback
                )
        except Exception as exc:
            failures.append(exc)
        if failures:
            error = delivery_error(failures[0], doing)
            log.info("Teams delivery failed (%s): %s", doing, error)
            raise error from None
        return results[0]

    async def post_card(self, channel: ChannelRef, card_view: TicketCard) -> CardLocation:
        """Post a ticket card to a conversation (or a channel thread)."""

        async def post(_: TurnContext, client: ConnectorClientBase, ref: Any) -> CardLocation:
            activity = _message(card_view)
            activity.conversation = ref.conversation
            conversation = _thread_id(channel)
            sent = await client.conversations.send_to_conversation(conversation, activity)
            return CardLocation(channel, str(sent.id or ""))

        return await self._continue(channel, "post card", post)

    async def update_card(self, where: CardLocation, card_view: TicketCard) -> None:
        """Replace a posted card in place (``update_activity``)."""

        async def update(context: TurnContext, _: ConnectorClientBase, ref: Any) -> None:
            # A fresh Activity: one read back from Teams carries a timestamp the SDK
            # cannot serialise on update.
            activity = _message(card_view)
            activity.id = where.message_id
            activity.conversation = ref.conversation.model_copy(
                update={"id": _thread_id(where.channel)}
            )
            await context.update_activity(activity)

        await self._continue(where.channel, "update card", update)

    async def reply(self, where: CardLocation, text: str) -> None:
        """A short reply under the card: in its channel thread, or in the chat."""

        async def reply(_: TurnContext, client: ConnectorClientBase, ref: Any) -> None:
            activity = _message(text=text)
            if where.channel.thread is None and _is_channel(ref):
                # A top-level card in a channel: its own message starts the thread.
                conversation = f"{where.channel.channel};messageid={where.message_id}"
                await client.conversations.send_to_conversation(conversation, activity)
                return
            activity.reply_to_id = where.message_id
            await client.conversations.reply_to_activity(
                _thread_id(where.channel), where.message_id, activity
            )

        await self._continue(where.channel, "reply", reply)

    async def post_text(self, channel: ChannelRef, text: str) -> None:
        """A short message in a conversation."""

        async def post(_: TurnContext, client: ConnectorClientBase, ref: Any) -> None:
            await client.conversations.send_to_conversation(
                _thread_id(channel), _message(text=text)
            )

        await self._continue(channel, "post text", post)


def _thread_id(channel: ChannelRef) -> str:
    """The conversation id to post to: the channel's thread when there is one."""
    return f"{channel.channel};messageid={channel.thread}" if channel.thread else channel.channel


def _is_channel(ref: ConversationReference) -> bool:
    return str(getattr(ref.conversation, "conversation_type", "") or "") == "channel"
