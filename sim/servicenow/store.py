"""In-memory tables: rows keyed by sys_id, number counters, lookups and journal history."""

from __future__ import annotations

from collections.abc import Callable

from .ids import new_sys_id
from .schema import COMBINED_JOURNAL, JOURNAL_LABELS, SCHEMAS, TICKET_TABLES, TableSchema

Record = dict[str, str]


class RecordStore:
    """All rows of all simulated tables; every value is a string, references hold sys_ids."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, Record]] = {name: {} for name in SCHEMAS}
        self._counters: dict[str, int] = {}
        self._numbers: dict[str, tuple[str, str]] = {}
        #: Called after each committed insert or update (table, row): business rules.
        self.after_write: list[Callable[[str, Record], None]] = []

    def committed(self, table: str, record: Record) -> None:
        """Run the after-write hooks for a committed row."""
        for hook in self.after_write:
            hook(table, record)

    def get(self, table: str, sys_id: str) -> Record | None:
        """The stored row (not a copy) or None."""
        return self.tables[table].get(sys_id)

    def rows(self, table: str) -> list[Record]:
        """Rows of a table in insertion order."""
        return list(self.tables[table].values())

    def put(self, table: str, record: Record) -> None:
        """Insert or replace a row."""
        self.tables[table][record["sys_id"]] = record
        if record.get("number") and table in TICKET_TABLES:
            self._numbers[record["number"]] = (table, record["sys_id"])

    def delete(self, table: str, sys_id: str) -> bool:
        """Remove a row; False when it did not exist."""
        return self.tables[table].pop(sys_id, None) is not None

    def next_number(self, schema: TableSchema) -> str:
        """Next `INC0010001`-style number: prefix plus a 7-digit zero-padded counter."""
        value = self._counters.get(schema.name, schema.number_start)
        self._counters[schema.name] = value + 1
        return f"{schema.number_prefix}{value:07d}"

    def find_by_number(self, number: str) -> tuple[str, Record] | None:
        """The ticket table and row holding `number`."""
        found = self._numbers.get(number)
        if found is not None:
            record = self.tables[found[0]].get(found[1])
            if record is not None and record["number"] == number:
                return found[0], record
        for table in TICKET_TABLES:  # a row renumbered or put without the index
            for record in self.tables[table].values():
                if record["number"] == number:
                    return table, record
        return None

    def user_by_name(self, user_name: str) -> Record | None:
        """The sys_user row with this user_name."""
        for record in self.tables["sys_user"].values():
            if record["user_name"] == user_name:
                return record
        return None

    def resolve_reference(self, target: str, value: str) -> str:
        """Map a written reference value to a sys_id: a sys_id, or else a matching display value.

        ServiceNow also accepts the display value (or, for users, the user_name) of the target;
        anything unmatched is stored as given, as the platform does.
        """
        rows = self.tables.get(target, {})
        if not value or value in rows:
            return value
        display = SCHEMAS[target].display_field
        for row in rows.values():
            if value in (row.get(display), row.get("user_name")):
                return row["sys_id"]
        return value

    def display_value(self, target: str, sys_id: str) -> str:
        """The display value of a referenced row, "" when it does not exist."""
        row = self.tables.get(target, {}).get(sys_id)
        return row.get(SCHEMAS[target].display_field, "") if row else ""

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
        target_schema = SCHEMAS[target]
        row = self.tables[target].get(value)
        if row is None:
            return "" if target_schema.knows(rest.partition(".")[0]) else None
        return self.lookup(target_schema, row, rest)

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
