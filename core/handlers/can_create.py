"""Whether a ticket can be sent to ServiceNow now: asked before any ticket form opens, so
nobody fills one in only to be told on submit that the workspace is not connected."""

from __future__ import annotations

from core.i18n import _
from core.models import ConnectionStatus
from core.servicenow.errors import NotConnectedError
from core.storage import ConnectionStore
from core.views import Notice, NoticeLevel

__all__ = ["cannot_create"]


async def cannot_create(connections: ConnectionStore, workspace: str) -> Notice | None:
    """Why no ticket can be made in ``workspace`` now, or None when one can."""
    conn = await connections.get_connection(workspace)
    if conn is None:
        return Notice(
            _("This workspace is not connected to ServiceNow, so no ticket can be made yet."),
            NoticeLevel.WARNING,
            hint=_(NotConnectedError.default_hint),
        )
    if conn.status is ConnectionStatus.NEEDS_REAUTH:
        return Notice(
            _(
                "The connection to {instance} needs to be authorized again, so no ticket can "
                "be made yet.",
                instance=conn.instance_url,
            ),
            NoticeLevel.WARNING,
            hint=_("An admin can run /snow connect {instance}.", instance=conn.instance_url),
        )
    return None
