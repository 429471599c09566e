"""The reads of one :class:`~core.sync.StatusSync` cycle: which reads it makes, where each
leaves its watermark, and the turn that carries what was read to be applied."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.models import Ticket, TicketEvent, TicketKind

__all__ = ["OVERLAP", "Guard", "Turn", "new_mark", "reads_of"]

#: Raises when this poller may no longer write (its lease moved to another replica).
Guard = Callable[[], Awaitable[None]]

#: Re-read this much before the watermark: instance clocks and commit order can lag.
OVERLAP = timedelta(seconds=60)


def reads_of(
    groups: tuple[tuple[TicketKind, ...], ...], marks: dict[TicketKind, datetime | None]
) -> list[tuple[TicketKind, ...]]:
    """The reads of one cycle: each group in one, but a kind never read yet on its own (its
    first read takes everything it has, which the others must not repeat)."""
    reads: list[tuple[TicketKind, ...]] = []
    for group in groups:
        reads += [(kind,) for kind in group if marks[kind] is None]
        known = tuple(kind for kind in group if marks[kind] is not None)
        if known:
            reads.append(known)
    return reads


def new_mark(
    since: datetime | None, latest: datetime | None, answered: datetime | None, complete: bool
) -> datetime | None:
    """The watermark after a read, or None if it stays: the newest change seen
    (``latest``); or, when the kind is quiet, the ticket system's own clock when it
    ``answered``, so a burst of old changes does not stay in every query. A cut-off read
    moves no floor.

    The next read starts :data:`OVERLAP` before the mark, whichever it is: a change
    committed late, with an older time, is read then. The floor is not moved back by the
    overlap itself: that would make every read of a quiet kind re-read two overlaps."""
    # A complete read has seen everything up to the instance's clock: even a kind with no
    # ticket yet gets a watermark, so comment queries always have a lower bound.
    floor = answered if complete and answered else None
    if floor is not None and (latest is None or floor > latest):
        latest = floor
    if latest is not None and (since is None or latest > since):
        return latest
    return None


@dataclass(slots=True)
class Turn:
    """One cycle of one workspace, across its kinds and pages."""

    workspace: str
    oldest: datetime | None
    guard: Guard | None
    events: list[TicketEvent] = field(default_factory=list)
    #: Read, not applied yet (at most about a page).
    pending: list[Ticket] = field(default_factory=list)
    records: int = 0
    #: The guard ran since the last page was read.
    guarded: bool = False

    async def check(self) -> None:
        """The guard, noting that it ran."""
        if self.guard is not None:
            await self.guard()
        self.guarded = True
