"""Control endpoints under /sim/ that let demos and other processes drive the simulator.

Not part of ServiceNow: plain JSON in and out, no authentication, not written to the request
log, never faulted.
"""

from __future__ import annotations

import base64

from aiohttp import web

from sim.control_body import Handler, guarded, json_body

from . import control_config, customize
from .appkey import SIM_KEY
from .faults import Fault
from .push import PushRule
from .writes import insert_record


async def ticket(request: web.Request) -> web.Response:
    """GET /sim/tickets/{number}: the raw stored row."""
    instance = request.app[SIM_KEY]
    found = instance.find_by_number(request.match_info["number"])
    if found is None:
        raise KeyError(f"no ticket {request.match_info['number']}")
    approvals = customize.approvals_of(instance, found[1]["sys_id"])
    return web.json_response({"table": found[0], "record": found[1], "approvals": approvals})


async def ticket_state(request: web.Request) -> web.Response:
    """POST /sim/tickets/{number}/state {"state": "2", "close_code": optional}."""
    body = await json_body(request)
    state = body.get("state")
    if state is None:
        raise ValueError("state is required")
    record = request.app[SIM_KEY].set_state(
        request.match_info["number"], str(state), close_code=body.get("close_code")
    )
    return web.json_response({"record": record})


async def ticket_journal(request: web.Request) -> web.Response:
    """POST /sim/tickets/{number}/journal {"text", "element": comments|work_notes, "author"}."""
    body = await json_body(request)
    entry = request.app[SIM_KEY].add_journal(
        request.match_info["number"],
        str(body.get("text", "")),
        element=str(body.get("element", "comments")),
        author=str(body.get("author", "beth.anglin")),
    )
    return web.json_response({"entry": entry})


async def add_fault(request: web.Request) -> web.Response:
    """POST /sim/faults with Fault fields."""
    instance = request.app[SIM_KEY]
    instance.inject_fault(Fault(**await json_body(request)))
    return web.json_response({"faults": [f.to_dict() for f in instance.faults]})


async def list_faults(request: web.Request) -> web.Response:
    """GET /sim/faults: queued faults."""
    return web.json_response({"faults": [f.to_dict() for f in request.app[SIM_KEY].faults]})


async def clear_faults(request: web.Request) -> web.Response:
    """DELETE /sim/faults."""
    request.app[SIM_KEY].clear_faults()
    return web.json_response({"faults": []})


async def expire_tokens(request: web.Request) -> web.Response:
    """POST /sim/tokens/expire: every access token expires now."""
    request.app[SIM_KEY].expire_access_tokens()
    return web.json_response({"ok": True})


async def revoke_tokens(request: web.Request) -> web.Response:
    """POST /sim/tokens/revoke: every refresh token is revoked."""
    request.app[SIM_KEY].revoke_refresh_tokens()
    return web.json_response({"ok": True})


async def requests_log(request: web.Request) -> web.Response:
    """GET /sim/requests: [[method, path_qs], ...] of every ServiceNow request received."""
    return web.json_response({"requests": [list(e) for e in request.app[SIM_KEY].request_log]})


async def clear_requests(request: web.Request) -> web.Response:
    """DELETE /sim/requests: empty the request log."""
    request.app[SIM_KEY].request_log.clear()
    return web.json_response({"requests": []})


async def reset(request: web.Request) -> web.Response:
    """POST /sim/reset: back to a fresh instance."""
    request.app[SIM_KEY].reset()
    return web.json_response({"ok": True})


async def advance_clock(request: web.Request) -> web.Response:
    """POST /sim/clock/advance {"seconds": n}."""
    instance = request.app[SIM_KEY]
    instance.advance_clock(float((await json_body(request)).get("seconds", 0)))
    return web.json_response({"now": instance.timestamp()})


async def bulk_insert(request: web.Request) -> web.Response:
    """POST /sim/bulk {"table", "records": [{field: value}], "user": "admin"}: insert many
    rows at once, as that user would through the Table API (benchmarks seed with it)."""
    instance = request.app[SIM_KEY]
    body = await json_body(request)
    table, records = str(body.get("table") or ""), body.get("records")
    schema = instance.store.schema(table)
    if schema is None or not isinstance(records, list):
        raise ValueError("give table (a simulated table) and records (a list of objects)")
    actor = instance.actor(str(body.get("user") or "admin"))
    now = instance.timestamp()
    rows = [
        dict(insert_record(instance.store, schema, r, actor, now))
        for r in records
        if isinstance(r, dict)
    ]
    return web.json_response({"records": rows})


async def set_push(request: web.Request) -> web.Response:
    """POST /sim/push {"url", "key" (base64), "instance_url"?}: install the push rule."""
    instance = request.app[SIM_KEY]
    body = await json_body(request)
    url, key = str(body.get("url") or ""), str(body.get("key") or "")
    if not url.startswith(("http://", "https://")) or not key:
        raise ValueError("give url (http or https) and key (base64)")
    base64.b64decode(key, validate=True)
    own = instance.config.instance_url or f"{request.scheme}://{request.host}"
    instance.pusher.rule = PushRule(url, key, str(body.get("instance_url") or own))
    return web.json_response({"ok": True, "instance_url": instance.pusher.rule.instance_url})


async def push_log(request: web.Request) -> web.Response:
    """GET /sim/push: every delivery the rule made, with SnowOps's answer."""
    return web.json_response({"deliveries": request.app[SIM_KEY].pusher.log})


async def clear_push(request: web.Request) -> web.Response:
    """DELETE /sim/push: uninstall the rule."""
    request.app[SIM_KEY].pusher.rule = None
    return web.json_response({"ok": True})


async def health(request: web.Request) -> web.Response:
    """GET /sim/health."""
    instance = request.app[SIM_KEY]
    return web.json_response({"status": "ok", "now": instance.timestamp()})


def add_routes(app: web.Application) -> None:
    """Register the /sim/ control API."""
    routes: list[tuple[str, str, Handler]] = [
        ("GET", "/sim/tickets/{number}", ticket),
        ("POST", "/sim/tickets/{number}/state", ticket_state),
        ("POST", "/sim/tickets/{number}/journal", ticket_journal),
        ("GET", "/sim/faults", list_faults),
        ("POST", "/sim/faults", add_fault),
        ("DELETE", "/sim/faults", clear_faults),
        ("POST", "/sim/tokens/expire", expire_tokens),
        ("POST", "/sim/tokens/revoke", revoke_tokens),
        ("GET", "/sim/requests", requests_log),
        ("DELETE", "/sim/requests", clear_requests),
        ("POST", "/sim/reset", reset),
        ("POST", "/sim/clock/advance", advance_clock),
        ("GET", "/sim/health", health),
        ("POST", "/sim/push", set_push),
        ("POST", "/sim/bulk", bulk_insert),
        ("GET", "/sim/push", push_log),
        ("DELETE", "/sim/push", clear_push),
    ]
    for method, path, handler in [*routes, *control_config.ROUTES]:
        app.router.add_route(method, path, guarded(handler))
