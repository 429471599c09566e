"""The time arithmetic of digests and quiet hours, in the channel's zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.schedules import ChannelSchedule, digest_period, quiet_until, zone_info


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_daily_digest_runs_from_its_time_to_the_next_day_in_the_channels_zone() -> None:
    sched = ChannelSchedule(digest="daily", digest_at="09:00", zone="Europe/Stockholm")
    start, end = digest_period(sched, at("2026-11-26T12:00"))  # 13:00 in Stockholm
    assert (start, end) == (at("2026-11-26T08:00"), at("2026-11-27T08:00"))
    start, end = digest_period(sched, at("2026-11-26T07:59"))  # 08:59 there: yesterday's
    assert (start, end) == (at("2026-11-25T08:00"), at("2026-11-26T08:00"))


def test_a_daily_digest_follows_the_clock_change() -> None:
    # Stockholm leaves summer time on 25 Oct 2026: that day has 25 hours.
    sched = ChannelSchedule(digest="daily", digest_at="09:00", zone="Europe/Stockholm")
    start, end = digest_period(sched, at("2026-10-24T12:00"))
    assert start == at("2026-10-24T07:00")  # 09:00 CEST
    assert end == at("2026-10-25T08:00")  # 09:00 CET


def test_an_hourly_digest_runs_from_its_minute() -> None:
    sched = ChannelSchedule(digest="hourly", digest_at="00:15")
    assert digest_period(sched, at("2026-11-26T12:10")) == (
        at("2026-11-26T11:15"),
        at("2026-11-26T12:15"),
    )


@pytest.mark.parametrize(
    ("now", "until"),
    [
        ("2026-11-26T17:59", None),
        ("2026-11-26T18:00", "2026-11-27T08:00"),
        ("2026-11-26T23:30", "2026-11-27T08:00"),
        ("2026-11-27T07:59", "2026-11-27T08:00"),
        ("2026-11-27T08:00", None),
    ],
)
def test_quiet_hours_across_midnight(now: str, until: str | None) -> None:
    sched = ChannelSchedule(quiet_from="18:00", quiet_to="08:00")
    assert quiet_until(sched, at(now)) == (at(until) if until else None)


def test_quiet_hours_within_a_day_and_in_a_zone() -> None:
    sched = ChannelSchedule(quiet_from="12:00", quiet_to="14:00", zone="America/New_York")
    assert quiet_until(sched, at("2026-11-26T17:30")) == at("2026-11-26T19:00")  # 12:30 EST
    assert quiet_until(sched, at("2026-11-26T16:59")) is None


def test_a_zone_is_an_iana_name_or_nothing() -> None:
    assert zone_info("Europe/Stockholm") is not None
    assert zone_info("../../etc/passwd") is None
    assert zone_info("Mars/Olympus") is None
    assert zone_info("") is None


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 1, 1)),
    st.sampled_from(["UTC", "Europe/Stockholm", "America/New_York", "Asia/Kolkata"]),
    st.sampled_from(["daily", "hourly"]),
    st.integers(0, 23),
    st.integers(0, 59),
)
def test_every_moment_is_in_exactly_one_period(
    naive: datetime, zone: str, every: str, hour: int, minute: int
) -> None:
    sched = ChannelSchedule(digest=every, digest_at=f"{hour:02d}:{minute:02d}", zone=zone)
    now = naive.replace(tzinfo=UTC)
    start, end = digest_period(sched, now)
    assert start <= now < end
    # The next period starts where this one ends.
    assert digest_period(sched, end)[0] == end
