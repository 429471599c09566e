"""Ticket form validation: bad values are caught before anything is sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.forms import FORM_FIELDS, TicketFormValues, check_field, parse_due, validate_ticket_form
from core.models import Priority, TicketKind

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_valid_form_is_cleaned() -> None:
    out = validate_ticket_form(
        {
            "kind": "change",
            "name": "  Enable   MFA  ",
            "description": "Do it",
            "priority": "1",
            "due": "2026-12-31",
            "category": "identity",
        },
        NOW,
    )
    assert out == TicketFormValues(
        TicketKind.CHANGE,
        "Enable MFA",
        "Do it",
        Priority.CRITICAL,
        datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
        "Identity",
    )


def test_every_bad_field_is_reported_next_to_its_field() -> None:
    out = validate_ticket_form(
        {
            "kind": "story",
            "name": "x" * 161,
            "description": "d" * 3501,
            "priority": "9",
            "due": "2026-11-01",
            "category": "Planets",
        },
        NOW,
    )
    assert isinstance(out, dict)
    assert set(out) == {"kind", "name", "description", "priority", "due", "category"}
    assert "160 characters at most; this has 161" in out["name"]
    assert out["due"] == "The due date is in the past."


BAD = {
    "kind": "story",
    "name": "x" * 161,
    "description": "d" * 3501,
    "priority": "9",
    "due": "2026-11-01",
    "category": "Planets",
}
GOOD = {
    "kind": "change_request",
    "name": " Enable MFA ",
    "description": "",
    "priority": "",
    "due": "",
    "category": "data",
}


@pytest.mark.parametrize("field", FORM_FIELDS)
def test_one_field_is_checked_by_the_same_rule_as_the_whole_form(field: str) -> None:
    """A form asked field by field (the console) checks each with core's rule for it."""
    whole = validate_ticket_form({**GOOD, field: BAD[field]}, NOW)
    assert isinstance(whole, dict)
    assert check_field(field, BAD[field], NOW) == whole[field]
    assert check_field(field, GOOD[field], NOW) is None
    assert check_field(field, "2020-01-01" if field == "due" else BAD[field], NOW) is not None


def test_name_is_required() -> None:
    out = validate_ticket_form({"name": "   "}, NOW)
    assert out == {"name": "Give the ticket a name."}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/12/2026", "Use the form YYYY-MM-DD"),
        ("2026-02-30", "not a real date"),
        ("2026-11-25", "in the past"),
        ("2099-01-01", "more than ten years"),
    ],
)
def test_bad_due_dates(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_due(text, NOW)


def test_due_with_time_is_utc() -> None:
    assert parse_due("2026-12-01 09:30", NOW) == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


# -- time zones ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "zone", "utc"),
    [
        ("2026-12-31", "Europe/Stockholm", datetime(2026, 12, 31, 22, 59, 59, tzinfo=UTC)),
        ("2027-07-01", "Europe/Stockholm", datetime(2027, 7, 1, 21, 59, 59, tzinfo=UTC)),
        ("2026-12-31", "America/New_York", datetime(2027, 1, 1, 4, 59, 59, tzinfo=UTC)),
        ("2026-12-31", None, datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2026-12-31", "Not/AZone", datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2026-12-01 09:30", "Europe/Stockholm", datetime(2026, 12, 1, 8, 30, tzinfo=UTC)),
    ],
)
def test_a_due_date_is_the_end_of_the_day_in_the_askers_zone(
    text: str, zone: str | None, utc: datetime
) -> None:
    assert parse_due(text, NOW, zone) == utc
    checked = validate_ticket_form({**GOOD, "due": text}, NOW, zone)
    assert isinstance(checked, TicketFormValues)
    assert checked.due == utc


def test_the_last_day_in_a_zone_west_of_utc_is_refused_not_a_crash() -> None:
    assert check_field("due", "9999-12-31", NOW, "America/New_York") is not None
    assert check_field("due", "2026-12-31", NOW, "America/New_York") is None


def test_a_card_shows_the_due_date_in_the_readers_zone_with_the_zone() -> None:
    from core.zones import format_due

    due = datetime(2026, 12, 31, 22, 59, 59, tzinfo=UTC)
    assert format_due(due, "Europe/Stockholm") == "Dec 31, 2026 (Europe/Stockholm)"
    assert format_due(due, "") == "Dec 31, 2026 22:59 (UTC)"
    assert format_due(due, "America/New_York") == "Dec 31, 2026 17:59 (America/New_York)"


def test_a_swedish_reader_sees_the_due_date_written_the_swedish_way() -> None:
    from core.i18n import use_locale
    from core.zones import format_due

    due = datetime(2026, 12, 31, 22, 59, 59, tzinfo=UTC)
    with use_locale("sv-SE"):
        assert format_due(due, "Europe/Stockholm") == "31 dec. 2026 (Europe/Stockholm)"
        assert format_due(due, "") == "31 dec. 2026 22:59 (UTC)"
