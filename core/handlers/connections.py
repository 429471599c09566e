"""Connection requests: connect (and its private OAuth client form), reconnect, status,
configuration, state names, disconnect; and telling chat how a sign-in ended."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from core import commands as c
from core.accounts import AccountService, LinkResult
from core.actions import RenameInConfiguration, SubmitClient
from core.connections import ConnectionService, ConnectResult
from core.deliveries import Claimed, DeliveryQueue, destination
from core.doctor.checks import Check
from core.errors import UserError
from core.handlers.connection_notices import (
    DISCONNECT_CONFIRM,
    connect_notice,
    connect_privately,
    destination_line,
    disconnect_button,
    disconnect_question,
    link_notice,
)
from core.handlers.context import RequestContext
from core.handlers.router import Handler, QuickHandler
from core.i18n import _, ngettext, use_locale
from core.languages import WorkspaceLanguage
from core.models import ChannelRef, OAuthClientConfig, TicketKind, workspace_platform
from core.notify import Notifier
from core.outcomes import AskClient, Outcome, PrivateLink, Reply
from core.ports import ChatSink, DeliveryError
from core.repos.contacts import AdminContacts
from core.repos.delivery_health import DeliveryHealth, DestinationHealth
from core.repos.labels import StateNames
from core.servicenow.states import default_states
from core.storage import AuditLog
from core.views import (
    Button,
    ConfigurationView,
    ConfirmView,
    Notice,
    NoticeLevel,
    StatesView,
    StatusView,
    format_when,
)

__all__ = ["DIAGNOSE_SECONDS", "DISCONNECT_CONFIRM", "ConnectionHandlers", "Diagnose"]

log = logging.getLogger(__name__)

#: The doctor's ServiceNow checks of one workspace (:class:`core.doctor.ServiceNowProbe`).
Diagnose = Callable[[str], Awaitable[list[Check]]]
#: How long `/snow status` waits for those checks before showing what it knows.
DIAGNOSE_SECONDS = 8.0
#: Channels listed by `/snow status`; the troubled ones come first.
MAX_DESTINATIONS = 10


class ConnectionHandlers:
    """Everything about the workspace's ServiceNow connection."""

    def __init__(
        self,
        connections: ConnectionService,
        names: StateNames,
        deliveries: DeliveryQueue,
        contacts: AdminContacts,
        notifier: Notifier,
        sinks: Mapping[str, ChatSink],
        audit: AuditLog,
        diagnose: Diagnose | None = None,
        health: DeliveryHealth | None = None,
        accounts: AccountService | None = None,
    ) -> None:
        self._health = health
        self._accounts = accounts
        self._connections = connections
        self._names = names
        self._deliveries = deliveries
        self._contacts = contacts
        self._notifier = notifier
        self._sinks = sinks
        self._audit = audit
        self._diagnose = diagnose
        # The sign-in confirmation comes after the OAuth callback, outside any request:
        # it is told in the workspace's language.
        self._languages = WorkspaceLanguage(names.documents)

    def routes(self) -> Mapping[type[Any], Handler]:
        """The requests this group answers."""
        return {
            c.Connect: self.connect,
            c.Reconnect: self.reconnect,
            c.Status: self.status,
            c.Configure: self.configure,
            c.Disconnect: self.disconnect,
            c.ShowStates: self.show_states,
            c.RenameState: self.rename_state,
            RenameInConfiguration: self.rename_in_configuration,
            SubmitClient: self.submit_client,
        }

    def quick_routes(self) -> Mapping[type[Any], QuickHandler]:
        """State names are SnowOps's own."""
        return {c.ShowStates: self.show_states}

    async def connect(self, ctx: RequestContext, command: c.Connect) -> Outcome:
        """A private sign-in link, or first the private form for the OAuth client."""
        if not ctx.private:
            return Reply(connect_privately())
        if await self._connections.needs_client_form(ctx.workspace, command.instance):
            return AskClient(command.instance)
        url = await self._connections.start(
            ctx.workspace,
            command.instance,
            ctx.actor,
            ctx.channel,
            ctx.requester.email,
            ctx.requester.display_name,
        )
        return PrivateLink(
            Notice(
                _(
                    "Open this link, sign in to ServiceNow as the integration user and allow "
                    "SnowOps. The link works once, for 10 minutes."
                ),
                link=url,
            )
        )

    async def reconnect(self, ctx: RequestContext, command: c.Reconnect) -> Outcome:
        """A fresh sign-in link for the instance already connected."""
        status = await self._connections.status(ctx.workspace)
        if not status.connected:
            return Reply(Notice(_("Not connected yet: run /snow connect <instance>.")))
        return await self.connect(ctx, c.Connect(status.instance_url))

    async def submit_client(self, ctx: RequestContext, form: SubmitClient) -> Outcome:
        """Keep this workspace's own OAuth client, then start connecting."""
        client_id, secret = form.client_id.strip(), form.client_secret.strip()
        if not client_id or not secret:
            return Reply(
                Notice(_("Give both the client id and the client secret."), NoticeLevel.WARNING)
            )
        await self._connections.set_client(
            ctx.workspace, OAuthClientConfig(client_id, secret), ctx.actor
        )
        return await self.connect(ctx, c.Connect(form.instance))

    async def disconnect(self, ctx: RequestContext, command: c.Disconnect) -> Outcome:
        """First the confirmation step; once confirmed, revoke the tokens and forget the
        connection (ticket history stays)."""
        if not command.confirmed:
            return await self._ask_disconnect(ctx)
        done = await self._connections.disconnect(ctx.workspace, ctx.actor)
        text = (
            _("Disconnected from ServiceNow: tokens revoked, ticket history kept.")
            if done
            else _("This workspace was not connected.")
        )
        return Reply(Notice(text, NoticeLevel.SUCCESS if done else NoticeLevel.INFO), replace=True)

    async def _ask_disconnect(self, ctx: RequestContext) -> Outcome:
        """The confirmation step: which instance, and what stops; Cancel goes back to the
        configuration (where the Disconnect button is)."""
        status = await self._connections.status(ctx.workspace)
        if not status.connected:
            return Reply(Notice(_("This workspace was not connected.")), replace=True)
        step = ConfirmView(
            _("Disconnect ServiceNow?"),
            disconnect_question(status.instance_url),
            Button(_("Disconnect"), c.Disconnect(confirmed=True), danger=True),
            Button(_("Cancel"), c.Configure()),
            cancelled=_(
                "Not disconnected: still connected to {instance}.", instance=status.instance_url
            ),
        )
        return Reply(step, replace=True)

    async def status(self, ctx: RequestContext, command: c.Status) -> Outcome:
        """The connection's health, with the doctor's findings."""
        return Reply(await self.status_view(ctx))

    async def status_view(self, ctx: RequestContext, *, probe: bool = True) -> StatusView:
        """What `/snow status` shows; ``probe`` adds the doctor's live checks."""
        st = await self._connections.status(ctx.workspace)
        if not st.connected:
            return StatusView(_("ServiceNow: not connected"), (), st.hint, healthy=False)
        lines: tuple[tuple[str, str], ...] = (
            (_("Instance"), st.instance_url),
            (_("Connected as"), st.connected_as or _("unknown")),
            (_("Token expires"), format_when(st.token_expires_at)),
            (_("Last successful sync"), format_when(st.last_sync_at)),
            (_("Last error"), st.last_error or _("none")),
        )
        if st.warning:
            lines += ((_("Warning"), st.warning),)
        if self._accounts is not None:
            mine = await self._accounts.linked(ctx.workspace, ctx.actor)
            you = (
                _("linked as {user}", user=mine.user_name) if mine else _("not linked (/snow link)")
            )
            lines += ((_("Your ServiceNow account"), you),)
        parked = await self._deliveries.parked(ctx.workspace)
        if parked:
            # Notifications that kept failing wait here, visible, instead of being retried.
            latest = parked[-1].last_error or _("unknown error")
            lines += (
                (
                    _("Undelivered notifications"),
                    ngettext(
                        "{n}, stopped after repeated failures. Latest: {latest}. Once fixed, "
                        "an admin can run /snow notifications retry",
                        "{n}, stopped after repeated failures. Latest: {latest}. Once fixed, "
                        "an admin can run /snow notifications retry",
                        len(parked),
                        latest=latest,
                    ),
                ),
            )
        lines += await self._destinations(ctx.workspace, parked)
        healthy = st.status == "active" and not st.last_error and not st.warning and not parked
        hint = st.hint
        problems = await self._problems(ctx.workspace) if probe else []
        for check in problems:
            lines += ((check.name.removeprefix(f"ServiceNow {ctx.workspace} "), check.detail),)
        if problems:
            # The same finding and advice as `snowops doctor` gives.
            healthy, hint = False, problems[0].hint or hint
        return StatusView(_("ServiceNow connection"), lines, hint, healthy=healthy)

    async def _destinations(
        self, workspace: str, parked: list[Claimed]
    ) -> tuple[tuple[str, str], ...]:
        """One line per channel SnowOps delivers to: its last success, failures since and
        parked notifications; troubled channels first, at most :data:`MAX_DESTINATIONS`."""
        records = {h.channel: h for h in await self._health.of(workspace)} if self._health else {}
        stuck: dict[str, int] = {}
        for item in parked:
            if item.delivery is not None:
                channel = destination(item.delivery).channel
                stuck[channel] = stuck.get(channel, 0) + 1
        rows = []
        for channel in sorted(set(records) | set(stuck)):
            h = records.get(channel, DestinationHealth(channel))
            label, value = destination_line(h, stuck.get(channel, 0))
            rows.append((not (h.failures or stuck.get(channel)), label, value))
        rows.sort(key=lambda r: r[0])  # troubled first, each group by channel id
        shown = tuple((label, value) for _ok, label, value in rows[:MAX_DESTINATIONS])
        if len(rows) > MAX_DESTINATIONS:
            more = len(rows) - MAX_DESTINATIONS
            shown += ((_("More channels"), _("{count} more not shown", count=more)),)
        return shown

    async def _problems(self, workspace: str) -> list[Check]:
        """The doctor's failed checks for this workspace (none when it cannot tell)."""
        if self._diagnose is None:
            return []
        try:
            async with asyncio.timeout(DIAGNOSE_SECONDS):
                return [check for check in await self._diagnose(workspace) if not check.ok]
        except Exception:
            log.warning("connection checks for %s did not finish", workspace, exc_info=True)
            return []

    async def states_view(self, ctx: RequestContext, kind: TicketKind) -> StatesView:
        """A state catalog in this workspace's names."""
        names = await self._names.names(ctx.workspace, kind)
        rows = tuple((v, names[v], d) for v, d in default_states(kind).items())
        return StatesView(kind, rows, can_edit=ctx.is_admin)

    async def show_states(self, ctx: RequestContext, command: c.ShowStates) -> Outcome:
        """One state catalog, or both."""
        kinds = [command.kind] if command.kind else list(TicketKind)
        return Reply(tuple([await self.states_view(ctx, k) for k in kinds]))

    async def rename_state(self, ctx: RequestContext, command: c.RenameState) -> Outcome:
        """Rename a state for this workspace (empty: ServiceNow's own name again)."""
        await self._names.rename(ctx.workspace, command.kind, command.value, command.label)
        await self._audit.audit(
            ctx.workspace,
            ctx.actor,
            "states.rename",
            {"kind": command.kind.value, "value": command.value, "label": command.label},
        )
        return Reply(await self.states_view(ctx, command.kind), replace=True)

    async def rename_in_configuration(
        self, ctx: RequestContext, request: RenameInConfiguration
    ) -> Outcome:
        """A rename from the configuration surface; the surface shows how it went."""
        rename = request.rename
        try:
            await self.rename_state(ctx, rename)
        except UserError as exc:
            banner = Notice(exc.message, NoticeLevel.WARNING)
        else:
            default = default_states(rename.kind).get(rename.value, rename.value)
            shown = rename.label or default
            text = (
                _("Incident state {state} is now shown as {name}.", state=default, name=shown)
                if rename.kind is TicketKind.INCIDENT
                else _("Change state {state} is now shown as {name}.", state=default, name=shown)
            )
            banner = Notice(text, NoticeLevel.SUCCESS)
        return Reply(await self.configuration(ctx, banner), replace=True)

    async def configure(self, ctx: RequestContext, command: c.Configure) -> Outcome:
        """The admin's surface: connection, state names, Reconnect and Disconnect."""
        return Reply(await self.configuration(ctx), replace=True)

    async def configuration(
        self, ctx: RequestContext, banner: Notice | None = None
    ) -> ConfigurationView:
        """The configuration view (``banner`` says what the last change did). It shows
        what SnowOps knows, without the live checks of `/snow status`, so it is quick
        enough to answer a form's submit."""
        status = await self.status_view(ctx, probe=False)
        states = tuple([await self.states_view(ctx, k) for k in TicketKind])
        connected = bool(status.lines)
        buttons = [Button(_("Reconnect"), c.Reconnect())]
        if connected:
            instance = (await self._connections.status(ctx.workspace)).instance_url
            buttons.append(disconnect_button(instance))
        return ConfigurationView(status, states, banner, connected, tuple(buttons))

    async def connected(self, result: ConnectResult | LinkResult) -> None:
        """After the OAuth callback: tell the person who asked, privately, how it ended (and
        for a connect, remember where the admin asked from). Never fails the callback page."""
        origin = result.origin
        if origin is None:
            return
        if isinstance(result, ConnectResult) and result.connection is not None:
            await self._contacts.remember(origin.workspace, origin, result.requested_by)
        # Said to the asker alone: in their language (the workspace's for a sign-in started
        # before SnowOps remembered it).
        language = result.locale or await self._languages.language(origin.workspace)
        with use_locale(language):
            await self._tell_privately(result, origin)

    async def _tell_privately(self, result: ConnectResult | LinkResult, origin: ChannelRef) -> None:
        """The notice, in a private conversation with whoever asked (queued when the
        platform does not take it now)."""
        if isinstance(result, LinkResult):
            notice = link_notice(result)
        else:
            notice = connect_notice(result)
        sink = self._sinks.get(workspace_platform(origin.workspace))
        if sink is None:
            return
        user = result.requested_by.split(":", 1)[-1]
        key = f"{origin.workspace}|connected|{uuid.uuid4().hex}"
        try:
            to: ChannelRef = await sink.direct(origin.workspace, user)
        except DeliveryError as exc:
            # Never said in the conversation instead: it names a ServiceNow account.
            log.info("no private conversation for the sign-in confirmation: %s", exc)
            return
        try:
            await sink.post(to, notice, key=key)
        except DeliveryError as exc:
            log.info("sign-in confirmation not delivered now (%s): queued", exc)
            await self._notifier.tell(to, f"{notice.text} {notice.hint}".strip(), key)
