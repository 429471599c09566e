"""TableSchema, the shape of a simulated table, and the field sets many tables share."""

from __future__ import annotations

from dataclasses import dataclass, field

# Default Data Lookup rule of the incident (and problem) table: (impact, urgency) -> priority.
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

SYS_FIELDS = {
    "sys_created_on": "",
    "sys_created_by": "",
    "sys_updated_on": "",
    "sys_updated_by": "",
    "sys_mod_count": "0",
    "sys_tags": "",
}
READ_ONLY = frozenset({"sys_id", "number", "sys_class_name", COMBINED_JOURNAL, *SYS_FIELDS})
IMPACT = {"1": "1 - High", "2": "2 - Medium", "3": "3 - Low"}
PRIORITY5 = {
    "1": "1 - Critical",
    "2": "2 - High",
    "3": "3 - Moderate",
    "4": "4 - Low",
    "5": "5 - Planning",
}
APPROVAL = {
    "not requested": "Not Yet Requested",
    "requested": "Requested",
    "approved": "Approved",
    "rejected": "Rejected",
}
ESCALATION = {"0": "Normal", "1": "Moderate", "2": "High", "3": "Overdue"}
# Labels every table shares (sys_dictionary column_label of the task and system fields).
COMMON_LABELS = {
    "sys_id": "Sys ID",
    "number": "Number",
    "short_description": "Short description",
    "description": "Description",
    "opened_by": "Opened by",
    "opened_at": "Opened",
    "assigned_to": "Assigned to",
    "assignment_group": "Assignment group",
    "cmdb_ci": "Configuration item",
    "state": "State",
    "impact": "Impact",
    "urgency": "Urgency",
    "priority": "Priority",
    "active": "Active",
    "approval": "Approval",
    "escalation": "Escalation",
    "close_code": "Close code",
    "close_notes": "Close notes",
    "closed_at": "Closed",
    "closed_by": "Closed by",
    "resolved_at": "Resolved",
    "resolved_by": "Resolved by",
    "correlation_id": "Correlation ID",
    "correlation_display": "Correlation display",
    "due_date": "Due date",
    "comments": "Additional comments",
    "work_notes": "Work notes",
    COMBINED_JOURNAL: "Comments and Work notes",
    "category": "Category",
    "subcategory": "Subcategory",
    "sys_class_name": "Class",
    "sys_created_on": "Created",
    "sys_created_by": "Created by",
    "sys_updated_on": "Updated",
    "sys_updated_by": "Updated by",
    "sys_mod_count": "Updates",
    "sys_tags": "Tags",
}


@dataclass(frozen=True)
class TableSchema:
    """What the sim knows about one table; `defaults` also fixes the field order of answers.

    `choices` seed the table's sys_choice rows (labels are read back from sys_choice, so a
    customised instance shows its own labels); `labels` and `types` seed sys_dictionary.
    """

    name: str
    defaults: dict[str, str]
    references: dict[str, str] = field(default_factory=dict)
    choices: dict[str, dict[str, str]] = field(default_factory=dict)
    read_only: frozenset[str] = READ_ONLY
    number_prefix: str | None = None
    number_start: int = 0
    has_journal: bool = False
    # Field whose value is the record's display value when something references it.
    display_field: str = "sys_id"
    label: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    # sys_dictionary internal_type per field when not guessed from the field's name.
    types: dict[str, str] = field(default_factory=dict)
    # The plugin that brings the table (None: always there).
    plugin: str | None = None
    # subcategory choices per category value: {category: {subcategory value: label}}.
    subcategories: dict[str, dict[str, str]] = field(default_factory=dict)

    def knows(self, name: str) -> bool:
        """Whether `name` is a field of this table."""
        return name in self.defaults

    def field_label(self, name: str) -> str:
        """The column label the base system gives a field."""
        found = self.labels.get(name) or COMMON_LABELS.get(name)
        return found or name.removeprefix("u_").replace("_", " ").capitalize()

    def field_type(self, name: str) -> str:
        """The sys_dictionary internal_type of a field."""
        if name in self.types:
            return self.types[name]
        if name in self.references:
            return "reference"
        if name in JOURNAL_ELEMENTS or name == COMBINED_JOURNAL:
            return "journal_input" if name != COMBINED_JOURNAL else "journal_list"
        if name.endswith(("_at", "_on", "_date")) or name in ("opened_at", "due_date"):
            return "glide_date_time"
        if name == "sys_id":
            return "GUID"
        if self.defaults.get(name) in ("true", "false"):
            return "boolean"
        if name in self.choices and all(v.lstrip("-").isdigit() for v in self.choices[name]):
            return "integer"
        return "string"
