"""Bolt listeners of the ticket action forms: a submitted action modal, and the assignment
group type-ahead (``block_suggestion``, answered in its ack as Slack requires).

The card buttons that open these forms are ordinary command buttons (``comment INC…``), so
:class:`~adapters.slack.listeners.SlackListeners` opens the modal like any other form.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.after import AfterAck, Work
from adapters.slack.blocks import progress_modal, result_modal
from adapters.slack.blocks_actions import (
    ACTION_CALLBACK,
    GROUP_SEARCH,
    action_inputs,
    group_options,
)
from adapters.slack.context import Where, known_locale, quick_context, request_context
from adapters.slack.permissions import SlackUsers
from adapters.slack.replies import SlackReplies
from core.actions import (
    ActionFormContext,
    SubmitActionForm,
    SuggestGroups,
    action_values,
)
from core.actions_fit import REFERENCE_DATASET, SuggestRecords, reference_table
from core.errors import UsageError
from core.handlers.router import Router
from core.i18n import _, use_locale
from core.outcomes import ShowActionForm, Suggestions

__all__ = ["ActionListeners", "register_action_listeners"]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class ActionListeners:
    """The action modal's submission and the group type-ahead."""

    def __init__(self, router: Router, users: SlackUsers, replies: SlackReplies) -> None:
        self._router = router
        self._users = users
        self._replies = replies

    async def submitted(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> Work | None:
        """An action modal submitted: a missing input is named in the ack; otherwise the
        modal says it is working, and the action runs after the ack as the submitter."""
        view = _dict(body.get("view"))
        known = known_locale(self._users, body)
        with use_locale(known):
            try:
                context = ActionFormContext.loads(view.get("private_metadata"))
            except UsageError as exc:
                failed = result_modal("SnowOps", exc.message, None)
                await ack(response_action="update", view=failed)
                return None
            request = SubmitActionForm(context, action_values(action_inputs(view)))
            ctx = quick_context(body, context.channel, known or "")
            quick = await self._router.answer_now(ctx, request)
            if isinstance(quick, ShowActionForm):
                await ack(response_action="errors", errors=dict(quick.form.errors))
                return None
            await ack(response_action="update", view=progress_modal("SnowOps", _("Sending…")))
        view_id = str(view.get("id") or "") or None
        where = Where(context.channel, None, None, view_id, modal=True)
        return self._run(body, client, where, request)

    async def _run(
        self, body: dict[str, Any], client: AsyncWebClient, where: Where, request: Any
    ) -> None:
        ctx = await request_context(self._users, client, body, where.channel)
        with use_locale(ctx.locale):
            await self._replies.show(client, where, await self._router.handle(ctx, request))

    async def suggest(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> Work | None:
        """The groups matching what was typed, in the ack itself (Slack waits 3 s for it)."""
        typed = body.get("value")
        request = SuggestGroups(typed if isinstance(typed, str) else "")
        known = known_locale(self._users, body)
        with use_locale(known):
            outcome = await self._router.handle(quick_context(body, None, known or ""), request)
        options = outcome.options if isinstance(outcome, Suggestions) else ()
        await ack(options=group_options(options))
        return None

    async def suggest_records(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> Work | None:
        """A ticket form's reference field: the records matching what was typed, in the ack."""
        typed = body.get("value")
        table = reference_table(body.get("action_id")) or ""
        request = SuggestRecords(table, typed if isinstance(typed, str) else "")
        outcome = await self._router.handle(quick_context(body, None), request)
        options = outcome.options if isinstance(outcome, Suggestions) else ()
        await ack(options=group_options(options))
        return None


def register_action_listeners(app: AsyncApp, listeners: ActionListeners, after: AfterAck) -> None:
    """Attach the action form listeners to the bolt app."""
    app.view(ACTION_CALLBACK)(after.listener(listeners.submitted))
    app.options(GROUP_SEARCH)(after.listener(listeners.suggest))
    references = re.compile("^" + re.escape(REFERENCE_DATASET))
    app.options(references)(after.listener(listeners.suggest_records))
