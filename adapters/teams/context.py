"""Bot Framework activities → who asks, where, and whether they may administer SnowOps."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, cast

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from core.handlers.context import RequestContext
from core.models import ChannelRef, Requester

__all__ = [
    "TeamsUser",
    "TeamsUsers",
    "channel_of",
    "connector_client",
    "locale_of_activity",
    "tenant_of",
    "workspace_of",
]

log = logging.getLogger(__name__)

_TTL = 300.0


def connector_client(context: TurnContext) -> ConnectorClientBase | None:
    """The connector client the SDK put in the turn's services."""
    client = context.services.get(cast("type[Any]", ConnectorClientBase))
    return client if isinstance(client, ConnectorClientBase) else None


def tenant_of(activity: Activity) -> str:
    """The Microsoft Entra tenant of an activity (``channelData.tenant.id``, else
    ``conversation.tenantId``: they agree, :mod:`adapters.teams.tenants` checked it), lower
    case."""
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = (data.get("tenant") or {}).get("id") if isinstance(data.get("tenant"), dict) else None
    if not tenant and activity.conversation is not None:
        tenant = getattr(activity.conversation, "tenant_id", None)
    return str(tenant or "unknown").strip().lower()


def workspace_of(tenant: str) -> str:
    """SnowOps's workspace id for a Teams tenant."""
    return f"teams:{tenant}"


def split_conversation(conversation_id: str) -> tuple[str, str | None]:
    """``19:x@thread.tacv2;messageid=17`` → the channel and the thread's root message."""
    base, _, rest = conversation_id.partition(";messageid=")
    return base, (rest or None)


def channel_of(activity: Activity, workspace: str) -> ChannelRef | None:
    """The conversation as a ChannelRef: the channel (or chat) and, in a channel, the thread."""
    if activity.conversation is None or not activity.conversation.id:
        return None
    base, thread = split_conversation(activity.conversation.id)
    return ChannelRef(workspace, base, thread)


def zone_of_activity(activity: Activity) -> str:
    """The sender's time zone: the ``clientInfo`` entity's ``timezone``, else the
    activity's ``localTimezone`` (IANA names; empty when Teams sent neither)."""
    for entity in activity.entities or []:
        data = entity.model_dump(by_alias=True, exclude_none=True)
        if data.get("type") == "clientInfo" and isinstance(data.get("timezone"), str):
            return str(data["timezone"])[:64]
    local = getattr(activity, "local_timezone", None)
    return local[:64] if isinstance(local, str) else ""


def locale_of_activity(activity: Activity) -> str:
    """The sender's Teams client language (``sv-SE``), as every activity carries it."""
    locale = getattr(activity, "locale", None)
    return locale[:35] if isinstance(locale, str) else ""


def conversation_type(activity: Activity) -> str:
    """``personal``, ``groupChat`` or ``channel``."""
    conv = activity.conversation
    return str(getattr(conv, "conversation_type", None) or "personal")


@dataclass(frozen=True, slots=True)
class TeamsUser:
    """What SnowOps needs to know about a Teams user."""

    id: str
    aad_object_id: str
    name: str
    email: str | None
    is_admin: bool


class TeamsUsers:
    """Admins are listed in ``SNOWOPS_ADMINS`` (Entra object ids) or hold ``admin_role``
    (the connector's ``userRole`` of the member); member look-ups are cached five minutes."""

    def __init__(self, admins: tuple[str, ...], admin_role: str | None) -> None:
        self._admins = frozenset(a.lower() for a in admins)
        self._role = admin_role.lower() if admin_role else None
        self._cache: dict[tuple[str, str, str], tuple[float, TeamsUser]] = {}

    def listed(self, tenant: str, aad_object_id: str) -> bool:
        """True if SNOWOPS_ADMINS names this user (bare, or as ``teams:<tenant>:<id>``)."""
        oid = aad_object_id.lower()
        return bool(oid) and (
            oid in self._admins or f"teams:{tenant.lower()}:{oid}" in self._admins
        )

    async def get(self, context: TurnContext, tenant: str) -> TeamsUser:
        """Who sent this activity; the member record adds the email and role."""
        sender = context.activity.from_property
        user_id = str(getattr(sender, "id", "") or "")
        aad = str(getattr(sender, "aad_object_id", "") or "")
        name = str(getattr(sender, "name", "") or user_id)
        # Per conversation: a role held in one team grants nothing in another.
        conv = context.activity.conversation
        key = (tenant, user_id, str(getattr(conv, "id", "") or ""))
        hit = self._cache.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        member = await self._member(context, user_id)
        email = member.get("email") or member.get("user_principal_name")
        aad = aad or str(member.get("aad_object_id") or "")
        role = str(member.get("user_role") or "").lower()
        is_admin = self.listed(tenant, aad) or (self._role is not None and role == self._role)
        user = TeamsUser(user_id, aad, str(member.get("name") or name), email, is_admin)
        self._cache[key] = (time.monotonic() + _TTL, user)
        if len(self._cache) > 5000:
            self._cache.clear()
        return user

    @staticmethod
    async def _member(context: TurnContext, user_id: str) -> dict[str, Any]:
        client = connector_client(context)
        conv = context.activity.conversation
        if client is None or conv is None or not user_id:
            return {}
        getter = getattr(client, "get_conversation_member", None)
        if getter is None:
            return {}
        try:
            account = await getter(split_conversation(conv.id)[0], user_id)
        except Exception as exc:  # the member record is a nicety: carry on without it
            log.info("Teams member look-up failed: %s", type(exc).__name__)
            return {}
        return dict(account.model_dump(exclude_none=True))

    async def request_context(self, context: TurnContext, tenant: str) -> RequestContext:
        """The core's view of who asks, and where."""
        user = await self.get(context, tenant)
        workspace = workspace_of(tenant)
        return RequestContext(
            workspace=workspace,
            requester=Requester("teams", user.aad_object_id or user.id, user.name, user.email),
            channel=channel_of(context.activity, workspace),
            is_admin=user.is_admin,
            # Only the personal chat is private: a card in a channel is seen by everyone.
            private=conversation_type(context.activity) == "personal",
            zone=zone_of_activity(context.activity),
            locale=locale_of_activity(context.activity),
        )
