"""A channel's notification schedule: a digest period and quiet hours, in the channel's zone.

Pure time arithmetic, no I/O: :class:`~core.scheduler.ChannelScheduler` asks it whether an
event is posted now, held until quiet hours end, or folded into a digest, and until when.
Times are ``HH:MM`` wall-clock times in the channel's IANA zone (default UTC), so a digest
"daily 09:00" in Europe/Stockholm follows the clock change twice a year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DAILY",
    "HOURLY",
    "URGENT",
    "ChannelSchedule",
    "clock_time",
    "digest_period",
    "quiet_until",
    "zone_info",
]

DAILY = "daily"
HOURLY = "hourly"
#: Priorities 1 and 2 are urgent: quiet hours never hold them.
URGENT = 2
_HHMM = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")


@dataclass(frozen=True, slots=True)
class ChannelSchedule:
    """How a channel hears of ticket changes: ``digest`` "" (each event at once), "daily"
    or "hourly" at ``digest_at``; quiet hours from ``quiet_from`` to ``quiet_to`` ("" none)."""

    digest: str = ""
    digest_at: str = "09:00"
    quiet_from: str = ""
    quiet_to: str = ""
    zone: str = "UTC"

    @property
    def empty(self) -> bool:
        """True when the channel hears of everything at once (nothing to keep)."""
        return not self.digest and not self.quiet_from


def clock_time(text: str) -> time | None:
    """``HH:MM`` (24-hour) as a time, or None when it is not one."""
    match = _HHMM.match(text.strip())
    if match is None:
        return None
    return time(int(match.group(1)), int(match.group(2)))


def zone_info(name: str) -> ZoneInfo | None:
    """The IANA zone called ``name`` ("Europe/Stockholm"), or None when there is none."""
    if not name or len(name) > 64 or not re.fullmatch(r"[A-Za-z0-9_+\-/]+", name):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _zone(schedule: ChannelSchedule) -> ZoneInfo:
    return zone_info(schedule.zone) or ZoneInfo("UTC")


def digest_period(schedule: ChannelSchedule, now: datetime) -> tuple[datetime, datetime]:
    """The digest period ``now`` falls in, as [start, end) in UTC: a day from ``digest_at``
    to the next, or an hour from its minute past one hour to the next."""
    zone = _zone(schedule)
    at = clock_time(schedule.digest_at) or time(9, 0)
    local = now.astimezone(zone)
    if schedule.digest == HOURLY:
        start = local.replace(minute=at.minute, second=0, microsecond=0)
        if start > local:
            start -= timedelta(hours=1)
        begin = start.astimezone(UTC)
        return begin, begin + timedelta(hours=1)
    start = datetime.combine(local.date(), at, zone)
    if start > local:
        start = datetime.combine(local.date() - timedelta(days=1), at, zone)
    # The next day's boundary by the wall clock (a day may have 23 or 25 hours).
    end = datetime.combine(start.date() + timedelta(days=1), at, zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def quiet_until(schedule: ChannelSchedule, now: datetime) -> datetime | None:
    """When the quiet hours ``now`` falls in end (UTC), or None when it is not quiet."""
    begin, finish = clock_time(schedule.quiet_from), clock_time(schedule.quiet_to)
    if begin is None or finish is None or begin == finish:
        return None
    zone = _zone(schedule)
    local = now.astimezone(zone)
    today = local.time().replace(tzinfo=None)
    if begin < finish:  # within one day: 12:00-14:00
        inside = begin <= today < finish
        end_day = local.date()
    else:  # across midnight: 18:00-08:00
        inside = today >= begin or today < finish
        end_day = local.date() + timedelta(days=1) if today >= begin else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, finish, zone).astimezone(UTC)
