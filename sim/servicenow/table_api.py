"""The Table API: /api/now[/v1|/v2]/table/{table}[/{sys_id}]."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import quote

from aiohttp import web

from . import acl
from .appkey import SIM_KEY
from .query import Condition, EncodedQuery, parse_query
from .render import RenderOptions, render_record
from .schema import TableSchema
from .store import Record, RecordStore
from .task_view import TASK, task_rows, task_schema
from .wire import (
    INSUFFICIENT_RIGHTS,
    NO_RECORD,
    ApiError,
    acl_refused,
    json_response,
    not_authenticated,
    operation_failed,
)
from .writes import Actor, BusinessRuleAbort, DataPolicyError, insert_record, update_record

DEFAULT_LIMIT = 10000
USER_KEY = web.RequestKey("snowops_sim_user", str)
"""Set on a request once it authenticated; the middleware then adds X-Is-Logged-In."""
_ACCEPTABLE = ("application/json", "application/*", "*/*")


def base_url(request: web.Request) -> str:
    """The instance URL used in links: configured, or derived from the request."""
    configured = request.app[SIM_KEY].config.instance_url
    return configured.rstrip("/") if configured else f"{request.scheme}://{request.host}"


def _table_url(request: web.Request) -> str:
    version = request.match_info.get("version")
    prefix = f"/api/now/{version}/table" if version else "/api/now/table"
    return base_url(request) + prefix


def _authenticate(request: web.Request) -> Actor:
    """The token's user: Bearer header, `access_token` query parameter, or Basic auth."""
    instance = request.app[SIM_KEY]
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    user: Record | None = None
    if scheme.lower() == "basic":
        try:
            name, _, password = base64.b64decode(credential).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            name = password = ""
        user = instance.authenticate(name, password)
    else:
        value = credential.strip() if scheme.lower() == "bearer" else ""
        token = instance.tokens.live(value or request.query.get("access_token", ""), "access")
        user = instance.user_by_sys_id(token.user_sys_id) if token else None
    if user is None:
        raise not_authenticated()
    request[USER_KEY] = user["user_name"]
    return Actor(user["sys_id"], user["user_name"])


def _schema(request: web.Request) -> TableSchema:
    name = request.match_info["table"]
    store = request.app[SIM_KEY].store
    schema = store.schema(name) or (task_schema(store) if name == TASK else None)
    if schema is None:
        raise ApiError.rest(400, f"Invalid table {name}", None)
    return schema


def _record(request: web.Request, schema: TableSchema, actor: Actor) -> Record:
    """The addressed row; 404 when missing or when ACLs hide it, as the platform answers."""
    instance = request.app[SIM_KEY]
    sys_id, roles = request.match_info["sys_id"], instance.roles(actor)
    record = instance.store.get(schema.name, sys_id)
    if schema.name == TASK and acl.read_scope(TASK, roles) != "none":
        # The parent table's own ACL first, then the row's class's, as the platform does.
        record = (instance.store.task(sys_id) or (TASK, None))[1]
    table = _class(schema, record or {})
    if record is None or not acl.can_read(instance.store, table, record, actor, roles):
        raise ApiError.rest(404, *NO_RECORD)
    return record


def _class(schema: TableSchema, row: Record) -> str:
    """The table whose ACLs decide on ``row``: a task row's own class, as the platform
    evaluates them."""
    return row.get("sys_class_name") or TASK if schema.name == TASK else schema.name


def _writable(schema: TableSchema, verb: str) -> None:
    """The sim serves ``task`` for reads only (SnowOps writes each ticket's own table)."""
    if schema.name == TASK:
        raise acl_refused(verb)


def _int_param(request: web.Request, name: str, default: int) -> int:
    try:
        value = int(request.query.get(name, ""))
    except ValueError:
        return default
    return value


def _link_header(request: web.Request, total: int, limit: int, offset: int) -> str:
    """One Link header: first, prev (offset - limit even below zero), next when more, last."""
    url = base_url(request) + request.path
    echoed = [
        (k, v) for k, v in request.query.items() if k not in ("sysparm_limit", "sysparm_offset")
    ]

    def link(rel: str, at: int) -> str:
        pairs = [*echoed, ("sysparm_limit", str(limit)), ("sysparm_offset", str(at))]
        qs = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
        return f'<{url}?{qs}>;rel="{rel}"'

    links = [link("first", 0), link("prev", offset - limit)]
    if offset + limit < total:
        links.append(link("next", offset + limit))
    links.append(link("last", ((total - 1) // limit) * limit if total else 0))
    return ",".join(links)


def _list_query(request: web.Request, schema: TableSchema, actor: Actor) -> EncodedQuery:
    if "sysparm_query" in request.query:
        # The two script values clients commonly send are evaluated for the token's user,
        # as on a real instance; any other javascript: term is ignored by the parser.
        text = request.query["sysparm_query"]
        text = text.replace("javascript:gs.getUserID()", actor.sys_id)
        text = text.replace("javascript:gs.getUserName()", actor.user_name)
        return parse_query(text)
    # Without sysparm_query, plain `field=value` parameters filter (mutually exclusive).
    clauses = tuple((Condition(k, "=", v),) for k, v in request.query.items() if schema.knows(k))
    return EncodedQuery((clauses,) if clauses else ())


def _narrow(
    store: RecordStore,
    tables: tuple[str, ...],
    every: Callable[[], list[Record]],
    query: EncodedQuery,
    schema: TableSchema,
) -> list[Record]:
    """Drop rows that fail a plain ``=``, ``IN`` or ``STARTSWITH`` term every match needs,
    by a direct read (the full matcher still runs on the rest): scans stay cheap on big
    tables. A ``STARTSWITH`` term's rows are kept until a write
    (:meth:`RecordStore.narrowed`); without one, ``=`` and ``IN`` terms on one table are read
    through indexes (:meth:`RecordStore.indexed`)."""
    if len(query.groups) != 1:
        return every()
    terms = [
        clause[0]
        for clause in query.groups[0]
        if len(clause) == 1
        and clause[0].operator in _NARROWING
        and "." not in clause[0].field
        and schema.knows(clause[0].field)
    ]
    exact = [
        (c.field, set(_values(c.operator, c.value))) for c in terms if c.operator != "STARTSWITH"
    ]
    if exact and len(tables) == 1 and len(exact) == len(terms):
        # A change's approvals, a ticket's comments: asked by the sys_ids they belong to,
        # in tables that only grow. (A poller's scope is kept instead: see below.)
        return store.indexed(tables[0], exact)
    rows: list[Record] | None = None
    # A STARTSWITH term first, wherever it stands: its kept rows are the fewest to filter.
    for cond in sorted(terms, key=lambda c: c.operator != "STARTSWITH"):
        keep = _keeps(cond.field, cond.operator, cond.value)
        if rows is None and cond.operator == "STARTSWITH":
            # A poller's scope (its correlation prefix), asked again and again: kept.
            key = (cond.field, cond.operator, cond.value)
            rows = store.narrowed(tables, key, every, keep)
        else:
            rows = [r for r in (every() if rows is None else rows) if keep(r)]
    return every() if rows is None else rows


_NARROWING = ("=", "IN", "STARTSWITH")


def _values(operator: str, value: str) -> list[str]:
    return value.split(",") if operator == "IN" else [value]


def _keeps(name: str, operator: str, value: str) -> Callable[[Record], bool]:
    if operator in ("=", "IN"):
        values = set(_values(operator, value))
        return lambda r: r.get(name, "") in values
    prefix = value.casefold()
    return lambda r: r.get(name, "").casefold().startswith(prefix)


async def list_records(request: web.Request) -> web.Response:
    """GET list with sysparm_query/fields/limit/offset/display_value and pagination headers.

    Like the platform, the limit and X-Total-Count apply before row-level ACLs, so a user who
    may read only some rows gets short pages.
    """
    actor = _authenticate(request)
    schema = _schema(request)
    instance = request.app[SIM_KEY]
    store, roles = instance.store, instance.roles(actor)
    if acl.read_scope(schema.name, roles) == "none":
        raise ApiError.rest(403, *INSUFFICIENT_RIGHTS)
    query = _list_query(request, schema, actor)
    lookup = partial(store.lookup, schema)
    if schema.name == TASK:
        tables, every = tuple(store.number_tables()), partial(task_rows, store)
    else:
        tables, every = (schema.name,), partial(store.rows, schema.name)
    rows = _narrow(store, tables, every, query, schema)
    matched = [row for row in rows if query.matches(partial(lookup, row))]
    matched = query.sort(matched, lookup)
    limit = _int_param(request, "sysparm_limit", DEFAULT_LIMIT)
    limit = limit if limit > 0 else DEFAULT_LIMIT
    offset = max(_int_param(request, "sysparm_offset", 0), 0)
    options = RenderOptions.from_query(request.query, _table_url(request))
    page = matched[offset : offset + limit]
    readable = [row for row in page if acl.can_read(store, _class(schema, row), row, actor, roles)]
    result = [render_record(store, schema, row, options) for row in readable]
    headers = {"X-Total-Count": str(len(matched))}
    if request.query.get("sysparm_suppress_pagination_header", "").lower() != "true":
        headers["Link"] = _link_header(request, len(matched), limit, offset)
    return json_response({"result": result}, headers=headers)


async def get_record(request: web.Request) -> web.Response:
    """GET one record; 404 with the recorded body when missing or hidden by ACLs."""
    actor = _authenticate(request)
    schema = _schema(request)
    record = _record(request, schema, actor)
    options = RenderOptions.from_query(request.query, _table_url(request))
    store = request.app[SIM_KEY].store
    return json_response({"result": render_record(store, schema, record, options)})


def _require_json_headers(request: web.Request) -> None:
    accept = request.headers.get("Accept", "")
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if not any(kind in accept for kind in _ACCEPTABLE) or content_type != "application/json":
        # Body wording is the sim's; the 400 status is what the docs promise.
        raise ApiError.rest(
            400,
            "Invalid request",
            "Accept and Content-Type headers must be application/json",
        )


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read() or b"null")
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, list) and body:
        body = body[0]  # only the first record of a posted array is processed
    if not isinstance(body, dict):
        raise ApiError.rest(
            400, "Exception while reading request", "The payload is not valid JSON."
        )
    return body


def _refusal(error: DataPolicyError | BusinessRuleAbort) -> ApiError:
    if isinstance(error, DataPolicyError):
        # Recorded: docs.getint.io "Type Mapping" quotes a real instance's 403.
        return operation_failed(f"Data Policy Exception: \n\t{error}")
    return operation_failed(str(error))


def _allowed(
    request: web.Request, schema: TableSchema, record: Record | None, actor: Actor, payload: Any
) -> dict[str, Any]:
    """The payload as ACLs let this user write it; 403 when nothing may be written."""
    instance = request.app[SIM_KEY]
    fields = acl.write_fields(instance.store, schema.name, record, actor, instance.roles(actor))
    if fields is None:
        return dict(payload)
    allowed = {k: v for k, v in payload.items() if k in fields}
    if not allowed:
        raise acl_refused("Insert" if record is None else "Update")
    return allowed


async def create_record(request: web.Request) -> web.Response:
    """POST: 201 with Location and the new record."""
    actor = _authenticate(request)
    schema = _schema(request)
    _writable(schema, "Insert")
    _require_json_headers(request)
    payload = _allowed(request, schema, None, actor, await _json_body(request))
    instance = request.app[SIM_KEY]
    try:
        record = insert_record(instance.store, schema, payload, actor, instance.timestamp())
    except (DataPolicyError, BusinessRuleAbort) as error:
        raise _refusal(error) from None
    location = f"{base_url(request)}/api/now/v2/table/{schema.name}/{record['sys_id']}"
    options = RenderOptions.from_query(request.query, _table_url(request))
    body = {"result": render_record(instance.store, schema, record, options)}
    return json_response(body, 201, {"Location": location})


async def modify_record(request: web.Request) -> web.Response:
    """PATCH/PUT: partial update; `X-no-response-body: true` drops the body."""
    actor = _authenticate(request)
    schema = _schema(request)
    _writable(schema, "Update")
    _require_json_headers(request)
    record = _record(request, schema, actor)
    payload = _allowed(request, schema, record, actor, await _json_body(request))
    instance = request.app[SIM_KEY]
    now = instance.timestamp()
    try:
        update_record(instance.store, schema, record, payload, actor, now, enforce_model=True)
    except (DataPolicyError, BusinessRuleAbort) as error:
        raise _refusal(error) from None
    if request.headers.get("X-no-response-body", "").lower() == "true":
        return web.Response(status=200)
    options = RenderOptions.from_query(request.query, _table_url(request))
    return json_response({"result": render_record(instance.store, schema, record, options)})


async def delete_record(request: web.Request) -> web.Response:
    """DELETE: 204 without body; no Content-Type needed."""
    actor = _authenticate(request)
    schema = _schema(request)
    _writable(schema, "Delete")
    record = _record(request, schema, actor)
    instance = request.app[SIM_KEY]
    fields = acl.write_fields(instance.store, schema.name, record, actor, instance.roles(actor))
    if fields is not None:
        raise acl_refused("Delete")
    instance.store.delete(schema.name, request.match_info["sys_id"])
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    """Register the Table API for the unversioned, v1 and v2 paths."""
    for prefix in ("/api/now/table", "/api/now/{version:v1|v2}/table"):
        app.router.add_get(prefix + "/{table}", list_records)
        app.router.add_post(prefix + "/{table}", create_record)
        one = prefix + "/{table}/{sys_id}"
        app.router.add_get(one, get_record)
        app.router.add_patch(one, modify_record)
        app.router.add_put(one, modify_record)
        app.router.add_delete(one, delete_record)
