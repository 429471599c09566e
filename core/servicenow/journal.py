"""Comments on the Table API: ``sys_journal_field`` rows as Comments, and the two queries
that find them (a cycle's moved tickets at once; one ticket's newest)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from core.models import Comment, Ticket
from core.servicenow.mapping import correlation_prefix, format_sn_datetime, parse_sn_datetime
from core.servicenow.query import query_value
from core.servicenow.table import TableClient

__all__ = [
    "ID_CHUNK",
    "JOURNAL_FIELDS",
    "JOURNAL_TABLE",
    "by_time",
    "comment_from_row",
    "comments_from_rows",
    "comments_since",
    "journal_query",
    "own_ids",
    "recent_comments",
]

JOURNAL_TABLE = "sys_journal_field"
JOURNAL_FIELDS = ["sys_id", "element_id", "element", "value", "sys_created_by", "sys_created_on"]
#: sys_ids per ``…IN`` query: keeps the URL well under what instances accept.
ID_CHUNK = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def comment_from_row(row: dict[str, Any]) -> Comment:
    """A ``sys_journal_field`` row as a Comment."""
    return Comment(
        id=str(row.get("sys_id") or ""),
        ticket_sys_id=str(row.get("element_id") or ""),
        text=str(row.get("value") or ""),
        author=str(row.get("sys_created_by") or ""),
        at=parse_sn_datetime(row.get("sys_created_on")),
    )


def comments_from_rows(rows: Sequence[dict[str, Any]]) -> list[Comment]:
    """The customer-visible comments among journal rows (work notes are internal to the
    service desk)."""
    return [comment_from_row(r) for r in rows if str(r.get("element") or "comments") == "comments"]


def journal_query(ids: Sequence[str], since: datetime | None) -> str:
    """The comments on the tickets ``ids`` (quoted sys_ids) made at or after ``since``."""
    query = f"elementINcomments^element_idIN{','.join(ids)}"
    if since is not None:
        query += f"^sys_created_on>={format_sn_datetime(since)}"
    return query + "^ORDERBYsys_created_on"


def own_ids(workspace: str, tickets: Sequence[Ticket]) -> list[str]:
    """The quoted sys_ids of those of ``tickets`` this workspace made."""
    prefix = correlation_prefix(workspace)
    return [query_value(t.sys_id) for t in tickets if t.correlation_id.startswith(prefix)]


def by_time(comments: list[Comment]) -> list[Comment]:
    """``comments`` oldest first."""
    return sorted(comments, key=lambda c: c.at or _EPOCH)


async def comments_since(
    table: TableClient, workspace: str, tickets: Sequence[Ticket], since: datetime | None
) -> list[Comment]:
    """Comments on ``tickets`` (this workspace's only) made at or after ``since``, oldest
    first: one ``sys_journal_field`` query per hundred tickets."""
    ids = own_ids(workspace, tickets)
    found: list[Comment] = []
    for start in range(0, len(ids), ID_CHUNK):
        rows = await table.query(
            workspace,
            JOURNAL_TABLE,
            journal_query(ids[start : start + ID_CHUNK], since),
            fields=JOURNAL_FIELDS,
        )
        found += comments_from_rows(rows)
    return by_time(found)


async def recent_comments(
    table: TableClient, workspace: str, ticket: Ticket, limit: int
) -> list[Comment]:
    """The newest ``limit`` comments of one ticket (of this workspace's), newest first."""
    if not ticket.correlation_id.startswith(correlation_prefix(workspace)):
        return []
    rows = await table.query(
        workspace,
        JOURNAL_TABLE,
        f"element_id={query_value(ticket.sys_id)}^element=comments^ORDERBYDESCsys_created_on",
        fields=JOURNAL_FIELDS,
        max_records=limit,
        page_size=limit,
    )
    return comments_from_rows(rows)
