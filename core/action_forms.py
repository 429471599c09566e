"""The forms of a ticket card's actions (*Add comment*, *Add work note*, *Assign to group*,
*Resolve*, *Close*), as a platform-neutral view, and which actions a ticket's state allows.

Each platform renders :class:`ActionFormView` its own way (a Slack modal, a Teams dialog, a
console prompt); what the form sends back is read by :func:`core.actions.action_from_inputs`
into the command a person could have typed, so a form and a command are one request.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.actions import ActionFormContext
from core.i18n import _
from core.models import TicketKind
from core.servicenow.states import is_open

__all__ = [
    "GROUP_DATASET",
    "ActionFormView",
    "action_form",
    "allowed_actions",
]

#: The name of the assignment-group search (Teams ``Data.Query`` dataset).
GROUP_DATASET = "snowops.groups"
#: Incident state Resolved (the base system's value).
_RESOLVED = "6"

_FIELDS: dict[str, tuple[str, ...]] = {
    "comment": ("text",),
    "note": ("text",),
    "assign": ("group",),
    "resolve": ("close_code", "close_notes"),
    "close": ("close_code", "close_notes"),
}


def allowed_actions(kind: TicketKind, state: str) -> tuple[str, ...]:
    """What a ticket in ``state`` may have done to it from chat, in the card's order: an
    open ticket everything but reopen; a resolved incident a comment or reopen; a closed
    or cancelled one nothing."""
    if is_open(kind, state):
        if kind is TicketKind.PROBLEM:
            # A problem is resolved with its root cause and fix notes: in ServiceNow.
            return ("comment", "note", "assign_me", "assign")
        done = "resolve" if kind is TicketKind.INCIDENT else "close"
        return ("comment", "note", "assign_me", "assign", done)
    if kind is TicketKind.INCIDENT and state == _RESOLVED:
        return ("comment", "reopen")
    return ()


@dataclass(frozen=True, slots=True)
class ActionFormView:
    """One action's form on one ticket. ``choices``: the close codes the instance offers
    (value, label); ``errors``: field → what is wrong, after a submit."""

    context: ActionFormContext
    kind: TicketKind
    ticket_title: str
    title: str
    submit: str
    fields: tuple[str, ...]
    choices: tuple[tuple[str, str], ...] = ()
    errors: tuple[tuple[str, str], ...] = ()

    @property
    def number(self) -> str:
        """The ticket's number."""
        return self.context.number

    @property
    def action(self) -> str:
        """``comment``, ``note``, ``assign``, ``resolve`` or ``close``."""
        return self.context.action

    def label(self, field: str) -> str:
        """What a field is called on the form."""
        if field == "text":
            return _("Work note") if self.action == "note" else _("Comment")
        return {
            "group": _("Assignment group"),
            "close_code": (
                _("Resolution code") if self.kind is TicketKind.INCIDENT else _("Close code")
            ),
            "close_notes": _("Close notes"),
        }.get(field, field)

    def hint(self, field: str) -> str:
        """Small print under a field."""
        if field == "text":
            return (
                _("Only the service desk sees work notes.")
                if self.action == "note"
                else _("The caller sees comments.")
            )
        if field == "group":
            return _("Type part of the group's name.")
        return ""


def action_form(
    context: ActionFormContext,
    kind: TicketKind,
    ticket_title: str,
    choices: tuple[tuple[str, str], ...] = (),
    errors: tuple[tuple[str, str], ...] = (),
) -> ActionFormView:
    """The form of ``context.action`` on the ticket ``context.number``."""
    number, action = context.number, context.action
    titles = {
        "comment": (_("Add a comment"), _("Add comment")),
        "note": (_("Add a work note"), _("Add work note")),
        "assign": (_("Assign to a group"), _("Assign")),
        "resolve": (_("Resolve {number}", number=number), _("Resolve")),
        "close": (_("Close {number}", number=number), _("Close")),
    }
    if action == "resolve" and kind is not TicketKind.INCIDENT:
        action = "close"
    title, submit = titles.get(action, ("SnowOps", _("Send")))
    return ActionFormView(
        context, kind, ticket_title, title, submit, _FIELDS.get(action, ()), choices, errors
    )
