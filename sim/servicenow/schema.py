"""Tables the simulator serves: their fields, insert defaults, choice labels and references."""

from __future__ import annotations

from dataclasses import dataclass, field

# Default Data Lookup rule of the incident table: (impact, urgency) -> priority.
PRIORITY_LOOKUP: dict[tuple[str, str], str] = {
    ("1", "1"): "1",
    ("1", "2"): "2",
    ("1", "3"): "3",
    ("2", "1"): "2",
    ("2", "2"): "3",
    ("2", "3"): "4",
    ("3", "1"): "3",
    ("3", "2"): "4",
    ("3", "3"): "5",
}

JOURNAL_ELEMENTS = ("comments", "work_notes")
JOURNAL_LABELS = {"comments": "Additional comments", "work_notes": "Work notes"}
# A read-only field whose display value interleaves both journals.
COMBINED_JOURNAL = "comments_and_work_notes"

_SYS_FIELDS = {
    "sys_created_on": "",
    "sys_created_by": "",
    "sys_updated_on": "",
    "sys_updated_by": "",
    "sys_mod_count": "0",
    "sys_tags": "",
}
_READ_ONLY = frozenset(
    {"sys_id", "number", "sys_class_name", COMBINED_JOURNAL, *_SYS_FIELDS.keys()}
)
_IMPACT = {"1": "1 - High", "2": "2 - Medium", "3": "3 - Low"}
_APPROVAL = {
    "not requested": "Not Yet Requested",
    "requested": "Requested",
    "approved": "Approved",
    "rejected": "Rejected",
}


@dataclass(frozen=True)
class TableSchema:
    """What the sim knows about one table; `defaults` also fixes the field order of answers."""

    name: str
    defaults: dict[str, str]
    references: dict[str, str] = field(default_factory=dict)
    choices: dict[str, dict[str, str]] = field(default_factory=dict)
    read_only: frozenset[str] = _READ_ONLY
    number_prefix: str | None = None
    number_start: int = 0
    has_journal: bool = False
    # Field whose value is the record's display value when something references it.
    display_field: str = "sys_id"

    def knows(self, name: str) -> bool:
        """Whether `name` is a field of this table."""
        return name in self.defaults

    def choice_label(self, name: str, value: str) -> str:
        """The label of a choice value, or the value itself when it has none."""
        return self.choices.get(name, {}).get(value, value)


INCIDENT = TableSchema(
    name="incident",
    defaults={
        "sys_id": "",
        "number": "",
        "short_description": "",
        "description": "",
        "caller_id": "",
        "opened_by": "",
        "opened_at": "",
        "assigned_to": "",
        "assignment_group": "",
        "category": "inquiry",
        "subcategory": "",
        "contact_type": "",
        "state": "1",
        "incident_state": "1",
        "hold_reason": "",
        "impact": "3",
        "urgency": "3",
        "priority": "5",
        "severity": "3",
        "active": "true",
        "escalation": "0",
        "notify": "1",
        "approval": "not requested",
        "reopen_count": "0",
        "child_incidents": "0",
        "close_code": "",
        "close_notes": "",
        "resolved_at": "",
        "resolved_by": "",
        "closed_at": "",
        "closed_by": "",
        "correlation_id": "",
        "correlation_display": "",
        "due_date": "",
        "comments": "",
        "work_notes": "",
        COMBINED_JOURNAL: "",
        "sys_class_name": "incident",
        **_SYS_FIELDS,
    },
    references={
        name: "sys_user"
        for name in ("caller_id", "opened_by", "assigned_to", "resolved_by", "closed_by")
    },
    choices={
        "state": {
            "1": "New",
            "2": "In Progress",
            "3": "On Hold",
            "6": "Resolved",
            "7": "Closed",
            "8": "Canceled",
        },
        "incident_state": {
            "1": "New",
            "2": "In Progress",
            "3": "On Hold",
            "6": "Resolved",
            "7": "Closed",
            "8": "Canceled",
        },
        "hold_reason": {
            "1": "Awaiting Caller",
            "3": "Awaiting Problem",
            "4": "Awaiting Vendor",
            "5": "Awaiting Change",
        },
        "impact": _IMPACT,
        "urgency": _IMPACT,
        "severity": _IMPACT,
        "priority": {
            "1": "1 - Critical",
            "2": "2 - High",
            "3": "3 - Moderate",
            "4": "4 - Low",
            "5": "5 - Planning",
        },
        "category": {
            "inquiry": "Inquiry / Help",
            "software": "Software",
            "hardware": "Hardware",
            "network": "Network",
            "database": "Database",
        },
        "escalation": {"0": "Normal", "1": "Moderate", "2": "High", "3": "Overdue"},
        "notify": {"1": "Do Not Notify", "2": "Send Email"},
        "approval": _APPROVAL,
    },
    # Priority comes from the Data Lookup rule and is read-only on incidents.
    read_only=_READ_ONLY | {"priority"},
    number_prefix="INC",
    number_start=10001,
    has_journal=True,
    display_field="number",
)

CHANGE_REQUEST = TableSchema(
    name="change_request",
    defaults={
        "sys_id": "",
        "number": "",
        "short_description": "",
        "description": "",
        "type": "normal",
        "chg_model": "",
        "category": "Other",
        "requested_by": "",
        "opened_by": "",
        "opened_at": "",
        "assigned_to": "",
        "assignment_group": "",
        "state": "-5",
        "phase": "requested",
        "phase_state": "open",
        "priority": "4",
        "risk": "3",
        "impact": "3",
        "urgency": "3",
        "active": "true",
        "approval": "not requested",
        "escalation": "0",
        "on_hold": "false",
        "start_date": "",
        "end_date": "",
        "justification": "",
        "implementation_plan": "",
        "backout_plan": "",
        "test_plan": "",
        "close_code": "",
        "close_notes": "",
        "closed_at": "",
        "closed_by": "",
        "correlation_id": "",
        "correlation_display": "",
        "due_date": "",
        "comments": "",
        "work_notes": "",
        COMBINED_JOURNAL: "",
        "sys_class_name": "change_request",
        **_SYS_FIELDS,
    },
    references={
        name: "sys_user" for name in ("requested_by", "opened_by", "assigned_to", "closed_by")
    },
    choices={
        "type": {"normal": "Normal", "standard": "Standard", "emergency": "Emergency"},
        "state": {
            "-5": "New",
            "-4": "Assess",
            "-3": "Authorize",
            "-2": "Scheduled",
            "-1": "Implement",
            "0": "Review",
            "3": "Closed",
            "4": "Canceled",
        },
        "priority": {"1": "1 - Critical", "2": "2 - High", "3": "3 - Moderate", "4": "4 - Low"},
        "risk": {"1": "Very High", "2": "High", "3": "Moderate", "4": "Low"},
        "impact": _IMPACT,
        "urgency": _IMPACT,
        "phase": {"requested": "Requested"},
        "phase_state": {"open": "Open"},
        "close_code": {
            "successful": "Successful",
            "successful_issues": "Successful with issues",
            "unsuccessful": "Unsuccessful",
        },
        "approval": _APPROVAL,
        "escalation": {"0": "Normal", "1": "Moderate", "2": "High", "3": "Overdue"},
    },
    number_prefix="CHG",
    number_start=30001,
    has_journal=True,
    display_field="number",
)

SYS_USER = TableSchema(
    name="sys_user",
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
        **_SYS_FIELDS,
    },
    display_field="name",
)

# Field order follows the recorded sys_journal_field answer.
SYS_JOURNAL_FIELD = TableSchema(
    name="sys_journal_field",
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

SCHEMAS: dict[str, TableSchema] = {
    schema.name: schema for schema in (INCIDENT, CHANGE_REQUEST, SYS_USER, SYS_JOURNAL_FIELD)
}
TICKET_TABLES = ("incident", "change_request")
