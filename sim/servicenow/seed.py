"""Filling a fresh store: users and roles, groups, CIs, sys_choice and sys_dictionary rows.

The same helpers serve the control API, which customises a running instance (new users,
replaced choices, added fields), so seeding and customising write rows the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .ids import new_sys_id
from .schema import SYS_FIELDS, TableSchema
from .store import Record, RecordStore
from .users import SEED_CIS, SEED_GROUPS, SEED_ROLES, SEED_USERS

_MAX_LENGTH = {"short_description": "160", "description": "4000", "close_notes": "4000"}


@dataclass(frozen=True)
class Choice:
    """One sys_choice entry of a field."""

    value: str
    label: str
    sequence: int = 0
    inactive: bool = False
    dependent_value: str = ""


@dataclass
class NewUser:
    """A user the control API adds (or updates): password, roles and group memberships."""

    user_name: str
    password: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    title: str = ""
    roles: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    active: bool = True


def _row(schema: TableSchema, now: str, values: Mapping[str, str]) -> Record:
    stamps = {"sys_created_on": now, "sys_updated_on": now}
    stamps |= {"sys_created_by": "admin", "sys_updated_by": "admin"}
    row = {**schema.defaults, **{k: v for k, v in stamps.items() if k in SYS_FIELDS}}
    row.update(values)
    if not row["sys_id"]:
        row["sys_id"] = new_sys_id()
    return row


def put_row(store: RecordStore, table: str, now: str, values: Mapping[str, str]) -> Record:
    """Insert a row the way a seed or an admin import does (no ACLs, no business rules)."""
    row = _row(store.schemas[table], now, values)
    store.put(table, row)
    return row


def seed_store(store: RecordStore, now: str) -> dict[str, str]:
    """Everything a fresh instance has; returns the user_name -> password table."""
    passwords = {}
    for name, description in SEED_ROLES.items():
        put_row(store, "sys_user_role", now, {"name": name, "description": description})
    for user in SEED_USERS:
        put_row(store, "sys_user", now, user.record(now))
        grant_roles(store, user.sys_id, user.roles, now)
        passwords[user.user_name] = user.password
    for group in SEED_GROUPS:
        manager = store.user_by_name(group.manager)
        put_row(
            store,
            "sys_user_group",
            now,
            {
                "sys_id": group.sys_id,
                "name": group.name,
                "description": group.description,
                "manager": manager["sys_id"] if manager else "",
            },
        )
        for member in group.members:
            add_member(store, group.name, member, now)
    for sys_id, name, cls, text in SEED_CIS:
        values = {"sys_id": sys_id, "name": name, "sys_class_name": cls, "short_description": text}
        put_row(store, "cmdb_ci", now, values)
    for schema in list(store.schemas.values()):
        seed_table_metadata(store, schema, now)
    return passwords


def grant_roles(store: RecordStore, user_sys_id: str, roles: Iterable[str], now: str) -> None:
    """Give a user roles (creating unknown role names), skipping ones already held."""
    held = store.roles_of(user_sys_id)
    for name in roles:
        if name in held:
            continue
        role = next((r for r in store.rows("sys_user_role") if r["name"] == name), None)
        if role is None:
            role = put_row(store, "sys_user_role", now, {"name": name})
        put_row(store, "sys_user_has_role", now, {"user": user_sys_id, "role": role["sys_id"]})


def add_member(store: RecordStore, group_name: str, user_name: str, now: str) -> None:
    """Put a user in a group (KeyError for an unknown group or user)."""
    group, user = store.group_by_name(group_name), store.user_by_name(user_name)
    if group is None or user is None:
        raise KeyError(f"no group {group_name!r} or user {user_name!r}")
    if user["sys_id"] not in store.members(group["sys_id"]):
        values = {"user": user["sys_id"], "group": group["sys_id"]}
        put_row(store, "sys_user_grmember", now, values)


def add_user(store: RecordStore, new: NewUser, now: str) -> Record:
    """Create a user (or update the one with this user_name) with roles and groups."""
    values = {
        "user_name": new.user_name,
        "first_name": new.first_name,
        "last_name": new.last_name,
        "name": f"{new.first_name} {new.last_name}".strip() or new.user_name,
        "email": new.email or f"{new.user_name}@example.com",
        "title": new.title,
        "active": "true" if new.active else "false",
    }
    user = store.user_by_name(new.user_name)
    if user is None:
        user = put_row(store, "sys_user", now, values)
    else:
        user.update(values)
        store.invalidate("sys_user")
    grant_roles(store, user["sys_id"], new.roles, now)
    for group in new.groups:
        add_member(store, group, new.user_name, now)
    return user


def seed_table_metadata(store: RecordStore, schema: TableSchema, now: str) -> None:
    """The sys_dictionary and sys_choice rows of one table."""
    for name in schema.defaults:
        dictionary_row(store, schema, name, now)
    for element, choices in schema.choices.items():
        entries = [Choice(v, label, (i + 1) * 100) for i, (v, label) in enumerate(choices.items())]
        set_choices(store, schema.name, element, entries, now, replace=False)
    subs = [
        Choice(value, label, (i + 1) * 100, dependent_value=category)
        for category, entries in schema.subcategories.items()
        for i, (value, label) in enumerate(entries.items())
    ]
    if subs:
        set_choices(store, schema.name, "subcategory", subs, now, replace=False)


def dictionary_row(store: RecordStore, schema: TableSchema, name: str, now: str) -> Record:
    """The sys_dictionary row of a field (created from the schema when missing)."""
    found = store.dictionary_entry(schema.name, name)
    if found is not None:
        return found
    kind = schema.field_type(name)
    values = {
        "name": schema.name,
        "element": name,
        "column_label": schema.field_label(name),
        "internal_type": kind,
        "reference": schema.references.get(name, ""),
        "max_length": _MAX_LENGTH.get(name, "32" if kind == "reference" else "40"),
        "read_only": "true" if name in schema.read_only else "false",
        "choice": "1" if name in schema.choices or name == "subcategory" else "0",
        "default_value": schema.defaults.get(name, ""),
    }
    return put_row(store, "sys_dictionary", now, values)


def set_choices(
    store: RecordStore,
    table: str,
    element: str,
    choices: Iterable[Choice],
    now: str,
    *,
    replace: bool,
) -> list[Record]:
    """Add choices to a field (a value already there is updated); `replace` first removes
    every other choice of the field, as an admin rebuilding the list would."""
    given = list(choices)
    rows = [r for r in store.rows("sys_choice") if (r["name"], r["element"]) == (table, element)]
    if replace:
        keep = {c.value for c in given}
        for row in rows:
            if row["value"] not in keep:
                store.delete("sys_choice", row["sys_id"])
    existing = {(r["value"], r["dependent_value"]): r for r in rows}
    out = []
    for choice in given:
        values = {
            "name": table,
            "element": element,
            "value": choice.value,
            "label": choice.label,
            "sequence": str(choice.sequence),
            "inactive": "true" if choice.inactive else "false",
            "dependent_value": choice.dependent_value,
        }
        found = existing.get((choice.value, choice.dependent_value))
        if found is None:
            found = put_row(store, "sys_choice", now, values)
        else:
            found.update(values, sys_updated_on=now)
            found["sys_mod_count"] = str(int(found["sys_mod_count"] or "0") + 1)
            store.invalidate("sys_choice")
        out.append(found)
    return out
