"""The ticket form in Slack: open it (fast, within the trigger's 3 s), validate on submit,
create the ticket after the ack, then post the card and tell the user."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import (
    form_values,
    progress_modal,
    result_modal,
    ticket_form_modal,
)
from adapters.slack.context import FormMeta
from core.clock import Clock
from core.dispatch import Dispatcher, RequestContext
from core.forms import TicketFormView, form_again, validate_ticket_form
from core.models import ChannelRef
from core.ports import ChatSink, DeliveryError
from core.store.port import Store
from core.views import TicketCard

__all__ = ["TicketForms"]

log = logging.getLogger(__name__)


class TicketForms:
    """Opening and submitting the ticket form."""

    def __init__(self, dispatcher: Dispatcher, store: Store, sink: ChatSink, clock: Clock) -> None:
        self._dispatcher = dispatcher
        self._store = store
        self._sink = sink
        self._clock = clock

    async def open(
        self, client: AsyncWebClient, trigger_id: str, form: TicketFormView, channel: str | None
    ) -> None:
        """Open the form as a modal."""
        meta = FormMeta(channel, form.source, form.recommendation_id, form.recommendation_url)
        await client.views_open(
            trigger_id=trigger_id, view=ticket_form_modal(form, private_metadata=meta.dumps())
        )

    @staticmethod
    def check(view: dict[str, Any], clock: Clock) -> dict[str, str] | None:
        """Field errors of a submitted form, keyed by block id, or None."""
        values = form_values(view["state"]["values"])
        checked = validate_ticket_form(values, clock.now())
        return checked if isinstance(checked, dict) else None

    async def submit(
        self, client: AsyncWebClient, ctx: RequestContext, view: dict[str, Any]
    ) -> None:
        """After the ack: create the ticket, then show the outcome in the modal."""
        meta = FormMeta.loads(view.get("private_metadata"))
        values = form_values(view["state"]["values"])
        result = await self._dispatcher.submit_form(
            ctx,
            values,
            source=meta.source,
            recommendation_id=meta.recommendation_id,
            recommendation_url=meta.recommendation_url,
            idempotency_key=f"slack-view:{view['id']}",
        )
        if result.pending:
            return  # a double submit: the first submission reports the ticket
        if result.card is None:
            notice = result.notice
            banner = f":x: {notice.text} {notice.hint}".strip() if notice else ":x: Not created."
            if result.errors:
                banner = ":x: " + " ".join(result.errors.values())
            shown = await self._show(
                client,
                view["id"],
                ticket_form_modal(
                    form_again(
                        values,
                        source=meta.source,
                        recommendation_id=meta.recommendation_id,
                        recommendation_url=meta.recommendation_url,
                    ),
                    private_metadata=view.get("private_metadata") or "",
                    banner=banner,
                ),
            )
            if not shown:
                # The modal was closed meanwhile: the user must still learn it failed.
                await self._tell(
                    client, meta.channel or ctx.requester.user_id, ctx.requester.user_id, banner
                )
            return
        card = result.card
        text = result.notice.text if result.notice else f"{card.number}"
        await self._show(client, view["id"], result_modal("ServiceNow ticket", text, card.url))
        if result.created:
            await self._post_card(client, ctx, card, meta.channel)

    @staticmethod
    async def _show(client: AsyncWebClient, view_id: str, view: dict[str, Any]) -> bool:
        """Update the modal; False if it is gone (closed by the user)."""
        try:
            await client.views_update(view_id=view_id, view=view)
        except SlackApiError as exc:
            log.info("modal %s not updated: %s", view_id, exc.response.get("error"))
            return False
        return True

    async def _post_card(
        self, client: AsyncWebClient, ctx: RequestContext, card: TicketCard, channel: str | None
    ) -> None:
        user = ctx.requester.user_id
        target = ChannelRef(ctx.workspace, channel or user)
        try:
            where = await self._sink.post_card(target, card)
        except DeliveryError as exc:
            log.info("ticket card for %s not posted in %s: %s", card.number, target.channel, exc)
            # The ticket exists: bring its card to the user's DM, with what to do.
            dm = ChannelRef(ctx.workspace, user)
            where = await self._sink.post_card(dm, card)
            await self._store.add_card_location(ctx.workspace, card.number, where)
            await self._sink.post_text(
                dm, f"{card.number} could not be posted in <#{target.channel}>. {exc.hint}".strip()
            )
            return
        # Remember the card first: the notifier updates it in place from now on.
        await self._store.add_card_location(ctx.workspace, card.number, where)
        if channel:
            await self._tell(client, channel, user, f"Created {card.number}: <{card.url}|open it>")

    @staticmethod
    async def _tell(client: AsyncWebClient, channel: str, user: str, text: str) -> None:
        try:
            await client.chat_postEphemeral(channel=channel, user=user, text=text)
        except SlackApiError as exc:
            log.info("ephemeral not delivered: %s", exc.response.get("error"))

    @staticmethod
    async def loading(client: AsyncWebClient, trigger_id: str, title: str) -> str:
        """Open a 'Loading…' modal at once (trigger ids expire in 3 s); returns its view id."""
        response = await client.views_open(
            trigger_id=trigger_id, view=progress_modal(title, "Loading…")
        )
        return str(response["view"]["id"])
