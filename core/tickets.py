"""TicketService: create, list and get tickets; idempotent and duplicate-proof.

Two guards stop duplicates:
- an *idempotency key* (a Slack view id, a Teams activity id…) makes a retried or
  double-submitted request return the ticket the first one created;
- a *recommendation share* gets a deterministic ``correlation_id``, so while its ticket is
  open a second share returns that ticket instead of creating another.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, field

from core.clock import Clock
from core.models import Ticket, TicketKind, TicketRequest
from core.ports import TicketSystem
from core.servicenow.errors import NotFoundError, ServiceNowError
from core.servicenow.mapping import (
    TICKET_FIELDS,
    correlation_id,
    format_sn_datetime,
    parse_sn_datetime,
    request_fields,
    ticket_from_record,
)
from core.servicenow.states import is_open
from core.store.port import Store

__all__ = ["CreateOutcome", "HistoryEntry", "InProgressError", "TicketDetail", "TicketService"]

log = logging.getLogger(__name__)

IDEMPOTENCY_TTL = 24 * 3600
_SAFE_QUERY_VALUE = re.compile(r"^[^\^\n\r]{1,200}$")


class InProgressError(ServiceNowError):
    """The same request is being handled right now (a double click)."""

    default_hint = "The first request is still being created; it will appear shortly."


@dataclass(frozen=True, slots=True)
class CreateOutcome:
    """Result of a create: the ticket, and whether this call created it."""

    ticket: Ticket
    created: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One comment or work note."""

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


def _safe(value: str) -> bool:
    # Values go into encoded queries: a caret would start a new condition.
    return bool(_SAFE_QUERY_VALUE.match(value))


class TicketService:
    """Ticket use cases for every chat platform."""

    def __init__(self, store: Store, system: TicketSystem, clock: Clock) -> None:
        self._store = store
        self._system = system
        self._clock = clock

    async def _instance(self, workspace: str) -> str:
        conn = await self._store.get_connection(workspace)
        if conn is None:
            raise NotFoundError(
                "this workspace is not connected to ServiceNow",
                hint="An admin can connect it with `/snow connect <instance>`.",
            )
        return conn.instance_url

    async def create(self, req: TicketRequest) -> CreateOutcome:
        """Create the ticket ``req`` asks for, unless a retry or a duplicate share."""
        idem = f"ticket:{req.workspace}:{req.idempotency_key}" if req.idempotency_key else None
        if idem:
            prior = await self._store.begin_idempotent(idem, IDEMPOTENCY_TTL)
            if prior == "":
                raise InProgressError("this ticket is already being created")
            if prior is not None:
                ticket = await self._store.get_ticket(req.workspace, prior)
                if ticket is not None:
                    return CreateOutcome(ticket, created=False, reason="retry")
                await self._store.abort_idempotent(idem)
                await self._store.begin_idempotent(idem, IDEMPOTENCY_TTL)
        try:
            outcome = await self._create(req)
        except BaseException:
            if idem:
                await self._store.abort_idempotent(idem)
            raise
        if idem:
            await self._store.finish_idempotent(idem, outcome.ticket.number, IDEMPOTENCY_TTL)
        return outcome

    async def _create(self, req: TicketRequest) -> CreateOutcome:
        instance = await self._instance(req.workspace)
        if req.recommendation_id:
            corr = correlation_id(req.workspace, f"rec:{req.recommendation_id}")
            lock = f"share:{corr}"
            if await self._store.begin_idempotent(lock, 120) is not None:
                raise InProgressError("this recommendation is being shared right now")
            try:
                existing = await self._open_ticket_for(req.workspace, corr, instance)
                if existing is not None:
                    return CreateOutcome(existing, created=False, reason="already tracked")
                return await self._insert(req, corr, instance)
            finally:
                await self._store.abort_idempotent(lock)
        key = req.idempotency_key or uuid.uuid4().hex
        return await self._insert(req, correlation_id(req.workspace, f"req:{key}"), instance)

    async def _insert(self, req: TicketRequest, corr: str, instance: str) -> CreateOutcome:
        caller = await self._user_sys_id(req.workspace, req.requester.email)
        fields = request_fields(req, corr, caller)
        record = await self._system.create(req.workspace, req.kind.table, fields)
        ticket = ticket_from_record(req.workspace, req.kind, instance, record, request=req)
        await self._store.save_ticket(ticket)
        await self._store.audit(
            req.workspace,
            f"{req.requester.platform}:{req.requester.user_id}",
            "ticket.create",
            {"number": ticket.number, "kind": req.kind.value, "correlation_id": corr},
        )
        log.info("created %s for %s", ticket.number, req.workspace)
        return CreateOutcome(ticket, created=True)

    async def _open_ticket_for(self, workspace: str, corr: str, instance: str) -> Ticket | None:
        """The open ticket carrying ``corr``: from the store (refreshed), else ServiceNow."""
        stored = await self._store.find_ticket_by_correlation(workspace, corr)
        if stored is not None:
            try:
                fresh = await self.refresh(stored)
            except NotFoundError:
                fresh = stored
            if is_open(fresh.kind, fresh.state) and fresh.active:
                return fresh
            return None
        for kind in TicketKind:
            records = await self._system.query(
                workspace,
                kind.table,
                f"correlation_id={corr}^active=true^ORDERBYDESCsys_created_on",
                fields=TICKET_FIELDS,
                max_records=1,
            )
            for record in records:
                ticket = ticket_from_record(workspace, kind, instance, record)
                if is_open(kind, ticket.state):
                    await self._store.save_ticket(ticket)
                    return ticket
        return None

    async def _user_sys_id(self, workspace: str, email: str | None) -> str | None:
        if not email or not _safe(email) or "@" not in email:
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
    ) -> list[Ticket]:
        """Tracked tickets, newest first, refreshed with one query per table."""
        stored = await self._store.list_tickets(
            workspace, kind, active_only=False, limit=500, offset=0
        )
        refreshed = await self._refresh_many(workspace, stored)
        shown = [t for t in refreshed if not open_only or (is_open(t.kind, t.state) and t.active)]
        return shown[offset : offset + limit]

    async def _refresh_many(self, workspace: str, tickets: list[Ticket]) -> list[Ticket]:
        if not tickets:
            return tickets
        instance = await self._instance(workspace)
        by_id = {t.sys_id: t for t in tickets}
        for kind in TicketKind:
            ids = [t.sys_id for t in tickets if t.kind is kind]
            if not ids:
                continue
            records = await self._system.query(
                workspace, kind.table, "sys_idIN" + ",".join(ids), fields=TICKET_FIELDS
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
        """One ticket by number, fresh from ServiceNow, with its latest comments."""
        number = number.strip().upper()
        if not _safe(number):
            raise NotFoundError(f"{number[:40]!r} is not a ticket number")
        kind = TicketKind.CHANGE if number.startswith("CHG") else TicketKind.INCIDENT
        stored = await self._store.get_ticket(workspace, number)
        if stored is not None:
            ticket = await self.refresh(stored)
        else:
            instance = await self._instance(workspace)
            records = await self._system.query(
                workspace, kind.table, f"number={number}", fields=TICKET_FIELDS, max_records=1
            )
            if not records:
                raise NotFoundError(
                    f"there is no {kind.label.lower()} {number} in ServiceNow",
                    hint="Check the number; /snow tickets lists the ones SnowOps created.",
                )
            ticket = ticket_from_record(workspace, kind, instance, records[0])
        history, note = await self._history(ticket)
        return TicketDetail(ticket, history, note)

    async def _history(self, ticket: Ticket, limit: int = 5) -> tuple[list[HistoryEntry], str]:
        try:
            rows = await self._system.query(
                ticket.workspace,
                "sys_journal_field",
                f"element_id={ticket.sys_id}^elementINcomments,work_notes"
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
                kind="work note" if row.get("element") == "work_notes" else "comment",
                text=str(row.get("value") or ""),
            )
            for row in rows
        ]
        return entries, ""

    async def add_comment(self, workspace: str, number: str, text: str) -> Ticket:
        """Append a comment to a tracked ticket."""
        ticket = await self._store.get_ticket(workspace, number)
        if ticket is None:
            raise NotFoundError(f"SnowOps does not track {number}")
        await self._system.patch(workspace, ticket.kind.table, ticket.sys_id, {"comments": text})
        return await self.refresh(ticket)


def _short_time(value: object) -> str:
    when = parse_sn_datetime(value)
    return format_sn_datetime(when)[:16] + " UTC" if when else ""
