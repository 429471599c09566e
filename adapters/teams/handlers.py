"""Turn handlers for messages and conversation events: text → core → a card.

Commands arrive as ``snow …``, ``/snow …`` or after an @mention (the SDK removes the
mention of the bot; :func:`core.grammar.strip_invocation` the rest), in a personal chat,
a group chat or a channel.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import replace

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import TurnContext, TurnState

from adapters.teams.cards import card
from adapters.teams.config import TeamsConfig
from adapters.teams.context import (
    TeamsUsers,
    conversation_type,
    split_conversation,
    tenant_of,
    workspace_of,
)
from adapters.teams.owners import TeamOwners
from adapters.teams.references import References
from adapters.teams.replies import answer, error_response, send_card, send_outcome, send_view
from core import commands as c
from core.actions import Request, ThreadPost
from core.grammar import strip_invocation
from core.handlers.context import RequestContext
from core.handlers.failures import failure_notice
from core.handlers.router import Router
from core.i18n import _, use_locale
from core.languages import WorkspaceLanguage
from core.outcomes import Ignored, Outcome, Reply
from core.storage import IdempotencyKeys
from core.views import Notice

__all__ = ["TeamsHandlers", "plain_text"]

log = logging.getLogger(__name__)

_BLOCK = re.compile(r"<(?:br\s*/?|/p|/div|/li)>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_REPEAT_TTL = 3600.0
_WELCOME_TTL = 30 * 24 * 3600.0


def plain_text(value: str) -> str:
    """Teams sends formatted messages as HTML: keep the words, one line per paragraph."""
    if "<" not in value and "&" not in value:
        return value
    text = html.unescape(_TAG.sub("", _BLOCK.sub("\n", value)))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _addressed(activity: Activity) -> bool:
    """Whether a message is for SnowOps: it mentions the bot, or starts with ``snow``."""
    if re.match(r"\s*/?snow\b", plain_text(activity.text or ""), re.IGNORECASE):
        return True
    bot = activity.recipient.id if activity.recipient else None
    for entity in activity.entities or []:
        doc = entity.model_dump(exclude_none=True) if hasattr(entity, "model_dump") else {}
        mentioned = doc.get("mentioned")
        if doc.get("type") == "mention" and isinstance(mentioned, dict):
            if mentioned.get("id") == bot:
                return True
    return False


class TeamsHandlers:
    """Messages, welcome and removal; shared helpers for the invoke handlers."""

    def __init__(
        self,
        config: TeamsConfig,
        router: Router,
        keys: IdempotencyKeys,
        users: TeamsUsers,
        references: References,
        owners: TeamOwners | None = None,
        languages: WorkspaceLanguage | None = None,
    ) -> None:
        self.config = config
        self.router = router
        self._keys = keys
        self.users = users
        self.references = references
        self._owners = owners
        self._languages = languages

    def workspace(self, context: TurnContext) -> str:
        """``teams:<tenant>`` of the turn."""
        return workspace_of(tenant_of(context.activity))

    async def request_context(self, context: TurnContext) -> RequestContext:
        """Who asks, where, and whether they are an admin. In a personal chat, their email
        is kept too: an approver is found by it (core/approvals.py)."""
        ctx = await self.users.request_context(context, tenant_of(context.activity))
        who = ctx.requester
        if ctx.private and who.email:
            await self.references.remember_email(ctx.workspace, who.email, who.user_id)
        return ctx

    async def handle(self, context: TurnContext, ctx: RequestContext, request: Request) -> Outcome:
        """Core's answer to ``request``. A team's owners administer its channels: asked of
        Microsoft Graph only when that is what would let this request through."""
        owner_ctx = replace(ctx, channel_admin=True)
        if (
            not ctx.may(request)
            and owner_ctx.may(request)
            and self._owners is not None
            and conversation_type(context.activity) == "channel"
            and await self._owners.owns(context, tenant_of(context.activity), ctx.requester.user_id)
        ):
            ctx = owner_ctx
        return await self.router.handle(ctx, request)

    # -- every turn ---------------------------------------------------------------------
    async def before_turn(self, context: TurnContext, state: TurnState) -> bool:
        """Save the conversation reference on first contact; drop repeated activities."""
        activity = context.activity
        try:
            await self.references.remember(self.workspace(context), activity)
        except Exception:
            log.exception("Teams conversation reference not saved")
        if activity.type in ("message", "conversationUpdate", "installationUpdate") and activity.id:
            conv = activity.conversation.id if activity.conversation else ""
            key = f"teams-activity:{conv}:{activity.id}"
            if await self._keys.begin_idempotent(key, _REPEAT_TTL) is not None:
                log.info("dropped a repeated Teams activity")
                return False
        return True

    async def on_error(self, context: TurnContext, error: Exception) -> None:
        """Say something useful (never the exception text) and keep the details in the log."""
        notice = failure_notice(error, f"Teams {context.activity.type}")
        try:
            if context.activity.type == "invoke":
                await answer(context, error_response(500, notice.text))
            else:
                await send_view(context, notice)
        except Exception:
            log.exception("Teams error notice not delivered")

    # -- messages -----------------------------------------------------------------------
    async def on_message(self, context: TurnContext, state: TurnState) -> None:
        """A command typed to the bot."""
        activity = context.activity
        if not (activity.text or "").strip():
            if activity.value:
                await send_view(context, Notice(_("That button is from an older SnowOps card.")))
            return
        if await self._thread_reply(context):
            return
        words = strip_invocation(" ".join(plain_text(activity.text or "").split()))
        request = self.router.parse(words)
        if isinstance(request, Reply):
            await send_outcome(context, request)
            return
        ctx = await self.request_context(context)
        await send_outcome(context, await self.handle(context, ctx, request))

    async def _thread_reply(self, context: TurnContext) -> bool:
        """A reply in a channel thread that is not addressed to SnowOps: core writes it to
        the ticket when the thread is a ticket card's and the channel asks for it (answered
        with a short reply in the thread). False: not taken, read it as a command."""
        activity = context.activity
        base, thread = split_conversation(activity.conversation.id if activity.conversation else "")
        if thread is None or conversation_type(activity) != "channel" or _addressed(activity):
            return False
        ctx = await self.request_context(context)
        post = ThreadPost(base, thread, plain_text(activity.text or ""))
        outcome = await self.router.handle(ctx, post)
        if isinstance(outcome, Ignored):
            return False
        await send_outcome(context, outcome)
        return True

    # -- installation and membership ------------------------------------------------------
    async def on_members_added(self, context: TurnContext, state: TurnState) -> None:
        """The bot joined a conversation: welcome."""
        activity = context.activity
        bot = activity.recipient.id if activity.recipient else None
        if any(m.id == bot for m in activity.members_added or []):
            await self._welcome(context)

    async def on_members_removed(self, context: TurnContext, state: TurnState) -> None:
        """The bot left a conversation: forget its reference."""
        activity = context.activity
        bot = activity.recipient.id if activity.recipient else None
        if any(m.id == bot for m in activity.members_removed or []) and activity.conversation:
            await self._forget(context)

    async def on_installation(self, context: TurnContext, state: TurnState) -> None:
        """The app was installed (welcome) or removed (forget the conversation)."""
        action = str(context.activity.action or "")
        if action.startswith("add"):
            await self._welcome(context)
        elif action.startswith("remove") and context.activity.conversation:
            await self._forget(context)

    async def _forget(self, context: TurnContext) -> None:
        """Forget the conversation; a later reinstall is welcomed again."""
        conv = context.activity.conversation.id if context.activity.conversation else ""
        await self.references.forget(self.workspace(context), split_conversation(conv)[0])
        await self._keys.abort_idempotent(f"teams-welcome:{conv}")

    async def _welcome(self, context: TurnContext) -> None:
        """Once per conversation (Teams sends both conversationUpdate and installationUpdate):
        in the personal chat, the home card (in the installer's language); elsewhere, a
        short hello that everyone there reads, in the workspace's language."""
        conv = context.activity.conversation.id if context.activity.conversation else ""
        if await self._keys.begin_idempotent(f"teams-welcome:{conv}", _WELCOME_TTL) is not None:
            return
        if conversation_type(context.activity) == "personal":
            ctx = await self.request_context(context)
            await send_outcome(context, await self.router.handle(ctx, c.Home()))
            return
        workspace = self.workspace(context)
        language = await self._languages.language(workspace) if self._languages else None
        with use_locale(language):
            hello = card(
                Notice(
                    _(
                        "SnowOps is here: mention me with a command, e.g. @SnowOps tickets, or "
                        "@SnowOps help for all of them."
                    )
                )
            )
            summary = _("SnowOps is here")
        await send_card(context, hello, summary)
