"""The ticket form: its fields, and validation that runs before anything is sent.

Adapters render :class:`TicketFormView`, collect the user's values as strings, and call
:func:`validate_ticket_form`; errors come back keyed by field so they can be shown next
to the field (Slack ``response_action: errors``, Teams card input errors). A form asked one
field at a time (the console) checks each as it comes with :func:`check_field`: one rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from core.i18n import _, format_number
from core.instance_meta import FIELD_PREFIX, FormField
from core.models import CATEGORIES, Priority, RecommendationSource, TicketKind
from core.zones import UTC_NAME, end_of_day, zone_of

__all__ = [
    "DEFAULT_KINDS",
    "DESCRIPTION_MAX",
    "FORM_FIELDS",
    "NAME_MAX",
    "TicketFormValues",
    "TicketFormView",
    "check_field",
    "form_again",
    "parse_due",
    "validate_ticket_form",
]

#: ServiceNow's short_description holds 160 characters.
NAME_MAX = 160
#: task.description holds 4,000 characters; SnowOps's footer needs some, and Slack's text
#: input holds 3,000, so every platform accepts the same.
DESCRIPTION_MAX = 3000

#: The kinds every instance has (security incidents need a plugin: see core.kinds).
DEFAULT_KINDS: tuple[TicketKind, ...] = tuple(k for k in TicketKind if not k.optional)

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
    #: The kinds to choose from (security incident only where the instance has it).
    kinds: tuple[TicketKind, ...] = DEFAULT_KINDS
    category: str | None = None
    source: RecommendationSource = RecommendationSource.USER
    recommendation_id: str | None = None
    recommendation_url: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    #: Translated when the form is built (in the asker's language).
    title: str = field(default_factory=lambda: _("New ServiceNow ticket"))
    #: The zone the due date is entered in (the asker's), for the field's label.
    zone: str = UTC_NAME
    #: The instance's required fields SnowOps does not fill (core.instance_fields).
    extra: tuple[FormField, ...] = ()
    #: What was typed in them (``sn.<field>``: value), to show the form again.
    typed: tuple[tuple[str, str], ...] = ()


def form_again(
    values: Mapping[str, str | None],
    *,
    source: RecommendationSource,
    recommendation_id: str | None,
    recommendation_url: str | None,
    errors: Mapping[str, str] | None = None,
    zone: str = UTC_NAME,
) -> TicketFormView:
    """The form as the user filled it, to show again (with ``errors`` next to fields)."""
    try:
        kind = _kind(values.get("kind") or "")
    except ValueError:
        kind = TicketKind.INCIDENT
    # A kind that was chosen was offered: it stays among the choices.
    kinds = tuple(k for k in TicketKind if not k.optional or k is kind)
    try:
        priority = Priority(int(values.get("priority") or 3))
    except ValueError:
        priority = Priority.MODERATE
    return TicketFormView(
        kind=kind,
        kinds=kinds,
        name=values.get("name") or "",
        description=values.get("description") or "",
        priority=priority,
        due=values.get("due") or "",
        category=values.get("category") or None,
        source=source,
        recommendation_id=recommendation_id,
        recommendation_url=recommendation_url,
        errors=dict(errors or {}),
        zone=zone,
        typed=tuple((k, v) for k, v in values.items() if k.startswith(FIELD_PREFIX) and v),
    )


def _in_utc(convert: Callable[[], datetime]) -> datetime:
    """A local time in UTC; years 1 and 9999 may not convert (and are out of range anyway)."""
    try:
        return convert()
    except OverflowError:
        raise ValueError(_("The due date is more than ten years away.")) from None


def parse_due(text: str, now: datetime, zone: str | None = None) -> datetime:
    """``YYYY-MM-DD`` (the end of that day) or ``YYYY-MM-DD HH:MM``, in ``zone`` (the
    asker's; UTC when None), as a UTC time; not in the past."""
    raw = text.strip()
    if _DATE.match(raw):
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise ValueError(_("{date} is not a real date.", date=raw)) from None
        when = _in_utc(lambda: end_of_day(day, zone))
    elif _DATETIME.match(raw):
        try:
            local = datetime.fromisoformat(raw.replace(" ", "T"))
        except ValueError:
            raise ValueError(_("{date} is not a real date and time.", date=raw)) from None
        when = _in_utc(lambda: local.replace(tzinfo=zone_of(zone)).astimezone(UTC))
    else:
        raise ValueError(_("Use the form YYYY-MM-DD, e.g. 2026-12-31."))
    if when < now:
        raise ValueError(_("The due date is in the past."))
    if when.year > now.year + 10:
        raise ValueError(_("The due date is more than ten years away."))
    return when


def _kind(raw: str) -> TicketKind:
    word = raw.strip().lower() or "incident"
    for kind in TicketKind:
        # The value a form sends, the table name, or the word a person types.
        if word in (kind.value, kind.table, kind.value.replace("_", "-"), kind.prefix.lower()):
            return kind
    raise ValueError(_("Choose Incident, Change, Problem or Security incident."))


def _name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise ValueError(_("Give the ticket a name."))
    if len(name) > NAME_MAX:
        raise ValueError(
            _(
                "ServiceNow keeps {most} characters at most; this has {count}.",
                most=format_number(NAME_MAX),
                count=format_number(len(name)),
            )
        )
    return name


def _description(raw: str) -> str:
    description = raw.strip()
    if len(description) > DESCRIPTION_MAX:
        raise ValueError(
            _(
                "Keep the description under {most} characters; this has {count}.",
                most=format_number(DESCRIPTION_MAX),
                count=format_number(len(description)),
            )
        )
    return description


def _priority(raw: str) -> Priority:
    try:
        return Priority(int(raw.strip() or "3"))
    except ValueError:
        raise ValueError(_("Choose a priority from 1 (Critical) to 4 (Low).")) from None


def _category(raw: str) -> str | None:
    wanted = raw.strip().lower()
    if not wanted:
        return None
    for category in CATEGORIES:
        if category.lower() == wanted:
            return category
    raise ValueError(_("Choose one of {categories}.", categories=", ".join(CATEGORIES)))


def _due(raw: str, now: datetime, zone: str | None = None) -> datetime | None:
    return parse_due(raw, now, zone) if raw.strip() else None


#: Each field's rule: its raw text (and the time) → its clean value, or ValueError.
_RULES: dict[str, Callable[[str, datetime], object]] = {
    "kind": lambda raw, _now: _kind(raw),
    "name": lambda raw, _now: _name(raw),
    "description": lambda raw, _now: _description(raw),
    "priority": lambda raw, _now: _priority(raw),
    "due": _due,
    "category": lambda raw, _now: _category(raw),
}


def check_field(name: str, raw: str | None, now: datetime, zone: str | None = None) -> str | None:
    """Why one field's value would be refused, or None when it passes: the same rule
    :func:`validate_ticket_form` applies, for forms asked one field at a time (``zone``:
    the asker's, which a due date is entered in)."""
    try:
        if name == "due":
            _due(raw or "", now, zone)
        else:
            _RULES[name](raw or "", now)
    except ValueError as exc:
        return str(exc)
    return None


def validate_ticket_form(
    values: Mapping[str, str | None], now: datetime, zone: str | None = None
) -> TicketFormValues | dict[str, str]:
    """Check every field; return clean values, or ``{field: message}`` for each bad one.
    A due date is read in ``zone`` (the asker's; UTC when None)."""
    errors: dict[str, str] = {}

    def take[T](name: str, rule: Callable[[str, datetime], T], fallback: T) -> T:
        try:
            return rule(values.get(name) or "", now)
        except ValueError as exc:
            errors[name] = str(exc)
            return fallback

    checked = TicketFormValues(
        kind=take("kind", lambda raw, _now: _kind(raw), TicketKind.INCIDENT),
        name=take("name", lambda raw, _now: _name(raw), ""),
        description=take("description", lambda raw, _now: _description(raw), ""),
        priority=take("priority", lambda raw, _now: _priority(raw), Priority.MODERATE),
        due=take("due", lambda raw, at: _due(raw, at, zone), None),
        category=take("category", lambda raw, _now: _category(raw), None),
    )
    return errors or checked
