"""StatusSync: find what changed on a connection's tickets, as TicketEvents.

One cycle asks the ticket system for this workspace's tickets changed since a watermark
(less a small overlap, so clock skew loses nothing), every kind in one request where the
gateway can (``kind_groups``), and once for the comments of the tickets that moved: never
a request per ticket. Tickets pushed by ServiceNow's business rule go through the same
:meth:`StatusSync.apply`, which applies them in batches with other connections' (group
commit, :mod:`core.sync_apply`).

What users were last told about each ticket is a *baseline* kept apart from the ticket
itself (reads such as `/snow tickets` refresh the stored ticket, and must not swallow a
notification). Events are handed to ``emit`` (the Notifier's durable outbox) *before* the
baselines and the watermark move, so a crash in between repeats a change instead of losing
it; event ids are deterministic, so a change seen twice (a poll and a push, an overlap, a
repeat after a crash) is one event.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from core.clock import Clock
from core.coalesce import Coalesced
from core.gateway import Known, TicketGateway
from core.models import Comment, Ticket, TicketEvent, TicketKind
from core.repos.sync_state import Baselines, Watermarks
from core.servicenow.errors import KindsRefused
from core.storage import ConnectionStore, TicketStore
from core.sync_apply import Applier, Emit
from core.sync_reads import OVERLAP, Guard, Turn, new_mark, reads_of

__all__ = ["After", "Emit", "Guard", "StatusSync", "SyncResult"]

log = logging.getLogger(__name__)

#: What :attr:`StatusSync.after` is: events, and their tickets as the apply stored them.
After = Callable[[list[TicketEvent], Mapping[tuple[str, str], Ticket]], Awaitable[object]]

#: How far the stored watermark may lag this process's own: a poll writes it only then (a
#: write per poll was a third of a busy cycle's commits), and a restart re-reads at most
#: this much more.
MARK_LAG = timedelta(minutes=5)
#: Tickets read per kind and cycle at most (the rest come in the next cycle).
MAX_RECORDS = 10_000
#: Tickets read and applied at a time.
PAGE = 500


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What one cycle found: the events (already handed to ``emit``) and tickets read."""

    events: list[TicketEvent]
    records: int


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
        self._watermarks = watermarks
        self.emit: Emit = emit or _discard
        self._after_joined: Coalesced | None = None
        #: Poll reads waiting for their answer (a batch about to start waits for them).
        self._reading = 0
        self._applier = Applier(
            gateway, tickets, baselines, clock, self._emit, busy=lambda: self._reading > 0
        )
        # (workspace, kind) → (the connection it was read for, the stored watermark, this
        # process's watermark): quiet cycles neither read nor write the stored one.
        self._marks: dict[tuple[str, TicketKind], tuple[object, datetime | None, datetime | None]]
        self._marks = {}

    @property
    def after(self) -> After | None:
        """Told of each apply's events once they are safe, outside the batch that made
        them, with their tickets as stored (by workspace and number: not read back), for
        requests to the instance: a change's approvers, which are then read with the
        comments of the tickets that moved. The applies that finish together (a batch's)
        are told in one call (:class:`~core.coalesce.Coalesced`)."""
        return None if self._after_joined is None else self._after_joined.hook

    @after.setter
    def after(self, value: After | None) -> None:
        # The applies of a batch finish together: their events go to ``after`` at once.
        self._after_joined = Coalesced(value) if value is not None else None
        self._applier.approvals_after = value is not None

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
        # Only now: every change up to each mark is in the outbox.
        await self._move_marks(workspace, held, newest)
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
            self._reading += 1
            try:
                changes = await self._gateway.changes(
                    turn.workspace,
                    kinds,
                    since - OVERLAP if since else None,
                    limit=min(self._page, MAX_RECORDS - offset),
                    offset=offset,
                    known=self.known(turn.workspace),
                )
            finally:
                self._reading -= 1
            turn.pending += changes.tickets
            if len(turn.pending) >= self._page:
                await self._apply_read(turn)
            offset += changes.read
            cut = not changes.complete
            complete = changes.complete or not changes.read or offset >= MAX_RECORDS
            answered = answered or changes.server_time
            updated = [t.updated_at for t in changes.tickets if t.updated_at]
            if changes.known_newest is not None:
                updated.append(changes.known_newest)
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

    async def _move_marks(
        self,
        workspace: str,
        held: object,
        newest: dict[TicketKind, datetime],
    ) -> None:
        """Move the watermarks. The store is written (one write for every kind that
        moved) only when a mark would fall :data:`MARK_LAG` behind, told or not: most
        cycles write nothing, and a restart (or another replica) re-reads at most that
        much more, which the baselines (and the outbox's delivered ids) make harmless.
        The stored mark is never ahead of what is safe in the outbox."""
        stored: dict[TicketKind, datetime | None] = {}
        for kind in newest:
            known = self._marks.get((workspace, kind))
            stored[kind] = known[1] if known is not None and known[0] == held else None
        due = {
            kind: mark
            for kind, mark in newest.items()
            if (was := stored[kind]) is None or mark - was >= MARK_LAG
        }
        await self._watermarks.put_kinds(workspace, due)
        for kind, mark in newest.items():
            self._marks[(workspace, kind)] = (held, due.get(kind, stored[kind]), mark)

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
        them) into events: emitted first, then remembered as told (in a batch with the
        other connections' that wait: :mod:`core.sync_apply`)."""
        events, stored = await self._applier.apply(
            workspace, fresh, since=since, comments=comments, guard=guard
        )
        if events and self._after_joined is not None:
            await self._after_joined(events, {(workspace, n): t for n, t in stored.items()})
        return events

    def known(self, workspace: str) -> Known:
        """Which versions of ``workspace``'s tickets this process has handled: a poll's
        answer need not read them into tickets (the overlap brings them back each cycle)."""
        return partial(self._applier.handled, workspace)

    def stored(self, workspace: str, number: str) -> Ticket | None:
        """A ticket as the apply under way just stored it (for ``emit``: see
        :meth:`core.sync_apply.Applier.stored`)."""
        return self._applier.stored(workspace, number)

    async def close(self) -> None:
        """Stop applying (a shutdown): a batch under way is abandoned, to be read again."""
        await self._applier.close()

    async def _emit(self, events: list[TicketEvent]) -> None:
        await self.emit(events)
