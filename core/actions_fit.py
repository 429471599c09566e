"""Requests of the ticket form's instance fields (core.instance_fields), listed in
:data:`core.actions.Request`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

__all__ = ["REFERENCE_DATASET", "SuggestRecords", "reference_table"]

#: A reference field's type-ahead: Slack's ``action_id``, Teams' ``Data.Query`` dataset.
REFERENCE_DATASET = "snowops.ref."


def reference_table(dataset: object) -> str | None:
    """The referenced table a type-ahead asks about (``snowops.ref.cmdb_ci``), or None."""
    if not isinstance(dataset, str) or not dataset.startswith(REFERENCE_DATASET):
        return None
    return dataset.removeprefix(REFERENCE_DATASET)[:80] or None


@dataclass(frozen=True, slots=True)
class SuggestRecords:
    """A reference field's type-ahead: records of ``table`` whose name holds ``query``."""

    table: str
    query: str
    admin: ClassVar[bool] = False
