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
            "kind": "problem",
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
    "kind": "problem",
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
