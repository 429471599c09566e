"""Rows by the value of one field, as an instance's database index on a queried field.

SnowOps asks for a change's approvals (``sysapprovalIN…``) and a ticket's comments
(``element_idIN…``, ``element_id=…``) by the sys_ids of the records they belong to. Those
tables only grow (every move of a change into an approval step adds approvals), and a scan
of one per request made the bench's simulators slower cycle after cycle, which a real
instance, with its indexes, is not.

An index is made on first use for (table, field) and kept up to date as rows are written.
It may hold stale entries (a row whose value changed, a deleted row): the rows it gives are
checked against the value again, and the full query matcher still runs on them.
"""

from __future__ import annotations

from itertools import count

Record = dict[str, str]


class FieldIndexes:
    """Per (table, field): value → sys_ids, and each row's place in its table."""

    def __init__(self) -> None:
        self._by: dict[tuple[str, str], dict[str, set[str]]] = {}
        self._fields: dict[str, set[str]] = {}
        self._places: dict[str, dict[str, int]] = {}
        self._next = count()

    def find(
        self, table: str, terms: list[tuple[str, set[str]]], rows: dict[str, Record]
    ) -> list[Record]:
        """The rows of ``table`` (``rows``: its rows by sys_id, in table order) whose every
        field in ``terms`` (field, values) holds one of its values, in table order: read
        from the index of the term that leaves the fewest rows."""
        candidates: set[str] | None = None
        for field, values in terms:
            index = self._by.get((table, field))
            if index is None:
                index = self._build(table, field, rows)
            ids = set().union(*(index.get(v, ()) for v in values))
            if candidates is None or len(ids) < len(candidates):
                candidates = ids
        found = [
            row
            for row in (rows.get(i) for i in candidates or ())
            if row is not None and all(row.get(f, "") in values for f, values in terms)
        ]
        places = self._places[table]
        return sorted(found, key=lambda r: places.get(r["sys_id"], -1))

    def written(self, table: str, sys_id: str, record: Record | None, *, new: bool) -> None:
        """``record`` (None: deleted) was written; ``new`` when it was not there before
        (it goes last in its table's order)."""
        fields = self._fields.get(table)
        if not fields or record is None:
            return
        if new:
            self._places[table][sys_id] = next(self._next)
        for field in fields:
            self._by[(table, field)].setdefault(record.get(field, ""), set()).add(sys_id)

    def changed(self, table: str) -> None:
        """``table`` changed otherwise (dropped, restored, bulk edited): made again."""
        for field in self._fields.pop(table, set()):
            self._by.pop((table, field), None)
        self._places.pop(table, None)

    def _build(self, table: str, field: str, rows: dict[str, Record]) -> dict[str, set[str]]:
        index: dict[str, set[str]] = {}
        for sys_id, row in rows.items():
            index.setdefault(row.get(field, ""), set()).add(sys_id)
        if table not in self._places:
            self._places[table] = {sys_id: next(self._next) for sys_id in rows}
        self._by[(table, field)] = index
        self._fields.setdefault(table, set()).add(field)
        return index
