"""TicketService: create, list and get tickets; idempotent and duplicate-proof.

Three guards stop duplicates:
- an *idempotency key* (a Slack view id, a Teams form's submission id…) makes a retried or
  double-submitted request return the ticket the first one created;
- a *recommendation share* gets a deterministic correlation id, so while its ticket is
  open a second share returns that ticket instead of creating another;
- a create whose answer was lost (timeout, 5xx) is never blindly repeated: the ticket
  system is asked for the correlation id first, and the ticket adopted if it was made.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime

from core.clock import Clock
from core.errors import InProgressError, UserError
from core.gateway import TicketGateway, keep_local
from core.i18n import N_, _
from core.lookup import is_own, kind_of_number, not_found
from core.models import Ticket, TicketKind, TicketRequest
from core.pending import PendingCreates
from core.repos.sync_state import Baselines
from core.servicenow.errors import (
    NotFoundError,
    ServiceNowError,
    UnavailableError,
    UnexpectedResponseError,
)
from core.servicenow.mapping import correlation_id
from core.servicenow.states import is_open
from core.storage import AuditLog, IdempotencyKeys, TicketStore
from core.ticket_errors import CreateInDoubt, UnrecordedTicket

__all__ = [
    "CreateInDoubt",
    "CreateOutcome",
    "TicketDetail",
    "TicketPage",
    "TicketService",
    "UnrecordedTicket",
]

log = logging.getLogger(__name__)

#: How long a finished request is remembered (a user may retry the next morning).
DONE_TTL = 24 * 3600
#: How long a claim blocks others: the retry budget and then some. A crash frees it soon.
CLAIM_TTL = 300
#: The outcome of a create is unknown (its answer was lost): check the ticket system first.
UNKNOWN = "?"
#: Comments shown on a ticket's card.
HISTORY = 5
_ALREADY = N_("this ticket was already submitted and is being created")
_ALREADY_HINT = N_(
    "Its card will appear in the channel (if ServiceNow's answer is lost, SnowOps keeps "
    "checking and says what it finds). Submitting again never makes a second ticket."
)
_RECOMMENDATION_ID = re.compile(r"^[A-Za-z0-9._~:-]{1,100}$")
_NUMBER = re.compile(r"^[A-Z]{2,5}\d{5,12}$")


@dataclass(frozen=True, slots=True)
class CreateOutcome:
    """Result of a create: the ticket, and whether this call created it."""

    ticket: Ticket
    created: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class TicketDetail:
    """A ticket as fresh as it could be read; ``note`` says when it could not."""

    ticket: Ticket
    note: str = ""


@dataclass(frozen=True, slots=True)
class TicketPage:
    """A page of tickets; ``note`` says when they could not be refreshed."""

    tickets: list[Ticket]
    more: bool
    note: str = ""


class TicketService:
    """Ticket use cases for every chat platform."""

    def __init__(
        self,
        gateway: TicketGateway,
        tickets: TicketStore,
        keys: IdempotencyKeys,
        baselines: Baselines,
        audit: AuditLog,
        clock: Clock,
        pending: PendingCreates | None = None,
    ) -> None:
        self._pending = pending
        #: Told who asked for each ticket made here (core.personal keeps it; never raises).
        self.created: Callable[[str, str, str], Awaitable[None]] | None = None
        #: Fits a request to the instance (the mapping: core.record_fit) before it is sent.
        self.fit: Callable[[TicketRequest], Awaitable[TicketRequest]] | None = None
        self._gateway = gateway
        self._tickets = tickets
        self._keys = keys
        self._baselines = baselines
        self._audit = audit
        self._clock = clock
        self._refreshed_at: dict[str, datetime] = {}

    # -- create --------------------------------------------------------------------------
    async def create(self, req: TicketRequest) -> CreateOutcome:
        """Create the ticket ``req`` asks for, unless a retry or a duplicate share."""
        if req.recommendation_id and not _RECOMMENDATION_ID.match(req.recommendation_id):
            raise UserError(
                _("{id} is not a recommendation id.", id=repr(req.recommendation_id[:60]))
            )
        if not req.idempotency_key:
            return await self._create(req, check_first=False)
        key = f"ticket:{req.workspace}:{req.idempotency_key}"
        prior = await self._keys.begin_idempotent(key, CLAIM_TTL)
        if prior == "":
            raise InProgressError(_(_ALREADY), hint=_(_ALREADY_HINT))
        if prior is not None and prior != UNKNOWN:
            ticket = await self._tickets.get_ticket(req.workspace, prior)
            if ticket is not None:
                return CreateOutcome(ticket, created=False, reason="retry")
        if prior is not None:
            # Reclaim a finished key whose ticket is gone, or one whose outcome is unknown.
            await self._keys.abort_idempotent(key)
            if await self._keys.begin_idempotent(key, CLAIM_TTL) is not None:
                raise InProgressError(_(_ALREADY), hint=_(_ALREADY_HINT))
        try:
            # Always look first: a store that lost this key (an outage, an expired claim)
            # must not turn a retry into a second ticket. The correlation id comes from the
            # key, so ServiceNow remembers what the store forgot.
            outcome = await self._create(req, check_first=True)
        except (UnavailableError, UnexpectedResponseError):
            # The create may have landed: the next try must look before it inserts.
            await self._keys.finish_idempotent(key, UNKNOWN, DONE_TTL)
            raise
        except UnrecordedTicket:
            raise  # the store is failing: releasing the claim would fail the same way
        except BaseException:
            await self._keys.abort_idempotent(key)
            raise
        await self._keys.finish_idempotent(key, outcome.ticket.number, DONE_TTL)
        return outcome

    async def _create(self, req: TicketRequest, *, check_first: bool) -> CreateOutcome:
        if req.recommendation_id:
            corr = correlation_id(req.workspace, f"rec:{req.recommendation_id}")
            lock = f"share:{corr}"
            if await self._keys.begin_idempotent(lock, CLAIM_TTL) is not None:
                raise InProgressError(_("this recommendation is being shared right now"))
            try:
                existing = await self._open_ticket_for(req.workspace, corr)
                if existing is not None:
                    return CreateOutcome(existing, created=False, reason="already tracked")
                return await self._insert(req, corr)
            finally:
                await self._keys.abort_idempotent(lock)
        corr = correlation_id(req.workspace, f"req:{req.idempotency_key or uuid.uuid4().hex}")
        if check_first:
            found = await self._adopt(req.workspace, corr, open_only=False)
            if found is not None:
                return CreateOutcome(found, created=False, reason="retry")
        return await self._insert(req, corr)

    async def _insert(self, req: TicketRequest, corr: str) -> CreateOutcome:
        if self.fit is not None:
            req = await self.fit(req)
        caller = await self._caller(req.workspace, req.requester.email)
        try:
            ticket = await self._gateway.create(req, corr, caller)
        except (UnavailableError, UnexpectedResponseError):
            # The answer was lost, not necessarily the ticket: ask before anyone retries.
            try:
                found = await self._gateway.find_by_correlation(
                    req.workspace, corr, open_only=False
                )
            except ServiceNowError:
                found = None
            if found is None:
                await self._in_doubt(req, corr)
                raise
            log.info("adopted %s after a lost create answer", found.number)
            ticket = found
        ticket = ticket_with_request(ticket, req)
        try:
            await self._tickets.save_ticket(ticket)
            await self._baselines.remember(ticket)
            await self._audit.audit(
                req.workspace,
                f"{req.requester.platform}:{req.requester.user_id}",
                "ticket.create",
                {"number": ticket.number, "kind": req.kind.value, "correlation_id": corr},
            )
        except Exception as exc:
            log.warning("%s created but not recorded: %s", ticket.number, type(exc).__name__)
            raise UnrecordedTicket(ticket) from exc
        log.info("created %s for %s", ticket.number, req.workspace)
        if self.created is not None:
            person = f"{req.requester.platform}:{req.requester.user_id}"
            await self.created(req.workspace, ticket.number, person)
        return CreateOutcome(ticket, created=True)

    async def _in_doubt(self, req: TicketRequest, corr: str) -> None:
        """Remember a create whose outcome is unknown, so it is settled and the person told
        (:mod:`core.pending`); raises :class:`CreateInDoubt` once it is remembered."""
        if self._pending is None:
            return
        try:
            await self._pending.add(req, corr, self._clock.now())
        except Exception:
            log.warning("create in doubt in %s could not be remembered", req.workspace)
            return
        raise CreateInDoubt(_("did not answer in time, and may have created the ticket"))

    async def _adopt(self, workspace: str, corr: str, *, open_only: bool) -> Ticket | None:
        """A ticket carrying ``corr`` in the ticket system, stored and baselined if found."""
        found = await self._gateway.find_by_correlation(workspace, corr, open_only=open_only)
        if found is None or (open_only and not is_open(found.kind, found.state)):
            return None
        await self._tickets.save_ticket(found)
        await self._baselines.remember(found, adopted=True)
        return found

    async def _open_ticket_for(self, workspace: str, corr: str) -> Ticket | None:
        """The open ticket carrying ``corr``: from the store (refreshed), else the system."""
        stored = await self._tickets.find_ticket_by_correlation(workspace, corr)
        if stored is not None:
            try:
                fresh = await self.refresh(stored)
            except NotFoundError:
                # Deleted in ServiceNow (or hidden from us): nothing left to point people
                # at, so the recommendation may be shared again.
                await self._tickets.save_ticket(replace(stored, active=False))
                return None
            return fresh if is_open(fresh.kind, fresh.state) and fresh.active else None
        return await self._adopt(workspace, corr, open_only=True)

    async def _caller(self, workspace: str, email: str | None) -> str | None:
        if not email:
            return None
        try:
            return await self._gateway.user_by_email(workspace, email)
        except ServiceNowError as exc:
            # Reading users may be forbidden; the ticket still gets created.
            log.info("caller lookup skipped for %s: %s", workspace, exc.message)
            return None

    # -- read ----------------------------------------------------------------------------
    async def refresh(self, ticket: Ticket) -> Ticket:
        """Re-read one ticket and store what changed."""
        fresh = await self._read(ticket)
        if fresh != ticket:
            await self._tickets.save_ticket(fresh)
        return fresh

    async def _read(self, ticket: Ticket) -> Ticket:
        fresh = await self._gateway.get(ticket.workspace, ticket.kind, ticket.sys_id)
        return keep_local(fresh, ticket)

    async def list_tickets(
        self,
        workspace: str,
        kind: TicketKind | None = None,
        *,
        open_only: bool = True,
        limit: int = 10,
        offset: int = 0,
        refresh: bool = True,
        max_age: float | None = None,
    ) -> TicketPage:
        """A page of tracked tickets, newest first, refreshed with one query per table.

        ``refresh=False`` answers from the store alone (fast enough for an ack);
        ``max_age`` skips the refresh when this workspace's tickets were refreshed that
        recently, so a busy channel does not hammer the ticket system. Without a usable
        connection the stored tickets are shown as they were last seen.
        """
        stored = await self._tickets.list_tickets(
            workspace, kind, active_only=open_only, limit=limit + 1, offset=offset
        )
        more, stored = len(stored) > limit, stored[:limit]
        note = ""
        if max_age is not None and not self.refresh_due(workspace, max_age):
            refresh = False
        shown = stored
        if refresh and stored:
            try:
                shown = await self._refresh_many(workspace, stored)
                self._refreshed_at[workspace] = self._clock.now()
            except ServiceNowError as exc:
                note = _("Not refreshed from ServiceNow: {reason}.", reason=exc.message)
        if open_only:
            shown = [t for t in shown if is_open(t.kind, t.state) and t.active]
        return TicketPage(shown, more, note)

    def refresh_due(self, workspace: str, max_age: float) -> bool:
        """True unless this workspace's tickets were refreshed less than ``max_age`` ago."""
        last = self._refreshed_at.get(workspace)
        return last is None or (self._clock.now() - last).total_seconds() >= max_age

    async def _refresh_many(self, workspace: str, tickets: list[Ticket]) -> list[Ticket]:
        by_id = {t.sys_id: t for t in tickets}
        for fresh in await self._gateway.get_many(workspace, tickets):
            base = by_id.get(fresh.sys_id)
            if base is None:
                continue
            fresh = keep_local(fresh, base)
            if fresh != base:
                await self._tickets.save_ticket(fresh)
            by_id[base.sys_id] = fresh
        return [by_id[t.sys_id] for t in tickets]

    async def get(self, workspace: str, number: str, *, any_ticket: bool = False) -> TicketDetail:
        """One ticket by number, fresh, with its newest comments: one of this workspace's,
        or (``any_ticket``) any the connection can read, which is shown but not tracked."""
        number = number.strip().upper()
        if not _NUMBER.match(number):
            raise UserError(
                _(
                    "{number} is not a ticket number: use INC0010001 or CHG0030001.",
                    number=repr(number[:40]),
                )
            )
        stored = await self._tickets.get_ticket(workspace, number)
        if stored is not None:
            try:
                ticket = await self._read(stored)
            except ServiceNowError as exc:
                return TicketDetail(
                    stored, _("Not refreshed from ServiceNow: {reason}.", reason=exc.message)
                )
        else:
            ticket = await self._find(workspace, number, any_ticket)
        note = ""
        try:
            comments = await self._gateway.recent_comments(workspace, ticket, HISTORY)
            ticket = replace(ticket, history=tuple(comments))
        except ServiceNowError as exc:
            note = _("History unavailable: {reason}", reason=exc.message)
        if ticket != stored and is_own(ticket, workspace):
            await self._tickets.save_ticket(ticket)
        return TicketDetail(ticket, note)

    async def _find(self, workspace: str, number: str, any_ticket: bool) -> Ticket:
        kind = kind_of_number(number) or TicketKind.INCIDENT
        found = await self._gateway.find_own(workspace, number)
        if found is None and any_ticket:
            found = await self._gateway.find_any(workspace, kind, number=number)
        if found is None:
            raise not_found(number, kind, any_ticket=any_ticket)
        return found


def ticket_with_request(ticket: Ticket, req: TicketRequest) -> Ticket:
    """A ticket carrying what only SnowOps knows (requester, source, category, origin)."""
    return replace(
        ticket,
        requested_by=req.requester.display_name or req.requester.user_id,
        recommendation_id=req.recommendation_id,
        category=req.category,
        source=req.source,
        origin=req.origin,
    )
