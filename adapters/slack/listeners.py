"""Bolt listeners: a Slack payload → a core request → the outcome, rendered.

Each listener acknowledges first (Slack's 3 seconds), answering in the ack itself when core
can answer from its own state; it opens a modal straight after when the answer may be one
(trigger ids expire too), and only then lets core talk to ServiceNow or Graph.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.admin import CLIENT_CALLBACK, CONFIG_CALLBACK, client_values, input_value
from adapters.slack.after import AfterAck, Work
from adapters.slack.blocks import (
    FORM_CALLBACK_ID,
    form_values,
    home_view,
    post_message,
    progress_modal,
)
from adapters.slack.blocks_text import COMMAND_ACTION, LINK_ACTION
from adapters.slack.context import (
    Where,
    known_locale,
    request_context,
    where_of,
)
from adapters.slack.permissions import SlackUsers
from adapters.slack.quick import QuickAnswers, render
from adapters.slack.replies import SlackReplies, form_modal, modal_of
from adapters.slack.sink import error_code
from core import commands as c
from core.actions import (
    OLD_BUTTON_IDS,
    OLD_LINKS,
    FormContext,
    Request,
    ShareMessage,
    SubmitClient,
    SubmitTicket,
    read_button,
    read_old_button,
    rename_from_inputs,
)
from core.errors import UsageError
from core.handlers.context import RequestContext
from core.handlers.router import Router
from core.i18n import _, use_locale
from core.outcomes import Audience, Outcome, Reply, ShowForm, TicketMade
from core.views import ConfigurationView, HomeView, Notice, NoticeLevel

__all__ = ["MESSAGE_SHORTCUT", "SlackListeners", "register_listeners"]

log = logging.getLogger(__name__)

MESSAGE_SHORTCUT = "create_ticket_from_message"
#: How long core may take before a modal-bound answer gets a "Loading…" modal first
#: (trigger ids expire three seconds after the click).
MODAL_GRACE = 1.0
_TITLE = "SnowOps"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _first_action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions")
    return _dict(actions[0]) if isinstance(actions, list) and actions else {}


class SlackListeners:
    """The handlers, with their narrow dependencies."""

    def __init__(self, router: Router, users: SlackUsers, replies: SlackReplies) -> None:
        self._router = router
        self._users = users
        self._replies = replies
        self._quick = QuickAnswers(router, users, replies)

    async def _ctx(
        self, client: AsyncWebClient, body: dict[str, Any], channel: str | None
    ) -> RequestContext:
        return await request_context(self._users, client, body, channel)

    # -- /snow and buttons ----------------------------------------------------------------
    async def command(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> Work | None:
        """``/snow …``: usage errors and quick answers go in the ack itself, in the asker's
        language when a recent lookup knows it (else English, corrected after the ack);
        everything else is acknowledged empty and carried on after."""
        known = known_locale(self._users, body)
        with use_locale(known):
            text = str(body.get("text") or "")
            parsed = self._router.parse(text)
            where = where_of(body)
            if isinstance(parsed, Reply):
                await ack(response_type="ephemeral", **render(parsed.view))
                return self._quick.follow_up(body, client, where, text, parsed, known)
            quick = await self._quick.now(body, where, parsed, known)
            if isinstance(quick, Reply):
                kind = "ephemeral" if quick.audience is Audience.ASKER else "in_channel"
                await ack(response_type=kind, **self._quick.reused(body, parsed, quick))
                return self._quick.follow_up(body, client, where, parsed, quick, known)
        await ack()
        return self._run(body, client, where, parsed)

    async def button(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> Work | None:
        """A button that runs a command (its value is the command's text)."""
        await ack()
        where = where_of(body)
        action = _first_action(body)
        action_id, value = str(action.get("action_id") or ""), action.get("value")
        try:
            request = _read(action_id, value)
        except UsageError:
            return self._bad_button(body, client, where, action_id, value)
        return self._run(body, client, where, request)

    async def _bad_button(
        self, body: dict[str, Any], client: AsyncWebClient, where: Where, action_id: str, value: Any
    ) -> None:
        """Why a button cannot be carried out, in the clicker's language (read again in it)."""
        ctx = await self._ctx(client, body, where.channel)
        with use_locale(ctx.locale):
            try:
                _read(action_id, value)
            except UsageError as exc:
                notice = Notice(exc.message, NoticeLevel.WARNING)
                await self._replies.show(client, where, Reply(notice))

    async def _run(
        self, body: dict[str, Any], client: AsyncWebClient, where: Where, request: Request
    ) -> None:
        """After the ack, ask core. An answer that may go in a modal must open it before
        the trigger id expires: if core has not answered within a second, a "Loading…"
        modal opens and the answer replaces it."""
        answer = asyncio.ensure_future(self._answer(body, client, where, request))
        if getattr(request, "forms", False) or (where.modal and not where.view_id):
            done, _pending = await asyncio.wait({answer}, timeout=MODAL_GRACE)
            if not done:
                with use_locale(known_locale(self._users, body)):
                    where = await self._replies.open_loading(client, where, _TITLE)
        outcome, locale = await answer
        with use_locale(locale):
            await self._replies.show(client, where, outcome)

    async def _answer(
        self, body: dict[str, Any], client: AsyncWebClient, where: Where, request: Request
    ) -> tuple[Outcome, str]:
        """Core's outcome, handled in the asker's language, and that language."""
        ctx = await self._ctx(client, body, where.channel)
        with use_locale(ctx.locale):
            return await self._router.handle(ctx, request), ctx.locale

    # -- the ticket form --------------------------------------------------------------------
    @staticmethod
    def _submission(body: dict[str, Any]) -> tuple[dict[str, Any], SubmitTicket]:
        view = _dict(body.get("view"))
        state = _dict(_dict(view.get("state")).get("values"))
        context = FormContext.loads(view.get("private_metadata"))
        key = f"slack-view:{str(view.get('id') or '')[:64]}"
        return view, SubmitTicket(form_values(state), context, key)

    async def form(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> Work | None:
        """The ticket form submitted: field errors in the ack, or a progress view and the
        create after it."""
        view, request = self._submission(body)
        known = known_locale(self._users, body)
        with use_locale(known):
            where = Where(request.context.channel, None, None)
            quick = await self._quick.now(body, where, request, known)
            if isinstance(quick, ShowForm):
                await ack(response_action="errors", errors=dict(quick.form.errors))
                return None
            progress = progress_modal(
                _("ServiceNow ticket"), _("Creating the ticket in ServiceNow…")
            )
            await ack(response_action="update", view=progress)
        return self._submit(body, client, str(view.get("id") or ""), request)

    async def _submit(
        self, body: dict[str, Any], client: AsyncWebClient, view_id: str, request: SubmitTicket
    ) -> None:
        channel = request.context.channel
        ctx = await self._ctx(client, body, channel)
        with use_locale(ctx.locale):
            await self._submitted(client, ctx, view_id, request)

    async def _submitted(
        self, client: AsyncWebClient, ctx: RequestContext, view_id: str, request: SubmitTicket
    ) -> None:
        channel = request.context.channel
        outcome = await self._router.handle(ctx, request)
        where = Where(channel, None, None, view_id or None, modal=True)
        if isinstance(outcome, ShowForm):
            shown = await self._replies.put_modal(client, where, form_modal(outcome, channel))
            if not shown:
                # The modal was closed meanwhile: the user must still learn it failed.
                notice = Notice(outcome.banner, NoticeLevel.WARNING)
                await self._tell(client, channel or ctx.requester.user_id, ctx, notice)
            return
        await self._replies.show(client, where, outcome)
        if isinstance(outcome, TicketMade) and outcome.posted is not None and channel:
            if outcome.posted.channel.channel == channel:
                card = outcome.card
                created = Notice(_("Created {number}.", number=card.number), link=card.url)
                await self._tell(client, channel, ctx, created)

    @staticmethod
    async def _tell(
        client: AsyncWebClient, channel: str, ctx: RequestContext, notice: Notice
    ) -> None:
        """A message only the asker sees (escaped like every post)."""
        try:
            await client.chat_postEphemeral(
                channel=channel, user=ctx.requester.user_id, **post_message(notice)
            )
        except SlackApiError as exc:
            log.info("ephemeral not delivered: %s", error_code(exc))

    # -- admin surfaces ---------------------------------------------------------------------
    async def client_form(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> Work | None:
        """The private OAuth client form: both fields are required."""
        view = _dict(body.get("view"))
        instance, client_id, secret, channel = client_values(view)
        with use_locale(known_locale(self._users, body)):
            errors = {
                k: _("Required.")
                for k, v in (("client_id", client_id), ("client_secret", secret))
                if not v.strip()
            }
            if errors:
                await ack(response_action="errors", errors=errors)
                return None
            progress = progress_modal(_("ServiceNow OAuth client"), _("Saving…"))
            await ack(response_action="update", view=progress)
        where = Where(channel, None, None, str(view.get("id") or "") or None, modal=True)
        return self._run(body, client, where, SubmitClient(instance, client_id, secret))

    async def rename(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> Work | None:
        """A state name saved in the configuration modal: answered in the ack (store reads
        and writes only), with the modal showing the new names."""
        view = _dict(body.get("view"))
        # A bad pick is named without asking Slack who asks (the language a recent lookup
        # knows, else English); saving needs to know whether they are an admin.
        with use_locale(known_locale(self._users, body)):
            try:
                request = rename_from_inputs(
                    input_value(view, "state_pick"), input_value(view, "state_label")
                )
            except UsageError as exc:
                await ack(response_action="errors", errors={"state_pick": exc.message})
                return None
        ctx = await self._ctx(client, body, None)
        with use_locale(ctx.locale):
            await self._rename(ack, ctx, request)
        return None

    async def _rename(self, ack: AsyncAck, ctx: RequestContext, request: Request) -> None:
        outcome = await self._router.handle(ctx, request)
        if not isinstance(outcome, Reply):
            await ack()
            return
        shown = outcome.view
        if isinstance(shown, ConfigurationView) and shown.banner is not None:
            if shown.banner.level is NoticeLevel.WARNING:
                await ack(response_action="errors", errors={"state_label": shown.banner.text})
                return
        await ack(response_action="update", view=modal_of(shown))

    # -- message shortcut and App Home --------------------------------------------------------
    async def shortcut(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> Work | None:
        """Message shortcut: the message's text and permalink prefill the form."""
        await ack()
        return self._shortcut(body, client)

    async def _shortcut(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        where = where_of(body)
        msg = _dict(body.get("message"))
        permalink = ""
        try:
            got = await client.chat_getPermalink(
                channel=str(where.channel or ""), message_ts=str(msg.get("ts") or "")
            )
            permalink = str(got.get("permalink") or "")
        except SlackApiError as exc:
            log.info("no permalink: %s", error_code(exc))
        await self._run(body, client, where, ShareMessage(str(msg.get("text") or ""), permalink))

    async def home_opened(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> Work | None:
        """Publish the Home tab: incident and change cards with their buttons."""
        await ack()
        event = _dict(body.get("event"))
        user = event.get("user")
        if event.get("tab", "home") != "home" or not isinstance(user, str) or not user:
            return None
        return self._home(body, client, user)

    async def _home(self, body: dict[str, Any], client: AsyncWebClient, user: str) -> None:
        ctx = await self._ctx(client, {**body, "user_id": user}, None)
        with use_locale(ctx.locale):
            outcome = await self._router.handle(ctx, c.Home())
            if isinstance(outcome, Reply) and isinstance(outcome.view, HomeView):
                await client.views_publish(user_id=user, view=home_view(outcome.view))


def _read(action_id: str, value: Any) -> Request:
    """The request a clicked button carries (:class:`UsageError` if none can be read)."""
    if action_id.split(":", 1)[0] == COMMAND_ACTION:
        return read_button(value)
    return read_old_button(action_id, value)


def _action(action_id: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(action_id)}(:[\w.-]+)?$")


async def ack_only(ack: AsyncAck) -> None:
    """Link buttons (Open in ServiceNow) need only an ack."""
    await ack()


def register_listeners(app: AsyncApp, listeners: SlackListeners, after: AfterAck) -> None:
    """Attach every listener to the bolt app.

    Each entry point answers first (the ack goes out when its listener returns, bolt runs
    with ``process_before_response``) and leaves the slow part to :class:`AfterAck`: Slack
    gets its answer in milliseconds whatever ServiceNow is doing.
    """
    app.command("/snow")(after.listener(listeners.command))
    app.action(_action(COMMAND_ACTION))(after.listener(listeners.button))
    app.action(_action(LINK_ACTION))(ack_only)
    # Cards posted before buttons carried their command go on working.
    for old in OLD_BUTTON_IDS:
        app.action(_action(old))(after.listener(listeners.button))
    for old in OLD_LINKS:
        app.action(_action(old))(ack_only)
    app.view(FORM_CALLBACK_ID)(after.listener(listeners.form))
    app.view(CLIENT_CALLBACK)(after.listener(listeners.client_form))
    app.view(CONFIG_CALLBACK)(after.listener(listeners.rename))
    app.shortcut(MESSAGE_SHORTCUT)(after.listener(listeners.shortcut))
    app.event("app_home_opened")(after.listener(listeners.home_opened))
