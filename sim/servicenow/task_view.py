"""The ``task`` table: the parent of every ticket table, read-only here.

On a real instance incident, change_request, problem and sn_si_incident extend ``task``: a
query on ``task`` returns rows of every child class, each with its ``sys_class_name``, and
only the fields ``task`` itself defines. Each row is checked against its own class's ACLs
(as the platform evaluates ACLs on the record's class); the table-level read of ``task``
needs ``itil`` here (README lists what is simplified). SnowOps reads it to poll every
ticket kind in one request; the sim refuses writes to it (SnowOps never makes one).
"""

from __future__ import annotations

from dataclasses import replace

from .schema import TableSchema
from .store import Record, RecordStore

__all__ = ["TASK", "task_rows", "task_schema"]

TASK = "task"


def task_schema(store: RecordStore) -> TableSchema | None:
    """``task``'s shape: the fields every ticket table this instance has shares."""
    children = [store.schemas[name] for name in store.number_tables()]
    if not children:
        return None
    first = children[0]
    common = [name for name in first.defaults if all(c.knows(name) for c in children[1:])]
    return replace(
        first,
        name=TASK,
        defaults={name: first.defaults[name] for name in common},
        references={k: v for k, v in first.references.items() if k in common},
        choices={},
        number_prefix=None,
        label="Task",
        labels={},
        types={},
        plugin=None,
        subcategories={},
    )


def task_rows(store: RecordStore) -> list[Record]:
    """Every row of every ticket table (each carries its ``sys_class_name``)."""
    return [row for name in store.number_tables() for row in store.rows(name)]
