"""The ticket form: its fields, and validation that runs before anything is sent.

Adapters render :class:`TicketFormView`, collect the user's values as strings, and call
:func:`validate_ticket_form`; errors come back keyed by field so they can be shown next
to the field (Slack ``response_action: errors``, Teams card input errors).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from core.models import CATEGORIES, Priority, RecommendationSource, TicketKind

__all__ = [
    "DESCRIPTION_MAX",
    "FORM_FIELDS",
    "NAME_MAX",
    "TicketFormValues",
    "TicketFormView",
    "form_again",
    "parse_due",
    "validate_ticket_form",
]

#: ServiceNow's short_description holds 160 characters.
NAME_MAX = 160
#: task.description holds 4,000 characters; SnowOps's footer needs some, and Slack's text
#: input holds 3,000, so every platform accepts the same.
DESCRIPTION_MAX = 3000

FORM_FIELDS = ("kind", "name", "description", "priority", "due", "category")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$")


@dataclass(frozen=True, slots=True)
class TicketFormValues:
    """A form that passed validation."""

    kind: TicketKind
    name: str
    description: str
    priority: Priority
    due: datetime | None
    category: str | None


@dataclass(frozen=True, slots=True)
class TicketFormView:
    """The ticket form to show, prefilled; ``context`` rides along opaquely (≤ 2,000 chars)."""

    kind: TicketKind = TicketKind.INCIDENT
    name: str = ""
    description: str = ""
    priority: Priority = Priority.MODERATE
    due: str = ""
    category: str | None = None
    source: RecommendationSource = RecommendationSource.USER
    recommendation_id: str | None = None
    recommendation_url: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    title: str = "New ServiceNow ticket"


def form_again(
    values: Mapping[str, str | None],
    *,
    source: RecommendationSource,
    recommendation_id: str | None,
    recommendation_url: str | None,
    errors: Mapping[str, str] | None = None,
) -> TicketFormView:
    """The form as the user filled it, to show again (with ``errors`` next to fields)."""
    kind = TicketKind.CHANGE if values.get("kind") == "change" else TicketKind.INCIDENT
    try:
        priority = Priority(int(values.get("priority") or 3))
    except ValueError:
        priority = Priority.MODERATE
    return TicketFormView(
        kind=kind,
        name=values.get("name") or "",
        description=values.get("description") or "",
        priority=priority,
        due=values.get("due") or "",
        category=values.get("category") or None,
        source=source,
        recommendation_id=recommendation_id,
        recommendation_url=recommendation_url,
        errors=dict(errors or {}),
    )


def parse_due(text: str, now: datetime) -> datetime:
    """``YYYY-MM-DD`` (end of that day, UTC) or ``YYYY-MM-DD HH:MM`` (UTC); not in the past."""
    raw = text.strip()
    if _DATE.match(raw):
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"{raw} is not a real date.") from None
        when = datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
    elif _DATETIME.match(raw):
        try:
            when = datetime.fromisoformat(raw.replace(" ", "T")).replace(tzinfo=UTC)
        except ValueError:
            raise ValueError(f"{raw} is not a real date and time.") from None
    else:
        raise ValueError("Use the form YYYY-MM-DD, e.g. 2026-12-31.")
    if when < now:
        raise ValueError("The due date is in the past.")
    if when.year > now.year + 10:
        raise ValueError("The due date is more than ten years away.")
    return when


def validate_ticket_form(
    values: Mapping[str, str | None], now: datetime
) -> TicketFormValues | dict[str, str]:
    """Check every field; return clean values, or ``{field: message}`` for each bad one."""
    errors: dict[str, str] = {}
    kind_raw = (values.get("kind") or "incident").strip().lower()
    kind = TicketKind.CHANGE if kind_raw in ("change", "change_request") else TicketKind.INCIDENT
    if kind_raw not in ("incident", "change", "change_request"):
        errors["kind"] = "Choose Incident or Change."

    name = " ".join((values.get("name") or "").split())
    if not name:
        errors["name"] = "Give the ticket a name."
    elif len(name) > NAME_MAX:
        errors["name"] = f"ServiceNow keeps {NAME_MAX} characters at most; this has {len(name)}."

    description = (values.get("description") or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = (
            f"Keep the description under {DESCRIPTION_MAX:,} characters; "
            f"this has {len(description):,}."
        )

    priority = Priority.MODERATE
    prio_raw = (values.get("priority") or "3").strip()
    try:
        priority = Priority(int(prio_raw))
    except ValueError:
        errors["priority"] = "Choose a priority from 1 (Critical) to 4 (Low)."

    due: datetime | None = None
    due_raw = (values.get("due") or "").strip()
    if due_raw:
        try:
            due = parse_due(due_raw, now)
        except ValueError as exc:
            errors["due"] = str(exc)

    category: str | None = None
    cat_raw = (values.get("category") or "").strip()
    if cat_raw:
        match = [c for c in CATEGORIES if c.lower() == cat_raw.lower()]
        if match:
            category = match[0]
        else:
            errors["category"] = f"Choose one of {', '.join(CATEGORIES)}."

    if errors:
        return errors
    return TicketFormValues(kind, name, description, priority, due, category)
