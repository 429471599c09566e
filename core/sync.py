"""StatusSync: find what changed on a connection's tickets, as TicketEvents.

One cycle is one query per table, scoped by SnowOps's ``correlation_id`` prefix and a
``sys_updated_on`` watermark (minus a small overlap, so clock skew loses nothing), plus one
``sys_journal_field`` query for the comments of the tickets it saw: never a request per
ticket. Records pushed by ServiceNow's business rule go through the same :meth:`apply`.

What users were last told about each ticket is a *baseline* kept apart from the ticket
itself (reads such as `/snow tickets` refresh the stored ticket, and must not swallow a
notification). Events are handed to ``emit`` (the Notifier's durable outbox) *before* the
baselines and the watermark move, so a crash in between repeats a change instead of losing
it; event ids are deterministic, so a change seen twice (a poll and a push, an overlap, a
repeat after a crash) is one event.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.clock import Clock
from core.models import Ticket, TicketEvent, TicketKind
from core.ports import TicketSystem
from core.servicenow.mapping import (
    TICKET_FIELDS,
    correlation_prefix,
    format_sn_datetime,
    parse_sn_datetime,
    ticket_from_record,
)
from core.servicenow.query import query_value
from core.store.port import Doc, Store

__all__ = [
    "BASELINE_NS",
    "JOURNAL_FIELDS",
    "Emit",
    "Guard",
    "StatusSync",
    "SyncResult",
    "remember_baseline",
]

log = logging.getLogger(__name__)

BASELINE_NS = "sync_baseline"
WATERMARK_NS = "sync_watermark"
#: Re-read this much before the watermark: instance clocks and commit order can lag.
OVERLAP = timedelta(seconds=60)
#: Journal ids remembered per ticket to drop repeats from the overlap.
_SEEN_JOURNAL = 50
#: Records read per table and cycle at most (the rest come in the next cycle).
_MAX_RECORDS = 10_000
#: Tickets whose handled mod_count is remembered in memory (an LRU bound).
_HANDLED_MAX = 200_000
JOURNAL_FIELDS = ["sys_id", "element_id", "value", "sys_created_by", "sys_created_on"]

Emit = Callable[[list[TicketEvent]], Awaitable[object]]
#: Raises when this poller may no longer write (its lease moved to another replica).
Guard = Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What one cycle found: the events (already handed to ``emit``) and records read."""

    events: list[TicketEvent]
    records: int


@dataclass(slots=True)
class _Seen:
    """A ticket met in this cycle, with the baseline it will have once events are safe."""

    ticket: Ticket
    baseline: Doc
    known: bool
    #: Modified since users were last told (its comments are worth a look).
    moved: bool = False
    #: The baseline must be written back.
    dirty: bool = False
    events: list[TicketEvent] = field(default_factory=list)


def _key(workspace: str, number: str) -> str:
    return f"{workspace}|{number}"


def _mod_count(record: dict[str, Any]) -> int:
    raw = str(record.get("sys_mod_count") or "0")
    return int(raw) if raw.isdigit() else -1


async def remember_baseline(store: Store, ticket: Ticket) -> None:
    """Record what users know of a ticket now (at creation, or when it is adopted)."""
    key = _key(ticket.workspace, ticket.number)
    old = await store.get_document(BASELINE_NS, key) or {}
    await store.put_document(
        BASELINE_NS,
        key,
        {**old, "state": ticket.state, "priority": ticket.priority, "mod_count": ticket.mod_count},
    )


async def _discard(_: list[TicketEvent]) -> None:
    return None


class StatusSync:
    """Polls one connection's tickets (or takes pushed records) and turns changes into
    events, handed to ``emit`` before anything is marked as told."""

    def __init__(
        self, store: Store, system: TicketSystem, clock: Clock, emit: Emit | None = None
    ) -> None:
        self._store = store
        self._system = system
        self._clock = clock
        self.emit: Emit = emit or _discard
        # (workspace|number) → the mod_count last fully handled here: the records the
        # watermark overlap brings back every cycle are skipped without a store read.
        self._handled: OrderedDict[str, int] = OrderedDict()
        # One observer at a time per workspace in this process (a push and the poll).
        self._locks: dict[str, asyncio.Lock] = {}

    async def cycle(self, workspace: str, *, guard: Guard | None = None) -> SyncResult:
        """One poll of every table of ``workspace``; ``guard`` runs before anything is
        marked as told."""
        conn = await self._store.get_connection(workspace)
        if conn is None:
            return SyncResult([], 0)
        batches: list[tuple[TicketKind, list[dict[str, Any]]]] = []
        marks: dict[str, datetime | None] = {}
        floors: dict[str, datetime | None] = {}
        for kind in TicketKind:
            mark = await self._store.get_document(WATERMARK_NS, f"{workspace}|{kind.table}")
            since = marks[kind.table] = parse_sn_datetime(mark["at"]) if mark else None
            query = f"correlation_idSTARTSWITH{query_value(correlation_prefix(workspace))}"
            if since is not None:
                query += f"^sys_updated_on>={format_sn_datetime(since - OVERLAP)}"
            rows, answered = await self._system.query_timed(
                workspace,
                kind.table,
                query + "^ORDERBYsys_updated_on",
                fields=TICKET_FIELDS,
                max_records=_MAX_RECORDS,
            )
            batches.append((kind, rows))
            # A cut-off answer has more to read after its newest row: no floor then.
            full = answered is not None and len(rows) < _MAX_RECORDS
            floors[kind.table] = answered - OVERLAP if full and answered else None
        oldest = None if None in marks.values() else min(m for m in marks.values() if m)
        events = await self.apply(workspace, conn.instance_url, batches, since=oldest, guard=guard)
        for kind, rows in batches:
            since = marks[kind.table]
            # The newest change seen; or, when the table is quiet, the instance's own clock
            # less the overlap, so a burst of old changes does not stay in every query.
            newest = max(
                (t for r in rows if (t := parse_sn_datetime(r.get("sys_updated_on")))),
                default=None,
            )
            floor = floors[kind.table]
            if since is not None and floor is not None and (newest is None or floor > newest):
                newest = floor
            if newest is not None and (since is None or newest > since):
                # Only now: every change up to `newest` is in the outbox.
                await self._store.put_document(
                    WATERMARK_NS, f"{workspace}|{kind.table}", {"at": format_sn_datetime(newest)}
                )
        return SyncResult(events, sum(len(rows) for _, rows in batches))

    async def apply(
        self,
        workspace: str,
        instance: str,
        batches: Sequence[tuple[TicketKind, Sequence[dict[str, Any]]]],
        *,
        since: datetime | None = None,
        comments: Sequence[dict[str, Any]] | None = None,
        guard: Guard | None = None,
    ) -> list[TicketEvent]:
        """Turn fresh records (and their journal rows when given; otherwise one journal
        query finds them) into events: emitted first, then remembered as told."""
        async with self._locks.setdefault(workspace, asyncio.Lock()):
            return await self._apply(workspace, instance, batches, since, comments, guard)

    async def _apply(
        self,
        workspace: str,
        instance: str,
        batches: Sequence[tuple[TicketKind, Sequence[dict[str, Any]]]],
        since: datetime | None,
        comments: Sequence[dict[str, Any]] | None,
        guard: Guard | None,
    ) -> list[TicketEvent]:
        seen: list[_Seen] = []
        for kind, records in batches:
            for record in records:
                item = await self._observe(workspace, kind, instance, record)
                if item is not None:
                    seen.append(item)
        if comments is None:
            # A new comment modifies its ticket: only tickets that moved can have one.
            comments = await self._journal(workspace, [s for s in seen if s.moved], since)
        self._comment_events(workspace, seen, comments)
        events = [e for s in seen for e in s.events]
        if events:
            await self.emit(events)
        if guard is not None:
            await guard()
        for s in seen:
            key = _key(workspace, s.ticket.number)
            if s.dirty:
                current = await self._store.get_document(BASELINE_NS, key)
                if current is not None and int(current.get("mod_count", -1)) > s.ticket.mod_count:
                    continue  # a newer observation was recorded meanwhile: never go back
                await self._store.put_document(BASELINE_NS, key, s.baseline)
            self._handled[key] = s.ticket.mod_count
            self._handled.move_to_end(key)
        while len(self._handled) > _HANDLED_MAX:
            self._handled.popitem(last=False)
        return events

    async def _observe(
        self, workspace: str, kind: TicketKind, instance: str, record: dict[str, Any]
    ) -> _Seen | None:
        number = str(record.get("number") or "")
        if not number:
            return None
        if self._handled.get(_key(workspace, number)) == _mod_count(record):
            return None  # back in the overlap, unchanged since it was handled
        stored = await self._store.get_ticket(workspace, number)
        fresh = ticket_from_record(workspace, kind, instance, record, base=stored)
        if stored is None or (stored != fresh and fresh.mod_count >= stored.mod_count):
            await self._store.save_ticket(fresh)
        baseline = await self._store.get_document(BASELINE_NS, _key(workspace, number))
        now = {"state": fresh.state, "priority": fresh.priority, "mod_count": fresh.mod_count}
        if baseline is None:
            # First sight (made before sync ran, or elsewhere): nothing to announce yet.
            return _Seen(fresh, now, known=False, dirty=True)
        item = _Seen(fresh, dict(baseline), known=True)
        if fresh.mod_count <= int(baseline.get("mod_count", -1)):
            return item  # seen again in the overlap, or told already by a push
        item.moved = item.dirty = True
        at = fresh.updated_at or self._clock.now()
        told = int(baseline.get("mod_count", -1))
        for change, old, new in (
            ("state", str(baseline.get("state")), fresh.state),
            ("priority", str(baseline.get("priority")), str(fresh.priority)),
        ):
            if old != new:
                item.events.append(
                    TicketEvent(
                        # Keyed by what users were told and what is true now, not by the
                        # version that showed it: two observers that raced from the same
                        # baseline (a push and a poll, two pushes) make one event.
                        event_id=f"{workspace}|{number}|{change}|{told}|{new}",
                        workspace=workspace,
                        number=number,
                        kind=kind,
                        change=change,
                        old=old,
                        new=new,
                        at=at,
                    )
                )
        item.baseline.update(now)
        return item

    async def _journal(
        self, workspace: str, known: list[_Seen], since: datetime | None
    ) -> list[dict[str, Any]]:
        """Comments of the tickets seen: one journal query per cycle."""
        if not known:
            return []
        ids = ",".join(query_value(s.ticket.sys_id) for s in known)
        query = f"elementINcomments^element_idIN{ids}"
        if since is not None:
            query += f"^sys_created_on>={format_sn_datetime(since - OVERLAP)}"
        return await self._system.query(
            workspace, "sys_journal_field", query + "^ORDERBYsys_created_on", fields=JOURNAL_FIELDS
        )

    def _comment_events(
        self, workspace: str, seen: list[_Seen], rows: Sequence[dict[str, Any]]
    ) -> None:
        by_sys_id = {s.ticket.sys_id: s for s in seen}
        for row in rows:
            item = by_sys_id.get(str(row.get("element_id")))
            if item is None or str(row.get("element") or "comments") != "comments":
                continue
            journal: list[str] = list(item.baseline.get("journal", []))
            journal_id = str(row.get("sys_id"))
            if journal_id in journal:
                continue
            item.baseline["journal"] = [*journal, journal_id][-_SEEN_JOURNAL:]
            item.dirty = True
            if not item.known:
                continue  # older than SnowOps's knowledge of the ticket: remembered, not news
            ticket = item.ticket
            item.events.append(
                TicketEvent(
                    event_id=f"{workspace}|{ticket.number}|comment|{journal_id}",
                    workspace=workspace,
                    number=ticket.number,
                    kind=ticket.kind,
                    change="comment",
                    old=None,
                    new=str(row.get("value") or ""),
                    at=parse_sn_datetime(row.get("sys_created_on")) or self._clock.now(),
                    author=str(row.get("sys_created_by") or ""),
                )
            )
