"""The instance metadata the in-memory gateway answers: the simulator's own choice lists,
dictionary and CIs (``sim/servicenow``), so the fake and the simulator agree from the start.
Tests customise them as an admin customises an instance (a choice, a mandatory field)."""

from __future__ import annotations

from core.errors import UserError
from core.instance_meta import ChoiceEntry, DictionaryField
from core.servicenow.metadata import safe_name
from core.servicenow.query import query_value
from sim.servicenow.schema import TableSchema
from sim.servicenow.tables_itsm import CHANGE_REQUEST, INCIDENT
from sim.servicenow.users import SEED_CIS, SEED_GROUPS

__all__ = ["InstanceMeta"]


def _choices(schema: TableSchema) -> dict[tuple[str, str], list[ChoiceEntry]]:
    out = {
        (schema.name, element): [ChoiceEntry(v, label) for v, label in values.items()]
        for element, values in schema.choices.items()
    }
    out[(schema.name, "subcategory")] = [
        ChoiceEntry(v, label, parent)
        for parent, subs in schema.subcategories.items()
        for v, label in subs.items()
    ]
    return out


def _fields(schema: TableSchema) -> dict[str, DictionaryField]:
    return {
        name: DictionaryField(
            element=name,
            label=schema.field_label(name),
            internal_type=schema.field_type(name),
            reference=schema.references.get(name, ""),
            read_only=name in schema.read_only,
            choice=name in schema.choices or name == "subcategory",
        )
        for name in schema.defaults
    }


class InstanceMeta:
    """Choice lists, dictionaries and named records (CIs, groups) of the fake instance."""

    def __init__(self) -> None:
        self.choices: dict[tuple[str, str], list[ChoiceEntry]] = {}
        self.fields: dict[str, dict[str, DictionaryField]] = {}
        for schema in (INCIDENT, CHANGE_REQUEST):
            self.choices.update(_choices(schema))
            self.fields[schema.name] = _fields(schema)
        self.named: dict[str, dict[str, str]] = {
            "cmdb_ci": {name: sys_id for sys_id, name, _, _ in SEED_CIS},
            "sys_user_group": {g.name: g.sys_id for g in SEED_GROUPS},
        }

    def add_choice(
        self, table: str, element: str, value: str, label: str, parent: str = ""
    ) -> None:
        """A new choice, as an admin adds one."""
        self.choices.setdefault((table, element), []).append(ChoiceEntry(value, label, parent))

    def set_mandatory(self, table: str, element: str, label: str = "", reference: str = "") -> None:
        """A field made mandatory (a new ``u_`` field when unknown), enforced on writes."""
        known = self.fields[table].get(element)
        self.fields[table][element] = DictionaryField(
            element=element,
            label=label or (known.label if known else element),
            internal_type="reference"
            if reference
            else (known.internal_type if known else "string"),
            reference=reference or (known.reference if known else ""),
            mandatory=True,
        )

    def missing(self, table: str, record: dict[str, str]) -> list[str]:
        """Labels of the mandatory fields ``record`` leaves empty."""
        return [
            f.label
            for f in self.fields.get(table, {}).values()
            if f.mandatory and not record.get(f.element)
        ]

    def choice_list(self, table: str, element: str) -> list[ChoiceEntry]:
        """What ``choices`` answers (UserError for a name that cannot go in a query)."""
        return list(self.choices.get((safe_name(table), safe_name(element)), []))

    def dictionary(self, table: str) -> list[DictionaryField]:
        """What ``dictionary`` answers."""
        return list(self.fields.get(safe_name(table), {}).values())

    def find(self, table: str, text: str, limit: int, exact: bool) -> list[tuple[str, str]]:
        """What ``named_records`` answers."""
        if exact:
            query_value(text)
        elif "^" in text:
            text = text.replace("^", " ")
        words = " ".join(text.split())[:80].casefold()
        if not table:
            raise UserError("no table")
        rows = sorted(self.named.get(safe_name(table), {}).items())
        hits = [(i, n) for n, i in rows if (n == text if exact else words in n.casefold())]
        return hits[:limit]
