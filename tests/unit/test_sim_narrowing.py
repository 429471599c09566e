"""The simulator's kept scopes (``RecordStore.narrowed``) always equal a fresh scan, in the
same order, whatever writes come between two queries."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sim.servicenow.store import Record, RecordStore
from sim.servicenow.task_view import task_rows

PREFIX = "snowops:a:"
_ids = st.sampled_from([f"id{i}" for i in range(8)])
_tables = st.sampled_from(["incident", "change_request"])
_corr = st.sampled_from([PREFIX + "1", PREFIX + "2", "other:1", ""])
_op = st.one_of(
    st.tuples(st.just("put"), _tables, _ids, _corr),
    st.tuples(st.just("update"), _tables, _ids, _corr),
    st.tuples(st.just("delete"), _tables, _ids, _corr),
    st.tuples(st.just("query"), _tables, _ids, _corr),
)


def _keep(row: Record) -> bool:
    return row.get("correlation_id", "").casefold().startswith(PREFIX)


def _scan(store: RecordStore, tables: tuple[str, ...]) -> list[Record]:
    every = task_rows(store) if len(tables) > 1 else store.rows(tables[0])
    return [r for r in every if _keep(r)]


def _kept(store: RecordStore, tables: tuple[str, ...]) -> list[Record]:
    every = (lambda: task_rows(store)) if len(tables) > 1 else (lambda: store.rows(tables[0]))
    return store.narrowed(tables, ("correlation_id", "STARTSWITH", PREFIX), every, _keep)


@settings(max_examples=200, deadline=None)
@given(st.lists(_op, max_size=40))
def test_a_kept_scope_is_a_fresh_scan_after_any_writes(ops: list[tuple[str, ...]]) -> None:
    store = RecordStore()
    task = tuple(store.number_tables())
    for op, table, n, corr in ops:
        sys_id = f"{table}-{n}"  # a sys_id is unique across an instance's tables
        row = store.get(table, sys_id)
        if op == "put":
            store.put(table, {"sys_id": sys_id, "correlation_id": corr, "number": sys_id})
        elif op == "update" and row is not None:
            row["correlation_id"] = corr  # as writes.update_record does: in place, then
            store.committed(table, row)
        elif op == "delete":
            store.delete(table, sys_id)
        for tables in ((table,), task):
            assert [r["sys_id"] for r in _kept(store, tables)] == [
                r["sys_id"] for r in _scan(store, tables)
            ]


def test_a_kept_scope_is_not_scanned_again_after_an_update() -> None:
    """An update of a row in a scope moves it in place: the next query scans nothing."""
    store = RecordStore()
    for i in range(3):
        store.put("incident", {"sys_id": f"r{i}", "correlation_id": f"{PREFIX}{i}"})
    scans = 0

    def every() -> list[Record]:
        nonlocal scans
        scans += 1
        return store.rows("incident")

    key = ("correlation_id", "STARTSWITH", PREFIX)
    assert len(store.narrowed(("incident",), key, every, _keep)) == 3
    row = store.get("incident", "r1")
    assert row is not None
    row["state"] = "2"
    store.committed("incident", row)
    store.put("incident", {"sys_id": "r3", "correlation_id": "other:3"})
    assert [r["sys_id"] for r in store.narrowed(("incident",), key, every, _keep)] == [
        "r0",
        "r1",
        "r2",
    ]
    assert scans == 1


_refs = st.sampled_from(["c1", "c2", "c3", ""])
_index_op = st.one_of(
    st.tuples(st.just("put"), _ids, _refs),
    st.tuples(st.just("update"), _ids, _refs),
    st.tuples(st.just("delete"), _ids, _refs),
    st.tuples(st.just("drop"), _ids, _refs),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_index_op, max_size=40), st.lists(_refs, min_size=1, max_size=3))
def test_an_indexed_read_is_a_fresh_scan_after_any_writes(
    ops: list[tuple[str, str, str]], wanted: list[str]
) -> None:
    """``sysapprovalIN…`` read through the index: the rows a scan finds, in table order,
    whatever puts, in-place updates, deletes and table resets came between."""
    store = RecordStore()
    table = "sysapproval_approver"
    for op, sys_id, ref in ops:
        row = store.get(table, sys_id)
        if op == "put":
            store.put(table, {"sys_id": sys_id, "sysapproval": ref})
        elif op == "update" and row is not None:
            row["sysapproval"] = ref  # in place, then committed, as writes.update_record does
            store.committed(table, row)
        elif op == "delete":
            store.delete(table, sys_id)
        elif op == "drop":
            store.invalidate(table)
        found = store.indexed(table, [("sysapproval", set(wanted))])
        scanned = [r for r in store.rows(table) if r.get("sysapproval", "") in wanted]
        assert [r["sys_id"] for r in found] == [r["sys_id"] for r in scanned]
