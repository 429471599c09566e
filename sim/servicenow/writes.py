"""Inserts and updates with the platform behaviour a client can observe.

That is: unknown and read-only fields are ignored, references accept sys_ids (or display
values), incident priority comes from the impact x urgency lookup, state changes stamp
resolved/closed fields, resolving needs a resolution code and notes (data policy), journal
fields become sys_journal_field rows, and sys_mod_count / sys_updated_* move only on change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .ids import new_sys_id
from .schema import JOURNAL_ELEMENTS, PRIORITY_LOOKUP, TableSchema
from .store import Record, RecordStore

_CLOSE_LABELS = {"close_code": "Resolution code", "close_notes": "Resolution notes"}
_RESOLVED = ("6", "7")


class DataPolicyError(Exception):
    """A data policy rejected the write; `fields` are the labels of the missing fields."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__(f"The following fields are mandatory: {', '.join(fields)}")
        self.fields = fields


@dataclass(frozen=True)
class Actor:
    """The user a write is made as (the token's user)."""

    sys_id: str
    user_name: str


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


def _writable(
    store: RecordStore, schema: TableSchema, payload: Mapping[str, object]
) -> tuple[dict[str, str], dict[str, str]]:
    """Split a payload into (field values, journal texts), dropping what cannot be written."""
    values: dict[str, str] = {}
    journal: dict[str, str] = {}
    for name, raw in payload.items():
        if not schema.knows(name) or name in schema.read_only:
            continue
        text = to_text(raw)
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
    """Create a row from a POST body and return it."""
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
    if schema.number_prefix:
        record["number"] = store.next_number(schema)
    record.update(values)
    _business_rules(schema, None, record, set(values), actor, now)
    store.put(schema.name, record)
    _write_journal(store, schema, record, journal, actor, now)
    store.committed(schema.name, record)
    return record


def update_record(
    store: RecordStore,
    schema: TableSchema,
    record: Record,
    payload: Mapping[str, object],
    actor: Actor,
    now: str,
) -> Record:
    """Apply a PATCH/PUT body to a stored row; raises DataPolicyError and then writes nothing."""
    values, journal = _writable(store, schema, payload)
    after = {**record, **values}
    _business_rules(schema, record, after, set(values), actor, now)
    if after == record and not journal:
        return record  # a no-op update does not touch sys_mod_count, like the platform
    after["sys_mod_count"] = str(int(record.get("sys_mod_count") or "0") + 1)
    after["sys_updated_on"] = now
    after["sys_updated_by"] = actor.user_name
    record.update(after)
    _write_journal(store, schema, record, journal, actor, now)
    store.committed(schema.name, record)
    return record


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


def _business_rules(
    schema: TableSchema,
    before: Record | None,
    after: Record,
    written: set[str],
    actor: Actor,
    now: str,
) -> None:
    if schema.name == "incident":
        _incident_rules(before, after, written, actor, now)
    elif schema.name == "change_request":
        _change_rules(before, after, actor, now)


def _incident_rules(
    before: Record | None, after: Record, written: set[str], actor: Actor, now: str
) -> None:
    # state and the legacy incident_state are kept in step by a business rule.
    if "state" in written:
        after["incident_state"] = after["state"]
    elif "incident_state" in written:
        after["state"] = after["incident_state"]
    after["priority"] = PRIORITY_LOOKUP.get((after["impact"], after["urgency"]), after["priority"])
    old, new = (before or {}).get("state"), after["state"]
    if new != old:
        if new in _RESOLVED and not after["resolved_at"]:
            after["resolved_at"], after["resolved_by"] = now, actor.sys_id
        if new == "7":
            after["closed_at"], after["closed_by"] = now, actor.sys_id
        if new in ("7", "8"):
            after["active"] = "false"
        if old in _RESOLVED and new in ("1", "2", "3"):
            after["reopen_count"] = str(int(after["reopen_count"] or "0") + 1)
            for name in ("resolved_at", "resolved_by", "closed_at", "closed_by"):
                after[name] = ""
            after["active"] = "true"
    if new in _RESOLVED:
        missing = [label for name, label in _CLOSE_LABELS.items() if not after[name]]
        if missing:
            raise DataPolicyError(missing)


def _change_rules(before: Record | None, after: Record, actor: Actor, now: str) -> None:
    old, new = (before or {}).get("state"), after["state"]
    if new == old:
        return
    if new == "3":
        after["closed_at"], after["closed_by"] = now, actor.sys_id
    after["active"] = "false" if new in ("3", "4") else "true"
