"""Core outcomes → Slack: an ephemeral or channel message through ``response_url``, or a
modal (opened with the trigger id, or the one already open updated)."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.admin import client_form_modal, config_modal
from adapters.slack.blocks import (
    message,
    progress_modal,
    result_modal,
    ticket_form_modal,
    ticket_list_modal,
)
from adapters.slack.blocks_actions import action_modal
from adapters.slack.blocks_reason import reason_modal
from adapters.slack.blocks_surfaces import modal
from adapters.slack.context import Where
from adapters.slack.http import SlackHttp
from adapters.slack.sink import error_code
from core.actions import FormContext
from core.i18n import _
from core.outcomes import (
    AskClient,
    AskReason,
    Audience,
    Outcome,
    PrivateLink,
    Reply,
    ShowActionForm,
    ShowForm,
    StillWorking,
    TicketMade,
)
from core.views import ConfigurationView, Notice, TicketListView, View

__all__ = ["SlackReplies", "modal_of", "notice_text"]

log = logging.getLogger(__name__)

JSON = dict[str, Any]


def notice_text(notice: Notice) -> str:
    """A notice and its hint as one line of plain text (a modal's body)."""
    return f"{notice.text} {notice.hint}".strip()


def modal_of(view: View, title: str = "SnowOps") -> JSON:
    """Any view as a modal: lists and configuration have their own, the rest are blocks."""
    match view:
        case Notice():
            return result_modal(title, notice_text(view), view.link)
        case TicketListView():
            return ticket_list_modal(view)
        case ConfigurationView():
            return config_modal(view)
    return modal(title, message(view)["blocks"][:100])


def form_modal(form: ShowForm, channel: str | None) -> JSON:
    """The ticket form as a modal, carrying its context as private metadata."""
    meta = (form.context or FormContext.of(form.form, channel)).dumps()
    return ticket_form_modal(form.form, private_metadata=meta, banner=form.banner, link=form.link)


class SlackReplies:
    """Shows outcomes where a Slack request can be answered."""

    def __init__(self, http: SlackHttp) -> None:
        self._http = http

    async def respond(self, where: Where, payload: JSON, *, private: bool = True) -> None:
        """Answer through the request's ``response_url`` on the shared connection pool
        (bolt's ``respond`` opens a new connection every time)."""
        if not where.response_url:
            return
        webhook = AsyncWebhookClient(where.response_url, session=self._http.session)
        kind = "ephemeral" if private else "in_channel"
        response = await webhook.send_dict({"response_type": kind, **payload})
        if response.status_code >= 400:
            log.info("response_url answered %s: %s", response.status_code, response.body[:200])

    @staticmethod
    async def open_loading(client: AsyncWebClient, where: Where, title: str) -> Where:
        """Open a "Loading…" modal at once (trigger ids expire in 3 s); answers then go
        into it."""
        if where.view_id or not where.trigger_id:
            return where
        response = await client.views_open(
            trigger_id=where.trigger_id, view=progress_modal(title, _("Loading…"))
        )
        view_id = str(response["view"]["id"])
        return Where(where.channel, where.response_url, None, view_id, modal=True)

    @staticmethod
    async def put_modal(client: AsyncWebClient, where: Where, view: JSON) -> bool:
        """Update the open modal, or open one; False if neither is possible any more."""
        try:
            if where.view_id:
                await client.views_update(view_id=where.view_id, view=view)
            elif where.trigger_id:
                await client.views_open(trigger_id=where.trigger_id, view=view)
            else:
                return False
        except SlackApiError as exc:
            log.info("modal not shown: %s", error_code(exc))
            return False
        return True

    async def show(self, client: AsyncWebClient, where: Where, outcome: Outcome) -> None:
        """Show ``outcome`` where the request came from."""
        match outcome:
            case Reply(view=view, audience=audience, replace=replace):
                if where.modal or (isinstance(view, ConfigurationView) and where.view_id):
                    await self.put_modal(client, where, modal_of(view))
                    return
                payload = message(view)
                if replace and where.clicked:
                    payload = {**payload, "replace_original": True}
                await self.respond(where, payload, private=audience is Audience.ASKER)
            case ShowForm():
                await self.put_modal(client, where, form_modal(outcome, where.channel))
            case ShowActionForm(form=form):
                await self.put_modal(client, where, action_modal(form))
            case AskClient(instance=instance):
                await self.put_modal(client, where, client_form_modal(instance, where.channel))
            case AskReason():
                await self.put_modal(client, where, reason_modal(outcome))
            case PrivateLink(notice=notice):
                if where.modal:
                    await self.put_modal(client, where, modal_of(notice, _("Connect ServiceNow")))
                else:
                    await self.respond(where, message(notice))
            case TicketMade(notice=notice, card=card):
                text = f"{notice.text} {notice.hint}".strip()
                await self.put_modal(
                    client, where, result_modal(_("ServiceNow ticket"), text, card.url)
                )
            case StillWorking(notice=notice):
                # The first submit reports its ticket itself; this one says so, rather than
                # leave a spinner that may never end if the first died (a store outage).
                if where.view_id:
                    await self.put_modal(client, where, modal_of(notice, _("ServiceNow ticket")))
                else:
                    await self.respond(where, message(notice))
