"""Parser and evaluator for the subset of ServiceNow encoded queries the simulator supports.

Grammar handled: conditions joined by `^` (AND) and `^OR` (OR, binding tighter than AND, so
`a^b^ORc` is `a AND (b OR c)`), `^NQ` (OR of whole queries), `ORDERBY<f>` / `ORDERBYDESC<f>`,
and `^^` as an escaped caret inside a value. Operators: `=`, `!=`, `<`, `<=`, `>`, `>=`,
`STARTSWITH`, `ENDSWITH`, `LIKE`, `NOT LIKE`, `IN`, `NOT IN`, `ISEMPTY`, `ISNOTEMPTY`,
`ANYTHING`. Like the real instance, parts it cannot understand and conditions on unknown
fields are silently ignored instead of failing the request. LIKE, NOT LIKE, STARTSWITH and
ENDSWITH ignore case (type-ahead finds "Email" from "ema"); `=` and IN compare exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

# Field names are lowercase and operators uppercase, which is what lets `stateIN1,2` split.
_FIELD = re.compile(r"[a-z0-9_.]+")
_OPERATORS = (
    "ISNOTEMPTY",
    "ISEMPTY",
    "ANYTHING",
    "NOT IN",
    "NOT LIKE",
    "STARTSWITH",
    "ENDSWITH",
    "LIKE",
    "IN",
    "!=",
    "<=",
    ">=",
    "=",
    "<",
    ">",
)
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_CARET = "\x00"

Lookup = Callable[[str], str | None]
"""Returns a field's value for the row being tested, or None when the field does not exist."""


def _is_number(text: str) -> bool:
    return _NUMBER.fullmatch(text) is not None


def _compare(left: str, right: str) -> int:
    """Numeric comparison for numeric strings, else string comparison (fine for UTC stamps)."""
    if _is_number(left) and _is_number(right):
        x, y = float(left), float(right)
        return (x > y) - (x < y)
    return (left > right) - (left < right)


@dataclass(frozen=True)
class Condition:
    """One `<field><operator><value>` term."""

    field: str
    operator: str
    value: str

    def test(self, actual: str) -> bool:
        """Whether a field value satisfies this condition."""
        op, value = self.operator, self.value
        if op == "ANYTHING":
            return True
        if op == "ISEMPTY":
            return actual == ""
        if op == "ISNOTEMPTY":
            return actual != ""
        if op == "=":
            return actual == value
        if op == "!=":
            return actual != value
        # Text matching ignores case, as the instance database's collation does.
        if op == "STARTSWITH":
            return actual.casefold().startswith(value.casefold())
        if op == "ENDSWITH":
            return actual.casefold().endswith(value.casefold())
        if op == "LIKE":
            return value.casefold() in actual.casefold()
        if op == "NOT LIKE":
            return value.casefold() not in actual.casefold()
        if op == "IN":
            return actual in value.split(",")
        if op == "NOT IN":
            return actual not in value.split(",")
        # Ordering operators: an empty value is NULL in the database and never compares.
        if actual == "":
            return False
        order = _compare(actual, value)
        return {"<": order < 0, "<=": order <= 0, ">": order > 0, ">=": order >= 0}[op]


@dataclass(frozen=True)
class OrderBy:
    """One `ORDERBY` / `ORDERBYDESC` term."""

    field: str
    descending: bool = False


Clause = tuple[Condition, ...]
"""Alternatives joined by `^OR`; the clause holds when any alternative holds."""


@dataclass(frozen=True)
class EncodedQuery:
    """A parsed encoded query: `^NQ` groups of AND-ed clauses, plus the requested ordering."""

    groups: tuple[tuple[Clause, ...], ...] = ()
    order_by: tuple[OrderBy, ...] = ()

    def matches(self, lookup: Lookup) -> bool:
        """Whether the row behind `lookup` satisfies the query."""
        if not self.groups:
            return True
        return any(all(_clause_holds(clause, lookup) for clause in g) for g in self.groups)

    def sort[T](self, rows: list[T], lookup_for: Callable[[T, str], str | None]) -> list[T]:
        """Rows ordered by the ORDERBY terms (first term is the primary key); stable."""
        ordered = list(rows)
        for term in reversed(self.order_by):
            # list.sort is stable even with reverse=True, so earlier keys survive as tiebreaks.
            ordered.sort(key=partial(_row_key, lookup_for, term.field), reverse=term.descending)
        return ordered


def _clause_holds(clause: Clause, lookup: Lookup) -> bool:
    known = [(cond, value) for cond in clause if (value := lookup(cond.field)) is not None]
    # A clause made only of unknown fields is dropped, as the platform does.
    return not known or any(cond.test(value) for cond, value in known)


def _row_key[T](
    lookup_for: Callable[[T, str], str | None], name: str, row: T
) -> tuple[int, float, str]:
    return _sort_key(lookup_for(row, name))


def _sort_key(value: str | None) -> tuple[int, float, str]:
    if not value:
        return (0, 0.0, "")  # NULLs first in ascending order, like MySQL
    if _is_number(value):
        return (1, float(value), "")
    return (2, 0.0, value)


def parse_condition(part: str) -> Condition | None:
    """Parse one term such as `stateIN1,2`; None when it is not understood."""
    match = _FIELD.match(part)
    if match is None:
        return None
    name, rest = match.group(), part[match.end() :]
    for op in _OPERATORS:
        if rest.startswith(op):
            value = rest[len(op) :].replace(_CARET, "^")
            if value.startswith("javascript:"):
                # Server-side script values are not evaluated here: ignore the term.
                return None
            return Condition(name, op, value)
    return None


def parse_query(text: str) -> EncodedQuery:
    """Parse a `sysparm_query` value into an EncodedQuery; never raises."""
    text = text.replace("^^", _CARET)
    groups: list[tuple[Clause, ...]] = []
    order_by: list[OrderBy] = []
    group_texts = text.split("^NQ")
    for group_text in group_texts:
        clauses: list[list[Condition]] = []
        # The clause an `^OR` term joins; None after an ignored term so its ORs stand alone.
        current: list[Condition] | None = None
        for part in group_text.split("^"):
            if not part or part == "EQ":
                continue
            if part.startswith("ORDERBYDESC"):
                order_by.append(OrderBy(part[len("ORDERBYDESC") :], descending=True))
                continue
            if part.startswith("ORDERBY"):
                order_by.append(OrderBy(part[len("ORDERBY") :]))
                continue
            is_or = part.startswith("OR")
            cond = parse_condition(part[2:] if is_or else part)
            if cond is None:
                if not is_or:
                    current = None
                continue
            if is_or and current is not None:
                current.append(cond)
            else:
                current = [cond]
                clauses.append(current)
        # An all-ignored group still counts as "match everything" when OR-ed with others.
        if clauses or len(group_texts) > 1:
            groups.append(tuple(tuple(c) for c in clauses))
    return EncodedQuery(tuple(groups), tuple(order_by))
