"""The instance's own metadata over the Table API: choice lists (``sys_choice``), fields
(``sys_dictionary``) and records found by name (``cmdb_ci``, ``sys_user_group``…).

Every name that goes into a query is checked first: a table or field name is letters,
digits and underscores, a value goes through :func:`~core.servicenow.query.query_value`.
"""

from __future__ import annotations

import re
from typing import Any

from core.errors import UserError
from core.i18n import _
from core.instance_meta import ChoiceEntry, DictionaryField
from core.servicenow.query import query_value
from core.servicenow.table import TableClient

__all__ = ["choice_entries", "dictionary_fields", "named_records", "safe_name"]

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,79}$")
#: The fields every task table inherits are held by task's own dictionary entries.
_PARENT = "task"
_CHOICE_FIELDS = ["value", "label", "dependent_value", "sequence"]
_DICTIONARY_FIELDS = [
    "name",
    "element",
    "column_label",
    "internal_type",
    "reference",
    "mandatory",
    "read_only",
    "choice",
]


def safe_name(name: str) -> str:
    """``name`` when it is a table or field name (``u_source``), else a UserError."""
    if not _NAME.match(name):
        raise UserError(_("{name} is not a ServiceNow table or field name.", name=repr(name[:40])))
    return name


def _text(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    if isinstance(value, dict):
        value = value.get("value") or value.get("display_value")
    return str(value or "")


async def choice_entries(
    table: TableClient, workspace: str, name: str, element: str
) -> list[ChoiceEntry]:
    """Active ``sys_choice`` rows of one field, in the instance's order."""
    query = (
        f"name={safe_name(name)}^element={safe_name(element)}^inactive=false"
        "^ORDERBYsequence^ORDERBYlabel"
    )
    rows = await table.query(workspace, "sys_choice", query, fields=_CHOICE_FIELDS)
    seen: set[tuple[str, str]] = set()
    out: list[ChoiceEntry] = []
    for row in rows:
        entry = ChoiceEntry(_text(row, "value"), _text(row, "label"), _text(row, "dependent_value"))
        # One entry per value and parent: an instance in several languages repeats them.
        if entry.value and (entry.value, entry.dependent_value) not in seen:
            seen.add((entry.value, entry.dependent_value))
            out.append(entry)
    return out


def _field(row: dict[str, Any]) -> DictionaryField:
    return DictionaryField(
        element=_text(row, "element"),
        label=_text(row, "column_label") or _text(row, "element"),
        internal_type=_text(row, "internal_type") or "string",
        reference=_text(row, "reference"),
        mandatory=_text(row, "mandatory") == "true",
        read_only=_text(row, "read_only") == "true",
        choice=_text(row, "choice") not in ("", "0"),
    )


async def dictionary_fields(table: TableClient, workspace: str, name: str) -> list[DictionaryField]:
    """The fields of a table: its own entries win over those it inherits from task."""
    query = f"nameIN{safe_name(name)},{_PARENT}^elementISNOTEMPTY"
    rows = await table.query(workspace, "sys_dictionary", query, fields=_DICTIONARY_FIELDS)
    fields: dict[str, DictionaryField] = {}
    for row in sorted(rows, key=lambda r: _text(r, "name") == name):
        entry = _field(row)
        if entry.element:
            fields[entry.element] = entry
    return list(fields.values())


async def named_records(
    table: TableClient, workspace: str, name: str, text: str, limit: int, exact: bool
) -> list[tuple[str, str]]:
    """``name=`` (exact) or ``nameLIKE`` (contains, any case) on a table, by name."""
    if exact:
        condition = f"name={query_value(text)}"
    else:
        words = " ".join(text.replace("^", " ").split())[:80]
        condition = f"nameLIKE{words}" if words else ""
    query = f"{condition}^ORDERBYname" if condition else "ORDERBYname"
    rows = await table.query(
        workspace,
        safe_name(name),
        query,
        fields=["sys_id", "name"],
        max_records=limit,
        page_size=max(1, min(limit, 100)),
    )
    return [(_text(r, "sys_id"), _text(r, "name")) for r in rows]
