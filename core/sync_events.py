"""What users are to be told of a fresh ticket: events from its baseline, comments that
are news. Pure functions of :class:`~core.sync_apply.Applier` (no store, no requests)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core.models import Comment, Ticket, TicketEvent, TicketKind
from core.repos.sync_state import Baseline

__all__ = ["Seen", "asks_approvers", "comment_events", "observe"]


@dataclass(slots=True)
class Seen:
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


def asks_approvers(event: TicketEvent) -> bool:
    """A change's state moved: ServiceNow may have asked approvers (change models ask on
    entering a state), so :class:`~core.approvals.Approvals` looks."""
    return event.kind is TicketKind.CHANGE and event.change == "state"


def observe(workspace: str, fresh: Ticket, baseline: Baseline | None, now: datetime) -> Seen:
    """What users are to be told of ``fresh`` (stored already) since ``baseline``."""
    ticket = fresh
    if baseline is None:
        # First sight (made before sync ran, or elsewhere): nothing to announce yet.
        first = Baseline.of(fresh, first_seen=fresh.updated_at)
        return Seen(fresh, first, known=False, dirty=True)
    item = Seen(fresh, baseline, known=True)
    if fresh.mod_count <= baseline.mod_count:
        return item  # seen again in the overlap, or told already by a push
    item.moved = item.dirty = True
    told = baseline.mod_count
    at = fresh.updated_at or now
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


def comment_events(
    workspace: str, seen: Sequence[Seen], comments: Sequence[Comment], now: datetime
) -> None:
    """Add the news among ``comments`` to the tickets ``seen`` (each comment once: the
    baseline remembers which were told)."""
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
                at=comment.at or now,
                author=comment.author,
            )
        )
