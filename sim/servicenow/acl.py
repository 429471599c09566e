"""Access control: which rows a user may read and which writes the instance refuses.

A simplified model of the base system's ACLs (README lists what is simplified):

- admin passes everything.
- incident, change_request, problem: the `itil` role reads and writes every row. Without it a
  user reads only their own incidents (caller or opener) and changes (requester, opener, or
  one they are asked to approve), may add comments to their own incidents, and nothing else.
  problem is itil-only.
- sn_si_incident needs `sn_si.analyst`.
- task (the parent of the ticket tables, read-only here) needs `itil`; each row it returns is
  then checked against its own class's ACLs.
- sysapproval_approver: itil reads every approval; an approver reads theirs and may set its
  state and comments.
- sys_journal_field needs `audit_viewer` (SNDocs granular-admin-roles-for-auditing.md); other
  users read comments through the record's display values.
- Reference and configuration tables (users, groups, roles, choices, dictionary, CIs) are read
  by everyone and written by admins.
"""

from __future__ import annotations

from typing import Literal

from .store import Record, RecordStore
from .writes import Actor

Scope = Literal["all", "own", "none"]
ADMIN = "admin"
_WORKED_BY = {
    "incident": "itil",
    "change_request": "itil",
    "problem": "itil",
    "sn_si_incident": "sn_si.analyst",
}
_OWN_FIELDS = {
    "incident": ("caller_id", "opened_by"),
    "change_request": ("requested_by", "opened_by"),
    "sysapproval_approver": ("approver",),
    "sys_user_has_role": ("user",),
}
_OPEN_TABLES = (
    "sys_user",
    "sys_user_group",
    "sys_user_grmember",
    "sys_user_role",
    "sys_choice",
    "sys_dictionary",
    "cmdb_ci",
)
APPROVER_FIELDS = frozenset({"state", "comments"})


def read_scope(table: str, roles: frozenset[str]) -> Scope:
    """Whether a user with `roles` reads every row of `table`, only their own, or none."""
    if ADMIN in roles or table in _OPEN_TABLES:
        return "all"
    if table in _WORKED_BY:
        if _WORKED_BY[table] in roles:
            return "all"
        return "own" if table in _OWN_FIELDS else "none"
    if table == "sys_journal_field":
        return "all" if "audit_viewer" in roles else "none"
    if table == "task":
        return "all" if "itil" in roles else "none"
    if table in ("sysapproval_approver", "sys_user_has_role"):
        return "all" if "itil" in roles else "own"
    return "none"


def owns(store: RecordStore, table: str, record: Record, actor: Actor) -> bool:
    """Whether `record` is the user's own (caller, requester, approver, …)."""
    if any(record.get(name) == actor.sys_id for name in _OWN_FIELDS.get(table, ())):
        return True
    if table == "change_request":  # an approver may see what they approve
        return any(
            row["sysapproval"] == record["sys_id"] and row["approver"] == actor.sys_id
            for row in store.rows("sysapproval_approver")
        )
    return False


def can_read(
    store: RecordStore, table: str, record: Record, actor: Actor, roles: frozenset[str]
) -> bool:
    """Row-level read check."""
    scope = read_scope(table, roles)
    return scope == "all" or (scope == "own" and owns(store, table, record, actor))


def write_fields(
    store: RecordStore, table: str, record: Record | None, actor: Actor, roles: frozenset[str]
) -> frozenset[str] | None:
    """What the user may write on a row (`record` None: an insert): None for every field, else
    the writable fields (field ACLs drop the rest silently); empty means the write is refused.
    """
    if ADMIN in roles:
        return None
    if table in _WORKED_BY:
        if _WORKED_BY[table] in roles:
            return None
        # A caller may comment on their own incident (the self-service portal does this).
        if table == "incident" and record is not None and owns(store, table, record, actor):
            return frozenset({"comments"})
        return frozenset()
    if table == "sysapproval_approver" and record is not None:
        return APPROVER_FIELDS if record["approver"] == actor.sys_id else frozenset()
    return frozenset()
