"""Customising a running instance the way an admin would: users, choices, dictionary,
data policies, plugins, and deciding approvals. The control API and tests call these."""

from __future__ import annotations

from . import approvals, seed
from .catalog import BASE_SCHEMAS, PLUGIN_ALIASES, PLUGINS
from .instance import SimInstance
from .policies import DataPolicy
from .seed import Choice, NewUser
from .store import Record


def add_user(instance: SimInstance, new: NewUser) -> Record:
    """Create (or update) a user who can sign in with `new.password`."""
    if not new.user_name or not new.password:
        raise ValueError("user_name and password are required")
    user = seed.add_user(instance.store, new, instance.timestamp())
    instance.passwords[new.user_name] = new.password
    return dict(user)


def users(instance: SimInstance) -> list[dict[str, object]]:
    """Every user with roles and groups (no passwords)."""
    store = instance.store
    groups = {g["sys_id"]: g["name"] for g in store.rows("sys_user_group")}
    out: list[dict[str, object]] = []
    for user in store.rows("sys_user"):
        member_of = [
            groups.get(m["group"], m["group"])
            for m in store.rows("sys_user_grmember")
            if m["user"] == user["sys_id"]
        ]
        out.append(
            {
                "sys_id": user["sys_id"],
                "user_name": user["user_name"],
                "name": user["name"],
                "email": user["email"],
                "roles": sorted(store.roles_of(user["sys_id"])),
                "groups": member_of,
            }
        )
    return out


def _table(instance: SimInstance, table: str) -> None:
    if instance.store.schema(table) is None:
        raise KeyError(f"no table {table}")


def set_choices(
    instance: SimInstance, table: str, element: str, choices: list[Choice], replace: bool
) -> list[Record]:
    """Add or replace the sys_choice entries of a field."""
    _table(instance, table)
    if not element:
        raise ValueError("element is required")
    rows = seed.set_choices(
        instance.store, table, element, choices, instance.timestamp(), replace=replace
    )
    return [dict(r) for r in rows]


def set_field(
    instance: SimInstance,
    table: str,
    element: str,
    *,
    mandatory: bool | None = None,
    enforce: bool = True,
    label: str = "",
    reference: str = "",
) -> Record:
    """Create a (custom) field or change its dictionary entry. A mandatory flag is enforced on
    Table API writes through a data policy unless `enforce` is False (a real instance only
    enforces dictionary-mandatory fields in forms)."""
    _table(instance, table)
    store, now = instance.store, instance.timestamp()
    schema = store.schemas[table]
    if not schema.knows(element):
        if not element.startswith("u_"):
            raise ValueError("new fields must be custom fields, named u_…")
        if reference and store.schema(reference) is None:
            raise ValueError(f"no table {reference} to reference")
        field_label = label or schema.field_label(element)
        schema = store.add_field(table, element, field_label, reference or None)
    entry = seed.dictionary_row(store, schema, element, now)
    if label:
        entry["column_label"] = label
    if mandatory is not None:
        entry["mandatory"] = "true" if mandatory else "false"
        store.policies = [
            p
            for p in store.policies
            if not (p.origin == "dictionary" and p.table == table and p.mandatory == [element])
        ]
        if mandatory and enforce:
            name = f"Mandatory {store.field_label(table, element)}"
            store.policies.append(DataPolicy(table, [element], "", name, "dictionary"))
    entry["sys_updated_on"] = now
    store.invalidate("sys_dictionary")
    return dict(entry)


def add_policy(instance: SimInstance, policy: DataPolicy) -> DataPolicy:
    """Add a data policy (table must exist; fields must be fields of it)."""
    _table(instance, policy.table)
    schema = instance.store.schemas[policy.table]
    unknown = [name for name in policy.mandatory if not schema.knows(name)]
    if not policy.mandatory or unknown:
        raise ValueError(f"mandatory must list fields of {policy.table}; unknown: {unknown}")
    instance.store.policies.append(policy)
    return policy


def clear_policies(instance: SimInstance, base_too: bool = False) -> None:
    """Remove the custom data policies (and the base ones with `base_too`)."""
    keep = () if base_too else ("base",)
    instance.store.policies = [p for p in instance.store.policies if p.origin in keep]


def set_plugin(instance: SimInstance, plugin: str, active: bool) -> list[str]:
    """Activate or remove a plugin's tables; returns the tables concerned."""
    plugin = PLUGIN_ALIASES.get(plugin, plugin)
    if plugin not in PLUGINS:
        raise KeyError(f"no plugin {plugin}")
    store = instance.store
    for table in PLUGINS[plugin]:
        if active and store.schema(table) is None:
            store.restore_table(BASE_SCHEMAS[table])
            seed.seed_table_metadata(store, BASE_SCHEMAS[table], instance.timestamp())
        elif not active and store.schema(table) is not None:
            store.drop_table(table)
            for meta in ("sys_dictionary", "sys_choice"):
                for row in store.rows(meta):
                    if row["name"] == table:
                        store.delete(meta, row["sys_id"])
    return list(PLUGINS[plugin])


def decide(
    instance: SimInstance,
    number: str,
    state: str,
    approver: str | None = None,
    comments: str = "",
) -> list[dict[str, str]]:
    """Approve or reject what a change waits on: every open approval, or `approver`'s."""
    found = instance.find_by_number(number)
    if found is None:
        raise KeyError(f"no ticket {number}")
    waiting = approvals.pending(instance.store, found[1]["sys_id"])
    if approver is not None:
        user = instance.store.user_by_name(approver)
        waiting = [a for a in waiting if user is not None and a["approver"] == user["sys_id"]]
    if not waiting:
        raise ValueError(f"{number} waits on no approval" + (f" by {approver}" if approver else ""))
    decided = []
    for approval in waiting:
        if approval["state"] == "requested":  # an earlier rejection may have closed it
            decided.append(instance.decide_approval(approval["sys_id"], state, comments))
    return decided


def approvals_of(instance: SimInstance, sys_id: str) -> list[dict[str, str]]:
    """Every approval row of a task, oldest first."""
    rows = instance.store.rows("sysapproval_approver")
    return [dict(r) for r in rows if r["sysapproval"] == sys_id]
