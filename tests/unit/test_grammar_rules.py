"""`/snow rules …` read as typed, and every mistake answered with what to write instead."""

from __future__ import annotations

import pytest

from core import commands as c
from core.errors import UsageError
from core.grammar import parse
from core.models import TicketKind


def test_the_issues_examples_read_as_rules() -> None:
    assert parse(
        'rules add when "new recommendation" category Identity points>=8 then incident priority 2'
    ) == c.AddRule("new recommendation", TicketKind.INCIDENT, 2, "Identity", 8)
    assert parse("rules add when “score drops” by>=5 then change") == c.AddRule(
        "score drops", TicketKind.CHANGE, 3, drop=5
    )
    assert parse("rules add when new recommendation then incident") == c.AddRule(
        "new recommendation", TicketKind.INCIDENT
    )
    assert parse("rules") == c.ListRules()
    assert parse("rules remove 2") == c.RemoveRule(2)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("rules add", "A rule starts with when"),
        ('rules add when "score rises" then incident', "is not a trigger"),
        ('rules add when "new recommendation" incident', "after then"),
        ('rules add when "new recommendation" then story', "say incident, change, problem"),
        ('rules add when "new recommendation" then incident priority 7', "priority 1"),
        ('rules add when "new recommendation" category Food then incident', "not a category"),
        ('rules add when "new recommendation" by>=5 then incident', "takes category and points"),
        ('rules add when "score drops" then incident', "takes by>=N"),
        ('rules add when "score drops" by>=0 then incident', "N of 1 or more"),
        ('rules add when "score drops" points>=3 then incident', "takes by>=N"),
        ('rules add when "new recommendation" points>8 then incident', "is not a condition"),
        ('rules add when "new recommendation then incident', "quote is not closed"),
        ("rules remove", "Say which rule"),
        ("rules remove x", "Say which rule"),
        ("rules delete 1", "add or remove one"),
    ],
)
def test_a_wrong_rule_says_how_to_write_it(typed: str, said: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(typed)
    assert said in caught.value.message
