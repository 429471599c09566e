"""StatusSync: find what changed on a connection's tickets, as TicketEvents.

One cycle asks the ticket system for this workspace's tickets changed since a watermark
(less a small overlap, so clock skew loses nothing), every kind in one request where the
gateway can (``kind_groups``), and once for the comments of the tickets that moved: never
a request per ticket. Tickets pushed by ServiceNow's
business rule go through the same :meth:`StatusSync.apply`.

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
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from core.clock import Clock
from core.gateway import TicketGateway, keep_local
from core.models import Comment, Ticket, TicketEvent, TicketKind
from core.repos.sync_state import Baseline, Baselines, Watermarks
from core.servicenow.errors import KindsRefused
from core.storage import ConnectionStore, TicketStore
from core.sync_reads import OVERLAP, Guard, Turn, new_mark, reads_of
from core.tickets import HISTORY

__all__ = ["Emit", "Guard", "StatusSync", "SyncResult"]

log = logging.getLogger(__name__)

#: How far the stored watermark may lag this process's own while nothing is told: a quiet
#: poll writes nothing until then, and a restart re-reads at most this much more.
MARK_LAG = timedelta(minutes=5)
#: Tickets read per kind and cycle at most (the rest come in the next cycle).
MAX_RECORDS = 10_000
#: Tickets read and applied at a time.
PAGE = 500
#: Tickets whose handled mod_count is remembered in memory (an LRU bound).
_HANDLED_MAX = 200_000

Emit = Callable[[list[TicketEvent]], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What one cycle found: the events (already handed to ``emit``) and tickets read."""

    events: list[TicketEvent]
    records: int


@dataclass(slots=True)
class _Seen:
    """A ticket met in this cycle, with the baseline it will have once events are safe."""

    ticket: Ticket
    baseline: Baseline
    known: bool
    #: Modified since users were last told (its comments are worth a look).
    moved: bool = False
    #: The baseline must be written back.
    dirty: bool = False
    events: list[TicketEvent] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)


def _key(workspace: str, number: str) -> str:
    return f"{workspace}|{number}"


async def _discard(_: list[TicketEvent]) -> None:
    return None


class StatusSync:
    """Polls one connection's tickets (or takes pushed ones) and turns changes into
    events, handed to ``emit`` before anything is marked as told."""

    def __init__(
        self,
        gateway: TicketGateway,
        connections: ConnectionStore,
        tickets: TicketStore,
        baselines: Baselines,
        watermarks: Watermarks,
        clock: Clock,
        emit: Emit | None = None,
        *,
        page: int = PAGE,
    ) -> None:
        self._gateway = gateway
        self._page = page
        self._connections = connections
        self._tickets = tickets
        self._baselines = baselines
        self._watermarks = watermarks
        self._clock = clock
        self.emit: Emit = emit or _discard
        # (workspace|number) → the mod_count last fully handled here: the tickets the
        # watermark overlap brings back every cycle are skipped without a store read.
        self._handled: OrderedDict[str, int] = OrderedDict()
        # One observer at a time per workspace in this process (a push and the poll).
        self._locks: dict[str, asyncio.Lock] = {}
        # (workspace, kind) → (the connection it was read for, the stored watermark, this
        # process's watermark): quiet cycles neither read nor write the stored one.
        self._marks: dict[tuple[str, TicketKind], tuple[object, datetime | None, datetime | None]]
        self._marks = {}

    async def cycle(self, workspace: str, *, guard: Guard | None = None) -> SyncResult:
        """One poll of every kind of ``workspace``; ``guard`` runs before anything is
        marked as told."""
        conn = await self._connections.get_connection(workspace)
        if conn is None:
            return SyncResult([], 0)
        held = (conn.instance_url, conn.created_at)
        # Only the tables the instance has, grouped as one request may read them (a cached
        # answer: no request per cycle).
        groups = await self._gateway.kind_groups(workspace)
        marks = {kind: await self._mark(workspace, kind, held) for g in groups for kind in g}
        oldest = None if None in marks.values() else min(m for m in marks.values() if m)
        turn = Turn(workspace, oldest, guard)
        try:
            newest = await self._read_all(turn, groups, marks)
        except KindsRefused:
            # `task` refused after the probe said yes: the same reads, one table per kind
            # (what was applied already is applied again harmlessly, by its mod_count).
            newest = await self._read_all(turn, await self._gateway.kind_groups(workspace), marks)
        await self._apply_read(turn)
        if turn.guard is not None and not turn.guarded and newest:
            await turn.guard()  # nothing was written yet: the lease is checked before the marks
        for kind, mark in newest.items():
            # Only now: every change up to `mark` is in the outbox.
            await self._move_mark(workspace, kind, held, mark, told=bool(turn.events))
        return SyncResult(turn.events, turn.records)

    async def _read_all(
        self,
        turn: Turn,
        groups: tuple[tuple[TicketKind, ...], ...],
        marks: dict[TicketKind, datetime | None],
    ) -> dict[TicketKind, datetime]:
        """Read every group since its marks; the new watermark of each kind that moved."""
        newest: dict[TicketKind, datetime] = {}
        for kinds in reads_of(groups, marks):
            known = [m for m in (marks[k] for k in kinds) if m is not None]
            since = min(known) if len(known) == len(kinds) else None
            mark = await self._read_kinds(turn, kinds, since)
            for kind in kinds:
                ahead = marks[kind]
                if mark is not None and (ahead is None or mark > ahead):
                    newest[kind] = mark  # never back: kinds read together share the oldest
        return newest

    async def _apply_read(self, turn: Turn) -> None:
        """Apply the tickets read and not applied yet (the kinds together, so one comment
        query serves them)."""
        fresh, turn.pending = turn.pending, []
        turn.guarded = False
        if not fresh:
            return  # a quiet poll: nothing to compare, store or tell
        turn.events += await self.apply(turn.workspace, fresh, since=turn.oldest, guard=turn.check)

    async def _read_kinds(
        self, turn: Turn, kinds: tuple[TicketKind, ...], since: datetime | None
    ) -> datetime | None:
        """Read and apply changes of ``kinds`` (one request per page) since ``since``, page
        by page (a first cycle over many tickets never holds them all at once); returns
        their new watermark."""
        latest = answered = None
        offset, complete, cut = 0, False, False
        while not complete:
            changes = await self._gateway.changes(
                turn.workspace,
                kinds,
                since - OVERLAP if since else None,
                limit=min(self._page, MAX_RECORDS - offset),
                offset=offset,
            )
            turn.pending += changes.tickets
            if len(turn.pending) >= self._page:
                await self._apply_read(turn)
            offset += len(changes.tickets)
            cut = not changes.complete
            complete = changes.complete or not changes.tickets or offset >= MAX_RECORDS
            answered = answered or changes.server_time
            updated = [t.updated_at for t in changes.tickets if t.updated_at]
            latest = max([*updated, latest] if latest else updated, default=None)
        turn.records += offset
        return new_mark(since, latest, answered, not cut)

    async def _mark(self, workspace: str, kind: TicketKind, held: object) -> datetime | None:
        """The watermark: this process's own while it polls the same connection (the
        stored one lags it by less than the overlap), else the stored one."""
        known = self._marks.get((workspace, kind))
        if known is not None and known[0] == held:
            return known[2]
        stored = await self._watermarks.get(workspace, kind)
        self._marks[(workspace, kind)] = (held, stored, stored)
        return stored

    async def _move_mark(
        self, workspace: str, kind: TicketKind, held: object, mark: datetime, *, told: bool
    ) -> None:
        """Move the watermark. The store is written when something was told, or when it
        would fall :data:`MARK_LAG` behind: a quiet cycle (even one slowed to the push
        ceiling) writes nothing, and a restart (or another replica) re-reads at most that
        much more, which the baselines make harmless. The stored mark is never ahead of
        what is safe in the outbox."""
        known = self._marks.get((workspace, kind))
        stored = known[1] if known is not None and known[0] == held else None
        if told or stored is None or mark - stored >= MARK_LAG:
            await self._watermarks.put(workspace, kind, mark)
            stored = mark
        self._marks[(workspace, kind)] = (held, stored, mark)

    async def apply(
        self,
        workspace: str,
        fresh: Sequence[Ticket],
        *,
        since: datetime | None = None,
        comments: Sequence[Comment] | None = None,
        guard: Guard | None = None,
    ) -> list[TicketEvent]:
        """Turn fresh tickets (and their comments when given; otherwise one request finds
        them) into events: emitted first, then remembered as told."""
        async with self._locks.setdefault(workspace, asyncio.Lock()):
            return await self._apply(workspace, fresh, since, comments, guard)

    async def _apply(
        self,
        workspace: str,
        fresh: Sequence[Ticket],
        since: datetime | None,
        comments: Sequence[Comment] | None,
        guard: Guard | None,
    ) -> list[TicketEvent]:
        seen = await self._observe_page(workspace, fresh)
        if not seen:
            return []  # every ticket was handled here at this version already
        if comments is None:
            # A new comment modifies its ticket: only tickets that moved can have one.
            moved = [s.ticket for s in seen if s.moved]
            comments = await self._gateway.comments_since(
                workspace, moved, since - OVERLAP if since else None
            )
        self._comment_events(workspace, seen, comments)
        for s in seen:
            if s.comments:
                # Before the events go out: a card updated for a comment shows it.
                await self._keep_comments(workspace, s)
        events = [e for s in seen for e in s.events]
        if events:
            await self.emit(events)
        if guard is not None and (events or any(s.dirty for s in seen)):
            await guard()  # before anything is marked as told
        await self._settle(workspace, seen)
        while len(self._handled) > _HANDLED_MAX:
            self._handled.popitem(last=False)
        return events

    async def _keep_comments(self, workspace: str, s: _Seen) -> None:
        """Put a ticket's new comments first in its stored history (never over a newer
        version of the ticket that someone else stored meanwhile)."""
        stored = await self._tickets.get_ticket(workspace, s.ticket.number)
        base = s.ticket if stored is None or stored.mod_count <= s.ticket.mod_count else stored
        new = {c.id for c in s.comments}
        older = tuple(c for c in base.history if c.id not in new)
        await self._tickets.save_ticket(
            replace(base, history=(*reversed(s.comments), *older)[:HISTORY])
        )

    async def _settle(self, workspace: str, seen: list[_Seen]) -> None:
        """Remember what users were told (never going back): one read and one write for
        the whole page."""
        dirty = [s for s in seen if s.dirty]
        current = await self._baselines.get_many(workspace, [s.ticket.number for s in dirty])
        kept: dict[str, Baseline] = {}
        behind: set[int] = set()
        for s in dirty:
            newest = kept.get(s.ticket.number) or current.get(s.ticket.number)
            if newest is not None and newest.mod_count > s.ticket.mod_count:
                behind.add(id(s))  # a newer observation was recorded meanwhile
            else:
                kept[s.ticket.number] = s.baseline
        await self._baselines.put_many(workspace, kept)
        for s in seen:
            if id(s) not in behind:
                key = _key(workspace, s.ticket.number)
                self._handled[key] = s.ticket.mod_count
                self._handled.move_to_end(key)

    async def _observe_page(self, workspace: str, fresh: Sequence[Ticket]) -> list[_Seen]:
        """Store a page of fresh tickets and compare them with their baselines: one read
        of the stored tickets, one write of those that changed, one read of baselines."""
        # Back in the overlap, unchanged since handled here: skipped without a store read.
        newest: dict[str, Ticket] = {}
        for t in fresh:
            if t.number and self._handled.get(_key(workspace, t.number)) != t.mod_count:
                if t.number not in newest or t.mod_count >= newest[t.number].mod_count:
                    # Read twice (pages moved under the read): its newest version counts.
                    newest[t.number] = t
        if not newest:
            return []
        stored = await self._tickets.get_tickets(workspace, list(newest))
        merged = [(keep_local(t, stored.get(n)), stored.get(n)) for n, t in newest.items()]
        await self._tickets.save_tickets(
            [n for n, o in merged if o is None or (o != n and n.mod_count >= o.mod_count)]
        )
        told = await self._baselines.get_many(workspace, list(newest))
        return [self._observe(workspace, new, told.get(new.number)) for new, _ in merged]

    def _observe(self, workspace: str, fresh: Ticket, baseline: Baseline | None) -> _Seen:
        """What users are to be told of ``fresh`` (stored already) since ``baseline``."""
        ticket = fresh
        if baseline is None:
            # First sight (made before sync ran, or elsewhere): nothing to announce yet.
            first = Baseline.of(fresh, first_seen=fresh.updated_at)
            return _Seen(fresh, first, known=False, dirty=True)
        item = _Seen(fresh, baseline, known=True)
        if fresh.mod_count <= baseline.mod_count:
            return item  # seen again in the overlap, or told already by a push
        item.moved = item.dirty = True
        told = baseline.mod_count
        at = fresh.updated_at or self._clock.now()
        for change, old, new in (
            ("state", baseline.state, fresh.state),
            ("priority", str(baseline.priority), str(fresh.priority)),
        ):
            if old != new:
                item.events.append(
                    TicketEvent(
                        # Keyed by what users were told and what is true now, not by the
                        # version that showed it: two observers that raced from the same
                        # baseline (a push and a poll, two pushes) make one event.
                        event_id=f"{workspace}|{ticket.number}|{change}|{told}|{new}",
                        workspace=workspace,
                        number=ticket.number,
                        kind=ticket.kind,
                        change=change,
                        old=old,
                        new=new,
                        at=at,
                    )
                )
        item.baseline = Baseline.of(fresh, baseline.journal, baseline.first_seen)
        return item

    def _comment_events(
        self, workspace: str, seen: list[_Seen], comments: Sequence[Comment]
    ) -> None:
        by_sys_id = {s.ticket.sys_id: s for s in seen}
        for comment in comments:
            item = by_sys_id.get(comment.ticket_sys_id)
            if item is None or not item.baseline.remember_comment(comment.id):
                continue
            item.dirty = True
            item.comments.append(comment)
            if not item.known or item.baseline.predates(comment):
                continue  # older than SnowOps's knowledge of the ticket: remembered, not news
            ticket = item.ticket
            item.events.append(
                TicketEvent(
                    event_id=f"{workspace}|{ticket.number}|comment|{comment.id}",
                    workspace=workspace,
                    number=ticket.number,
                    kind=ticket.kind,
                    change="comment",
                    old=None,
                    new=comment.text,
                    at=comment.at or self._clock.now(),
                    author=comment.author,
                )
            )
