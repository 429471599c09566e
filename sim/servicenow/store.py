"""In-memory tables: rows keyed by sys_id, number counters, lookups and journal history.

The store owns this instance's schemas (a customised instance adds fields, a missing plugin
removes tables), so everything that needs a table's shape asks the store.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from .catalog import BASE_SCHEMAS, TASK_TABLES
from .ids import new_sys_id
from .indexes import FieldIndexes
from .narrowing import Narrowings
from .policies import DataPolicy, base_policies
from .schema import COMBINED_JOURNAL, JOURNAL_LABELS, TableSchema

Record = dict[str, str]
#: A rule run after every committed write: (table, row before or None, row, actor, now).
AfterRule = Callable[[str, Record | None, Record, Any, str], None]
_CACHED = ("sys_choice", "sys_dictionary", "sys_user_has_role", "sys_user_grmember")


class RecordStore:
    """All rows of all simulated tables; every value is a string, references hold sys_ids."""

    def __init__(self) -> None:
        self.schemas: dict[str, TableSchema] = dict(BASE_SCHEMAS)
        self.tables: dict[str, dict[str, Record]] = {name: {} for name in self.schemas}
        self._counters: dict[str, int] = {}
        self._numbers: dict[str, tuple[str, str]] = {}
        self._caches: dict[str, Any] = {}
        #: The instance's data policies (sys_data_policy2 on a real instance).
        self.policies: list[DataPolicy] = base_policies()
        #: change sys_id -> sysapproval_approver sys_ids of the step it waits on.
        self.approval_batches: dict[str, list[str]] = {}
        #: Called after each committed insert or update (table, row): business rules.
        self.after_write: list[Callable[[str, Record], None]] = []
        #: Called after each committed write with the old row and the actor (approvals).
        self.after_rules: list[AfterRule] = []
        #: Pollers' scopes, kept up to date row by row (see :meth:`narrowed`).
        self._narrowings = Narrowings()
        #: Rows by a field's value, for ``=`` and ``IN`` terms (see :meth:`indexed`).
        self._indexes = FieldIndexes()

    # -- schemas ----------------------------------------------------------------------------

    def schema(self, table: str) -> TableSchema | None:
        """The schema of a table this instance has, or None (unknown, or plugin missing)."""
        return self.schemas.get(table)

    def add_field(self, table: str, name: str, label: str, reference: str | None) -> TableSchema:
        """Add a (custom) field to a table; existing rows read it as empty."""
        schema = self.schemas[table]
        if schema.knows(name):
            return schema
        defaults = {**schema.defaults, name: ""}
        refs = {**schema.references, **({name: reference} if reference else {})}
        schema = dataclasses.replace(
            schema, defaults=defaults, references=refs, labels={**schema.labels, name: label}
        )
        self.schemas[table] = schema
        return schema

    def drop_table(self, table: str) -> None:
        """Forget a table and its rows (an instance without the plugin that brings it)."""
        self.schemas.pop(table, None)
        self.tables.pop(table, None)
        self.invalidate(table)
        self._numbers = {k: v for k, v in self._numbers.items() if v[0] != table}

    def restore_table(self, schema: TableSchema) -> None:
        """Bring a table back, empty."""
        self.schemas[schema.name] = schema
        self.tables.setdefault(schema.name, {})
        self.invalidate(schema.name)

    def number_tables(self) -> list[str]:
        """Tables whose rows carry an INC/CHG/PRB/SIR number."""
        return [name for name in TASK_TABLES if name in self.schemas]

    # -- rows -------------------------------------------------------------------------------

    def committed(self, table: str, record: Record) -> None:
        """Run the after-write hooks for a committed row."""
        self._row_written(table, record["sys_id"], record, new=False)
        for hook in self.after_write:
            hook(table, record)

    def invalidate(self, table: str) -> None:
        """Drop cached lookups built from `table`."""
        self._narrowings.changed(table)
        self._indexes.changed(table)
        self._drop_lookups(table)

    def _row_written(self, table: str, sys_id: str, record: Record | None, *, new: bool) -> None:
        """One row written (None: deleted): the scopes move it, lookups built from the
        table go."""
        self._narrowings.written(table, sys_id, record, new=new)
        self._indexes.written(table, sys_id, record, new=new)
        self._drop_lookups(table)

    def _drop_lookups(self, table: str) -> None:
        if table == "sys_user_role":
            table = "sys_user_has_role"  # role names feed the roles index
        if table in _CACHED:
            self._caches.pop(table, None)

    def narrowed(
        self,
        tables: tuple[str, ...],
        key: tuple[str, str, str],
        rows: Callable[[], list[Record]],
        keep: Callable[[Record], bool],
    ) -> list[Record]:
        """The rows of ``tables`` that ``keep`` holds, for the narrowing ``key`` (field,
        operator, value): made from ``rows()`` once, then kept up to date as rows are
        written (an index, as an instance has on a queried field). Pollers repeat the same
        query; each scan of a big table cost milliseconds, and a rescan after every write
        cost the bench's simulators more than the SnowOps they served."""
        return self._narrowings.rows(tables, key, rows, keep)

    def indexed(self, table: str, terms: list[tuple[str, set[str]]]) -> list[Record]:
        """The rows of ``table`` whose every field in ``terms`` (field, values) holds one of
        its values exactly, in table order, through indexes kept up to date as rows are
        written."""
        return self._indexes.find(table, terms, self.tables.get(table, {}))

    def get(self, table: str, sys_id: str) -> Record | None:
        """The stored row (not a copy) or None."""
        return self.tables.get(table, {}).get(sys_id)

    def rows(self, table: str) -> list[Record]:
        """Rows of a table in insertion order."""
        return list(self.tables.get(table, {}).values())

    def put(self, table: str, record: Record) -> None:
        """Insert or replace a row."""
        rows = self.tables[table]
        new = record["sys_id"] not in rows
        rows[record["sys_id"]] = record
        self._row_written(table, record["sys_id"], record, new=new)
        if record.get("number") and table in TASK_TABLES:
            self._numbers[record["number"]] = (table, record["sys_id"])

    def delete(self, table: str, sys_id: str) -> bool:
        """Remove a row; False when it did not exist."""
        self._row_written(table, sys_id, None, new=False)
        return self.tables.get(table, {}).pop(sys_id, None) is not None

    def next_number(self, schema: TableSchema) -> str:
        """Next `INC0010001`-style number: prefix plus a 7-digit zero-padded counter."""
        value = self._counters.get(schema.name, schema.number_start)
        self._counters[schema.name] = value + 1
        return f"{schema.number_prefix}{value:07d}"

    def find_by_number(
        self, number: str, tables: tuple[str, ...] = TASK_TABLES
    ) -> tuple[str, Record] | None:
        """(table, row) holding `number` among `tables`, or None."""
        found = self._numbers.get(number)
        if found is not None and found[0] in tables:
            record = self.get(*found)
            if record is not None and record["number"] == number:
                return found[0], record
        for table in tables:  # a row renumbered or put without the index
            for record in self.tables.get(table, {}).values():
                if record["number"] == number:
                    return table, record
        return None

    def task(self, sys_id: str) -> tuple[str, Record] | None:
        """(table, row) of a task-like row by sys_id (what a `task` reference points at)."""
        for table in self.number_tables():
            record = self.tables[table].get(sys_id)
            if record is not None:
                return table, record
        return None

    # -- users, roles, groups -----------------------------------------------------------------

    def user_by_name(self, user_name: str) -> Record | None:
        """The sys_user row with this user_name."""
        for record in self.tables["sys_user"].values():
            if record["user_name"] == user_name:
                return record
        return None

    def roles_of(self, user_sys_id: str) -> frozenset[str]:
        """Names of the active roles a user has."""
        index: dict[str, set[str]] | None = self._caches.get("sys_user_has_role")
        if index is None:
            index = {}
            names = {r["sys_id"]: r["name"] for r in self.rows("sys_user_role")}
            for row in self.rows("sys_user_has_role"):
                if row["state"] == "active" and row["role"] in names:
                    index.setdefault(row["user"], set()).add(names[row["role"]])
            self._caches["sys_user_has_role"] = index
        return frozenset(index.get(user_sys_id, ()))

    def members(self, group_sys_id: str) -> list[str]:
        """sys_ids of a group's members, in the order they joined."""
        index: dict[str, list[str]] | None = self._caches.get("sys_user_grmember")
        if index is None:
            index = {}
            for row in self.rows("sys_user_grmember"):
                index.setdefault(row["group"], []).append(row["user"])
            self._caches["sys_user_grmember"] = index
        return list(index.get(group_sys_id, ()))

    def group_by_name(self, name: str) -> Record | None:
        """The sys_user_group row with this name."""
        for record in self.tables["sys_user_group"].values():
            if record["name"] == name:
                return record
        return None

    # -- references and display values -----------------------------------------------------

    def _target_rows(self, target: str) -> dict[str, Record]:
        if target == "task":
            return {k: v for t in self.number_tables() for k, v in self.tables[t].items()}
        return self.tables.get(target, {})

    def _display_field(self, target: str) -> str:
        schema = self.schemas.get(target)
        return "number" if target == "task" or schema is None else schema.display_field

    def resolve_reference(self, target: str, value: str) -> str:
        """Map a written reference value to a sys_id: a sys_id, or else a matching display value.

        ServiceNow also accepts the display value (or, for users, the user_name) of the target;
        anything unmatched is stored as given, as the platform does.
        """
        rows = self._target_rows(target)
        if not value or value in rows:
            return value
        display = self._display_field(target)
        for row in rows.values():
            if value in (row.get(display), row.get("user_name")):
                return row["sys_id"]
        return value

    def display_value(self, target: str, sys_id: str) -> str:
        """The display value of a referenced row, "" when it does not exist."""
        row = self._target_rows(target).get(sys_id)
        return row.get(self._display_field(target), "") if row else ""

    def lookup(self, schema: TableSchema, record: Record, name: str) -> str | None:
        """A field's raw value, following dot-walks through references; None if unknown."""
        head, _, rest = name.partition(".")
        if not schema.knows(head):
            return None
        value = record.get(head, "")
        if not rest:
            return value
        target = schema.references.get(head)
        if target is None:
            return None
        if target == "task":
            found = self.task(value)
            target_schema, row = (self.schemas[found[0]], found[1]) if found else (None, None)
        else:
            target_schema, row = self.schemas.get(target), self.get(target, value)
        if target_schema is None:
            return None
        if row is None:
            return "" if target_schema.knows(rest.partition(".")[0]) else None
        return self.lookup(target_schema, row, rest)

    # -- choices and dictionary --------------------------------------------------------------

    def _choice_index(self) -> dict[tuple[str, str, str], str]:
        index: dict[tuple[str, str, str], str] | None = self._caches.get("sys_choice")
        if index is None:
            index = {}
            for row in self.rows("sys_choice"):
                if row["language"] == "en":
                    index.setdefault((row["name"], row["element"], row["value"]), row["label"])
            self._caches["sys_choice"] = index
        return index

    def choice_label(self, table: str, element: str, value: str) -> str:
        """The sys_choice label of a value, or the value itself when it has none."""
        return self._choice_index().get((table, element, value), value)

    def choice_values(self, table: str, element: str) -> set[str]:
        """Every value sys_choice lists for a field."""
        return {v for (t, e, v) in self._choice_index() if (t, e) == (table, element)}

    def dictionary_entry(self, table: str, element: str) -> Record | None:
        """The sys_dictionary row of a field."""
        index: dict[tuple[str, str], Record] | None = self._caches.get("sys_dictionary")
        if index is None:
            index = {(r["name"], r["element"]): r for r in self.rows("sys_dictionary")}
            self._caches["sys_dictionary"] = index
        return index.get((table, element))

    def field_label(self, table: str, element: str) -> str:
        """A field's column label, as sys_dictionary has it."""
        entry = self.dictionary_entry(table, element)
        if entry is not None and entry["column_label"]:
            return entry["column_label"]
        schema = self.schemas.get(table)
        return schema.field_label(element) if schema else element

    # -- journals ---------------------------------------------------------------------------

    def add_journal_entry(
        self, table: str, element_id: str, element: str, text: str, user_name: str, now: str
    ) -> Record:
        """Append a sys_journal_field row (field order as recorded from a real instance)."""
        entry = {
            "sys_id": new_sys_id(),
            "sys_created_on": now,
            "name": table,
            "element_id": element_id,
            "sys_tags": "",
            "value": text,
            "sys_created_by": user_name,
            "element": element,
        }
        self.put("sys_journal_field", entry)
        return entry

    def journal_text(self, element_id: str, field_name: str) -> str:
        """The display value of a journal field: entries newest first, as the form shows them.

        Timestamps stay UTC (a real instance shows the reading user's time zone).
        """
        elements = tuple(JOURNAL_LABELS) if field_name == COMBINED_JOURNAL else (field_name,)
        entries = [
            row
            for row in self.tables["sys_journal_field"].values()
            if row["element_id"] == element_id and row["element"] in elements
        ]
        parts = []
        for row in reversed(entries):  # insertion order is chronological
            user = self.user_by_name(row["sys_created_by"])
            author = user["name"] if user else row["sys_created_by"]
            label = JOURNAL_LABELS[row["element"]]
            parts.append(f"{row['sys_created_on']} - {author} ({label})\n{row['value']}\n\n")
        return "".join(parts)
