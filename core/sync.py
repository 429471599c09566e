"""StatusSync: find what changed on a connection's tickets, as TicketEvents.

One cycle is one query per table, scoped by SnowOps's ``correlation_id`` prefix and a
``sys_updated_on`` watermark (minus a small overlap, so clock skew loses nothing), plus one
``sys_journal_field`` query for the comments of the tickets that changed: never a request
per ticket.

What users were last told about each ticket is a *baseline* kept apart from the ticket
itself (reads such as `/snow tickets` refresh the stored ticket, and must not swallow a
notification). Event ids are deterministic, so the same change seen twice (a poll and a
push, or an overlap) is one event.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
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
from core.store.port import Store

__all__ = ["BASELINE_NS", "StatusSync", "SyncResult", "remember_baseline"]

log = logging.getLogger(__name__)

BASELINE_NS = "sync_baseline"
WATERMARK_NS = "sync_watermark"
#: Re-read this much before the watermark: instance clocks and commit order can lag.
OVERLAP = timedelta(seconds=60)
#: Journal ids remembered per ticket to drop repeats from the overlap.
_SEEN_JOURNAL = 50


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What one cycle found."""

    events: list[TicketEvent]
    records: int


def _key(workspace: str, number: str) -> str:
    return f"{workspace}|{number}"


async def remember_baseline(store: Store, ticket: Ticket) -> None:
    """Record what users know of a ticket now (at creation, or when it is adopted)."""
    await store.put_document(
        BASELINE_NS,
        _key(ticket.workspace, ticket.number),
        {"state": ticket.state, "priority": ticket.priority, "mod_count": ticket.mod_count},
    )


class StatusSync:
    """Polls one connection's tickets and turns changes into events."""

    def __init__(self, store: Store, system: TicketSystem, clock: Clock) -> None:
        self._store = store
        self._system = system
        self._clock = clock

    async def cycle(self, workspace: str) -> SyncResult:
        """One poll of every table of ``workspace``; stores what changed and returns events."""
        conn = await self._store.get_connection(workspace)
        if conn is None:
            return SyncResult([], 0)
        events: list[TicketEvent] = []
        changed: list[tuple[Ticket, datetime | None]] = []
        seen = 0
        for kind in TicketKind:
            records, since = await self._changed_records(workspace, kind)
            seen += len(records)
            for record in records:
                result = await self._observe(workspace, kind, conn.instance_url, record)
                if result is not None:
                    ticket, new_events = result
                    events += new_events
                    changed.append((ticket, since))
        events += await self._comments(workspace, changed)
        return SyncResult(events, seen)

    async def _changed_records(
        self, workspace: str, kind: TicketKind
    ) -> tuple[list[dict[str, Any]], datetime | None]:
        mark_key = f"{workspace}|{kind.table}"
        mark = await self._store.get_document(WATERMARK_NS, mark_key)
        since = parse_sn_datetime(mark["at"]) if mark else None
        query = f"correlation_idSTARTSWITH{query_value(correlation_prefix(workspace))}"
        if since is not None:
            query += f"^sys_updated_on>={format_sn_datetime(since - OVERLAP)}"
        records = await self._system.query(
            workspace, kind.table, query + "^ORDERBYsys_updated_on", fields=TICKET_FIELDS
        )
        newest = max(
            (t for r in records if (t := parse_sn_datetime(r.get("sys_updated_on")))),
            default=None,
        )
        if newest is not None and (since is None or newest > since):
            await self._store.put_document(
                WATERMARK_NS, mark_key, {"at": format_sn_datetime(newest)}
            )
        return records, since

    async def _observe(
        self, workspace: str, kind: TicketKind, instance: str, record: dict[str, Any]
    ) -> tuple[Ticket, list[TicketEvent]] | None:
        number = str(record.get("number") or "")
        if not number:
            return None
        stored = await self._store.get_ticket(workspace, number)
        fresh = ticket_from_record(workspace, kind, instance, record, base=stored)
        if stored != fresh:
            await self._store.save_ticket(fresh)
        baseline = await self._store.get_document(BASELINE_NS, _key(workspace, number))
        if baseline is None:
            # First sight (made before sync ran, or elsewhere): nothing to announce yet.
            await remember_baseline(self._store, fresh)
            return None
        if fresh.mod_count <= int(baseline.get("mod_count", -1)):
            return None
        at = fresh.updated_at or self._clock.now()
        events = []
        for change, old, new in (
            ("state", str(baseline.get("state")), fresh.state),
            ("priority", str(baseline.get("priority")), str(fresh.priority)),
        ):
            if old != new:
                events.append(
                    TicketEvent(
                        event_id=f"{workspace}|{number}|{change}|{fresh.mod_count}",
                        workspace=workspace,
                        number=number,
                        kind=kind,
                        change=change,
                        old=old,
                        new=new,
                        at=at,
                    )
                )
        await self._store.put_document(
            BASELINE_NS,
            _key(workspace, number),
            {
                **baseline,
                "state": fresh.state,
                "priority": fresh.priority,
                "mod_count": fresh.mod_count,
            },
        )
        return fresh, events

    async def _comments(
        self, workspace: str, changed: list[tuple[Ticket, datetime | None]]
    ) -> list[TicketEvent]:
        """New comments of the tickets that changed: one journal query per cycle."""
        if not changed:
            return []
        by_sys_id = {t.sys_id: t for t, _ in changed}
        sinces = [s for _, s in changed if s is not None]
        query = "elementINcomments^element_idIN" + ",".join(query_value(i) for i in by_sys_id)
        if sinces and len(sinces) == len(changed):
            query += f"^sys_created_on>={format_sn_datetime(min(sinces) - OVERLAP)}"
        rows = await self._system.query(
            workspace,
            "sys_journal_field",
            query + "^ORDERBYsys_created_on",
            fields=["sys_id", "element_id", "value", "sys_created_by", "sys_created_on"],
        )
        events = []
        for row in rows:
            ticket = by_sys_id.get(str(row.get("element_id")))
            if ticket is None:
                continue
            key = _key(workspace, ticket.number)
            baseline = await self._store.get_document(BASELINE_NS, key) or {}
            seen = list(baseline.get("journal", []))
            journal_id = str(row.get("sys_id"))
            if journal_id in seen:
                continue
            created = parse_sn_datetime(row.get("sys_created_on"))
            seen = [*seen, journal_id][-_SEEN_JOURNAL:]
            await self._store.put_document(BASELINE_NS, key, {**baseline, "journal": seen})
            events.append(
                TicketEvent(
                    event_id=f"{workspace}|{ticket.number}|comment|{journal_id}",
                    workspace=workspace,
                    number=ticket.number,
                    kind=ticket.kind,
                    change="comment",
                    old=None,
                    new=str(row.get("value") or ""),
                    at=created or self._clock.now(),
                    author=str(row.get("sys_created_by") or ""),
                )
            )
        return events
