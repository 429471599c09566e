"""Invoke handlers: universal actions (``adaptiveCard/action``), dialogs (``task/fetch``,
``task/submit``) and the "Share to ServiceNow" message action (``composeExtension/*``).

An invoke's answer is its HTTP response: the updated card, a dialog, or a message.
"""

from __future__ import annotations

import logging
from typing import Any

from microsoft_agents.hosting.core import TurnContext, TurnState

from adapters.teams.cards import COMMAND_VERB
from adapters.teams.cards_actions import ACT_VERB, search_response
from adapters.teams.cards_form import CLIENT_VERB, FORM_VERB, RENAME_VERB
from adapters.teams.cards_reason import REASON_INPUT, REASON_VERB
from adapters.teams.context import channel_of
from adapters.teams.forms import action_submission, form_context, form_data, form_values
from adapters.teams.handlers import TeamsHandlers, plain_text
from adapters.teams.replies import (
    CONNECT_CLIENT,
    answer,
    dialog_answer,
    invoke_answer,
    task_message,
)
from core import commands as c
from core.action_forms import GROUP_DATASET
from core.actions import (
    Request,
    ShareMessage,
    SubmitClient,
    SubmitTicket,
    SuggestGroups,
    read_button,
    read_old_button,
    rename_from_inputs,
    with_reason,
)
from core.actions_fit import SuggestRecords, reference_table
from core.errors import UsageError
from core.handlers.context import RequestContext
from core.i18n import N_, _
from core.models import CardLocation
from core.outcomes import Outcome, Reply, Suggestions
from core.views import Notice, NoticeLevel

__all__ = ["MESSAGE_ACTION", "TeamsInvokes"]

log = logging.getLogger(__name__)

#: The message extension's action command id (manifests/teams/manifest.json).
MESSAGE_ACTION = "shareToServiceNow"
_FORM_TITLE = N_("New ServiceNow ticket")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class TeamsInvokes:
    """The invoke handlers, sharing the message handlers' helpers."""

    def __init__(self, handlers: TeamsHandlers) -> None:
        self.h = handlers

    async def _handle(self, context: TurnContext, ctx: RequestContext, request: Request) -> Outcome:
        return await self.h.handle(context, ctx, request)

    def _submission(self, context: TurnContext, data: dict[str, Any]) -> SubmitTicket:
        """The ticket form's submission; its submission id keys it (one form, one ticket)."""
        sid = str(_dict(data.get("form")).get("sid") or "")[:100]
        key = f"teams-form:{sid}" if sid else f"teams-activity:{context.activity.id or ''}"
        return SubmitTicket(form_values(data), form_context(data), key)

    # -- universal actions -----------------------------------------------------------------
    async def card_action(self, context: TurnContext, state: TurnState) -> None:
        """``adaptiveCard/action``: answer with the card that replaces the clicked one."""
        value = _dict(context.activity.value)
        verb = str(_dict(value.get("action")).get("verb") or "")
        data = form_data(value)
        ctx = await self.h.request_context(context)
        await answer(
            context, await invoke_answer(context, await self._card_action(context, ctx, verb, data))
        )

    async def _card_action(
        self, context: TurnContext, ctx: RequestContext, verb: str, data: dict[str, Any]
    ) -> Outcome:
        if verb == FORM_VERB:
            sub = self._submission(context, data)
            where = channel_of(context.activity, ctx.workspace)
            card_id = context.activity.reply_to_id
            if where is not None and card_id:
                sub = SubmitTicket(sub.values, sub.context, sub.key, CardLocation(where, card_id))
            return await self._handle(context, ctx, sub)
        try:
            if verb == ACT_VERB:
                return await self._handle(context, ctx, action_submission(data))
            if verb == RENAME_VERB:
                rename = rename_from_inputs(data.get("state_pick"), data.get("state_label"))
                return await self._handle(context, ctx, rename)
            if verb == REASON_VERB:
                completed = with_reason(data.get("value"), data.get(REASON_INPUT))
                return await self._handle(context, ctx, completed)
            value = data.get("value")
            command = read_button(value) if verb == COMMAND_VERB else read_old_button(verb, value)
        except UsageError as exc:
            # Only the one who clicked is told; the card stays as it is.
            return Reply(Notice(exc.message, NoticeLevel.WARNING))
        return await self._handle(context, ctx, command)

    # -- dialogs ---------------------------------------------------------------------------
    async def task_fetch(self, context: TurnContext, state: TurnState) -> None:
        """``task/fetch``: open the form (Share, Create ticket) or the OAuth client dialog."""
        data = form_data(context.activity.value)
        verb = str(data.get("verb") or "")
        ctx = await self.h.request_context(context)
        if verb == CONNECT_CLIENT:
            # Core decides (admins, in their personal chat): the client form, or why not.
            outcome = await self._handle(context, ctx, c.Connect(str(data.get("value") or "")))
            body = dialog_answer(outcome, _("ServiceNow OAuth client"))
        else:
            value = data.get("value")
            try:
                command = (
                    read_button(value) if verb == COMMAND_VERB else read_old_button(verb, value)
                )
                outcome = await self._handle(context, ctx, command)
            except UsageError as exc:
                outcome = Reply(Notice(exc.message, NoticeLevel.WARNING))
            body = dialog_answer(outcome, _(_FORM_TITLE))
        await answer(context, body)

    async def task_submit(self, context: TurnContext, state: TurnState) -> None:
        """``task/submit``: the ticket form or the OAuth client form of a dialog."""
        data = form_data(context.activity.value)
        verb = data.get("verb")
        ctx = await self.h.request_context(context)
        if verb == CLIENT_VERB:
            request: Request = SubmitClient(
                str(data.get("instance") or ""),
                str(data.get("client_id") or ""),
                str(data.get("client_secret") or ""),
            )
            await answer(
                context,
                dialog_answer(await self._handle(context, ctx, request), _("Connect ServiceNow")),
            )
            return
        if verb == ACT_VERB:
            try:
                outcome = await self._handle(context, ctx, action_submission(data))
            except UsageError as exc:
                outcome = Reply(Notice(exc.message, NoticeLevel.WARNING))
            await answer(context, dialog_answer(outcome, "SnowOps"))
            return
        if verb != FORM_VERB:
            await answer(context, task_message(_("This form is not supported any more.")))
            return
        outcome = await self._handle(context, ctx, self._submission(context, data))
        await answer(context, dialog_answer(outcome, _(_FORM_TITLE)))

    async def search(self, context: TurnContext, state: TurnState) -> None:
        """``application/search``: the assignment groups matching what is typed in an
        action form's group input (``Data.Query`` of dataset ``snowops.groups``)."""
        value = _dict(context.activity.value)
        query = value.get("queryText")
        table = reference_table(value.get("dataset"))
        wanted = value.get("dataset") == GROUP_DATASET or table is not None
        if not wanted or not isinstance(query, str | None):
            await answer(context, {"error": "SnowOps searches only assignment groups."}, 400)
            return
        ctx = await self.h.request_context(context)
        # A ticket form's reference field (``snowops.ref.<table>``), or an action's group.
        request = SuggestRecords(table, query or "") if table else SuggestGroups(query or "")
        outcome = await self._handle(context, ctx, request)
        options = outcome.options if isinstance(outcome, Suggestions) else ()
        await answer(context, search_response(options))

    async def unknown(self, context: TurnContext, state: TurnState) -> None:
        """An invoke SnowOps does not take (the app package declares none other): 400 with
        one log line, rather than the SDK's 501."""
        name = str(context.activity.name or "")[:60]
        log.info("Teams invoke %r not handled", name)
        await answer(context, {"error": f"SnowOps does not handle {name or 'this'} invokes."}, 400)

    # -- message extension -----------------------------------------------------------------
    async def share_message_fetch(self, context: TurnContext, state: TurnState) -> None:
        """``composeExtension/fetchTask``: the form, with the message as its description."""
        payload = _dict(_dict(context.activity.value).get("messagePayload"))
        message = plain_text(str(_dict(payload.get("body")).get("content") or "")).strip()
        link = str(payload.get("linkToMessage") or "")
        ctx = await self.h.request_context(context)
        outcome = await self._handle(context, ctx, ShareMessage(message, link))
        await answer(context, dialog_answer(outcome, _("Share to ServiceNow")))

    async def share_message_submit(self, context: TurnContext, state: TurnState) -> None:
        """``composeExtension/submitAction``: like a dialog submit."""
        data = form_data(context.activity.value)
        ctx = await self.h.request_context(context)
        outcome = await self._handle(context, ctx, self._submission(context, data))
        await answer(context, dialog_answer(outcome, _(_FORM_TITLE)))
