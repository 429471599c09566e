"""TicketService: create, list and get tickets; idempotent and duplicate-proof.

Three guards stop duplicates:
- an *idempotency key* (a Slack view id, a Teams activity id…) makes a retried or
  double-submitted request return the ticket the first one created;
- a *recommendation share* gets a deterministic ``correlation_id``, so while its ticket is
  open a second share returns that ticket instead of creating another;
- a create whose answer was lost (timeout, 5xx) is never blindly repeated: ServiceNow is
  asked for the correlation id first, and the ticket adopted if it was made after all.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime

from core.clock import Clock
from core.errors import UserError
from core.models import Ticket, TicketKind, TicketRequest
from core.ports import TicketSystem
from core.servicenow.errors import (
    NotConnectedError,
    NotFoundError,
    ServiceNowError,
    UnavailableError,
    UnexpectedResponseError,
)
from core.servicenow.mapping import (
    TICKET_FIELDS,
    correlation_id,
    correlation_prefix,
    format_sn_datetime,
    parse_sn_datetime,
    request_fields,
    ticket_from_record,
)
from core.servicenow.query import query_value
from core.servicenow.states import is_open
from core.store.port import Store
from core.sync import remember_baseline

__all__ = [
    "CreateOutcome",
    "HistoryEntry",
    "InProgressError",
    "TicketDetail",
    "TicketPage",
    "TicketService",
]

log = logging.getLogger(__name__)

#: How long a finished request is remembered (a user may retry the next morning).
DONE_TTL = 24 * 3600
#: How long a claim blocks others: the retry budget and then some. A crash frees it soon.
CLAIM_TTL = 300
#: The outcome of a create is unknown (its answer was lost): check ServiceNow first.
UNKNOWN = "?"
_ID_CHUNK = 100
_RECOMMENDATION_ID = re.compile(r"^[A-Za-z0-9._~:-]{1,100}$")
_NUMBER = re.compile(r"^[A-Z]{2,5}\d{5,12}$")


class InProgressError(Exception):
    """The same request is being handled right now (a double click)."""

    hint = "The first request is still being handled; its ticket will appear shortly."

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class CreateOutcome:
    """Result of a create: the ticket, and whether this call created it."""

    ticket: Ticket
    created: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One comment."""

    at: str
    author: str
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class TicketDetail:
    """A ticket with its recent history."""

    ticket: Ticket
    history: list[HistoryEntry] = field(default_factory=list)
    history_note: str = ""


@dataclass(frozen=True, slots=True)
class TicketPage:
    """A page of tickets; ``note`` says when they could not be refreshed."""

    tickets: list[Ticket]
    more: bool
    note: str = ""


class TicketService:
    """Ticket use cases for every chat platform."""

    def __init__(self, store: Store, system: TicketSystem, clock: Clock) -> None:
        self._store = store
        self._system = system
        self._clock = clock
        self._refreshed_at: dict[str, datetime] = {}

    async def _instance(self, workspace: str) -> str:
        conn = await self._store.get_connection(workspace)
        if conn is None:
            raise NotConnectedError("this workspace is not connected to ServiceNow")
        return conn.instance_url

    # -- create --------------------------------------------------------------------------
    async def create(self, req: TicketRequest) -> CreateOutcome:
        """Create the ticket ``req`` asks for, unless a retry or a duplicate share."""
        if req.recommendation_id and not _RECOMMENDATION_ID.match(req.recommendation_id):
            raise UserError(f"{req.recommendation_id[:60]!r} is not a recommendation id.")
        if not req.idempotency_key:
            return await self._create(req, check_first=False)
        key = f"ticket:{req.workspace}:{req.idempotency_key}"
        prior = await self._store.begin_idempotent(key, CLAIM_TTL)
        if prior == "":
            raise InProgressError("this ticket is already being created")
        if prior is not None and prior != UNKNOWN:
            ticket = await self._store.get_ticket(req.workspace, prior)
            if ticket is not None:
                return CreateOutcome(ticket, created=False, reason="retry")
        if prior is not None:
            # Reclaim a finished key whose ticket is gone, or one whose outcome is unknown.
            await self._store.abort_idempotent(key)
            if await self._store.begin_idempotent(key, CLAIM_TTL) is not None:
                raise InProgressError("this ticket is already being created")
        try:
            outcome = await self._create(req, check_first=prior == UNKNOWN)
        except (UnavailableError, UnexpectedResponseError):
            # The create may have landed: the next try must look before it inserts.
            await self._store.finish_idempotent(key, UNKNOWN, DONE_TTL)
            raise
        except BaseException:
            await self._store.abort_idempotent(key)
            raise
        await self._store.finish_idempotent(key, outcome.ticket.number, DONE_TTL)
        return outcome

    async def _create(self, req: TicketRequest, *, check_first: bool) -> CreateOutcome:
        instance = await self._instance(req.workspace)
        if req.recommendation_id:
            corr = correlation_id(req.workspace, f"rec:{req.recommendation_id}")
            lock = f"share:{corr}"
            if await self._store.begin_idempotent(lock, CLAIM_TTL) is not None:
                raise InProgressError("this recommendation is being shared right now")
            try:
                existing = await self._open_ticket_for(req.workspace, corr, instance)
                if existing is not None:
                    return CreateOutcome(existing, created=False, reason="already tracked")
                return await self._insert(req, corr, instance)
            finally:
                await self._store.abort_idempotent(lock)
        corr = correlation_id(req.workspace, f"req:{req.idempotency_key or uuid.uuid4().hex}")
        if check_first:
            found = await self._find_by_correlation(req.workspace, corr, instance, open_only=False)
            if found is not None:
                return CreateOutcome(found, created=False, reason="retry")
        return await self._insert(req, corr, instance)

    async def _insert(self, req: TicketRequest, corr: str, instance: str) -> CreateOutcome:
        caller = await self._user_sys_id(req.workspace, req.requester.email)
        fields = request_fields(req, corr, caller)
        try:
            record = await self._system.create(req.workspace, req.kind.table, fields)
        except (UnavailableError, UnexpectedResponseError):
            # The answer was lost, not necessarily the ticket: ask before anyone retries.
            try:
                found = await self._find_by_correlation(
                    req.workspace, corr, instance, open_only=False
                )
            except ServiceNowError:
                found = None
            if found is None:
                raise
            log.info("adopted %s after a lost create answer", found.number)
            ticket = found
        else:
            ticket = ticket_from_record(req.workspace, req.kind, instance, record, request=req)
        ticket = ticket_with_request(ticket, req)
        await self._store.save_ticket(ticket)
        await remember_baseline(self._store, ticket)
        await self._store.audit(
            req.workspace,
            f"{req.requester.platform}:{req.requester.user_id}",
            "ticket.create",
            {"number": ticket.number, "kind": req.kind.value, "correlation_id": corr},
        )
        log.info("created %s for %s", ticket.number, req.workspace)
        return CreateOutcome(ticket, created=True)

    async def _find_by_correlation(
        self, workspace: str, corr: str, instance: str, *, open_only: bool
    ) -> Ticket | None:
        """A ticket carrying ``corr`` in ServiceNow (one query per table), stored if found."""
        active = "^active=true" if open_only else ""
        for kind in TicketKind:
            records = await self._system.query(
                workspace,
                kind.table,
                f"correlation_id={query_value(corr)}{active}^ORDERBYDESCsys_created_on",
                fields=TICKET_FIELDS,
                max_records=1,
            )
            for record in records:
                ticket = ticket_from_record(workspace, kind, instance, record)
                if not open_only or is_open(kind, ticket.state):
                    await self._store.save_ticket(ticket)
                    await remember_baseline(self._store, ticket)
                    return ticket
        return None

    async def _open_ticket_for(self, workspace: str, corr: str, instance: str) -> Ticket | None:
        """The open ticket carrying ``corr``: from the store (refreshed), else ServiceNow."""
        stored = await self._store.find_ticket_by_correlation(workspace, corr)
        if stored is not None:
            try:
                fresh = await self.refresh(stored)
            except NotFoundError:
                fresh = stored
            return fresh if is_open(fresh.kind, fresh.state) and fresh.active else None
        return await self._find_by_correlation(workspace, corr, instance, open_only=True)

    async def _user_sys_id(self, workspace: str, email: str | None) -> str | None:
        if not email or "@" not in email or "^" in email or len(email) > 200:
            return None
        try:
            users = await self._system.query(
                workspace,
                "sys_user",
                f"email={email}^active=true",
                fields=["sys_id"],
                max_records=1,
            )
        except ServiceNowError as exc:
            # Reading sys_user may be forbidden; the ticket still gets created.
            log.info("caller lookup skipped for %s: %s", workspace, exc.message)
            return None
        return str(users[0]["sys_id"]) if users else None

    # -- read ----------------------------------------------------------------------------
    async def refresh(self, ticket: Ticket) -> Ticket:
        """Re-read one ticket from ServiceNow and store what changed."""
        instance = await self._instance(ticket.workspace)
        record = await self._system.get(
            ticket.workspace, ticket.kind.table, ticket.sys_id, fields=TICKET_FIELDS
        )
        fresh = ticket_from_record(ticket.workspace, ticket.kind, instance, record, base=ticket)
        if fresh != ticket:
            await self._store.save_ticket(fresh)
        return fresh

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
        recently, so a busy channel does not hammer ServiceNow. Without a usable connection
        the stored tickets are shown as they were last seen.
        """
        stored = await self._store.list_tickets(
            workspace, kind, active_only=open_only, limit=limit + 1, offset=offset
        )
        more, stored = len(stored) > limit, stored[:limit]
        note = ""
        now = self._clock.now()
        if max_age is not None and not self.refresh_due(workspace, max_age):
            refresh = False
        shown = stored
        if refresh:
            try:
                shown = await self._refresh_many(workspace, stored)
                self._refreshed_at[workspace] = now
            except ServiceNowError as exc:
                note = f"Not refreshed from ServiceNow: {exc.message}."
        if open_only:
            shown = [t for t in shown if is_open(t.kind, t.state) and t.active]
        return TicketPage(shown, more, note)

    def refresh_due(self, workspace: str, max_age: float) -> bool:
        """True unless this workspace's tickets were refreshed less than ``max_age`` ago."""
        last = self._refreshed_at.get(workspace)
        return last is None or (self._clock.now() - last).total_seconds() >= max_age

    async def _refresh_many(self, workspace: str, tickets: list[Ticket]) -> list[Ticket]:
        if not tickets:
            return tickets
        instance = await self._instance(workspace)
        by_id = {t.sys_id: t for t in tickets}
        for kind in TicketKind:
            ids = [t.sys_id for t in tickets if t.kind is kind]
            for start in range(0, len(ids), _ID_CHUNK):
                chunk = ",".join(query_value(i) for i in ids[start : start + _ID_CHUNK])
                records = await self._system.query(
                    workspace, kind.table, "sys_idIN" + chunk, fields=TICKET_FIELDS
                )
                for record in records:
                    base = by_id.get(str(record.get("sys_id")))
                    if base is None:
                        continue
                    fresh = ticket_from_record(workspace, kind, instance, record, base=base)
                    if fresh != base:
                        await self._store.save_ticket(fresh)
                    by_id[base.sys_id] = fresh
        return [by_id[t.sys_id] for t in tickets]

    async def get(self, workspace: str, number: str) -> TicketDetail:
        """One of this workspace's tickets by number, fresh, with its latest comments."""
        number = number.strip().upper()
        if not _NUMBER.match(number):
            raise UserError(
                f"{number[:40]!r} is not a ticket number: use INC0010001 or CHG0030001."
            )
        kind = TicketKind.CHANGE if number.startswith("CHG") else TicketKind.INCIDENT
        stored = await self._store.get_ticket(workspace, number)
        if stored is not None:
            try:
                ticket = await self.refresh(stored)
            except (NotConnectedError, ServiceNowError) as exc:
                return TicketDetail(stored, [], f"Not refreshed from ServiceNow: {exc.message}.")
        else:
            instance = await self._instance(workspace)
            # Only tickets SnowOps made for this workspace: not a window on the whole instance.
            prefix = correlation_prefix(workspace)
            records = await self._system.query(
                workspace,
                kind.table,
                f"number={number}^correlation_idSTARTSWITH{query_value(prefix)}",
                fields=TICKET_FIELDS,
                max_records=1,
            )
            if not records:
                raise NotFoundError(
                    f"SnowOps has no {kind.label.lower()} {number} in this workspace",
                    hint="Check the number; /snow tickets lists the ones made from here.",
                )
            ticket = ticket_from_record(workspace, kind, instance, records[0])
            await self._store.save_ticket(ticket)
        history, note = await self._history(ticket)
        return TicketDetail(ticket, history, note)

    async def _history(self, ticket: Ticket, limit: int = 5) -> tuple[list[HistoryEntry], str]:
        # Customer-visible comments only: work notes are internal to the service desk.
        try:
            rows = await self._system.query(
                ticket.workspace,
                "sys_journal_field",
                f"element_id={query_value(ticket.sys_id)}^element=comments"
                "^ORDERBYDESCsys_created_on",
                fields=["sys_created_on", "sys_created_by", "element", "value"],
                max_records=limit,
                page_size=limit,
            )
        except ServiceNowError as exc:
            return [], f"History unavailable: {exc.message}"
        entries = [
            HistoryEntry(
                at=_short_time(row.get("sys_created_on")),
                author=str(row.get("sys_created_by") or ""),
                kind="comment",
                text=str(row.get("value") or ""),
            )
            for row in rows
        ]
        return entries, ""


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


def _short_time(value: object) -> str:
    when = parse_sn_datetime(value)
    return format_sn_datetime(when)[:16] + " UTC" if when else ""
