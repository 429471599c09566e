"""Data policies: server-side mandatory fields, enforced on every insert and update.

A real instance keeps them in sys_data_policy2 / sys_data_policy_rule; the sim keeps them as
plain objects (changed over /sim/data-policies) and refuses a write the way the platform does:
403 `Operation Failed` / `Data Policy Exception: \\n\\tThe following fields are mandatory: …`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from .query import parse_query
from .schema import TableSchema

if TYPE_CHECKING:
    from .store import RecordStore


class DataPolicyError(ValueError):
    """A data policy rejected the write; `fields` are the labels of the missing fields."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__(f"The following fields are mandatory: {', '.join(fields)}")
        self.fields = fields


@dataclass
class DataPolicy:
    """Fields that must not be empty when a record of `table` matches `condition`.

    `condition` is an encoded query ("" matches every record). `origin` is "base" for the
    policies a fresh instance has, "dictionary" for those /sim/dictionary added to enforce a
    mandatory flag, "custom" for the rest.
    """

    table: str
    mandatory: list[str]
    condition: str = ""
    name: str = ""
    origin: str = "custom"
    active: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the control API."""
        return asdict(self)


def base_policies() -> list[DataPolicy]:
    """The data policies of a fresh instance (see README for which are sourced)."""
    return [
        DataPolicy(
            "incident",
            ["close_code", "close_notes"],
            "stateIN6,7",
            "Make close info mandatory when resolved or closed",
            "base",
        ),
        DataPolicy(
            "problem",
            ["assigned_to"],
            "stateIN102,103,104,106,107",
            "Assigned to mandatory after New",
            "base",
        ),
        DataPolicy(
            "problem", ["resolution_code"], "stateIN106,107", "Resolution code on resolve", "base"
        ),
        DataPolicy(
            "sn_si_incident",
            ["close_code", "close_notes"],
            "state=3",
            "Closure information mandatory on close",
            "base",
        ),
    ]


def check(store: RecordStore, schema: TableSchema, after: dict[str, str]) -> None:
    """Raise DataPolicyError naming every empty mandatory field of the policies that apply."""
    missing: list[str] = []
    for policy in store.policies:
        if not policy.active or policy.table != schema.name:
            continue
        query = parse_query(policy.condition)
        if not query.matches(lambda name: after.get(name, "") if schema.knows(name) else None):
            continue
        for name in policy.mandatory:
            label = store.field_label(schema.name, name)
            if schema.knows(name) and not after.get(name) and label not in missing:
                missing.append(label)
    if missing:
        raise DataPolicyError(missing)
