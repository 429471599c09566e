"""SnowOps requests ↔ ServiceNow records (README: Architecture)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from core.models import (
    Priority,
    RecommendationSource,
    Ticket,
    TicketKind,
    TicketRequest,
    workspace_platform,
)

__all__ = [
    "CORRELATION_DISPLAY",
    "CORRELATION_PREFIX",
    "TICKET_FIELDS",
    "correlation_id",
    "correlation_prefix",
    "format_sn_datetime",
    "impact_urgency",
    "parse_sn_datetime",
    "record_url",
    "request_fields",
    "ticket_from_record",
]

CORRELATION_PREFIX = "snowops"
CORRELATION_DISPLAY = "SnowOps"
_CORRELATION_MAX = 100
SN_DATETIME = "%Y-%m-%d %H:%M:%S"

#: What SnowOps reads back from a ticket: never more than it needs.
TICKET_FIELDS = [
    "sys_id",
    "number",
    "short_description",
    "state",
    "priority",
    "due_date",
    "active",
    "correlation_id",
    "sys_mod_count",
    "sys_created_on",
    "sys_updated_on",
]

# Incident priority is computed by ServiceNow from impact x urgency; we set those.
_IMPACT_URGENCY: dict[Priority, tuple[int, int]] = {
    Priority.CRITICAL: (1, 1),
    Priority.HIGH: (1, 2),
    Priority.MODERATE: (2, 2),
    Priority.LOW: (2, 3),
}

#: The field naming the person a ticket is for (problem and security incident have none
#: SnowOps should set: ServiceNow fills ``opened_by`` itself).
_REQUESTER_FIELD = {TicketKind.INCIDENT: "caller_id", TicketKind.CHANGE: "requested_by"}
#: Fields only SnowOps sets: a mapping or a form never replaces them.
_OWN_FIELDS = frozenset(
    {"sys_id", "number", "short_description", "description", "correlation_id", "impact", "urgency"}
)

_PLATFORM_NAMES = {"slack": "Slack", "teams": "Microsoft Teams", "console": "SnowOps console"}


def impact_urgency(priority: Priority) -> tuple[int, int]:
    """(impact, urgency) that make ServiceNow compute ``priority`` for an incident."""
    return _IMPACT_URGENCY[priority]


def correlation_prefix(workspace: str) -> str:
    """Prefix of every correlation id of a workspace (scopes sync queries)."""
    return f"{CORRELATION_PREFIX}:{workspace}:"


def correlation_id(workspace: str, key: str) -> str:
    """``snowops:<workspace>:<key>``, shortened with a hash to ServiceNow's 100 chars."""
    full = correlation_prefix(workspace) + key
    if len(full) <= _CORRELATION_MAX:
        return full
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    head = correlation_prefix(workspace)
    if len(head) + len(digest) + 1 > _CORRELATION_MAX:
        head = correlation_prefix(hashlib.sha256(workspace.encode()).hexdigest()[:32])
    room = _CORRELATION_MAX - len(head) - len(digest) - 1
    return f"{head}{key[:room]}~{digest}"


@lru_cache(maxsize=4096)
def format_sn_datetime(value: datetime) -> str:
    """UTC ``YYYY-MM-DD HH:MM:SS``, as the Table API stores date-times. Kept for the last
    few thousand values: every poll formats its watermark, which a quiet connection keeps
    for many polls."""
    return value.astimezone(UTC).strftime(SN_DATETIME)


def parse_sn_datetime(value: Any) -> datetime | None:
    """Parse a Table API date-time value (UTC); empty or odd values give None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    # Exactly `YYYY-MM-DD HH:MM:SS`; fromisoformat is many times faster than strptime, and
    # sync parses every record it reads.
    if len(text) != 19 or text[10] != " " or not text[:4].isdigit():
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        return None


def record_url(instance_url: str, table: str, sys_id: str) -> str:
    """Link that opens the record in ServiceNow's UI."""
    return f"{instance_url}/{table}.do?sys_id={sys_id}"


def _footer(req: TicketRequest) -> str:
    who = req.requester.display_name or req.requester.user_id
    if req.requester.email:
        who = f"{who} <{req.requester.email}>"
    platform = _PLATFORM_NAMES.get(workspace_platform(req.workspace), req.requester.platform)
    lines = [
        "---",
        f"Requested by: {who} via {platform}",
        f"Recommendation source: {req.source.value}",
    ]
    if req.category:
        lines.append(f"Category: {req.category}")
    if req.recommendation_id:
        rec = req.recommendation_id
        if req.recommendation_url:
            rec = f"{rec} ({req.recommendation_url})"
        lines.append(f"Recommendation: {rec}")
    lines.append("Created with SnowOps")
    return "\n".join(lines)


def request_fields(req: TicketRequest, corr_id: str, user_sys_id: str | None) -> dict[str, str]:
    """The Table API body that creates ``req``."""
    description = f"{req.description.rstrip()}\n\n{_footer(req)}".lstrip()
    fields: dict[str, str] = {
        "short_description": req.name,
        "description": description,
        "correlation_id": corr_id,
        "correlation_display": CORRELATION_DISPLAY,
    }
    if req.due is not None:
        fields["due_date"] = format_sn_datetime(req.due)
    if req.kind in (TicketKind.INCIDENT, TicketKind.PROBLEM):
        # Incident and problem compute priority from impact x urgency (priority is read-only).
        impact, urgency = impact_urgency(req.priority)
        fields["impact"] = str(impact)
        fields["urgency"] = str(urgency)
    else:
        fields["priority"] = str(int(req.priority))
    if req.kind is TicketKind.CHANGE:
        fields["type"] = "normal"
    if user_sys_id and req.kind in _REQUESTER_FIELD:
        fields[_REQUESTER_FIELD[req.kind]] = user_sys_id
    for name, value in req.fields:
        if name not in _OWN_FIELDS and value:
            fields[name] = value
    return fields


def _ref_value(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("value") or value.get("display_value") or "")
    return str(value or "")


def _int(text: str, default: int) -> int:
    """A whole number ServiceNow sends as text; anything else (``""``, ``"1.5"``, ``"²"``,
    a thousand digits) is ``default``."""
    digits = text.removeprefix("-")
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 18):
        return default
    return int(text)


def record_version(record: dict[str, Any]) -> tuple[str, int] | None:
    """(number, sys_mod_count) of a Table API record, read without the rest of it; None
    when either is missing or odd."""
    number = _ref_value(record.get("number"))
    count = _int(_ref_value(record.get("sys_mod_count")), -1)
    return (number, count) if number and count >= 0 else None


def ticket_from_record(
    workspace: str,
    kind: TicketKind,
    instance_url: str,
    record: dict[str, Any],
    *,
    base: Ticket | None = None,
    request: TicketRequest | None = None,
) -> Ticket:
    """A Ticket from a Table API record, keeping what only SnowOps knows from ``base``."""
    sys_id = _ref_value(record.get("sys_id"))
    priority_raw = _ref_value(record.get("priority"))
    # Facts ServiceNow does not hold come from the request (new ticket) or the stored ticket.
    requested_by, rec_id, category, source, origin = "", None, None, RecommendationSource.USER, None
    if request is not None:
        requested_by = request.requester.display_name or request.requester.user_id
        rec_id, category = request.recommendation_id, request.category
        source, origin = request.source, request.origin
    elif base is not None:
        requested_by = base.requested_by
        rec_id, category = base.recommendation_id, base.category
        source, origin = base.source, base.origin
    return Ticket(
        workspace=workspace,
        kind=kind,
        sys_id=sys_id,
        number=_ref_value(record.get("number")),
        title=_ref_value(record.get("short_description")),
        state=_ref_value(record.get("state")),
        priority=_int(priority_raw, 5),
        url=record_url(instance_url, kind.table, sys_id),
        correlation_id=_ref_value(record.get("correlation_id")),
        mod_count=_int(_ref_value(record.get("sys_mod_count")), 0),
        due=parse_sn_datetime(_ref_value(record.get("due_date"))),
        updated_at=parse_sn_datetime(_ref_value(record.get("sys_updated_on"))),
        created_at=parse_sn_datetime(_ref_value(record.get("sys_created_on"))),
        recommendation_id=rec_id,
        category=category,
        source=source,
        requested_by=requested_by,
        origin=origin,
        active=_ref_value(record.get("active")) != "false",
    )
