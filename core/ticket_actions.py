"""Working a ticket from chat: comment, work note, assign, resolve, reopen — as the person.

Who acts (:meth:`TicketActions.who_acts`): the person's own token when they linked their
account; otherwise the workspace's identity mode decides — ``email`` (the default) lets the
connection act for them, with a work note naming them and where it came from; ``linked``
asks them to link first. After the change, the ticket is run through the sync so its cards
update in place and their threads say what happened, exactly as for a change made in
ServiceNow (a later poll finds nothing new).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from core import commands as c
from core.accounts import AccountService
from core.action_forms import ActionFormView, action_form, allowed_actions
from core.actions import ActionFormContext
from core.errors import InProgressError, UserError
from core.gateway import AddJournal, AssignTo, Reopen, Resolve, TicketAction, TicketGateway
from core.i18n import _
from core.models import Ticket, TicketKind, workspace_platform
from core.servicenow.states import CLOSED_STATES
from core.storage import AuditLog, Documents, IdempotencyKeys, TicketStore

__all__ = ["IdentityModes", "TicketActions", "Who"]

log = logging.getLogger(__name__)

_NS = "identity_mode"
#: Named in the work note left in ServiceNow, which stays in English: it is ServiceNow's
#: record, read there by whoever works the ticket, not a chat message.
_PLATFORMS = {"slack": "Slack", "teams": "Microsoft Teams", "console": "the SnowOps console"}
#: A double click on Resolve within this long resolves once.
_CLAIM = 30.0
#: Options a type-ahead offers at once (Slack shows 100 at most; people type more instead).
_SUGGESTIONS = 20


class IdentityModes:
    """Per workspace: ``email`` (the connection acts, naming the person) or ``linked``."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def get(self, workspace: str) -> str:
        """The workspace's mode (``email`` unless an admin chose ``linked``)."""
        doc = await self._docs.get_document(_NS, workspace)
        return "linked" if doc and doc.get("mode") == "linked" else "email"

    async def set(self, workspace: str, mode: str) -> None:
        """Choose the mode."""
        await self._docs.put_document(_NS, workspace, {"mode": mode})


@dataclass(frozen=True, slots=True)
class Who:
    """The person behind an action."""

    workspace: str
    user: str  # platform:user
    name: str
    email: str | None


class TicketActions:
    """The ticket actions of every platform."""

    def __init__(
        self,
        gateway: TicketGateway,
        tickets: TicketStore,
        accounts: AccountService,
        modes: IdentityModes,
        keys: IdempotencyKeys,
        audit: AuditLog,
        apply: Callable[[str, Sequence[Ticket]], Awaitable[object]],
    ) -> None:
        self._gateway = gateway
        self._tickets = tickets
        self._accounts = accounts
        self._modes = modes
        self._keys = keys
        self._audit = audit
        self._apply = apply
        #: Told of each action done, by whom (core.personal keeps who took a ticket).
        self.acted: Callable[[str, str, str, c.Command], Awaitable[None]] | None = None

    async def who_acts(self, who: Who) -> tuple[str | None, str]:
        """(the person's own token, or None; the note naming them when the connection acts
        for them). Raises UserError when the workspace needs them to link first."""
        token = await self._accounts.access_token(who.workspace, who.user)
        if token is not None:
            return token, ""
        if await self._modes.get(who.workspace) == "linked":
            raise UserError(
                _(
                    "link your ServiceNow account first: this workspace makes changes from chat "
                    "only as the person who makes them"
                ),
                hint=_("Run /snow link (privately), sign in as yourself, then try again."),
            )
        platform = _PLATFORMS.get(workspace_platform(who.workspace), "chat")
        email = f" ({who.email})" if who.email else ""
        return None, f"From {platform} by {who.name or who.user}{email}, via SnowOps"

    async def form(
        self, who: Who, context: ActionFormContext, errors: tuple[tuple[str, str], ...] = ()
    ) -> ActionFormView:
        """The form of an action, for a ticket whose state allows it and a person who may
        act (in ``linked`` mode they are asked to link before they fill anything in); a
        resolve or close form lists the instance's own close codes."""
        ticket = await self._tracked(who.workspace, context.number)
        if context.action == "resolve" and ticket.kind is not TicketKind.INCIDENT:
            context = replace(context, action="close")
        if context.action not in allowed_actions(ticket.kind, ticket.state):
            raise UserError(
                _("{number} cannot be changed that way in its state now", number=ticket.number),
                hint=_("/snow ticket {number} shows what it can do.", number=ticket.number),
            )
        await self.who_acts(who)
        choices: tuple[tuple[str, str], ...] = ()
        if context.action in ("resolve", "close"):
            choices = tuple(await self._gateway.close_codes(who.workspace, ticket.kind))
        return action_form(context, ticket.kind, ticket.title, choices, errors)

    async def groups(self, workspace: str, text: str) -> list[tuple[str, str]]:
        """The assignment groups whose name contains ``text``, for a type-ahead."""
        return await self._gateway.groups_matching(workspace, text, _SUGGESTIONS)

    async def _tracked(self, workspace: str, number: str) -> Ticket:
        ticket = await self._tickets.get_ticket(workspace, number)
        if ticket is None:
            raise UserError(
                _("SnowOps tracks no ticket {number} in this workspace", number=number),
                hint=_("/snow tickets lists the ones it tracks."),
            )
        return ticket

    async def do(self, who: Who, command: c.Command) -> tuple[Ticket, str]:
        """Carry out an action command; (the ticket as it is now, what was done)."""
        number = getattr(command, "number", "")
        ticket = await self._tracked(who.workspace, number)
        key = f"act:{who.workspace}:{number}:{type(command).__name__}"
        if await self._keys.begin_idempotent(key, _CLAIM) is not None:
            raise InProgressError(_("{number} is being changed right now", number=number))
        try:
            token, note = await self.who_acts(who)
            action, done = await self._action(who, ticket, command, token)
            if action is None:
                return ticket, done
            fresh = await self._gateway.act(who.workspace, ticket, action, token=token, note=note)
            await self._apply(who.workspace, [fresh])
            detail = {"number": number, "as": "self" if token else "on behalf"}
            await self._audit.audit(who.workspace, who.user, f"ticket.{_verb(command)}", detail)
            log.info("%s %s in %s", _verb(command), number, who.workspace)
            if self.acted is not None:
                await self.acted(who.workspace, number, who.user, command)
            return fresh, done
        finally:
            await self._keys.abort_idempotent(key)

    async def _action(
        self, who: Who, ticket: Ticket, command: c.Command, token: str | None
    ) -> tuple[TicketAction | None, str]:
        """The gateway action for a command (None: nothing to do), and what it does."""
        match command:
            case c.AddNote(text=text, work_note=work_note):
                done = (
                    _("Added a work note to {number}.", number=ticket.number)
                    if work_note
                    else _("Added a comment to {number}.", number=ticket.number)
                )
                return AddJournal(text, work_note), done
            case c.Assign(to="me"):
                me = await self._me(who, token)
                return AssignTo(user=me), _("{number} is assigned to you.", number=ticket.number)
            case c.Assign(to=group_name):
                group = await self._gateway.group_by_name(who.workspace, group_name)
                if group is None:
                    raise UserError(
                        _("ServiceNow has no active assignment group '{group}'", group=group_name)
                    )
                done = _("{number} is assigned to {group}.", number=ticket.number, group=group[1])
                return AssignTo(group=group[0]), done
            case c.ResolveTicket(close_code=code, notes=notes):
                if ticket.kind is TicketKind.PROBLEM:
                    raise UserError(_("a problem is resolved in ServiceNow, with its root cause"))
                if ticket.state in CLOSED_STATES[ticket.kind]:
                    return None, _already(ticket)
                value = await self._close_code(who.workspace, ticket.kind, code)
                return Resolve(value, notes), _done(ticket)
            case c.ReopenTicket():
                if ticket.kind is not TicketKind.INCIDENT:
                    raise UserError(_("only incidents can be reopened from chat"))
                if ticket.state not in ("6",):
                    return None, _(
                        "{number} is not resolved: nothing to reopen.", number=ticket.number
                    )
                return Reopen(), _("{number} is in progress again.", number=ticket.number)
        raise TypeError(f"not a ticket action: {command!r}")

    async def _me(self, who: Who, token: str | None) -> str:
        if token is not None:
            link = await self._accounts.linked(who.workspace, who.user)
            if link is not None and link.sys_id:
                return link.sys_id
        user = await self._gateway.user_by_email(who.workspace, who.email or "")
        if user is None:
            raise UserError(
                _("ServiceNow has no user with your chat email ({email})", email=who.email)
                if who.email
                else _("ServiceNow has no user with your chat email"),
                hint=_("Link your account with /snow link, then assign again."),
            )
        return user

    async def _close_code(self, workspace: str, kind: TicketKind, code: str) -> str:
        codes = await self._gateway.close_codes(workspace, kind)
        for value, label in codes:
            if code.lower() in (value.lower(), label.lower()):
                return value
        offered = ", ".join(f'"{v}"' for v, _label in codes) or _("none")
        message = (
            _("'{code}' is not a close code of this instance's incidents", code=code[:60])
            if kind is TicketKind.INCIDENT
            else _("'{code}' is not a close code of this instance's changes", code=code[:60])
        )
        raise UserError(message, hint=_("Use one of: {codes}.", codes=offered))


def _verb(command: c.Command) -> str:
    return {
        "AddNote": "note",
        "Assign": "assign",
        "ResolveTicket": "resolve",
        "ReopenTicket": "reopen",
    }.get(type(command).__name__, "act")


def _done(ticket: Ticket) -> str:
    if ticket.kind is TicketKind.INCIDENT:
        return _("{number} is resolved.", number=ticket.number)
    return _("{number} is closed.", number=ticket.number)


def _already(ticket: Ticket) -> str:
    if ticket.kind is TicketKind.INCIDENT:
        return _("{number} is already resolved.", number=ticket.number)
    return _("{number} is already closed.", number=ticket.number)
