"""Applier: fresh tickets to events, to the outbox, to baselines, for many connections at
once (:meth:`~core.sync.StatusSync.apply` is this).

Group commit: every :meth:`Applier.apply` waiting when a batch starts goes into it, so the
polls of many connections that answered together, and the pushes that arrived meanwhile,
share one write of the stored tickets, one queueing of their deliveries and one write of
their baselines, whatever their number (SQLite pays per transaction, Redis per round trip).
Nothing waits for a batch to fill: an apply alone is a batch of one at once, and batches
grow only while the previous one runs, which is when the process is busy. A batch talks to
the store only: an apply whose tickets moved leaves its batch once they are stored and
compared, asks for their comments on its own (a slow instance holds up its own connection,
never the others) and comes back to be told in a later one, holding its workspace between.

Within a batch the order that makes delivery exactly-once holds for every ticket: events go
to ``emit`` (the durable outbox) before any baseline moves, and a connection's ``guard``
(its poll lease) runs between the two. A workspace has at most one apply per batch (a
second one, a push beside a poll, waits for the next), so each sees the other's baselines.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from core.clock import Clock
from core.gateway import TicketGateway, keep_local
from core.models import Comment, Ticket, TicketEvent
from core.repos.sync_state import Baseline, Baselines
from core.storage import TicketStore
from core.sync_events import Seen, asks_approvers, comment_events, observe
from core.sync_reads import OVERLAP, Guard
from core.tickets import HISTORY

__all__ = ["Applier", "Emit"]

Emit = Callable[[list[TicketEvent]], Awaitable[object]]
#: How long a batch waits for more applies before it starts, while other polls are on
#: their way (seconds). A batch's store work barely grows with its size, and the store
#: answers without yielding, so without a wait the polls of a cycle went one per batch. An
#: apply with no poll under way (a push to a quiet process) goes at once. 20 ms cost a
#: changed cycle a seventh less CPU than 5 ms, and 50 ms no less than 20 (README, Speed).
LINGER = 0.02
#: Tickets whose handled mod_count is remembered in memory (an LRU bound).
HANDLED_MAX = 200_000


@dataclass(slots=True, eq=False)
class _Apply:
    """One :meth:`Applier.apply`, through its two steps: observed (tickets stored, compared
    with their baselines), then told (events emitted, baselines moved). Between the two, an
    apply that must ask for comments holds its workspace: no other apply of it runs."""

    workspace: str
    fresh: Sequence[Ticket]
    since: datetime | None
    comments: Sequence[Comment] | None
    guard: Guard | None
    done: asyncio.Future[None]
    observed: bool = False
    #: The moved tickets whose comments it is off asking for (its workspace held).
    asking: list[Ticket] = field(default_factory=list)
    #: The changes among them whose approvers will be asked for next (read with them).
    approvals: list[Ticket] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    #: number → the ticket as its first step stored it (``emit`` need not read it back).
    stored: dict[str, Ticket] = field(default_factory=dict)
    failed: BaseException | None = None

    def finish(self) -> None:
        """Wake the caller (unless it stopped waiting)."""
        if self.done.done():
            return
        if self.failed is not None:
            self.done.set_exception(self.failed)
        else:
            self.done.set_result(None)

    @property
    def events(self) -> list[TicketEvent]:
        """What it told."""
        return [e for s in self.seen for e in s.events]


class Applier:
    """Applies fresh tickets in batches; see the module docstring."""

    def __init__(
        self,
        gateway: TicketGateway,
        tickets: TicketStore,
        baselines: Baselines,
        clock: Clock,
        emit: Emit,
        *,
        busy: Callable[[], bool] | None = None,
    ) -> None:
        self._gateway = gateway
        #: Whether more applies are on their way (polls waiting for their answers).
        self._busy = busy
        self._tickets = tickets
        self._baselines = baselines
        self._clock = clock
        self._emit = emit
        # (workspace|number) → the mod_count last fully handled here: the tickets the
        # watermark overlap brings back every cycle are skipped without a store read.
        self._handled: OrderedDict[str, int] = OrderedDict()
        self._waiting: list[_Apply] = []
        #: Workspaces whose apply is off asking for comments between its two steps.
        self._held: set[str] = set()
        #: (workspace, number) → the ticket as stored now, while its batch runs.
        self._stored: dict[tuple[str, str], Ticket] = {}
        self._drainer: asyncio.Task[None] | None = None
        #: Approvers are asked for after each apply (:class:`~core.approvals.Approvals`):
        #: the changes' approvals are read with their comments, in one request where the
        #: gateway can.
        self.approvals_after = False

    async def apply(
        self,
        workspace: str,
        fresh: Sequence[Ticket],
        *,
        since: datetime | None = None,
        comments: Sequence[Comment] | None = None,
        guard: Guard | None = None,
    ) -> tuple[list[TicketEvent], dict[str, Ticket]]:
        """Turn fresh tickets (and their comments when given; otherwise one request finds
        those of the tickets that moved) into events: emitted first, then remembered as
        told. Returns the events, and the tickets they are of as stored (by number)."""
        if comments is None and all(self._done(workspace, t) for t in fresh):
            return [], {}  # the overlap brought back only what was handled: no batch to join
        loop = asyncio.get_running_loop()
        item = _Apply(workspace, fresh, since, comments, guard, loop.create_future())
        try:
            await self._step(item)
        except BaseException:
            if item.asking:  # it stopped waiting just as it was to ask for comments
                self._release(workspace)
            raise
        if item.asking:
            # Asked outside any batch: a slow instance holds up its own connection only.
            try:
                item.comments = await self._gateway.comments_since(
                    workspace,
                    item.asking,
                    since - OVERLAP if since else None,
                    approvals_of=item.approvals,
                )
            except BaseException:
                self._release(workspace)
                raise
            item.asking = []
            item.done = loop.create_future()
            await self._step(item)
        return item.events, item.stored

    def handled(self, workspace: str, number: str, mod_count: int) -> bool:
        """That version of ``number`` was fully handled here already (a poll's
        :data:`~core.gateway.Known`: the gateway need not read it into a Ticket)."""
        return self._handled.get(_key(workspace, number)) == mod_count

    def _done(self, workspace: str, ticket: Ticket) -> bool:
        """This version of ``ticket`` was fully handled here already (or has no number)."""
        return not ticket.number or self.handled(workspace, ticket.number, ticket.mod_count)

    async def _step(self, item: _Apply) -> None:
        """Queue ``item`` for the next batch and wait for it."""
        if self._drainer is not None and asyncio.current_task() is self._drainer:
            await self._batch([item])  # asked from within a batch (by emit): at once
        else:
            self._waiting.append(item)
            self._wake()
        await item.done

    def _wake(self) -> None:
        if self._waiting and (self._drainer is None or self._drainer.done()):
            self._drainer = asyncio.get_running_loop().create_task(self._drain())

    def _release(self, workspace: str) -> None:
        self._held.discard(workspace)
        self._wake()

    async def _drain(self) -> None:
        """Batches of whatever waits, until nothing can go: one apply per workspace each,
        none of a workspace another apply holds. While polls are under way, the first waits
        :data:`LINGER` for the applies of those answering at about the same time."""
        try:
            if self._busy is not None and self._busy():
                await asyncio.sleep(LINGER)
            while True:
                # Those back with their comments first: their workspaces are theirs.
                batch = [i for i in self._waiting if i.observed and i.comments is not None]
                later: list[_Apply] = []
                taken = {i.workspace for i in batch}
                for item in self._waiting:
                    if item.observed and item.comments is not None:
                        continue
                    blocked = item.workspace in taken or item.workspace in self._held
                    (later if blocked else batch).append(item)
                    taken.add(item.workspace)
                self._waiting = later
                if not batch:
                    return  # woken again by a release or a new apply
                await self._batch(batch)
        except asyncio.CancelledError:
            # Shutting down: nobody is left waiting for an answer that will not come.
            for item in self._waiting:
                item.done.cancel()
            self._waiting = []
            raise

    def stored(self, workspace: str, number: str) -> Ticket | None:
        """A ticket as the batch running now stored it (None outside one, or another's):
        what ``emit`` would otherwise read back."""
        return self._stored.get((workspace, number))

    async def close(self) -> None:
        """Stop batching (a shutdown): what runs is cancelled, what waits is cancelled."""
        if self._drainer is not None and not self._drainer.done():
            self._drainer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._drainer

    async def _batch(self, items: list[_Apply]) -> None:
        live: list[_Apply] = []
        for item in items:  # back with their comments: stored by an earlier batch
            self._stored.update(((item.workspace, n), t) for n, t in item.stored.items())
        try:
            await self._observe([i for i in items if not i.observed])
            for item in items:
                if item.comments is None:
                    item.asking = [s.ticket for s in item.seen if s.moved]
                    if self.approvals_after:
                        item.approvals = [
                            s.ticket for s in item.seen if any(map(asks_approvers, s.events))
                        ]
                    if item.asking and item.done.cancelled():
                        item.asking = []  # its caller stopped waiting: told next time
                        continue
                    if item.asking:
                        self._held.add(item.workspace)  # until it comes back, or fails
                        continue
                    item.comments = []
                if item.seen:
                    live.append(item)
            await self._comment_news(live)
            events = [e for i in live for e in i.events]
            if events:
                await self._emit(events)
            for item in live:
                await self._guard(item)  # before anything of its is marked as told
            await self._settle([i for i in live if i.failed is None])
        except BaseException as exc:
            for item in items:
                item.failed = item.failed or exc
                item.asking = []
                if isinstance(exc, asyncio.CancelledError):
                    item.done.cancel()
            if isinstance(exc, asyncio.CancelledError):
                raise
        finally:
            self._stored.clear()
            for item in items:
                if not item.asking:
                    self._held.discard(item.workspace)
        for item in items:
            item.finish()
        while len(self._handled) > HANDLED_MAX:
            self._handled.popitem(last=False)

    async def _observe(self, items: list[_Apply]) -> None:
        """Store the fresh tickets and compare them with their baselines: one read of the
        stored tickets, one write of those that changed and one read of baselines for the
        whole batch."""
        fresh: list[tuple[_Apply, dict[str, Ticket]]] = []
        for item in items:
            item.observed = True
            # Back in the overlap, unchanged since handled here: skipped without a read.
            newest: dict[str, Ticket] = {}
            for t in item.fresh:
                if not self._done(item.workspace, t):
                    if t.number not in newest or t.mod_count >= newest[t.number].mod_count:
                        # Read twice (pages moved under the read): its newest version counts.
                        newest[t.number] = t
            fresh.append((item, newest))
        wanted = [(i.workspace, n) for i, newest in fresh for n in newest]
        if not wanted:
            return
        stored = await self._tickets.get_tickets_across(wanted)
        pairs: list[tuple[_Apply, Ticket, Ticket | None]] = []
        for item, newest in fresh:
            for n, t in newest.items():
                old = stored.get((item.workspace, n))
                pairs.append((item, keep_local(t, old), old))
        saving = [n for _, n, o in pairs if o is None or (o != n and n.mod_count >= o.mod_count)]
        await self._tickets.save_tickets(saving)
        saved = {id(t) for t in saving}
        for item, new, old in pairs:
            kept = new if id(new) in saved else old or new
            self._stored[(item.workspace, new.number)] = item.stored[new.number] = kept
        told = await self._baselines.get_across([(i.workspace, n.number) for i, n, _ in pairs])
        now = self._clock.now()
        for item, new, _ in pairs:
            baseline = told.get((item.workspace, new.number))
            item.seen.append(observe(item.workspace, new, baseline, now))

    async def _comment_news(self, items: list[_Apply]) -> None:
        """Events for the news among each apply's comments, and those comments put first
        in their tickets' stored history (before the events go out: a card updated for a
        comment shows it): one read and one write for the whole batch, never over a newer
        version of a ticket that someone else stored meanwhile."""
        now = self._clock.now()
        commented: list[tuple[_Apply, Seen]] = []
        for item in items:
            comment_events(item.workspace, item.seen, item.comments or (), now)
            commented += [(item, s) for s in item.seen if s.comments]
        if not commented:
            return
        stored = await self._tickets.get_tickets_across(
            [(item.workspace, s.ticket.number) for item, s in commented]
        )
        kept: list[Ticket] = []
        for item, s in commented:  # one apply per workspace, one Seen per ticket: no repeats
            key = (item.workspace, s.ticket.number)
            base = s.ticket
            if (now_stored := stored.get(key)) and now_stored.mod_count > base.mod_count:
                base = now_stored
            new = {c.id for c in s.comments}
            older = tuple(c for c in base.history if c.id not in new)
            ticket = replace(base, history=(*reversed(s.comments), *older)[:HISTORY])
            self._stored[key] = item.stored[s.ticket.number] = ticket
            kept.append(ticket)
        await self._tickets.save_tickets(kept)

    async def _guard(self, item: _Apply) -> None:
        if item.guard is None or not any(s.events or s.dirty for s in item.seen):
            return
        try:
            await item.guard()
        except Exception as exc:  # its lease moved: its baselines stay as they were
            item.failed = exc

    async def _settle(self, items: list[_Apply]) -> None:
        """Remember what users were told (never going back): one read and one write for
        the whole batch."""
        dirty = [(i.workspace, s) for i in items for s in i.seen if s.dirty]
        current = await self._baselines.get_across([(ws, s.ticket.number) for ws, s in dirty])
        kept: dict[tuple[str, str], Baseline] = {}
        behind: set[int] = set()
        for ws, s in dirty:
            key = (ws, s.ticket.number)
            newest = kept.get(key) or current.get(key)
            if newest is not None and newest.mod_count > s.ticket.mod_count:
                behind.add(id(s))  # a newer observation was recorded meanwhile
            else:
                kept[key] = s.baseline
        await self._baselines.put_across(kept)
        for item in items:
            for s in item.seen:
                if id(s) not in behind:
                    handled = _key(item.workspace, s.ticket.number)
                    self._handled[handled] = s.ticket.mod_count
                    self._handled.move_to_end(handled)


def _key(workspace: str, number: str) -> str:
    return f"{workspace}|{number}"
