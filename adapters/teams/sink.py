"""The Teams ChatSink: proactive ticket cards, updated in place, replies in their threads.

Every delivery continues a conversation from the reference saved on first contact
(:class:`~adapters.teams.references.References`); a conversation the bot was removed from
(403/404 from the connector) becomes a permanent failure with a hint for admins.

Short messages are tagged with their delivery key (a card element id), and
:meth:`TeamsChatSink.was_posted` looks for the tag with Microsoft Graph
(:mod:`adapters.teams.recall`) in channels and group chats. Where it cannot look (a
personal chat, anonymous mode, RSC not consented) it says False: a rare double beats a loss.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
from microsoft_agents.activity import Activity, ConversationReference
from microsoft_agents.hosting.core import ChannelServiceAdapter, TurnContext
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from microsoft_agents.hosting.core.connector import ConnectorClientBase, TeamsConnectorClient

from adapters.teams.auth import TokenError
from adapters.teams.cards import card, card_attachment, summary_text
from adapters.teams.context import connector_client
from adapters.teams.recall import (
    GraphReader,
    GraphRefused,
    channel_messages_path,
    chat_messages_path,
    tag_card,
    tag_of,
)
from adapters.teams.references import References, Team
from adapters.teams.tenants import tenant_of_workspace
from core.i18n import N_, _
from core.models import CardLocation, ChannelRef
from core.ports import DeliveryError, Reachability
from core.views import Notice, TicketCard

__all__ = ["TeamsChatSink", "delivery_error"]

log = logging.getLogger(__name__)

T = TypeVar("T")

_REMOVED_HINT = N_(
    "SnowOps was removed from this Teams conversation (or it was deleted): add the app "
    "to it again, or unsubscribe it"
)


#: How a person lets SnowOps post in a Teams conversation it is not in.
ADD_APP_FIX = N_(
    "Add SnowOps to it: in a team, the team's ⋯ > Manage team > Apps > Get more apps > "
    "SnowOps; a private or shared channel needs the app added to the channel itself "
    "(the channel's ⋯ > Manage channel > Apps). Then mention @SnowOps there once and "
    "subscribe again."
)


#: Seconds before a redo after an answer that may hide a post that landed: Microsoft Graph
#: shows a new message only after a short while, and the redo looks for it there first.
GRAPH_LAG = 30.0


def delivery_error(exc: BaseException, doing: str) -> DeliveryError:
    """A connector or token failure as a DeliveryError (permanent when the bot is gone)."""
    doing = _(doing)  # marked N_ where named: part of a message people read
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, aiohttp.ClientResponseError):
        if exc.status in (403, 404):
            return DeliveryError(
                _("Teams refused {doing}: {status}", doing=doing, status=exc.status),
                permanent=True,
                hint=_(_REMOVED_HINT),
            )
        if exc.status == 429:
            retry = exc.headers.get("Retry-After") if exc.headers else None
            wait = float(retry) if retry and str(retry).replace(".", "", 1).isdigit() else None
            return DeliveryError(_("Teams rate limit on {doing}", doing=doing), retry_after=wait)
        if exc.status == 401:
            return DeliveryError(
                _("Teams refused the bot's token on {doing}", doing=doing),
                hint=_("Check TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_APP_TENANT_ID"),
            )
        # The post may have landed: give Graph time to show it before the redo looks.
        return DeliveryError(
            _("Teams answered {status} on {doing}", status=exc.status, doing=doing),
            retry_after=GRAPH_LAG,
        )
    if isinstance(exc, TokenError):
        return DeliveryError(
            _("no Teams token for {doing}: {problem}", doing=doing, problem=exc), hint=str(exc)
        )
    return DeliveryError(
        _("Teams unreachable on {doing} ({error})", doing=doing, error=type(exc).__name__),
        retry_after=GRAPH_LAG,
    )


def _message(view: TicketCard | Notice, key: str | None = None) -> Activity:
    content = card(view)
    if key is not None:
        tag_card(content, key)
    return Activity(
        type="message", summary=summary_text(view), attachments=[card_attachment(content)]
    )


class TeamsChatSink:
    """Delivers notifications to Teams with the stored conversation references.

    ``graph`` reads messages back; without it (anonymous mode) :meth:`was_posted` cannot tell.
    """

    def __init__(
        self,
        adapter: ChannelServiceAdapter,
        references: References,
        app_id: str | None,
        graph: GraphReader | None = None,
    ) -> None:
        self._adapter = adapter
        self._refs = references
        self._app_id = app_id
        self._graph = graph
        self._untold: set[str] = set()  # conversations already logged as "cannot tell"

    async def _continue(
        self,
        channel: ChannelRef,
        doing: str,
        work: Callable[[TurnContext, ConnectorClientBase, ConversationReference], Awaitable[T]],
    ) -> T:
        ref = await self._refs.get(channel.workspace, channel.channel)
        if ref is None:
            raise DeliveryError(
                _(
                    "SnowOps never heard from Teams conversation {conversation}",
                    conversation=channel.channel[:60],
                ),
                permanent=True,
                hint=_("Add SnowOps to the conversation and mention it once, then subscribe again"),
            )
        results: list[T] = []
        failures: list[BaseException] = []

        async def callback(context: TurnContext) -> None:
            # Failures are carried out of the pipeline: the adapter's turn-error handler
            # would otherwise try to post about them into the very conversation that failed.
            try:
                client = connector_client(context)
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

        async def post(
            _context: TurnContext, client: ConnectorClientBase, ref: Any
        ) -> CardLocation:
            activity = _message(card_view)
            activity.conversation = ref.conversation
            conversation = _thread_id(channel)
            sent = await client.conversations.send_to_conversation(conversation, activity)
            return CardLocation(channel, str(sent.id or ""))

        return await self._continue(channel, N_("post card"), post)

    async def update_card(self, where: CardLocation, card_view: TicketCard) -> None:
        """Replace a posted card in place (``update_activity``)."""

        async def update(context: TurnContext, _client: ConnectorClientBase, ref: Any) -> None:
            # A fresh Activity: one read back from Teams carries a timestamp the SDK
            # cannot serialise on update.
            activity = _message(card_view)
            activity.id = where.message_id
            activity.conversation = ref.conversation.model_copy(
                update={"id": _thread_id(where.channel)}
            )
            await context.update_activity(activity)

        await self._continue(where.channel, N_("update card"), update)

    async def post(
        self, channel: ChannelRef, message: Notice, *, key: str, thread: str | None = None
    ) -> None:
        """A short message as a small card: under the card ``thread`` (in its channel
        thread, or in the chat), or in the conversation."""

        async def post(_context: TurnContext, client: ConnectorClientBase, ref: Any) -> None:
            activity = _message(message, key)
            if thread is None:
                await client.conversations.send_to_conversation(_thread_id(channel), activity)
                return
            if channel.thread is None and _is_channel(ref):
                # A top-level card in a channel: its own message starts the thread.
                conversation = f"{channel.channel};messageid={thread}"
                await client.conversations.send_to_conversation(conversation, activity)
                return
            activity.reply_to_id = thread
            await client.conversations.reply_to_activity(_thread_id(channel), thread, activity)

        await self._continue(channel, N_("post"), post)

    async def can_post(self, channel: ChannelRef) -> Reachability:
        """The conversation's reference must be known, and the connector must count the
        bot in its roster (one ``pagedmembers`` entry): a private or shared channel without
        the app answers 403/404. Any other failure cannot tell (reachable, unknown)."""
        ref = await self._refs.get(channel.workspace, channel.channel)
        if ref is None:
            return Reachability.no(
                _("SnowOps has never been added to this conversation"), _(ADD_APP_FIX)
            )

        async def probe(_context: TurnContext, client: ConnectorClientBase, __: Any) -> None:
            await client.conversations.get_conversation_paged_members(channel.channel, 1)

        try:
            await self._continue(channel, N_("check the roster"), probe)
        except DeliveryError as exc:
            if exc.permanent:
                return Reachability.no(_("SnowOps is not in this conversation"), _(ADD_APP_FIX))
            return Reachability.unknown(str(exc))
        return Reachability.yes()

    async def was_posted(self, channel: ChannelRef, key: str, *, thread: str | None = None) -> bool:
        """Look for the message tagged ``key`` with Microsoft Graph: among the replies of the
        thread in a channel (or its newest posts), among a group chat's newest messages.
        False when it is not there, or when Graph cannot be asked (personal chat, anonymous
        mode, no consent); a rate limit or an outage is raised, to be retried."""
        if self._graph is None:
            return self._cannot_tell(channel, "no bot credentials (anonymous mode)")
        ref = await self._refs.get(channel.workspace, channel.channel)
        if ref is None:
            return False  # posting says why
        path = await self._messages_path(channel, ref, thread)
        if path is None:
            return False
        try:
            # Graph tokens are per tenant: ask with the conversation's own.
            return await self._graph.find(path, tag_of(key), tenant_of_workspace(channel.workspace))
        except GraphRefused as exc:
            return self._cannot_tell(
                channel, f"{exc}: consent to the app's RSC permissions in this team or chat"
            )

    async def _messages_path(
        self, channel: ChannelRef, ref: ConversationReference, thread: str | None
    ) -> str | None:
        kind = str(getattr(ref.conversation, "conversation_type", "") or "personal")
        if kind == "groupChat":
            return chat_messages_path(channel.channel)
        if kind != "channel":
            self._cannot_tell(channel, f"Microsoft Graph cannot read a {kind} chat for the bot")
            return None
        group = await self._team_group(channel)
        if group is None:
            self._cannot_tell(channel, "its team's Microsoft 365 group is unknown")
            return None
        # One level of threads: a reply under a card in a thread lands in that thread.
        return channel_messages_path(group, channel.channel, channel.thread or thread)

    async def _team_group(self, channel: ChannelRef) -> str | None:
        """Graph's id of the channel's team: kept from activities, else asked of the
        connector (``GET /v3/teams/{team id}``) once and kept."""
        known = await self._refs.team(channel.workspace, channel.channel)
        if known is not None and known.aad_group_id:
            return known.aad_group_id
        # A reference kept before teams were: the General channel's id is its team's.
        team_id = known.id if known is not None else channel.channel

        async def lookup(_context: TurnContext, client: ConnectorClientBase, __: Any) -> str | None:
            if not isinstance(client, TeamsConnectorClient):
                return None
            try:
                details = await client.fetch_team_details(team_id)
            except aiohttp.ClientResponseError as exc:
                if exc.status in (400, 401, 403, 404):
                    return None  # it cannot tell; anything else may pass: try again later
                raise
            return str(details.aad_group_id or "") or None

        group = await self._continue(channel, N_("find the team"), lookup)
        if group:
            await self._refs.remember_team(channel.workspace, channel.channel, Team(team_id, group))
        return group

    def _cannot_tell(self, channel: ChannelRef, why: str) -> bool:
        """Log once per conversation that a redo there may double a message; False."""
        if channel.channel not in self._untold:
            if len(self._untold) > 10_000:
                self._untold.clear()
            self._untold.add(channel.channel)
            log.info(
                "Teams conversation %s: cannot check for an earlier copy of a message (%s); "
                "a redo after a lost answer may post it twice",
                channel.channel[:60],
                why,
            )
        return False

    async def user_by_email(self, workspace: str, email: str) -> str | None:
        """The Teams user with this email: one who chatted with SnowOps in person (it can
        direct-message only them), whose member record named the email."""
        return await self._refs.by_email(workspace, email) if "@" in email else None

    async def direct(self, workspace: str, user: str) -> ChannelRef:
        """The personal chat SnowOps has with ``user`` (known once they chatted with it)."""
        conversation = await self._refs.personal(workspace, user)
        if conversation is None:
            raise DeliveryError(
                _("SnowOps has no personal chat with Teams user {user}", user=user[:60]),
                permanent=True,
                hint=_("Open a chat with SnowOps in Teams once (Apps > SnowOps), then try again"),
            )
        return ChannelRef(workspace, conversation)


def _thread_id(channel: ChannelRef) -> str:
    """The conversation id to post to: the channel's thread when there is one."""
    return f"{channel.channel};messageid={channel.thread}" if channel.thread else channel.channel


def _is_channel(ref: ConversationReference) -> bool:
    return str(getattr(ref.conversation, "conversation_type", "") or "") == "channel"
