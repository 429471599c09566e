"""System tables: users, roles, groups, journals, choices, dictionary and approvals."""

from __future__ import annotations

from .schema import SYS_FIELDS, TableSchema

_SYS = frozenset({"sys_id", *SYS_FIELDS})

SYS_USER = TableSchema(
    name="sys_user",
    label="User",
    defaults={
        "sys_id": "",
        "user_name": "",
        "name": "",
        "first_name": "",
        "last_name": "",
        "email": "",
        "title": "",
        "active": "true",
        "locked_out": "false",
        "sys_class_name": "sys_user",
        **SYS_FIELDS,
    },
    display_field="name",
    labels={"user_name": "User ID", "name": "Name", "locked_out": "Locked out"},
)

# Field order follows the recorded sys_journal_field answer.
SYS_JOURNAL_FIELD = TableSchema(
    name="sys_journal_field",
    label="Journal Entry",
    defaults={
        "sys_id": "",
        "sys_created_on": "",
        "name": "",
        "element_id": "",
        "sys_tags": "",
        "value": "",
        "sys_created_by": "",
        "element": "",
    },
    read_only=frozenset({"sys_id", "sys_created_on", "sys_created_by"}),
    display_field="value",
)

SYS_CHOICE = TableSchema(
    name="sys_choice",
    label="Choice",
    defaults={
        "sys_id": "",
        "name": "",
        "element": "",
        "language": "en",
        "value": "",
        "label": "",
        "sequence": "",
        "inactive": "false",
        "dependent_value": "",
        "hint": "",
        **SYS_FIELDS,
    },
    read_only=_SYS,
    display_field="label",
    labels={"name": "Table", "element": "Element", "dependent_value": "Dependent value"},
)

SYS_DICTIONARY = TableSchema(
    name="sys_dictionary",
    label="Dictionary Entry",
    defaults={
        "sys_id": "",
        "name": "",
        "element": "",
        "column_label": "",
        "internal_type": "",
        "reference": "",
        "max_length": "",
        "mandatory": "false",
        "read_only": "false",
        "active": "true",
        "choice": "0",
        "default_value": "",
        **SYS_FIELDS,
    },
    read_only=_SYS,
    display_field="column_label",
    labels={"name": "Table", "column_label": "Column label", "internal_type": "Type"},
)

SYS_USER_GROUP = TableSchema(
    name="sys_user_group",
    label="Group",
    defaults={
        "sys_id": "",
        "name": "",
        "description": "",
        "manager": "",
        "email": "",
        "type": "",
        "parent": "",
        "active": "true",
        **SYS_FIELDS,
    },
    references={"manager": "sys_user", "parent": "sys_user_group"},
    read_only=_SYS,
    display_field="name",
)

SYS_USER_GRMEMBER = TableSchema(
    name="sys_user_grmember",
    label="Group Member",
    defaults={"sys_id": "", "user": "", "group": "", **SYS_FIELDS},
    references={"user": "sys_user", "group": "sys_user_group"},
    read_only=_SYS,
)

SYS_USER_ROLE = TableSchema(
    name="sys_user_role",
    label="Role",
    defaults={"sys_id": "", "name": "", "description": "", **SYS_FIELDS},
    read_only=_SYS,
    display_field="name",
)

SYS_USER_HAS_ROLE = TableSchema(
    name="sys_user_has_role",
    label="User Role",
    defaults={
        "sys_id": "",
        "user": "",
        "role": "",
        "state": "active",
        "inherited": "false",
        **SYS_FIELDS,
    },
    references={"user": "sys_user", "role": "sys_user_role"},
    choices={"state": {"active": "Active", "pending": "Pending", "inactive": "Inactive"}},
    read_only=_SYS,
)

APPROVAL_STATES = {
    "not requested": "Not Yet Requested",
    "requested": "Requested",
    "approved": "Approved",
    "rejected": "Rejected",
    "cancelled": "Cancelled",
    "not_required": "No Longer Required",
}

SYSAPPROVAL_APPROVER = TableSchema(
    name="sysapproval_approver",
    label="Approval",
    defaults={
        "sys_id": "",
        "approver": "",
        "sysapproval": "",
        "document_id": "",
        "source_table": "",
        "state": "requested",
        "due_date": "",
        "comments": "",
        **SYS_FIELDS,
    },
    references={"approver": "sys_user", "sysapproval": "task"},
    choices={"state": APPROVAL_STATES},
    read_only=_SYS,
    labels={"sysapproval": "Approval for", "source_table": "Source table"},
    # `comments` is a journal field here as on every task-like form.
    has_journal=True,
)
