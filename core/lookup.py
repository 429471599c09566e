"""Which tickets a workspace may look up (``/snow ticket``, link previews): by default only
those SnowOps made from it (``own``); with ``/snow lookup any`` (admins) any ticket the
ServiceNow connection can read. ``own`` is the default because every member of a chat
workspace could otherwise read every ticket the integration user can.
"""

from __future__ import annotations

from core.i18n import N_, _
from core.models import Ticket, TicketKind
from core.servicenow.errors import NotFoundError
from core.servicenow.mapping import correlation_prefix
from core.storage import Documents

__all__ = [
    "ANY",
    "LOOKUP_MODES",
    "OWN",
    "LookupPolicy",
    "is_own",
    "kind_of_number",
    "not_found",
]

OWN = "own"
ANY = "any"
LOOKUP_MODES = (OWN, ANY)
_NS = "lookup_policy"
#: Number prefixes of the tables SnowOps reads tickets from.
_PREFIXES = {kind.prefix: kind for kind in TicketKind}
_WHO_CHANGES = N_(
    "A workspace admin can let everyone here look up any ticket SnowOps's ServiceNow "
    "connection can read: /snow lookup any."
)


class LookupPolicy:
    """Each workspace's look-up mode (``own`` until an admin says otherwise)."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def mode(self, workspace: str) -> str:
        """``own`` or ``any``."""
        doc = await self._docs.get_document(_NS, workspace)
        return ANY if (doc or {}).get("mode") == ANY else OWN

    async def any_ticket(self, workspace: str) -> bool:
        """True when any readable ticket may be shown here."""
        return await self.mode(workspace) == ANY

    async def set_mode(self, workspace: str, mode: str) -> None:
        """Set the mode (``own`` or ``any``)."""
        if mode not in LOOKUP_MODES:
            raise ValueError(mode)
        await self._docs.put_document(_NS, workspace, {"mode": mode})


def is_own(ticket: Ticket, workspace: str) -> bool:
    """True when SnowOps made ``ticket`` from ``workspace`` (or adopted it there)."""
    return ticket.correlation_id.startswith(correlation_prefix(workspace))


def kind_of_number(number: str) -> TicketKind | None:
    """The kind a ticket number belongs to (``INC…`` an incident), None for another table."""
    return _PREFIXES.get(number[:3].upper())


def not_found(number: str, kind: TicketKind, *, any_ticket: bool) -> NotFoundError:
    """Why ``number`` is not shown, and who can change that."""
    if any_ticket:
        if kind is TicketKind.INCIDENT:
            text = _(
                "ServiceNow has no incident {number} that SnowOps's connection can read",
                number=number,
            )
        else:
            text = _(
                "ServiceNow has no change {number} that SnowOps's connection can read",
                number=number,
            )
        return NotFoundError(text, hint=_("Check the number."))
    if kind is TicketKind.INCIDENT:
        text = _(
            "SnowOps has no incident {number} in this workspace: this workspace shows only "
            "tickets made from it",
            number=number,
        )
    else:
        text = _(
            "SnowOps has no change {number} in this workspace: this workspace shows only "
            "tickets made from it",
            number=number,
        )
    hint = _("Check the number (/snow tickets lists them).")
    return NotFoundError(text, hint=f"{hint} {_(_WHO_CHANGES)}")
