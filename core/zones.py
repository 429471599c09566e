"""Time zones: due dates are entered and shown in the asker's zone (IANA names such as
``Europe/Stockholm``), and sent to ServiceNow in UTC.

A zone SnowOps cannot read (none given, an unknown name, a machine without the time zone
database) is UTC, and cards say so: a date is never shown without the zone it is in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.i18n import _, format_date

__all__ = ["UTC_NAME", "end_of_day", "format_due", "zone_name", "zone_of"]

UTC_NAME = "UTC"
#: The last second of a day: what a due date without a time means.
_END = time(23, 59, 59)


@lru_cache(maxsize=512)
def _zone(name: str) -> tzinfo | None:
    if not name or len(name) > 64 or ".." in name or name.startswith("/"):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def zone_name(name: str | None) -> str:
    """``name`` when it is a zone SnowOps can use, else ``UTC``."""
    clean = (name or "").strip()
    return clean if _zone(clean) is not None else UTC_NAME


def zone_of(name: str | None) -> tzinfo:
    """The zone called ``name`` (UTC when unknown)."""
    return _zone(zone_name(name)) or UTC


def end_of_day(day: date, zone: str | None) -> datetime:
    """23:59:59 of ``day`` in ``zone``, as a UTC time (what ServiceNow stores)."""
    return datetime.combine(day, _END, tzinfo=zone_of(zone)).astimezone(UTC)


def format_due(due: datetime, zone: str | None) -> str:
    """A due date as its reader sees it, in their language, with the zone:
    ``Dec 31, 2026 (Europe/Stockholm)``, ``31 dec. 2026 (Europe/Stockholm)``; a due time
    other than the day's end shows its time too (24-hour, as ServiceNow shows it)."""
    local = due.astimezone(zone_of(zone))
    if local.time().replace(microsecond=0) != _END:
        return _(
            "{date} {time} ({zone})",
            date=format_date(local.date()),
            time=local.strftime("%H:%M"),
            zone=zone_name(zone),
        )
    return _("{date} ({zone})", date=format_date(local.date()), zone=zone_name(zone))
