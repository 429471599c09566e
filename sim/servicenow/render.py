"""Turning stored rows into Table API JSON for each sysparm_display_value mode."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .schema import COMBINED_JOURNAL, JOURNAL_ELEMENTS, TableSchema
from .store import Record, RecordStore

_JOURNAL_FIELDS = (*JOURNAL_ELEMENTS, COMBINED_JOURNAL)


@dataclass(frozen=True)
class RenderOptions:
    """The sysparm_* switches that shape a record, parsed from the query string."""

    display: str = "false"  # "false" | "true" | "all"
    exclude_reference_link: bool = False
    fields: tuple[str, ...] | None = None
    # `<base>/api/now/table` or `<base>/api/now/v2/table`: links follow the request version.
    table_url: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str], table_url: str) -> RenderOptions:
        """Parse sysparm_display_value, sysparm_exclude_reference_link and sysparm_fields."""
        display = query.get("sysparm_display_value", "false").lower()
        fields = [f.strip() for f in query.get("sysparm_fields", "").split(",") if f.strip()]
        return cls(
            display=display if display in ("true", "all") else "false",
            exclude_reference_link=query.get("sysparm_exclude_reference_link", "").lower()
            == "true",
            fields=tuple(fields) or None,
            table_url=table_url,
        )


def render_record(
    store: RecordStore, schema: TableSchema, record: Record, options: RenderOptions
) -> dict[str, Any]:
    """The JSON object the Table API returns for one row."""
    names = options.fields if options.fields is not None else tuple(schema.defaults)
    out: dict[str, Any] = {}
    for name in names:
        if "." in name:
            # Dot-walked fields come back as plain values under the dotted name.
            value = store.lookup(schema, record, name)
            if value is not None:
                out[name] = value if options.display == "false" else _pair(value, value, options)
            continue
        if not schema.knows(name):
            continue  # invalid sysparm_fields entries are ignored
        out[name] = _render_field(store, schema, record, name, options)
    return out


def _pair(display: str, value: str, options: RenderOptions) -> str | dict[str, str]:
    if options.display == "true":
        return display
    return {"display_value": display, "value": value}


def _render_field(
    store: RecordStore, schema: TableSchema, record: Record, name: str, options: RenderOptions
) -> Any:
    value = record.get(name, "")
    if schema.has_journal and name in _JOURNAL_FIELDS:
        # The database value of a journal field is always empty; history is display-only.
        if options.display == "false":
            return ""
        return _pair(store.journal_text(record["sys_id"], name), "", options)
    target = schema.references.get(name)
    if target is not None:
        return _render_reference(store, target, value, options)
    if options.display == "false":
        return value
    return _pair(store.choice_label(schema.name, name, value), value, options)


def _render_reference(
    store: RecordStore, target: str, value: str, options: RenderOptions
) -> str | dict[str, str]:
    link = f"{options.table_url}/{target}/{value}"
    if options.display == "false":
        if not value or options.exclude_reference_link:
            return value
        return {"link": link, "value": value}
    display = store.display_value(target, value) if value else ""
    if options.display == "true":
        if not value or options.exclude_reference_link:
            return display
        return {"display_value": display, "link": link}
    if not value or options.exclude_reference_link:
        return {"display_value": display, "value": value}
    return {"display_value": display, "link": link, "value": value}
