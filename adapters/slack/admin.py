"""Admin surfaces in Slack: the "Manage ServiceNow configuration" modal and the private
OAuth client form of `/snow connect`, with their listeners."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.after import AfterAck
from adapters.slack.blocks import message, progress_modal, result_modal
from adapters.slack.blocks_surfaces import modal
from adapters.slack.blocks_text import escape, section
from adapters.slack.context import request_context, team_of
from adapters.slack.permissions import SlackUsers
from core import commands as c
from core.dispatch import Dispatcher, RequestContext
from core.models import TicketKind
from core.servicenow.states import DEFAULT_STATES
from core.views import Notice, StatesView

__all__ = ["AdminListeners", "client_form_modal", "config_modal"]

log = logging.getLogger(__name__)

CONFIG_CALLBACK = "manage_configuration"
CLIENT_CALLBACK = "servicenow_client"


def _input(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False
) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": {**element, "action_id": "value"},
        "optional": optional,
    }


def config_modal(status_blocks: list[dict[str, Any]], states: list[StatesView]) -> dict[str, Any]:
    """Connection status, state names (with a rename input), Reconnect and Disconnect."""
    options = []
    for view in states:
        for value, shown, default in view.states:
            label = f"{view.kind.label} {value}: {shown}" + (
                f" ({default})" if shown != default else ""
            )
            options.append(
                {
                    "text": {"type": "plain_text", "text": label[:75]},
                    "value": f"{view.kind.value}:{value}",
                }
            )
    blocks: list[dict[str, Any]] = [*status_blocks[:20], {"type": "divider"}]
    blocks.append(
        section(
            "*State names* — pick a state and give it this workspace's name "
            "(leave the name empty to restore ServiceNow's)."
        )
    )
    blocks.append(_input("state_pick", "State", {"type": "static_select", "options": options}))
    blocks.append(
        _input("state_label", "Name", {"type": "plain_text_input", "max_length": 40}, optional=True)
    )
    blocks.append(
        {
            "type": "actions",
            "block_id": "connection",
            "elements": [
                {
                    "type": "button",
                    "action_id": "reconnect_servicenow",
                    "text": {"type": "plain_text", "text": "Reconnect"},
                },
                {
                    "type": "button",
                    "action_id": "disconnect_servicenow",
                    "style": "danger",
                    "text": {"type": "plain_text", "text": "Disconnect"},
                    "confirm": {
                        "title": {"type": "plain_text", "text": "Disconnect ServiceNow?"},
                        "text": {
                            "type": "plain_text",
                            "text": "Tokens are revoked; ticket history stays.",
                        },
                        "confirm": {"type": "plain_text", "text": "Disconnect"},
                        "deny": {"type": "plain_text", "text": "Cancel"},
                    },
                },
            ],
        }
    )
    return modal(
        "ServiceNow configuration",
        blocks,
        callback_id=CONFIG_CALLBACK,
        submit={"type": "plain_text", "text": "Save name"},
    )


def client_form_modal(instance: str, channel: str | None) -> dict[str, Any]:
    """The private form for an instance's OAuth client (never typed into a chat message)."""
    blocks = [
        section(
            f"Connecting to *{escape(instance)}*. Give the client id and secret of the "
            "instance's Application Registry entry (System OAuth > Application Registry)."
        ),
        _input("client_id", "Client id", {"type": "plain_text_input", "max_length": 200}),
        _input("client_secret", "Client secret", {"type": "plain_text_input", "max_length": 200}),
    ]
    meta = json.dumps({"i": instance, "c": channel}, separators=(",", ":"))
    return modal(
        "ServiceNow OAuth client",
        blocks,
        callback_id=CLIENT_CALLBACK,
        submit={"type": "plain_text", "text": "Connect"},
        private_metadata=meta,
    )


def _client_errors(view: dict[str, Any]) -> dict[str, str]:
    return {
        block: "Required."
        for block in ("client_id", "client_secret")
        if not _value(view, block).strip()
    }


def _value(view: dict[str, Any], block: str) -> str:
    element = view["state"]["values"].get(block, {}).get("value", {})
    if element.get("type") == "static_select":
        return str((element.get("selected_option") or {}).get("value") or "")
    return str(element.get("value") or "")


class AdminListeners:
    """Listeners of the admin surfaces."""

    def __init__(self, dispatcher: Dispatcher, users: SlackUsers) -> None:
        self._dispatcher = dispatcher
        self._users = users

    async def _ctx(
        self, client: AsyncWebClient, body: dict[str, Any], channel: str | None = None
    ) -> RequestContext:
        user = body.get("user_id") or body.get("user", {}).get("id") or ""
        return await request_context(self._users, client, team_of(body), str(user), channel)

    async def _config_view(self, ctx: RequestContext) -> dict[str, Any]:
        status = await self._dispatcher.status(ctx)
        states = [await self._dispatcher.states(ctx, kind) for kind in TicketKind]
        return config_modal(message(status)["blocks"], states)

    async def open_config(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        """**Manage ServiceNow configuration** on the Home tab (admins only)."""
        response = await client.views_open(
            trigger_id=body["trigger_id"],
            view=progress_modal("ServiceNow configuration", "Loading…"),
        )
        view_id = response["view"]["id"]
        ctx = await self._ctx(client, body)
        if not ctx.is_admin:
            await client.views_update(
                view_id=view_id,
                view=result_modal(
                    "ServiceNow configuration", "Only workspace admins can do that.", None
                ),
            )
            return
        await client.views_update(view_id=view_id, view=await self._config_view(ctx))

    async def rename_state(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, view: dict[str, Any]
    ) -> None:
        """Save a state name from the configuration modal; the modal shows the new names."""
        ctx = await self._ctx(client, body)
        kind_raw, _, value = _value(view, "state_pick").partition(":")
        if (
            kind_raw not in ("incident", "change")
            or value not in DEFAULT_STATES[TicketKind(kind_raw)]
        ):
            await ack(response_action="errors", errors={"state_pick": "Pick a state."})
            return
        label = _value(view, "state_label").strip()
        shown = await self._dispatcher.run(ctx, c.RenameState(TicketKind(kind_raw), value, label))
        if isinstance(shown, Notice):
            await ack(response_action="errors", errors={"state_label": shown.text})
            return
        await ack(response_action="update", view=await self._config_view(ctx))

    async def reconnect(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        """**Reconnect**: a fresh sign-in link for the same instance."""
        ctx = await self._ctx(client, body)
        status = await self._dispatcher.status(ctx)
        instance = dict(status.lines).get("Instance", "")
        notice = (
            await self._dispatcher.run(ctx, c.Connect(instance))
            if instance
            else Notice("Not connected yet: run /snow connect <instance>.")
        )
        assert isinstance(notice, Notice)
        await self._update(client, body, "Reconnect", notice)

    async def disconnect(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        """**Disconnect** (after Slack's confirmation dialog)."""
        ctx = await self._ctx(client, body)
        notice = await self._dispatcher.run(ctx, c.Disconnect())
        assert isinstance(notice, Notice)
        await self._update(client, body, "Disconnect", notice)

    async def _update(
        self, client: AsyncWebClient, body: dict[str, Any], title: str, notice: Notice
    ) -> None:
        view_id = (body.get("view") or {}).get("id")
        text = f"{notice.text} {notice.hint}".strip()
        if view_id:
            await client.views_update(view_id=view_id, view=result_modal(title, text, notice.link))

    async def open_client_form(
        self, client: AsyncWebClient, trigger_id: str, instance: str, channel: str | None
    ) -> None:
        """Ask an admin for the instance's OAuth client in a modal."""
        await client.views_open(trigger_id=trigger_id, view=client_form_modal(instance, channel))

    async def client_ack(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """Before the answer: both fields are required."""
        errors = _client_errors(body["view"])
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack(
            response_action="update", view=progress_modal("ServiceNow OAuth client", "Saving…")
        )

    async def client_work(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        """After the answer: keep the workspace's OAuth client, show the sign-in link."""
        view = body["view"]
        if _client_errors(view):
            return
        meta = json.loads(view.get("private_metadata") or "{}")
        ctx = await self._ctx(client, body, meta.get("c"))
        notice = await self._dispatcher.connect_with_client(
            ctx, meta.get("i", ""), _value(view, "client_id"), _value(view, "client_secret")
        )
        try:
            await client.views_update(
                view_id=view["id"],
                view=result_modal(
                    "Connect ServiceNow", f"{notice.text} {notice.hint}".strip(), notice.link
                ),
            )
        except SlackApiError as exc:
            log.info("client form not updated: %s", exc.response.get("error"))

    def register(self, app: AsyncApp, after: AfterAck) -> None:
        """Attach the admin listeners."""
        app.action("manage_configuration")(after.listener(self.open_config))
        app.action("reconnect_servicenow")(after.listener(self.reconnect))
        app.action("disconnect_servicenow")(after.listener(self.disconnect))
        # Renaming is two store writes: quick enough to answer in the ack.
        app.view(CONFIG_CALLBACK)(self.rename_state)
        app.view(CLIENT_CALLBACK)(after.listener(self.client_work, self.client_ack))
