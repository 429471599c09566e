"""Bolt listeners: a Slack payload → a core request → the outcome, rendered.

Each listener acknowledges first (Slack's 3 seconds), answering in the ack itself when core
can answer from its own state; it opens a modal straight after when the answer may be one
(trigger ids expire too), and only then lets core talk to ServiceNow or Graph.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
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
    message,
    post_message,
    progress_modal,
)
from adapters.slack.blocks_text import COMMAND_ACTION, LINK_ACTION
from adapters.slack.context import Where, quick_context, request_context, where_of
from adapters.slack.permissions import SlackUsers
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
from core.outcomes import Audience, Outcome, Reply, ShowForm, TicketMade
from core.views import ConfigurationView, HomeView, Notice, NoticeLevel, TicketListView, View

__all__ = ["MESSAGE_SHORTCUT", "SlackListeners", "register_listeners"]

log = logging.getLogger(__name__)

MESSAGE_SHORTCUT = "create_ticket_from_message"
#: How long the ack of a quick answer is reused for the same request in the same workspace.
ANSWER_REUSE_SECONDS = 1.0
#: How long core may take before a modal-bound answer gets a "Loading…" modal first
#: (trigger ids expire three seconds after the click).
MODAL_GRACE = 1.0
_TITLE = "SnowOps"


@functools.lru_cache(maxsize=256)
def render(view: View) -> dict[str, Any]:
    """Block Kit for a view; views are immutable, so a repeated one is rendered once.
    Callers copy the result (``{**render(v), …}``) rather than change it."""
    return message(view)


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
        self._answers: dict[tuple[str, object], tuple[float, dict[str, Any]]] = {}

    async def _ctx(
        self, client: AsyncWebClient, body: dict[str, Any], channel: str | None
    ) -> RequestContext:
        return await request_context(self._users, client, body, channel)

    # -- /snow and buttons ----------------------------------------------------------------
    async def command(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> Work | None:
        """``/snow …``: usage errors and quick answers go in the ack itself; everything else
        is acknowledged empty and carried on after."""
        parsed = self._router.parse(str(body.get("text") or ""))
        where = where_of(body)
        if isinstance(parsed, Reply):
            await ack(response_type="ephemeral", **render(parsed.view))
            return None
        quick = await self._quick(body, where, parsed)
        if isinstance(quick, Reply):
            kind = "ephemeral" if quick.audience is Audience.ASKER else "in_channel"
            await ack(response_type=kind, **self._reused(body, parsed, quick))
            return self._refresh(body, where, quick) if quick.refresh is not None else None
        await ack()
        return self._run(body, client, where, parsed)

    async def _quick(self, body: dict[str, Any], where: Where, request: Request) -> Outcome | None:
        return await self._router.answer_now(quick_context(body, where.channel), request)

    def _reused(self, body: dict[str, Any], request: Request, quick: Reply) -> dict[str, Any]:
        """The ack of a quick answer; the same one is reused for a second, which is all a
        busy channel asking the same thing needs (the store cache is as short). A list of
        tickets is never reused: a ticket just created must show."""
        if isinstance(quick.view, TicketListView):
            return render(quick.view)
        key = (str(body.get("team_id") or ""), request)
        hit = self._answers.get(key)
        now = time.monotonic()
        if hit is not None and hit[0] > now:
            return hit[1]
        answer = render(quick.view)
        if len(self._answers) > 1000:
            self._answers.clear()
        self._answers[key] = (now + ANSWER_REUSE_SECONDS, answer)
        return answer

    async def _refresh(self, body: dict[str, Any], where: Where, shown: Reply) -> None:
        """An answer from the store, fetched fresh and replaced if anything changed."""
        assert shown.refresh is not None
        fresh = await self._router.handle(quick_context(body, where.channel), shown.refresh)
        if isinstance(fresh, Reply) and fresh.view != shown.view:
            await self._replies.respond(where, {**render(fresh.view), "replace_original": True})

    async def button(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> Work | None:
        """A button that runs a command (its value is the command's text)."""
        await ack()
        where = where_of(body)
        action = _first_action(body)
        action_id, value = str(action.get("action_id") or ""), action.get("value")
        try:
            request: Request = (
                read_button(value)
                if action_id.split(":", 1)[0] == COMMAND_ACTION
                else read_old_button(action_id, value)
            )
        except UsageError as exc:
            return self._replies.show(
                client, where, Reply(Notice(exc.message, NoticeLevel.WARNING))
            )
        return self._run(body, client, where, request)

    async def _run(
        self, body: dict[str, Any], client: AsyncWebClient, where: Where, request: Request
    ) -> None:
        """After the ack, ask core. An answer that may go in a modal must open it before
        the trigger id expires: if core has not answered within a second, a "Loading…"
        modal opens and the answer replaces it."""
        answer = asyncio.ensure_future(self._answer(body, client, where, request))
        if getattr(request, "forms", False) or (where.modal and not where.view_id):
            done, _ = await asyncio.wait({answer}, timeout=MODAL_GRACE)
            if not done:
                where = await self._replies.open_loading(client, where, _TITLE)
        await self._replies.show(client, where, await answer)

    async def _answer(
        self, body: dict[str, Any], client: AsyncWebClient, where: Where, request: Request
    ) -> Outcome:
        ctx = await self._ctx(client, body, where.channel)
        return await self._router.handle(ctx, request)

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
        quick = await self._quick(body, Where(request.context.channel, None, None), request)
        if isinstance(quick, ShowForm):
            await ack(response_action="errors", errors=dict(quick.form.errors))
            return None
        await ack(
            response_action="update",
            view=progress_modal("ServiceNow ticket", "Creating the ticket in ServiceNow…"),
        )
        return self._submit(body, client, str(view.get("id") or ""), request)

    async def _submit(
        self, body: dict[str, Any], client: AsyncWebClient, view_id: str, request: SubmitTicket
    ) -> None:
        channel = request.context.channel
        ctx = await self._ctx(client, body, channel)
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
                created = Notice(f"Created {card.number}.", link=card.url)
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
        errors = {
            k: "Required."
            for k, v in (("client_id", client_id), ("client_secret", secret))
            if not v.strip()
        }
        if errors:
            await ack(response_action="errors", errors=errors)
            return None
        await ack(
            response_action="update", view=progress_modal("ServiceNow OAuth client", "Saving…")
        )
        where = Where(channel, None, None, str(view.get("id") or "") or None, modal=True)
        return self._run(body, client, where, SubmitClient(instance, client_id, secret))

    async def rename(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> Work | None:
        """A state name saved in the configuration modal: answered in the ack (store reads
        and writes only), with the modal showing the new names."""
        view = _dict(body.get("view"))
        try:
            request = rename_from_inputs(
                input_value(view, "state_pick"), input_value(view, "state_label")
            )
        except UsageError as exc:
            await ack(response_action="errors", errors={"state_pick": exc.message})
            return None
        outcome = await self._router.handle(await self._ctx(client, body, None), request)
        if not isinstance(outcome, Reply):
            await ack()
            return None
        shown = outcome.view
        if isinstance(shown, ConfigurationView) and shown.banner is not None:
            if shown.banner.level is NoticeLevel.WARNING:
                await ack(response_action="errors", errors={"state_label": shown.banner.text})
                return None
        await ack(response_action="update", view=modal_of(shown))
        return None

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
        outcome = await self._router.handle(ctx, c.Home())
        if isinstance(outcome, Reply) and isinstance(outcome.view, HomeView):
            await client.views_publish(user_id=user, view=home_view(outcome.view))


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
