"""Bolt listeners: every Slack entry point → one core call → Block Kit.

Each listener acks first (Slack's 3 seconds), opens a modal straight after when it has a
trigger id, and only then talks to ServiceNow or Graph.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.admin import AdminListeners
from adapters.slack.after import AfterAck
from adapters.slack.blocks import (
    home_view,
    message,
    result_modal,
    ticket_form_modal,
    ticket_list_modal,
)
from adapters.slack.context import FormMeta, request_context, team_of, workspace_of
from adapters.slack.forms import TicketForms
from adapters.slack.http import SlackHttp
from adapters.slack.permissions import SlackUsers
from core import commands as c
from core.clock import Clock
from core.dispatch import Dispatcher, RequestContext
from core.forms import TicketFormView
from core.models import ChannelRef, Requester, TicketKind
from core.views import Notice, View

__all__ = ["register_listeners"]

log = logging.getLogger(__name__)

MESSAGE_SHORTCUT = "create_ticket_from_message"


def _parts(value: str, sep: str, defaults: tuple[str, ...]) -> list[str]:
    """Split a button value into exactly ``len(defaults)`` parts, filling gaps."""
    parts = value.split(sep)[: len(defaults)]
    return parts + list(defaults[len(parts) :])


def _int(text: str, default: int) -> int:
    return int(text) if text.isdigit() else default


#: Commands answered in the ack: quick, and needing no admin check. (`status` is not: it
#: probes the ServiceNow connection, which must never hold up the ack.)
ANSWERED_IN_ACK = (c.Help, c.ShowStates, c.Tickets)
#: How long the ack of a quick command is reused for the same command in the same workspace.
ANSWER_REUSE_SECONDS = 1.0
#: A ticket list is refreshed from ServiceNow at most this often per workspace.
TICKETS_MAX_AGE = 15.0


@functools.lru_cache(maxsize=256)
def render(view: View) -> dict[str, Any]:
    """Block Kit for a view; views are immutable, so a repeated one is rendered once.
    Callers copy the result (``{**render(v), …}``) rather than change it."""
    return message(view)


def _in_channel(view: View) -> bool:
    # Recommendation cards are for the team to see and share; the rest answers the asker.
    return type(view).__name__ == "RecommendationListView"


class SlackListeners:
    """The handlers, with their narrow dependencies."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        forms: TicketForms,
        users: SlackUsers,
        clock: Clock,
        http: SlackHttp,
    ) -> None:
        self.http = http
        self._answers: dict[tuple[str, c.Command], tuple[float, dict[str, Any]]] = {}
        self.dispatcher = dispatcher
        self.forms = forms
        self.users = users
        self.clock = clock
        self.admin = AdminListeners(dispatcher, users)

    async def reply(
        self, body: dict[str, Any], response_type: str, payload: dict[str, Any]
    ) -> None:
        """Answer through the request's ``response_url`` on the shared connection pool
        (bolt's ``respond`` opens a new connection every time)."""
        url = body.get("response_url")
        if not url:
            return
        webhook = AsyncWebhookClient(url, session=self.http.session)
        response = await webhook.send_dict({"response_type": response_type, **payload})
        if response.status_code >= 400:
            log.info("response_url answered %s: %s", response.status_code, response.body[:200])

    async def _ctx(
        self, client: AsyncWebClient, body: dict[str, Any], channel: str | None
    ) -> RequestContext:
        user = body.get("user_id") or body.get("user", {}).get("id") or ""
        return await request_context(self.users, client, team_of(body), str(user), channel)

    # -- /snow -----------------------------------------------------------------------
    async def snow_ack(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """``/snow …`` before the HTTP answer: usage errors and quick answers (help, status,
        states, tickets from the store) go in the ack itself; everything else is acked
        empty and carried on by :meth:`snow_work`."""
        try:
            command = c.parse(body.get("text", ""))
        except c.UsageError as exc:
            await ack(response_type="ephemeral", text=f":warning: {exc}")
            return
        if isinstance(command, ANSWERED_IN_ACK):
            await ack(response_type="ephemeral", **await self._quick_answer(body, command))
            return
        await ack()

    async def _quick_answer(self, body: dict[str, Any], command: c.Command) -> dict[str, Any]:
        """The ack of a quick command; the same answer is reused for a second or two, which
        is all a busy channel asking the same thing needs (the store cache is as short)."""
        if isinstance(command, c.Tickets):
            # Never reused: a ticket just created must show (the store cache sees writes).
            return render(await self._quick_view(body, command))
        key = (team_of(body), command)
        hit = self._answers.get(key)
        now = time.monotonic()
        if hit is not None and hit[0] > now:
            return hit[1]
        answer = render(await self._quick_view(body, command))
        if len(self._answers) > 1000:
            self._answers.clear()
        self._answers[key] = (now + ANSWER_REUSE_SECONDS, answer)
        return answer

    async def _quick_view(self, body: dict[str, Any], command: c.Command) -> View:
        ctx = self._quick_ctx(body)
        if isinstance(command, c.Tickets):
            return await self.dispatcher.ticket_list(
                ctx, command.kind, command.open_only, refresh=False
            )
        return await self.dispatcher.run(ctx, command)

    @staticmethod
    def _quick_ctx(body: dict[str, Any]) -> RequestContext:
        # No users.info before the ack: none of the quick commands needs admin rights.
        workspace = workspace_of(team_of(body))
        channel = body.get("channel_id")
        return RequestContext(
            workspace,
            Requester("slack", str(body.get("user_id", "")), str(body.get("user_name", ""))),
            ChannelRef(workspace, channel) if channel else None,
            is_admin=False,
        )

    async def snow_work(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        """``/snow …`` after the answer (a lazy listener): modals, ServiceNow, Graph."""
        try:
            command = c.parse(body.get("text", ""))
        except c.UsageError:
            return  # already answered in the ack
        channel = body.get("channel_id")
        trigger = body.get("trigger_id", "")
        if isinstance(command, c.Tickets):
            await self._refresh_tickets(body, command)
            return
        if isinstance(command, ANSWERED_IN_ACK):
            return
        if isinstance(command, c.Create):
            form = TicketFormView(kind=command.kind, name=command.title[:160])
            await self.forms.open(client, trigger, form, channel)
            return
        if isinstance(command, c.Connect):
            ctx = await self._ctx(client, body, channel)
            if ctx.is_admin and await self.dispatcher.connect_needs_client(ctx, command.instance):
                await self.admin.open_client_form(client, trigger, command.instance, channel)
                return
            view = await self.dispatcher.run(ctx, command)
            await self.reply(body, "ephemeral", render(view))
            return
        if isinstance(command, c.Share):
            view_id = await self.forms.loading(client, trigger, "Share to ServiceNow")
            ctx = await self._ctx(client, body, channel)
            await self._show_share(client, ctx, view_id, command.recommendation_id)
            return
        ctx = await self._ctx(client, body, channel)
        view = await self.dispatcher.run(ctx, command)
        await self.reply(body, "in_channel" if _in_channel(view) else "ephemeral", render(view))

    async def _refresh_tickets(self, body: dict[str, Any], command: c.Tickets) -> None:
        """A list answered from the store is refreshed from ServiceNow (at most every
        ``TICKETS_MAX_AGE`` seconds per workspace) and replaced if anything changed."""
        ctx = self._quick_ctx(body)
        if not self.dispatcher.tickets_due_for_refresh(ctx, TICKETS_MAX_AGE):
            return
        shown = await self.dispatcher.ticket_list(
            ctx, command.kind, command.open_only, refresh=False
        )
        fresh = await self.dispatcher.ticket_list(
            ctx, command.kind, command.open_only, max_age=TICKETS_MAX_AGE
        )
        if fresh != shown:
            await self.reply(body, "ephemeral", {**render(fresh), "replace_original": True})

    async def _show_share(
        self, client: AsyncWebClient, ctx: RequestContext, view_id: str, rec_id: str
    ) -> None:
        shown = await self.dispatcher.share(ctx, rec_id)
        if isinstance(shown, TicketFormView):
            channel = ctx.channel.channel if ctx.channel else None
            meta = FormMeta(
                channel, shown.source, shown.recommendation_id, shown.recommendation_url
            )
            modal = ticket_form_modal(shown, private_metadata=meta.dumps())
        else:
            notice = shown[0] if isinstance(shown, tuple) else shown
            assert isinstance(notice, Notice)
            modal = result_modal("Share to ServiceNow", notice.text, notice.link)
        await client.views_update(view_id=view_id, view=modal)

    # -- buttons -----------------------------------------------------------------------
    async def share_button(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        """**Share to ServiceNow** on a recommendation card."""
        view_id = await self.forms.loading(client, body["trigger_id"], "Share to ServiceNow")
        channel = (body.get("channel") or {}).get("id")
        ctx = await self._ctx(client, body, channel)
        await self._show_share(client, ctx, view_id, body["actions"][0]["value"])

    async def recommendations_page(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        """**Next page** under a recommendation list."""
        category, include_done, page = _parts(body["actions"][0]["value"], "|", ("", "0", "1"))
        ctx = await self._ctx(client, body, (body.get("channel") or {}).get("id"))
        view = await self.dispatcher.recommendation_page(
            ctx, category or None, include_done == "1", max(1, _int(page, 1))
        )
        await self.reply(body, "in_channel", {**message(view), "replace_original": False})

    async def create_button(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        """**Create ticket** on the Home tab."""
        await self.forms.open(client, body["trigger_id"], TicketFormView(), None)

    async def view_all_button(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        """**View all tickets** on the Home tab: a modal list with paging."""
        view_id = await self.forms.loading(client, body["trigger_id"], "All tickets")
        ctx = await self._ctx(client, body, None)
        listing = await self.dispatcher.ticket_list(ctx, None, open_only=False)
        await client.views_update(view_id=view_id, view=ticket_list_modal(listing))

    async def tickets_more(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        """**More** in the ticket list modal."""
        kind_raw, open_raw, offset = _parts(body["actions"][0]["value"], ":", ("all", "False", "0"))
        kind = TicketKind(kind_raw) if kind_raw in ("incident", "change") else None
        ctx = await self._ctx(client, body, None)
        listing = await self.dispatcher.ticket_list(
            ctx, kind, open_raw == "True", offset=_int(offset, 0)
        )
        view_id = (body.get("view") or {}).get("id")
        if view_id:
            await client.views_update(view_id=view_id, view=ticket_list_modal(listing))

    # -- the form ----------------------------------------------------------------------
    async def form_ack(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """Before the answer: errors next to their fields, or a progress view."""
        errors = TicketForms.check(body["view"], self.clock)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack(
            response_action="update",
            view=result_modal("ServiceNow ticket", "Creating the ticket in ServiceNow…", None),
        )

    async def form_work(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        """After the answer: create the ticket and show the outcome."""
        view = body["view"]
        if TicketForms.check(view, self.clock):
            return  # the ack showed the errors
        meta = FormMeta.loads(view.get("private_metadata"))
        ctx = await self._ctx(client, body, meta.channel)
        await self.forms.submit(client, ctx, view)

    async def message_shortcut(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        """Message shortcut: the message's text and permalink become the description."""
        channel = (body.get("channel") or {}).get("id")
        msg = body.get("message") or {}
        link = ""
        try:
            got = await client.chat_getPermalink(
                channel=str(channel or ""), message_ts=str(msg.get("ts") or "")
            )
            link = str(got.get("permalink") or "")
        except SlackApiError as exc:
            log.info("no permalink: %s", exc.response.get("error"))
        text = str(msg.get("text") or "")
        description = f"{text}\n\nFrom Slack: {link}".strip() if link else text
        title = text.splitlines()[0][:160] if text else ""
        await self.forms.open(
            client, body["trigger_id"], TicketFormView(name=title, description=description), channel
        )

    # -- App Home ----------------------------------------------------------------------
    async def home_opened(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        """Publish the Home tab: incident and change cards with their buttons."""
        event = body["event"]
        if event.get("tab", "home") != "home":
            return
        ctx = await request_context(self.users, client, team_of(body), event["user"], None)
        home = await self.dispatcher.home(ctx)
        await client.views_publish(user_id=event["user"], view=home_view(home))


def _action(action_id: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(action_id)}(:\d+)?$")


async def ack_only(ack: AsyncAck) -> None:
    """Link buttons (Open in ServiceNow) need only an ack."""
    await ack()


def register_listeners(app: AsyncApp, listeners: SlackListeners, after: AfterAck) -> None:
    """Attach every listener to the bolt app.

    Each entry point answers first (the ack goes out when its listener returns, bolt runs
    with ``process_before_response``) and leaves the slow part to :class:`AfterAck`: Slack
    gets its answer in milliseconds whatever ServiceNow is doing.
    """
    app.command("/snow")(after.listener(listeners.snow_work, listeners.snow_ack))
    # The renderer suffixes repeated buttons in one block with ":n".
    for action_id, work in (
        ("share_recommendation", listeners.share_button),
        ("recommendations_page", listeners.recommendations_page),
        ("create_ticket", listeners.create_button),
        ("view_all_tickets", listeners.view_all_button),
        ("tickets_more", listeners.tickets_more),
    ):
        app.action(_action(action_id))(after.listener(work))
    for link_button in ("open_ticket", "open_ticket_list", "open_link", "how_to_fix"):
        app.action(_action(link_button))(ack_only)
    app.view("ticket_form")(after.listener(listeners.form_work, listeners.form_ack))
    app.shortcut(MESSAGE_SHORTCUT)(after.listener(listeners.message_shortcut))
    app.event("app_home_opened")(after.listener(listeners.home_opened))
    listeners.admin.register(app, after)
