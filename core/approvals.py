"""Change approvals in chat: ask each approver in a direct message, and write their
decision as them.

When a change SnowOps tracks moves into a state that asks for approval, ServiceNow creates
``sysapproval_approver`` records in state *requested*. :meth:`Approvals.on_events` (run with
the sync's events, after they are queued for delivery) reads them for every change whose
state moved, matches each approver to a chat user by email (the platform's
:class:`People`) and sends them, once per approval record (an idempotency key in the store
keeps it once across restarts and replicas), the change's card with *Approve* and
*Reject*; one who has not linked their ServiceNow account gets *Link your account* with
them. A decision is always made with the approver's own token: approvals are personal, so
the connection never decides for anyone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol, runtime_checkable

from core import commands as c
from core.accounts import AccountService
from core.errors import InProgressError, UserError
from core.gateway import ApprovalRequest, TicketGateway
from core.i18n import DEFAULT_LOCALE, N_, _, use_locale
from core.languages import WorkspaceLanguage
from core.models import Ticket, TicketEvent, TicketKind, workspace_platform
from core.ports import ChatSink
from core.repos.labels import StateNames
from core.servicenow.errors import ForbiddenError, NotFoundError
from core.storage import AuditLog, IdempotencyKeys, TicketStore
from core.sync_events import asks_approvers
from core.views import Button, TicketCard, ticket_card

__all__ = ["Approvals", "People", "approval_card"]

log = logging.getLogger(__name__)

#: An approval request is sent once; the key outlives any approval's life.
_SENT_TTL = 90 * 24 * 3600.0
#: A decision is made once: a double click within this long answers with the first.
_DECIDED_TTL = 24 * 3600.0
#: An approval's state as the approver reads it (another state is shown as ServiceNow's).
_STATES = {"approved": N_("approved"), "rejected": N_("rejected")}


def _state(value: str) -> str:
    label = _STATES.get(value)
    return _(label) if label else value


def _refused(number: str, problem: str) -> UserError:
    """ServiceNow would not take a decision (not this approver's, or gone)."""
    return UserError(
        _(
            "ServiceNow refused your decision on {number}: {problem}",
            number=number,
            problem=problem,
        ),
        hint=_(
            "Only the approver it was asked of can decide it, as themselves "
            "(/snow status says whom you are linked as)."
        ),
    )


@runtime_checkable
class People(Protocol):
    """A platform's directory: the chat user with an email address."""

    async def user_by_email(self, workspace: str, email: str) -> str | None:
        """The platform's user id of the person with ``email`` in ``workspace``, if any."""
        ...


def approval_card(
    ticket: Ticket, names: Mapping[str, str], request: ApprovalRequest, linked: bool
) -> TicketCard:
    """The change's card as an approver gets it: Approve and Reject, and Link your account
    when they have not linked (an approval is always made as the approver)."""
    card = ticket_card(ticket, dict(names))
    buttons = [
        Button(_("Approve"), c.Approve(ticket.number, request.id), primary=True),
        Button(_("Reject"), c.Reject(ticket.number, request.id)),
    ]
    who = request.name or request.user_name
    note = _("{name}, your approval is requested.", name=who)
    if not linked:
        buttons.append(Button(_("Link your account"), c.Link()))
        note += " " + _("Link your ServiceNow account first: approvals are made as you.")
    return replace(card, note=note, buttons=(*card.buttons[:1], *buttons))


class Approvals:
    """Asks approvers in chat, and writes their decisions as them."""

    def __init__(
        self,
        gateway: TicketGateway,
        tickets: TicketStore,
        accounts: AccountService,
        keys: IdempotencyKeys,
        names: StateNames,
        sinks: Mapping[str, ChatSink],
        people: Mapping[str, People],
        audit: AuditLog,
        apply: Callable[[str, Sequence[Ticket]], Awaitable[object]],
    ) -> None:
        self._gateway = gateway
        self._tickets = tickets
        self._accounts = accounts
        self._keys = keys
        self._names = names
        self._sinks = sinks
        self._people = people
        self._audit = audit
        self._apply = apply
        #: Each workspace's language: an approver's own is not known, so theirs it is.
        self.languages: WorkspaceLanguage | None = None

    async def on_events(
        self,
        events: Sequence[TicketEvent],
        known: Mapping[tuple[str, str], Ticket] | None = None,
    ) -> None:
        """Ask the approvers of every change whose state moved (approvals are requested on
        a state change). Never raises: a failure here must not hold up notifications.

        For a whole batch of events: one read of the changes, their approvals read all at
        once (a sync batch of many connections waits for the slowest instance, not for the
        sum of them), one claim of every approval's key and one record of what was sent.
        The changes are read unless ``known`` has them as just stored, by (workspace,
        number)."""
        moved = list(dict.fromkeys((e.workspace, e.number) for e in events if asks_approvers(e)))
        if not moved:
            return
        stored = {pair: t for pair in moved if (t := (known or {}).get(pair)) is not None}
        missing = [pair for pair in moved if pair not in stored]
        try:
            if missing:
                stored |= await self._tickets.get_tickets_across(missing)
        except Exception:
            log.warning("approvals of %d changes not asked for", len(moved), exc_info=True)
            return
        changes = [t for pair in moved if (t := stored.get(pair)) is not None]
        found = await asyncio.gather(*(self._requests(t) for t in changes))
        asks = {
            f"approval-asked:{t.workspace}:{r.id}": (t, r)
            for t, requests in zip(changes, found, strict=True)
            for r in requests
        }
        if asks:
            await self._ask_all(asks)

    async def _requests(self, ticket: Ticket) -> list[ApprovalRequest]:
        """The approvals ``ticket`` waits on; none (logged) when they cannot be read."""
        try:
            return await self._gateway.approvals(ticket.workspace, ticket)
        except Exception:
            log.warning("approvals of %s not asked for", ticket.number, exc_info=True)
            return []

    async def _ask_all(self, asks: Mapping[str, tuple[Ticket, ApprovalRequest]]) -> None:
        """Send every approval not asked yet (nor being asked by another replica)."""
        try:
            claims = await self._keys.begin_idempotent_many(list(asks), _SENT_TTL)
        except Exception:
            log.warning("approvals of %d records not asked for", len(asks), exc_info=True)
            return
        mine = [key for key, held in claims.items() if held is None]
        sent = await asyncio.gather(*(self._send_logged(*asks[key]) for key in mine))
        done = {key: result for key, result in zip(mine, sent, strict=True) if result}
        try:
            # What was sent is recorded first: a failure after it cannot make it go twice.
            if done:
                await self._keys.finish_idempotent_many(done, _SENT_TTL)
            for key in mine:
                if key not in done:
                    await self._keys.abort_idempotent(key)  # asked again with the next change
        except Exception:
            log.warning("approvals asked, not recorded as asked", exc_info=True)

    async def _send_logged(self, ticket: Ticket, request: ApprovalRequest) -> str | None:
        try:
            return await self._send(ticket.workspace, ticket, request)
        except Exception:
            log.warning("approval of %s not asked for", ticket.number, exc_info=True)
            return None

    async def _send(self, workspace: str, ticket: Ticket, request: ApprovalRequest) -> str:
        platform = workspace_platform(workspace)
        people, sink = self._people.get(platform), self._sinks.get(platform)
        user = await people.user_by_email(workspace, request.email) if people else None
        if user is None or sink is None:
            log.info("approver of %s has no chat user in %s", ticket.number, workspace)
            return "nobody"
        linked = await self._accounts.linked(workspace, f"{platform}:{user}") is not None
        names = await self._names.names(workspace, ticket.kind)
        dm = await sink.direct(workspace, user)
        language = DEFAULT_LOCALE
        if self.languages is not None:
            language = await self.languages.language(workspace)
        with use_locale(language):
            await sink.post_card(dm, approval_card(ticket, names, request, linked))
        log.info("approval of %s asked of a chat user in %s", ticket.number, workspace)
        return "sent"

    async def decide(
        self, workspace: str, user: str, number: str, approval: str, reason: str | None
    ) -> tuple[Ticket, str]:
        """Approve (``reason`` None) or reject (with ``reason``) as ``user``
        (``platform:user``), with their own token; (the change as it is now, what was done)."""
        approve = reason is None
        ticket = await self._tickets.get_ticket(workspace, number)
        if ticket is None or ticket.kind is not TicketKind.CHANGE:
            raise UserError(_("SnowOps tracks no change {number} in this workspace", number=number))
        token = await self._accounts.access_token(workspace, user)
        if token is None:
            raise UserError(
                _("link your ServiceNow account first: approvals are always made as you"),
                hint=_("Run /snow link (privately), sign in as yourself, then click again."),
            )
        key = f"approval-decided:{workspace}:{approval}"
        first = await self._keys.begin_idempotent(key, _DECIDED_TTL)
        if first == "":
            raise InProgressError(
                _("your decision on {number} is being recorded", number=ticket.number)
            )
        if first is not None:
            already = _(
                "{number}: this approval is already {state}.",
                number=ticket.number,
                state=_state(first),
            )
            return ticket, already
        try:
            state = await self._gateway.decide(
                workspace, ticket, approval, approve, reason or "", token=token
            )
        except (ForbiddenError, NotFoundError) as exc:
            await self._keys.abort_idempotent(key)
            raise _refused(ticket.number, exc.message) from None
        except BaseException:
            await self._keys.abort_idempotent(key)
            raise
        await self._keys.finish_idempotent(key, state.replace("_", " "), _DECIDED_TTL)
        wanted = "approved" if approve else "rejected"
        if state != wanted:
            gone = _(
                "{number} no longer waits for this approval ({state}).",
                number=ticket.number,
                state=_state(state),
            )
            return ticket, gone
        fresh = await self._gateway.get(workspace, ticket.kind, ticket.sys_id)
        await self._apply(workspace, [fresh])
        await self._audit.audit(workspace, user, f"change.{wanted}", {"number": ticket.number})
        if approve:
            return fresh, _("You approved {number}.", number=ticket.number)
        return fresh, _("You rejected {number}.", number=ticket.number)
