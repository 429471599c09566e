"""Invoke handlers: universal actions (``adaptiveCard/action``), dialogs (``task/fetch``,
``task/submit``) and the "Share to ServiceNow" message action (``composeExtension/*``).

An invoke's answer is its HTTP response: the updated card, a dialog, or a message.
"""

from __future__ import annotations

import logging
from typing import Any

from microsoft_agents.hosting.core import TurnContext, TurnState

from adapters.teams.cards import card
from adapters.teams.cards_form import FORM_VERB, client_card, config_card, form_card
from adapters.teams.context import channel_of, conversation_type
from adapters.teams.forms import TeamsForms, form_data
from adapters.teams.handlers import TeamsHandlers, plain_text
from adapters.teams.replies import (
    answer,
    card_response,
    dialog,
    error_response,
    message_response,
    send_view,
    task_message,
)
from core import commands as c
from core.dispatch import RequestContext, failure_notice
from core.forms import NAME_MAX, TicketFormView
from core.models import CardLocation, TicketKind
from core.views import Notice, NoticeLevel, View

__all__ = ["MESSAGE_ACTION", "TeamsInvokes"]

log = logging.getLogger(__name__)

#: The message extension's action command id (manifests/teams/manifest.json).
MESSAGE_ACTION = "shareToServiceNow"
_ADMIN_ONLY = "Only workspace admins can do that."
_CONNECT_PRIVATELY = (
    "Reconnect from your personal chat with SnowOps (snow home, then Manage ServiceNow "
    "configuration): the sign-in link is for you alone."
)
_FORM_TITLE = "New ServiceNow ticket"


def _parts(value: str, sep: str, defaults: tuple[str, ...]) -> list[str]:
    parts = value.split(sep)[: len(defaults)]
    return parts + list(defaults[len(parts) :])


def _int(value: str, default: int) -> int:
    return int(value) if value.isdigit() else default


class TeamsInvokes:
    """The invoke handlers, sharing the message handlers' helpers."""

    def __init__(self, handlers: TeamsHandlers, forms: TeamsForms) -> None:
        self.h = handlers
        self.forms = forms

    # -- universal actions -----------------------------------------------------------------
    async def card_action(self, context: TurnContext, state: TurnState) -> None:
        """``adaptiveCard/action``: answer with the card that replaces the clicked one."""
        value = context.activity.value if isinstance(context.activity.value, dict) else {}
        action = value.get("action") if isinstance(value.get("action"), dict) else {}
        verb = str(action.get("verb") or "")
        data = form_data(value)
        ctx = await self.h.request_context(context)
        try:
            body = await self._card_action(context, ctx, verb, data)
        except Exception as exc:
            body = message_response(failure_notice(exc, f"card action {verb}").text)
        await answer(context, body)

    async def _card_action(
        self, context: TurnContext, ctx: RequestContext, verb: str, data: dict[str, Any]
    ) -> dict[str, Any]:
        d = self.h.dispatcher
        arg = str(data.get("value") or "")
        match verb:
            case "submit_ticket":
                return await self._inline_submit(context, ctx, data)
            case "refresh_ticket":
                return card_response(card(await d.ticket_detail(ctx, arg)))
            case "recommendations_page":
                category, done, page = _parts(arg, "|", ("", "0", "1"))
                view: View = await d.recommendation_page(
                    ctx, category or None, done == "1", max(1, _int(page, 1))
                )
                return card_response(card(view))
            case "tickets_more":
                kind_raw, open_raw, offset = _parts(arg, ":", ("all", "False", "0"))
                kind = TicketKind(kind_raw) if kind_raw in ("incident", "change") else None
                view = await d.ticket_list(ctx, kind, open_raw == "True", offset=_int(offset, 0))
                return card_response(card(view))
            case "view_all_tickets":
                await send_view(context, await d.ticket_list(ctx, None, open_only=False))
                return card_response(card(await d.home(ctx)))
            case "home":
                return card_response(card(await d.home(ctx)))
            case "manage_configuration" | "rename_state" | "reconnect" | "disconnect":
                if not ctx.is_admin:
                    return error_response(403, _ADMIN_ONLY)
                if verb == "reconnect" and conversation_type(context.activity) != "personal":
                    # The sign-in link would replace a card everyone here sees: whoever
                    # opened it first could link the workspace to their own account.
                    return message_response(_CONNECT_PRIVATELY)
                return await self._configure(ctx, verb, data)
        return error_response(400, "This button is not supported any more.")

    async def _inline_submit(
        self, context: TurnContext, ctx: RequestContext, data: dict[str, Any]
    ) -> dict[str, Any]:
        """The form in a message: errors next to fields, or the card becomes the ticket."""
        result = await self.forms.submit(ctx, data, str(context.activity.id or ""))
        sub = result.submission
        if sub.pending:
            return message_response(sub.notice.text if sub.notice else "Still creating it.")
        if result.again is not None:
            content = form_card(result.again, inline=True, meta=result.meta, banner=result.banner)
            return card_response(content)
        assert sub.card is not None
        card_id = context.activity.reply_to_id
        where = channel_of(context.activity, ctx.workspace)
        if sub.created and card_id and where is not None:
            await self.forms.remember_card(
                ctx.workspace, sub.card.number, CardLocation(where, card_id)
            )
        return card_response(card(sub.card))

    async def _configure(
        self, ctx: RequestContext, verb: str, data: dict[str, Any]
    ) -> dict[str, Any]:
        d = self.h.dispatcher
        banner = ""
        if verb == "rename_state":
            kind_raw, _, value = str(data.get("state_pick") or "").partition(":")
            if kind_raw not in ("incident", "change"):
                return message_response("Pick a state first.")
            shown = await d.run(
                ctx, c.RenameState(TicketKind(kind_raw), value, str(data.get("state_label") or ""))
            )
            banner = shown.text if isinstance(shown, Notice) else "Saved."
        elif verb in ("reconnect", "disconnect"):
            instance = dict((await d.status(ctx)).lines).get("Instance", "")
            command: c.Command = c.Disconnect() if verb == "disconnect" else c.Connect(instance)
            if verb == "reconnect" and not instance:
                return message_response("Not connected: run snow connect <instance> first.")
            notice = await d.run(ctx, command)
            if verb == "reconnect" and isinstance(notice, Notice):
                return card_response(card(notice))
            banner = notice.text if isinstance(notice, Notice) else ""
        status = card(await d.status(ctx))["body"]
        states = [await d.states(ctx, kind) for kind in TicketKind]
        return card_response(config_card(status, states, banner))

    # -- dialogs ---------------------------------------------------------------------------
    async def task_fetch(self, context: TurnContext, state: TurnState) -> None:
        """``task/fetch``: open the form (Share, Create ticket) or the OAuth client dialog."""
        data = form_data(context.activity.value)
        verb = str(data.get("verb") or "")
        arg = str(data.get("value") or "")
        ctx = await self.h.request_context(context)
        if verb == "share":
            try:
                shown: View = await self.h.dispatcher.share(ctx, arg)
            except Exception as exc:
                shown = failure_notice(exc, "share")
            if isinstance(shown, TicketFormView):
                body = dialog("Share to ServiceNow", form_card(shown, inline=False))
            else:
                body = dialog("Share to ServiceNow", card(shown), height="small")
        elif verb == "create":
            body = dialog(_FORM_TITLE, form_card(TicketFormView(), inline=False))
        elif verb == "connect_client" and ctx.is_admin:
            body = dialog("ServiceNow OAuth client", client_card(arg), height="medium")
        elif verb == "connect_client":
            body = dialog(
                "ServiceNow", card(Notice(_ADMIN_ONLY, NoticeLevel.WARNING)), height="small"
            )
        else:
            body = task_message("This button is not supported any more.")
        await answer(context, body)

    async def task_submit(self, context: TurnContext, state: TurnState) -> None:
        """``task/submit``: the ticket form or the OAuth client form of a dialog."""
        data = form_data(context.activity.value)
        ctx = await self.h.request_context(context)
        if data.get("verb") == "servicenow_client":
            notice = await self.h.dispatcher.connect_with_client(
                ctx,
                str(data.get("instance") or ""),
                str(data.get("client_id") or ""),
                str(data.get("client_secret") or ""),
            )
            await answer(context, dialog("Connect ServiceNow", card(notice), height="small"))
            return
        if data.get("verb") != FORM_VERB:
            await answer(context, task_message("This form is not supported any more."))
            return
        await answer(context, await self._dialog_submit(context, ctx, data))

    async def _dialog_submit(
        self, context: TurnContext, ctx: RequestContext, data: dict[str, Any]
    ) -> dict[str, Any]:
        """A dialog's form: errors keep the dialog open; a new ticket's card is posted in the
        conversation and the dialog closes with what happened."""
        result = await self.forms.submit(ctx, data, str(context.activity.id or ""))
        sub = result.submission
        if sub.pending:
            return task_message(sub.notice.text if sub.notice else "Still creating it.")
        if result.again is not None:
            content = form_card(result.again, inline=False, meta=result.meta, banner=result.banner)
            return dialog(_FORM_TITLE, content)
        assert sub.card is not None
        text = sub.notice.text if sub.notice else sub.card.number
        if sub.created:
            where = channel_of(context.activity, ctx.workspace)
            try:
                sent = await send_view(context, sub.card)
            except Exception as exc:
                log.info("ticket card for %s not posted: %s", sub.card.number, type(exc).__name__)
                return task_message(f"{text} Its card could not be posted here: {sub.card.url}")
            if where is not None and sent.id:
                await self.forms.remember_card(
                    ctx.workspace, sub.card.number, CardLocation(where, str(sent.id))
                )
        return task_message(text)

    # -- message extension -----------------------------------------------------------------
    async def share_message_fetch(self, context: TurnContext, state: TurnState) -> None:
        """``composeExtension/fetchTask``: the form, with the message as its description."""
        value = context.activity.value if isinstance(context.activity.value, dict) else {}
        payload = (
            value.get("messagePayload") if isinstance(value.get("messagePayload"), dict) else {}
        )
        body = payload.get("body") if isinstance(payload.get("body"), dict) else {}
        message = plain_text(str(body.get("content") or "")).strip()
        link = str(payload.get("linkToMessage") or "")
        description = f"{message}\n\nFrom Teams: {link}".strip() if link else message
        title = message.splitlines()[0][:NAME_MAX] if message else ""
        form = TicketFormView(name=title, description=description)
        await answer(context, dialog("Share to ServiceNow", form_card(form, inline=False)))

    async def share_message_submit(self, context: TurnContext, state: TurnState) -> None:
        """``composeExtension/submitAction``: like a dialog submit."""
        data = form_data(context.activity.value)
        ctx = await self.h.request_context(context)
        await answer(context, await self._dialog_submit(context, ctx, data))
