"""Inserts and updates with the platform behaviour a client can observe.

That is: unknown and read-only fields are ignored, references accept sys_ids (or display
values), before business rules run (rules.py), data policies refuse rows missing mandatory
fields (policies.py), journal fields become sys_journal_field rows, sys_mod_count /
sys_updated_* move only on change, and after rules (approvals) run once the row is saved.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import policies, rules
from .ids import new_sys_id
from .policies import DataPolicyError
from .rules import Actor, BusinessRuleAbort
from .schema import JOURNAL_ELEMENTS, TableSchema
from .store import Record, RecordStore

__all__ = [
    "Actor",
    "BusinessRuleAbort",
    "DataPolicyError",
    "insert_record",
    "to_text",
    "update_record",
    "writable_names",
]


def to_text(value: object) -> str:
    """The string form ServiceNow stores for a JSON value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        # Clients sometimes echo back `{"value": ..., "link": ...}` reference objects.
        return to_text(value.get("value", ""))
    return str(value)


def writable_names(schema: TableSchema, payload: Mapping[str, object]) -> set[str]:
    """The payload fields a write would actually set (known, not read-only)."""
    return {name for name in payload if schema.knows(name) and name not in schema.read_only}


def _writable(
    store: RecordStore, schema: TableSchema, payload: Mapping[str, object]
) -> tuple[dict[str, str], dict[str, str]]:
    """Split a payload into (field values, journal texts), dropping what cannot be written."""
    values: dict[str, str] = {}
    journal: dict[str, str] = {}
    names = writable_names(schema, payload)
    for name in (n for n in payload if n in names):  # payload order: journal entries' order
        text = to_text(payload[name])
        if schema.has_journal and name in JOURNAL_ELEMENTS:
            if text:
                journal[name] = text
            continue
        target = schema.references.get(name)
        values[name] = store.resolve_reference(target, text) if target else text
    return values, journal


def insert_record(
    store: RecordStore,
    schema: TableSchema,
    payload: Mapping[str, object],
    actor: Actor,
    now: str,
) -> Record:
    """Create a row from a POST body and return it (DataPolicyError: nothing written)."""
    record = dict(schema.defaults)
    values, journal = _writable(store, schema, payload)
    record["sys_id"] = new_sys_id()
    stamps = {
        "sys_created_on": now,
        "sys_created_by": actor.user_name,
        "sys_updated_on": now,
        "sys_updated_by": actor.user_name,
        "opened_at": now,
        "opened_by": actor.sys_id,
        "requested_by": actor.sys_id,
    }
    record.update({k: v for k, v in stamps.items() if schema.knows(k)})
    record.update(values)
    rules.before(schema, None, record, set(values), actor, now)
    policies.check(store, schema, record)
    if schema.number_prefix:
        record["number"] = store.next_number(schema)
    store.put(schema.name, record)
    _write_journal(store, schema, record, journal, actor, now)
    _after(store, schema, None, record, actor, now)
    return record


def update_record(
    store: RecordStore,
    schema: TableSchema,
    record: Record,
    payload: Mapping[str, object],
    actor: Actor,
    now: str,
    *,
    enforce_model: bool = False,
) -> Record:
    """Apply a PATCH/PUT body to a stored row. DataPolicyError or BusinessRuleAbort: nothing
    is written. `enforce_model` applies the state-transition rules a Table API write meets."""
    values, journal = _writable(store, schema, payload)
    after = {**record, **values}
    rules.before(schema, record, after, set(values), actor, now, enforce_model)
    if after == record and not journal:
        return record  # a no-op update does not touch sys_mod_count, like the platform
    policies.check(store, schema, after)
    old = dict(record)
    after["sys_mod_count"] = str(int(record.get("sys_mod_count") or "0") + 1)
    after["sys_updated_on"] = now
    after["sys_updated_by"] = actor.user_name
    record.update(after)
    _write_journal(store, schema, record, journal, actor, now)
    _after(store, schema, old, record, actor, now)
    return record


def _after(
    store: RecordStore,
    schema: TableSchema,
    old: Record | None,
    record: Record,
    actor: Actor,
    now: str,
) -> None:
    store.committed(schema.name, record)
    for rule in list(store.after_rules):
        rule(schema.name, old, record, actor, now)


def _write_journal(
    store: RecordStore,
    schema: TableSchema,
    record: Record,
    journal: dict[str, str],
    actor: Actor,
    now: str,
) -> None:
    for element, text in journal.items():
        store.add_journal_entry(schema.name, record["sys_id"], element, text, actor.user_name, now)
