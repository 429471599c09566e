"""What each ticket action writes to ServiceNow (the fields of one PATCH), and the choices an
instance offers for them. Used by :class:`~core.servicenow.gateway.ServiceNowGateway`."""

from __future__ import annotations

from typing import Any

from core.gateway import AddJournal, AssignTo, Reopen, Resolve, TicketAction
from core.models import TicketKind

__all__ = ["action_fields", "close_code_query", "group_search_query"]

#: Resolved (incident) and Closed (change, security incident), as the base system numbers
#: them (a problem is not resolved from chat).
_DONE = {TicketKind.INCIDENT: "6", TicketKind.CHANGE: "3", TicketKind.SECURITY: "3"}
_IN_PROGRESS = "2"


def close_code_query(table: str) -> str:
    """The ``sys_choice`` query for a table's active close codes, in their order."""
    return f"name={table}^element=close_code^inactive=false^ORDERBYsequence"


def group_search_query(text: str) -> str:
    """The ``sys_user_group`` query of the assignment-group type-ahead: active groups whose
    name contains ``text`` (LIKE ignores case), by name. A caret or line break would start
    another condition, so they are read as spaces."""
    words = " ".join(text.replace("^", " ").split())[:80]
    like = f"nameLIKE{words}^" if words else ""
    return f"{like}active=true^ORDERBYname"


def action_fields(kind: TicketKind, action: TicketAction, note: str) -> dict[str, Any]:
    """The PATCH body for ``action``; ``note`` (who acted, from chat, when the connection
    acts for them) goes with it: in the comment itself, or as a work note."""
    fields: dict[str, Any] = {}
    match action:
        case AddJournal(text=text, work_note=work_note):
            fields["work_notes" if work_note else "comments"] = (
                f"{text}\n\n({note})" if note else text
            )
            return fields
        case AssignTo(user=user, group=group):
            if user is not None:
                fields["assigned_to"] = user
            if group is not None:
                fields["assignment_group"] = group
        case Resolve(close_code=code, notes=notes):
            fields.update(state=_DONE[kind], close_code=code, close_notes=notes)
        case Reopen():
            fields["state"] = _IN_PROGRESS
    if note:
        fields["work_notes"] = note
    return fields
