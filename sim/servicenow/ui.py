"""The UI side: record pages, new-record forms and lists, so "Open in ServiceNow" links work.

- `GET /<table>.do?sys_id=<id>` shows the record (display values, then its activity).
- `GET /<table>.do?sys_id=-1&sysparm_query=a=1^b=2` shows a new-record form filled from the
  query's `field=value` terms, values exactly as typed (sys_id missing counts as -1).
- `GET /<table>_list.do?sysparm_query=…` lists the matching records, linked.

A real instance first sends the browser through its login page; the sim shows the page to
anyone (it holds demo data only) and its form is a preview with no submit.
"""

from __future__ import annotations

from functools import partial
from html import escape
from urllib.parse import quote

from aiohttp import web

from .appkey import SIM_KEY
from .pages import page
from .query import parse_query
from .render import RenderOptions, render_record
from .schema import TableSchema
from .store import Record, RecordStore
from .wire import html_response

_LIST_LIMIT = 100


def prefill(schema: TableSchema, text: str) -> dict[str, str]:
    """The `field=value` terms of an encoded query, values as typed (other terms ignored)."""
    values: dict[str, str] = {}
    for term in text.split("^"):
        name, sep, value = term.partition("=")
        if sep and schema.knows(name) and name not in schema.read_only:
            values[name] = value
    return values


def _title(schema: TableSchema, record: Record) -> str:
    shown = record.get(schema.display_field) if schema.display_field != "sys_id" else ""
    return f"{schema.label or schema.name} {shown or record['sys_id']}".strip()


def _record_page(store: RecordStore, schema: TableSchema, record: Record) -> str:
    shown = render_record(
        store, schema, record, RenderOptions(display="true", exclude_reference_link=True)
    )
    rows = "\n".join(
        f'<tr><th scope="row">{escape(store.field_label(schema.name, name))}</th>'
        f'<td data-field="{escape(name)}">{escape(str(value))}</td></tr>'
        for name, value in shown.items()
        if not isinstance(value, dict) and name not in ("comments", "work_notes")
    )
    activity = escape(store.journal_text(record["sys_id"], "comments_and_work_notes"))
    body = (
        f"<h1>{escape(_title(schema, record))}</h1>\n"
        f'<table class="form" id="{escape(schema.name)}.form">\n{rows}\n</table>\n'
        f'<h2>Activity</h2>\n<pre class="activity">{activity}</pre>'
    )
    return page(_title(schema, record), body)


def _new_form(store: RecordStore, schema: TableSchema, values: dict[str, str]) -> str:
    inputs = "\n".join(
        f'<label for="{escape(name)}">{escape(store.field_label(schema.name, name))}</label>'
        f'<input type="text" id="{escape(name)}" name="{escape(name)}" '
        f'value="{escape(values.get(name, ""))}"/>'
        for name in [*values, *(n for n in schema.defaults if n not in values)]
        if name not in schema.read_only
    )
    title = f"{schema.label or schema.name} - New record"
    body = (
        f"<h1>{escape(title)}</h1>\n"
        f'<form id="{escape(schema.name)}.do" method="post" action="/{escape(schema.name)}.do">\n'
        f'<input type="hidden" name="sys_id" value="-1"/>\n{inputs}\n</form>\n'
        '<p class="note">ServiceNow simulator: a preview of the form. Create the record '
        "through the Table API.</p>"
    )
    return page(title, body)


def _list_page(store: RecordStore, schema: TableSchema, text: str) -> str:
    query = parse_query(text)
    lookup = partial(store.lookup, schema)
    rows = [r for r in store.rows(schema.name) if query.matches(partial(lookup, r))]
    rows = query.sort(rows, lookup)
    items = "\n".join(
        f'<li><a href="/{schema.name}.do?sys_id={quote(r["sys_id"])}">'
        f"{escape(_title(schema, r))}</a> {escape(r.get('short_description', ''))}</li>"
        for r in rows[:_LIST_LIMIT]
    )
    title = f"{schema.label or schema.name} list"
    return page(
        title, f"<h1>{escape(title)}</h1>\n<p>{len(rows)} records</p>\n<ul>\n{items}\n</ul>"
    )


def _not_found(what: str) -> web.Response:
    return html_response(page("Not found", f"<h1>{escape(what)}</h1>"), 404)


async def record_page(request: web.Request) -> web.Response:
    """GET /<table>.do and /<table>_list.do."""
    store = request.app[SIM_KEY].store
    name = request.match_info["table"]
    listing = name.endswith("_list")
    schema = store.schema(name.removesuffix("_list") if listing else name)
    if schema is None:
        return _not_found(f"Invalid table {name.removesuffix('_list')}")
    text = request.query.get("sysparm_query", "")
    if listing:
        return html_response(_list_page(store, schema, text))
    sys_id = request.query.get("sys_id", "-1")
    if sys_id == "-1":
        return html_response(_new_form(store, schema, prefill(schema, text)))
    record = store.get(schema.name, sys_id)
    if record is None:
        return _not_found("Record not found")
    return html_response(_record_page(store, schema, record))


def add_routes(app: web.Application) -> None:
    """Register the UI pages (after the OAuth pages, which share the .do suffix)."""
    app.router.add_get(r"/{table:[a-z0-9_]+}.do", record_page)
