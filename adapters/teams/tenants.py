"""Which Microsoft Entra tenant an activity belongs to, from every place that names one.

An activity names its tenant in ``channelData.tenant.id`` and in ``conversation.tenantId``;
a token issued by Microsoft Entra (rather than the Bot Framework) names it in ``tid``. Each
must agree, the activity must name one, and the deployment must serve it
(``TEAMS_TENANT_ID``, empty: any). Each tenant is its own workspace, ``teams:<tenant>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from adapters.teams.config import TeamsConfig

__all__ = [
    "PREFIX",
    "TenantRefused",
    "checked_tenant",
    "current_tenant",
    "named_tenants",
    "tenant_of_workspace",
]

PREFIX = "teams:"

#: The tenant whose data the current task works on (for calls that cannot be told it).
current_tenant: ContextVar[str | None] = ContextVar("snowops_teams_tenant", default=None)


class TenantRefused(Exception):
    """The activity's tenant is missing, contradictory or not served; ``message`` is safe
    to show the caller, ``reason`` is for the log."""

    def __init__(self, message: str, reason: str, status: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.status = status


def _text(value: Any) -> str:
    return value.strip().lower() if isinstance(value, str) else ""


def named_tenants(activity: Mapping[str, Any]) -> set[str]:
    """Every tenant the activity names (lower case; empty when it names none)."""
    data = activity.get("channelData")
    tenant = data.get("tenant") if isinstance(data, Mapping) else None
    conversation = activity.get("conversation")
    found = {
        _text(tenant.get("id")) if isinstance(tenant, Mapping) else "",
        _text(conversation.get("tenantId")) if isinstance(conversation, Mapping) else "",
    }
    return found - {""}


def checked_tenant(
    activity: Mapping[str, Any], claims: Mapping[str, Any], config: TeamsConfig
) -> str:
    """The one tenant the activity and its token name, when this deployment serves it;
    else :class:`TenantRefused`."""
    named = named_tenants(activity)
    if not named:
        raise TenantRefused(
            "The activity names no Microsoft Entra tenant.", "activity without a tenant"
        )
    if len(named) > 1:
        raise TenantRefused(
            "The activity's Microsoft Entra tenants do not agree.",
            "activity naming several tenants",
        )
    tenant = named.pop()
    tid = claims.get("tid")
    if tid is not None and _text(tid) != tenant:
        # The token is for another tenant than the activity's: the token is what is wrong.
        raise TenantRefused(
            "Invalid token or authentication failed.", "token of another tenant", 401
        )
    if not config.allows(tenant):
        raise TenantRefused(
            "This bot does not serve this Microsoft Entra tenant.",
            f"activity of tenant {tenant[:40]!r}, not in TEAMS_TENANT_ID",
        )
    return tenant


def tenant_of_workspace(workspace: str) -> str | None:
    """``teams:<tenant>`` → the tenant (None for another platform's workspace)."""
    return workspace[len(PREFIX) :] or None if workspace.startswith(PREFIX) else None
