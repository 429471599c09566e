"""Unit tests of the encoded-query parser and evaluator (no HTTP)."""

from __future__ import annotations

import pytest

from sim.servicenow.query import Condition, EncodedQuery, OrderBy, parse_condition, parse_query

ROWS = [
    {"number": "INC1", "state": "1", "priority": "5", "opened": "2024-01-01 10:00:00", "tag": ""},
    {"number": "INC2", "state": "2", "priority": "10", "opened": "2024-02-01 10:00:00", "tag": "a"},
    {"number": "INC3", "state": "6", "priority": "3", "opened": "2023-12-31 23:59:59", "tag": "b"},
    {"number": "CHG4", "state": "2", "priority": "3", "opened": "", "tag": "a^b"},
]


def select(text: str) -> list[str]:
    query = parse_query(text)
    matched = [row for row in ROWS if query.matches(row.get)]
    return [row["number"] for row in query.sort(matched, lambda row, name: row.get(name))]


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        ("state=2", Condition("state", "=", "2")),
        ("state!=2", Condition("state", "!=", "2")),
        ("stateIN1,2", Condition("state", "IN", "1,2")),
        ("stateNOT IN1,2", Condition("state", "NOT IN", "1,2")),
        ("numberSTARTSWITHINC", Condition("number", "STARTSWITH", "INC")),
        ("numberENDSWITH3", Condition("number", "ENDSWITH", "3")),
        ("numberLIKENC", Condition("number", "LIKE", "NC")),
        ("priority<=3", Condition("priority", "<=", "3")),
        ("priority>=3", Condition("priority", ">=", "3")),
        ("priority<3", Condition("priority", "<", "3")),
        ("priority>3", Condition("priority", ">", "3")),
        ("tagISEMPTY", Condition("tag", "ISEMPTY", "")),
        ("tagISNOTEMPTY", Condition("tag", "ISNOTEMPTY", "")),
        ("caller_id.email=a@b.c", Condition("caller_id.email", "=", "a@b.c")),
        (
            "sys_updated_on>=2024-01-01 00:00:00",
            Condition("sys_updated_on", ">=", "2024-01-01 00:00:00"),
        ),
    ],
)
def test_parse_condition(part: str, expected: Condition) -> None:
    assert parse_condition(part) == expected


@pytest.mark.parametrize("part", ["", "=2", "STATE=2", "stateBOGUS2", "opened>javascript:gs.now()"])
def test_unparseable_terms_are_none(part: str) -> None:
    assert parse_condition(part) is None


def test_empty_query_matches_everything() -> None:
    assert parse_query("") == EncodedQuery()
    assert select("") == ["INC1", "INC2", "INC3", "CHG4"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("state=2", ["INC2", "CHG4"]),
        ("state!=2", ["INC1", "INC3"]),
        ("numberSTARTSWITHINC", ["INC1", "INC2", "INC3"]),
        ("numberENDSWITH4", ["CHG4"]),
        ("numberLIKENC", ["INC1", "INC2", "INC3"]),
        ("numberNOT LIKENC", ["CHG4"]),
        ("stateIN1,6", ["INC1", "INC3"]),
        ("stateNOT IN1,6", ["INC2", "CHG4"]),
        ("tagISEMPTY", ["INC1"]),
        ("tagISNOTEMPTY", ["INC2", "INC3", "CHG4"]),
        ("tagANYTHING", ["INC1", "INC2", "INC3", "CHG4"]),
        # Numeric strings compare as numbers: "10" > "5".
        ("priority>5", ["INC2"]),
        ("priority>=5", ["INC1", "INC2"]),
        ("priority<5", ["INC3", "CHG4"]),
        ("priority<=3", ["INC3", "CHG4"]),
        # UTC stamps compare as strings; an empty value never compares.
        ("opened>2024-01-01 00:00:00", ["INC1", "INC2"]),
        ("opened<2024-01-15 00:00:00", ["INC1", "INC3"]),
        ("opened<=2023-12-31 23:59:59", ["INC3"]),
        ("opened>=2024-02-01 10:00:00", ["INC2"]),
        ("tag=a^^b", ["CHG4"]),
    ],
)
def test_operators(text: str, expected: list[str]) -> None:
    assert select(text) == expected


def test_and_binds_looser_than_or() -> None:
    # a AND (b OR c)
    assert select("numberSTARTSWITHINC^state=1^ORstate=6") == ["INC1", "INC3"]
    assert parse_query("a=1^b=2^ORc=3").groups == (
        ((Condition("a", "=", "1"),), (Condition("b", "=", "2"), Condition("c", "=", "3"))),
    )


def test_nq_ors_whole_queries() -> None:
    assert select("state=1^NQnumber=CHG4") == ["INC1", "CHG4"]


def test_orderby_and_orderbydesc() -> None:
    assert select("ORDERBYpriority") == ["INC3", "CHG4", "INC1", "INC2"]
    assert select("ORDERBYDESCpriority") == ["INC2", "INC1", "INC3", "CHG4"]
    # The first ORDERBY is the primary key; later ones break ties.
    assert select("ORDERBYpriority^ORDERBYDESCnumber") == ["INC3", "CHG4", "INC1", "INC2"]
    assert select("ORDERBYDESCstate^ORDERBYnumber") == ["INC3", "CHG4", "INC2", "INC1"]
    # Empty values sort first, as NULLs do.
    assert select("ORDERBYopened") == ["CHG4", "INC3", "INC1", "INC2"]
    assert parse_query("ORDERBYDESCsys_created_on").order_by == (
        OrderBy("sys_created_on", descending=True),
    )


def test_unknown_fields_and_garbage_are_ignored() -> None:
    assert select("no_such_field=1^state=2") == ["INC2", "CHG4"]
    assert select("state=2^ORno_such_field=1") == ["INC2", "CHG4"]
    assert select("%%garbage%%^state=6") == ["INC3"]
    assert select("opened>javascript:gs.daysAgoStart(0)^state=1") == ["INC1"]
    assert select("ORDERBYno_such_field^EQ") == ["INC1", "INC2", "INC3", "CHG4"]


def test_or_after_an_ignored_term_stands_alone() -> None:
    # Same as an OR-ed condition on an unknown field: the alternative is what remains.
    assert select("state=1^bogus^ORstate=6") == []
    assert select("state=1^no_such_field=1^ORstate=6") == []
    assert parse_query("BOGUS^ORstate=6").groups == (((Condition("state", "=", "6"),),),)


def test_dot_walk_lookup_is_delegated() -> None:
    query = parse_query("caller_id.email=abel.tuter@example.com")
    values = {"caller_id.email": "abel.tuter@example.com"}
    assert query.matches(values.get)
    assert not query.matches({"caller_id.email": "x"}.get)
