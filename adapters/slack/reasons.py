"""The reason form on Slack (a rejection asks why): core's
:class:`~core.outcomes.AskReason` as a modal, and its submission back to core.

The modal carries the command it completes as its private metadata (the command's text,
encoded and read back by :mod:`core.actions`); what was typed is the reason.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.admin import input_value
from adapters.slack.after import AfterAck, Work
from adapters.slack.blocks import progress_modal
from adapters.slack.blocks_reason import BLOCK as _BLOCK
from adapters.slack.blocks_reason import REASON_CALLBACK
from adapters.slack.context import Where, known_locale, request_context
from adapters.slack.permissions import SlackUsers
from adapters.slack.replies import SlackReplies
from core.actions import Request, with_reason
from core.errors import UsageError
from core.handlers.router import Router
from core.i18n import _, use_locale

__all__ = ["SlackReasons", "register_reasons"]


class SlackReasons:
    """The reason modal's submission."""

    def __init__(self, router: Router, users: SlackUsers, replies: SlackReplies) -> None:
        self._router = router
        self._users = users
        self._replies = replies

    async def submitted(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> Work | None:
        """A missing or too long reason is shown under the field; otherwise the modal
        says it is being sent, and then what happened."""
        raw = body.get("view")
        view: dict[str, Any] = raw if isinstance(raw, dict) else {}
        with use_locale(known_locale(self._users, body)):
            try:
                request = with_reason(view.get("private_metadata"), input_value(view, _BLOCK))
            except UsageError as exc:
                await ack(response_action="errors", errors={_BLOCK: exc.message})
                return None
            await ack(response_action="update", view=progress_modal("SnowOps", _("Sending…")))
        where = Where(None, None, None, str(view.get("id") or "") or None, modal=True)
        return self._send(body, client, where, request)

    async def _send(
        self, body: dict[str, Any], client: AsyncWebClient, where: Where, request: Request
    ) -> None:
        ctx = await request_context(self._users, client, body, None)
        with use_locale(ctx.locale):
            await self._replies.show(client, where, await self._router.handle(ctx, request))


def register_reasons(app: AsyncApp, reasons: SlackReasons, after: AfterAck) -> None:
    """Listen to the reason modal's submissions."""
    app.view(REASON_CALLBACK)(after.listener(reasons.submitted))
