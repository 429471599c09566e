"""The instance's own required fields on the ticket form.

Before the form opens, the table's mandatory fields are read from ``sys_dictionary``
(:class:`~core.instance_cache.InstanceFacts`); those SnowOps does not fill itself become
more inputs of the form: a choice list (``sys_choice``), a pick of referenced records, or
text. Their values come back under ``sn.<field>`` and go into the record as they are.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Mapping

from core.field_mapping import Route
from core.i18n import _
from core.instance_cache import InstanceFacts
from core.instance_meta import FIELD_PREFIX, REFERENCE, DictionaryField, FormField, form_key
from core.models import TicketKind
from core.servicenow.errors import ServiceNowError

__all__ = [
    "FIELD_PREFIX",
    "FILLED_BY_SNOWOPS",
    "FormField",
    "RequiredFields",
    "check_values",
    "form_key",
    "with_values",
]

log = logging.getLogger(__name__)

#: Fields SnowOps fills itself (or the instance does): never asked for on the form.
FILLED_BY_SNOWOPS = frozenset(
    {
        "number",
        "short_description",
        "description",
        "correlation_id",
        "correlation_display",
        "impact",
        "urgency",
        "priority",
        "state",
        "type",
        "active",
        "due_date",
        "caller_id",
        "requested_by",
        "opened_by",
        "opened_at",
        "comments",
        "work_notes",
    }
)
#: Route parts by the record field they fill.
_ROUTED = {"category": "category", "subcategory": "subcategory"}
_ROUTED |= {"assignment_group": "group_id", "cmdb_ci": "ci_id"}
#: Records offered for a reference field (Slack's and Teams' lists filter as one types).
REFERENCE_OPTIONS = 100
_SYS_ID = re.compile(r"^[0-9a-f]{32}$")
#: Records a type-ahead offers.
SUGGESTIONS = 20
#: The longest value kept of a free-text field.
VALUE_MAX = 1000


def _asked(field: DictionaryField, route: Route) -> bool:
    if not field.mandatory or field.read_only or field.element in FILLED_BY_SNOWOPS:
        return False
    if field.element.startswith("sys_"):
        return False
    part = _ROUTED.get(field.element)
    return not (part and getattr(route, part))


class RequiredFields:
    """The fields a kind's table requires that SnowOps does not fill, for the form."""

    def __init__(self, facts: InstanceFacts) -> None:
        self._facts = facts
        self._gateway = facts.gateway
        self._last: dict[tuple[str, TicketKind], tuple[FormField, ...]] = {}

    async def fields(
        self, workspace: str, kind: TicketKind, route: Route | None = None
    ) -> tuple[FormField, ...]:
        """The form fields; none when the instance cannot be read (the form still opens,
        and a refusal then says what is missing)."""
        try:
            found = await self._facts.dictionary(workspace, kind.table)
            wanted = [f for f in found if _asked(f, route or Route())]
            out = tuple([await self._field(workspace, kind, f) for f in wanted])
        except ServiceNowError as exc:
            log.info("required fields of %s not read: %s", kind.table, exc.message)
            return self._last.get((workspace, kind), ())
        self._last[(workspace, kind)] = out
        return out

    def known(self, workspace: str, kind: TicketKind) -> tuple[FormField, ...]:
        """The fields last read, without asking anyone (a quick answer's form)."""
        return self._last.get((workspace, kind), ())

    def references(self, workspace: str) -> set[str]:
        """The tables the workspace's form fields reference, as last read: the only ones
        its type-ahead searches (not a window on every table the connection can read)."""
        return {
            f.reference
            for (ws, _kind), fields in self._last.items()
            if ws == workspace
            for f in fields
            if f.reference
        }

    async def suggest(self, workspace: str, table: str, text: str) -> list[tuple[str, str]]:
        """Records of a referenced table whose name holds ``text``: (sys_id, name)."""
        if table not in self.references(workspace):
            return []
        return await self._gateway.named_records(workspace, table, text[:80], SUGGESTIONS)

    def forget(self, workspace: str) -> None:
        """Read the instance again next time (after a refusal)."""
        self._facts.forget(workspace)

    async def _field(self, workspace: str, kind: TicketKind, field: DictionaryField) -> FormField:
        if field.choice:
            entries = await self._facts.choices(workspace, kind.table, field.element)
            seen: dict[str, str] = {}
            for entry in entries:
                seen.setdefault(entry.value, entry.label or entry.value)
            return FormField(field.element, field.label, tuple(seen.items()))
        if field.internal_type == REFERENCE and field.reference:
            records = await self._gateway.named_records(
                workspace, field.reference, "", REFERENCE_OPTIONS
            )
            options = tuple((sys_id, name) for sys_id, name in records if sys_id and name)
            return FormField(field.element, field.label, options, field.reference)
        return FormField(field.element, field.label)


def check_values(
    fields: tuple[FormField, ...], values: Mapping[str, str | None]
) -> tuple[tuple[tuple[str, str], ...], dict[str, str]]:
    """The record fields the form's values give, and ``{input id: message}`` for each
    missing or unknown one."""
    out: list[tuple[str, str]] = []
    errors: dict[str, str] = {}
    for field in fields:
        raw = (values.get(field.key) or "").strip()[:VALUE_MAX]
        if not raw:
            errors[field.key] = _("ServiceNow requires {label}.", label=field.label)
            continue
        if field.reference and _SYS_ID.match(raw):
            pass  # picked through the type-ahead: one of the instance's own records
        elif field.options:
            value = _option(field, raw)
            if value is None:
                close = difflib.get_close_matches(raw, [label for _v, label in field.options], 3)
                errors[field.key] = _(
                    "{value} is not a choice of {label}.", value=raw[:60], label=field.label
                ) + (" " + _("Close: {names}.", names=", ".join(close)) if close else "")
                continue
            raw = value
        out.append((field.element, raw))
    return tuple(out), errors


def _option(field: FormField, raw: str) -> str | None:
    """The stored value of a choice, by value or (any case) by label."""
    for value, label in field.options:
        if raw == value or raw.casefold() == label.casefold():
            return value
    return None


def with_values(
    fields: tuple[FormField, ...], values: Mapping[str, str | None]
) -> tuple[FormField, ...]:
    """The fields with what was typed in them (to show the form again)."""
    return tuple(
        FormField(f.element, f.label, f.options, f.reference, (values.get(f.key) or "")[:VALUE_MAX])
        for f in fields
    )
