"""Rows narrowed by a query term, kept as an instance keeps an index: up to date row by row.

A poller asks for its scope (``correlation_idSTARTSWITH<its prefix>``) again and again; a
scan of a big table for it costs milliseconds. :class:`Narrowings` keeps each scope's rows
and moves a written row in or out of the scopes of its table, so a write costs a check per
scope instead of a rescan per poller.
"""

from __future__ import annotations

from collections.abc import Callable

Record = dict[str, str]
Key = tuple[tuple[str, ...], str, str, str]

#: Scopes kept at most: a bound, not an LRU (pollers refill what they use).
LIMIT = 20_000


class _Scope:
    __slots__ = ("keep", "rows", "tables")

    def __init__(
        self, tables: tuple[str, ...], keep: Callable[[Record], bool], rows: dict[str, Record]
    ) -> None:
        self.tables, self.keep, self.rows = tables, keep, rows


class Narrowings:
    """The rows of some tables a term keeps, per term; see the module docstring."""

    def __init__(self) -> None:
        self._scopes: dict[Key, _Scope] = {}
        self._of_table: dict[str, set[Key]] = {}

    def rows(
        self,
        tables: tuple[str, ...],
        term: tuple[str, str, str],
        every: Callable[[], list[Record]],
        keep: Callable[[Record], bool],
    ) -> list[Record]:
        """The rows of ``tables`` (as ``every()`` lists them, in its order) that ``keep``
        holds, for the term ``term`` (field, operator, value)."""
        key = (tables, *term)
        scope = self._scopes.get(key)
        if scope is None:
            if len(self._scopes) >= LIMIT:
                self.clear()
            scope = _Scope(tables, keep, {r["sys_id"]: r for r in every() if keep(r)})
            self._scopes[key] = scope
            for table in tables:
                self._of_table.setdefault(table, set()).add(key)
        return list(scope.rows.values())

    def written(self, table: str, sys_id: str, record: Record | None, *, new: bool) -> None:
        """``record`` (None: deleted) was written to ``table``; ``new`` when it was not
        there before."""
        for key in list(self._of_table.get(table, ())):
            scope = self._scopes[key]
            if record is not None and scope.keep(record):
                if sys_id in scope.rows or (new and len(scope.tables) == 1):
                    # A dict keeps a replaced key's place and appends a new one last, as
                    # the table's own rows do.
                    scope.rows[sys_id] = record
                else:
                    # Its place among the scope's rows is not known here (a row moved into
                    # the scope, a new row among several tables): made again when asked.
                    self._drop(key)
            else:
                scope.rows.pop(sys_id, None)

    def changed(self, table: str) -> None:
        """``table`` changed otherwise (dropped, restored, bulk edited): its scopes go."""
        for key in list(self._of_table.get(table, ())):
            self._drop(key)

    def clear(self) -> None:
        """Forget every scope."""
        self._scopes.clear()
        self._of_table.clear()

    def _drop(self, key: Key) -> None:
        scope = self._scopes.pop(key, None)
        if scope is not None:
            for table in scope.tables:
                self._of_table.get(table, set()).discard(key)
