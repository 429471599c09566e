"""Comments and approvers read together, in one request where the sync wants both.

When a change SnowOps tracks moves, the sync asks for the comments of the tickets that
moved, and :class:`~core.approvals.Approvals` then asks who approves the change. With the
approvals asked for at comment time (``approvals_of``), the two reads go in one Batch API
request (:mod:`core.servicenow.batch`), and the approvals are kept for the ask that
follows: :meth:`JournalReads.approvals` answers from them once, for the same version of
the change, within :data:`KEPT_FOR`; anything else reads afresh. An instance without the
Batch API gets the reads one by one, as before.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime

from core.gateway import ApprovalRequest
from core.models import Comment, Ticket
from core.servicenow.approvals import (
    APPROVAL_FIELDS,
    APPROVAL_TABLE,
    approvals_from_rows,
    approvals_query,
    requested_approvals,
)
from core.servicenow.batch import BatchReads, Read
from core.servicenow.journal import (
    ID_CHUNK,
    JOURNAL_FIELDS,
    JOURNAL_TABLE,
    by_time,
    comments_from_rows,
    comments_since,
    journal_query,
    own_ids,
)
from core.servicenow.mapping import correlation_prefix
from core.servicenow.table import TableClient

__all__ = ["KEPT_FOR", "KEPT_MAX", "JournalReads"]

#: How long approvals read with comments wait for their ask (seconds).
KEPT_FOR = 60.0
#: Changes whose approvals are kept at most (the oldest go first).
KEPT_MAX = 10_000
#: Records per read in a batch; a full page is read again on its own, page by page.
_PAGE = 500


class JournalReads:
    """A workspace's comments (and, asked with them, its changes' approvals)."""

    def __init__(self, table: TableClient, *, now: Callable[[], float] = time.monotonic) -> None:
        self._table = table
        self._batch = BatchReads(table, now=now)
        self._now = now
        # (workspace, sys_id) → (the change's mod_count, read at, its approvals)
        self._kept: OrderedDict[tuple[str, str], tuple[int, float, list[ApprovalRequest]]]
        self._kept = OrderedDict()

    async def comments_since(
        self,
        workspace: str,
        tickets: Sequence[Ticket],
        since: datetime | None,
        approvals_of: Sequence[Ticket] = (),
    ) -> list[Comment]:
        """Comments on ``tickets`` made at or after ``since``, oldest first; with
        ``approvals_of``, those changes' approvals are read in the same request where the
        instance allows, for :meth:`approvals`."""
        if approvals_of:
            found = await self._together(workspace, tickets, since, approvals_of)
            if found is not None:
                return found
        return await comments_since(self._table, workspace, tickets, since)

    async def approvals(self, workspace: str, ticket: Ticket) -> list[ApprovalRequest]:
        """The approvals ``ticket`` waits on: kept ones once, else one query."""
        kept = self._kept.pop((workspace, ticket.sys_id), None)
        if kept is not None:
            mod_count, at, found = kept
            if mod_count == ticket.mod_count and self._now() - at < KEPT_FOR:
                return found
        return await requested_approvals(self._table, workspace, ticket)

    async def _together(
        self,
        workspace: str,
        tickets: Sequence[Ticket],
        since: datetime | None,
        changes: Sequence[Ticket],
    ) -> list[Comment] | None:
        """Both reads in one batch: the comments, or None when they must be read alone."""
        prefix = correlation_prefix(workspace)
        changes = [c for c in changes if c.correlation_id.startswith(prefix)]
        ids, change_ids = own_ids(workspace, tickets), own_ids(workspace, changes)
        if not ids or not change_ids or max(len(ids), len(change_ids)) > ID_CHUNK:
            return None  # nothing to share a request with, or more than one read's worth
        reads = [
            Read(JOURNAL_TABLE, journal_query(ids, since), JOURNAL_FIELDS, _PAGE),
            Read(APPROVAL_TABLE, approvals_query(change_ids), APPROVAL_FIELDS, _PAGE),
        ]
        answers = await self._batch.read(workspace, reads)
        if answers is None:
            return None
        journal, approvals = answers
        if approvals is not None and len(approvals) < _PAGE:
            self._keep(workspace, changes, approvals_from_rows(approvals))
        if journal is None or len(journal) >= _PAGE:
            return None
        return by_time(comments_from_rows(journal))

    def _keep(
        self, workspace: str, changes: Sequence[Ticket], found: dict[str, list[ApprovalRequest]]
    ) -> None:
        at = self._now()
        for change in changes:
            key = (workspace, change.sys_id)
            self._kept[key] = (change.mod_count, at, found.get(change.sys_id, []))
            self._kept.move_to_end(key)
        while len(self._kept) > KEPT_MAX:
            self._kept.popitem(last=False)
