"""What sync remembers: per ticket, what users were last told (its baseline); per
workspace and ticket kind, how far the ticket system has been read (its watermark)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from core.models import Comment, Ticket, TicketKind
from core.storage import Doc, Documents

__all__ = ["Baseline", "Baselines", "Watermarks"]

_BASELINES = "sync_baseline"
_WATERMARKS = "sync_watermark"
_MARK_FORMAT = "%Y-%m-%d %H:%M:%S"
#: Journal ids remembered per ticket, to drop repeats of comments already told.
JOURNAL_KEPT = 50


@dataclass(slots=True)
class Baseline:
    """What users were last told about a ticket; ``first_seen`` is the ticket's own time
    when SnowOps first met it (comments made before it are history, never news)."""

    state: str
    priority: int
    mod_count: int
    journal: list[str] = field(default_factory=list)
    first_seen: datetime | None = None

    @classmethod
    def of(
        cls,
        ticket: Ticket,
        journal: list[str] | None = None,
        first_seen: datetime | None = None,
    ) -> Baseline:
        """The baseline of ``ticket`` as it is now."""
        return cls(ticket.state, ticket.priority, ticket.mod_count, list(journal or []), first_seen)

    def predates(self, comment: Comment) -> bool:
        """True for a comment made before SnowOps first met the ticket."""
        return (
            self.first_seen is not None and comment.at is not None and comment.at <= self.first_seen
        )

    def remember_comment(self, comment_id: str) -> bool:
        """Remember a comment as told; False if it had been told before."""
        if comment_id in self.journal:
            return False
        self.journal = [*self.journal, comment_id][-JOURNAL_KEPT:]
        return True


def _key(workspace: str, number: str) -> str:
    return f"{workspace}|{number}"


def _when(text: str) -> datetime | None:
    """``_MARK_FORMAT`` read back (None for anything else): ``fromisoformat`` on exactly
    that shape, several times faster than ``strptime`` (a changed cycle reads a baseline
    twice per ticket)."""
    if len(text) != 19 or text[4] != "-" or text[10] != " " or not text[5:7].isdigit():
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        return None


def _stamp(at: datetime) -> str:
    """``at`` in UTC as ``_MARK_FORMAT``."""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "seconds")


def _from_doc(doc: Doc) -> Baseline:
    raw_priority = str(doc.get("priority", "5"))
    seen = doc.get("first_seen")
    return Baseline(
        state=str(doc.get("state")),
        priority=int(raw_priority) if raw_priority.lstrip("-").isdigit() else 5,
        mod_count=int(doc.get("mod_count", -1)),
        journal=[str(j) for j in doc.get("journal", [])],
        first_seen=_when(seen) if isinstance(seen, str) else None,
    )


def _to_doc(baseline: Baseline) -> Doc:
    doc: Doc = {
        "state": baseline.state,
        "priority": baseline.priority,
        "mod_count": baseline.mod_count,
        "journal": list(baseline.journal),
    }
    if baseline.first_seen is not None:
        doc["first_seen"] = _stamp(baseline.first_seen)
    return doc


class Baselines:
    """Baselines, one per tracked ticket."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def get(self, workspace: str, number: str) -> Baseline | None:
        """The baseline of a ticket, or None if users were never told of it."""
        doc = await self._docs.get_document(_BASELINES, _key(workspace, number))
        return None if doc is None else _from_doc(doc)

    async def get_across(
        self, tickets: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Baseline]:
        """The baselines of (workspace, number) pairs of any workspaces, in one store read."""
        keys = {_key(ws, n): (ws, n) for ws, n in tickets}
        docs = await self._docs.get_documents(_BASELINES, list(keys))
        return {keys[k]: _from_doc(doc) for k, doc in docs.items() if k in keys}

    async def put_across(self, baselines: Mapping[tuple[str, str], Baseline]) -> None:
        """Record baselines of (workspace, number) pairs of any workspaces, in one write."""
        if baselines:
            docs = {_key(ws, n): _to_doc(b) for (ws, n), b in baselines.items()}
            await self._docs.put_documents(_BASELINES, docs)

    async def put(self, workspace: str, number: str, baseline: Baseline) -> None:
        """Record what users know of a ticket now."""
        await self._docs.put_document(_BASELINES, _key(workspace, number), _to_doc(baseline))

    async def remember(self, ticket: Ticket, *, adopted: bool = False) -> None:
        """Users know ``ticket`` as it is now: at its creation, or when it is ``adopted``
        (found in ServiceNow: its comments so far are history). Comments already told stay
        told."""
        old = await self.get(ticket.workspace, ticket.number)
        first = ticket.updated_at if adopted else None
        journal, first = (old.journal, old.first_seen) if old else (None, first)
        await self.put(ticket.workspace, ticket.number, Baseline.of(ticket, journal, first))


class Watermarks:
    """How far each workspace's tickets of each kind have been read."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def get(self, workspace: str, kind: TicketKind) -> datetime | None:
        """The newest change already read, or None before the first read."""
        doc = await self._docs.get_document(_WATERMARKS, f"{workspace}|{kind.table}")
        if not doc:
            return None
        return _when(str(doc.get("at", "")))

    async def put_kinds(self, workspace: str, marks: Mapping[TicketKind, datetime]) -> None:
        """Everything of each kind up to its mark has been read (and is safe in the
        outbox): one write for the kinds one query read together."""
        if marks:
            docs = {f"{workspace}|{kind.table}": {"at": _stamp(at)} for kind, at in marks.items()}
            await self._docs.put_documents(_WATERMARKS, docs)
