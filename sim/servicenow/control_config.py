"""Control endpoints that customise the instance: users, choices, dictionary, data policies,
plugins and approval decisions (see README "Control API")."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sim.control_body import Handler, json_body, text_list

from . import customize
from .appkey import SIM_KEY
from .catalog import PLUGINS
from .policies import DataPolicy
from .seed import Choice, NewUser


async def list_users(request: web.Request) -> web.Response:
    """GET /sim/users: every user with roles and groups."""
    return web.json_response({"users": customize.users(request.app[SIM_KEY])})


async def add_user(request: web.Request) -> web.Response:
    """POST /sim/users {"user_name", "password", "first_name"?, "last_name"?, "email"?,
    "title"?, "roles"?: [...], "groups"?: [...], "active"?}: a user who can sign in."""
    body = await json_body(request)
    new = NewUser(
        user_name=str(body.get("user_name") or ""),
        password=str(body.get("password") or ""),
        first_name=str(body.get("first_name") or ""),
        last_name=str(body.get("last_name") or ""),
        email=str(body.get("email") or ""),
        title=str(body.get("title") or ""),
        roles=text_list(body.get("roles"), "roles"),
        groups=text_list(body.get("groups"), "groups"),
        active=bool(body.get("active", True)),
    )
    user = customize.add_user(request.app[SIM_KEY], new)
    return web.json_response({"user": user})


async def decide_approval(request: web.Request) -> web.Response:
    """POST /sim/tickets/{number}/approval {"state": "approved"|"rejected", "approver"?,
    "comments"?}: decide what the change waits on, as the approvers would."""
    body = await json_body(request)
    instance = request.app[SIM_KEY]
    number = request.match_info["number"]
    approver = body.get("approver")
    decided = customize.decide(
        instance,
        number,
        str(body.get("state") or ""),
        None if approver is None else str(approver),
        str(body.get("comments") or ""),
    )
    found = instance.find_by_number(number)
    record = found[1] if found else {}
    return web.json_response({"approvals": decided, "record": record})


async def list_choices(request: web.Request) -> web.Response:
    """GET /sim/choices?table=incident&element=close_code: sys_choice rows."""
    table, element = request.query.get("table"), request.query.get("element")
    rows = [
        r
        for r in request.app[SIM_KEY].store.rows("sys_choice")
        if (table is None or r["name"] == table) and (element is None or r["element"] == element)
    ]
    return web.json_response({"choices": rows})


def _choice(entry: Any, index: int) -> Choice:
    if not isinstance(entry, dict) or "value" not in entry:
        raise ValueError("each choice needs a value (and a label)")
    value = str(entry["value"])
    return Choice(
        value=value,
        label=str(entry.get("label", value)),
        sequence=int(entry.get("sequence", (index + 1) * 100)),
        inactive=bool(entry.get("inactive", False)),
        dependent_value=str(entry.get("dependent_value") or ""),
    )


async def set_choices(request: web.Request) -> web.Response:
    """POST /sim/choices {"table", "element", "choices": [{"value", "label", "sequence"?,
    "inactive"?, "dependent_value"?}], "replace"?: false}."""
    body = await json_body(request)
    entries = body.get("choices")
    if not isinstance(entries, list):
        raise ValueError("choices must be a list")
    rows = customize.set_choices(
        request.app[SIM_KEY],
        str(body.get("table") or ""),
        str(body.get("element") or ""),
        [_choice(entry, i) for i, entry in enumerate(entries)],
        bool(body.get("replace", False)),
    )
    return web.json_response({"choices": rows})


async def set_field(request: web.Request) -> web.Response:
    """POST /sim/dictionary/{table}/{element} {"mandatory"?, "enforce"?: true, "label"?,
    "reference"?}: change a field's dictionary entry, or add a u_ field."""
    body = await json_body(request)
    mandatory = body.get("mandatory")
    entry = customize.set_field(
        request.app[SIM_KEY],
        request.match_info["table"],
        request.match_info["element"],
        mandatory=None if mandatory is None else bool(mandatory),
        enforce=bool(body.get("enforce", True)),
        label=str(body.get("label") or ""),
        reference=str(body.get("reference") or ""),
    )
    return web.json_response({"entry": entry})


def _policies(request: web.Request) -> web.Response:
    store = request.app[SIM_KEY].store
    return web.json_response({"policies": [p.to_dict() for p in store.policies]})


async def list_policies(request: web.Request) -> web.Response:
    """GET /sim/data-policies."""
    return _policies(request)


async def add_policy(request: web.Request) -> web.Response:
    """POST /sim/data-policies {"table", "mandatory": [fields], "condition"?, "name"?}."""
    body = await json_body(request)
    policy = DataPolicy(
        table=str(body.get("table") or ""),
        mandatory=text_list(body.get("mandatory"), "mandatory"),
        condition=str(body.get("condition") or ""),
        name=str(body.get("name") or "Custom data policy"),
    )
    customize.add_policy(request.app[SIM_KEY], policy)
    return _policies(request)


async def clear_policies(request: web.Request) -> web.Response:
    """DELETE /sim/data-policies[?base=true]: drop custom (and base) data policies."""
    base_too = request.query.get("base", "").lower() == "true"
    customize.clear_policies(request.app[SIM_KEY], base_too)
    return _policies(request)


async def list_plugins(request: web.Request) -> web.Response:
    """GET /sim/plugins: {plugin id: active}."""
    store = request.app[SIM_KEY].store
    active = {p: all(store.schema(t) for t in tables) for p, tables in PLUGINS.items()}
    return web.json_response({"plugins": active})


async def set_plugin(request: web.Request) -> web.Response:
    """POST /sim/plugins/{plugin} {"active": bool}: e.g. sn_si off, like an instance without
    Security Incident Response (its tables answer "Invalid table")."""
    body = await json_body(request)
    if not isinstance(body.get("active"), bool):
        raise ValueError("active (true or false) is required")
    tables = customize.set_plugin(
        request.app[SIM_KEY], request.match_info["plugin"], body["active"]
    )
    return web.json_response({"tables": tables, "active": body["active"]})


ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/sim/users", list_users),
    ("POST", "/sim/users", add_user),
    ("POST", "/sim/tickets/{number}/approval", decide_approval),
    ("GET", "/sim/choices", list_choices),
    ("POST", "/sim/choices", set_choices),
    ("POST", "/sim/dictionary/{table}/{element}", set_field),
    ("GET", "/sim/data-policies", list_policies),
    ("POST", "/sim/data-policies", add_policy),
    ("DELETE", "/sim/data-policies", clear_policies),
    ("GET", "/sim/plugins", list_plugins),
    ("POST", "/sim/plugins/{plugin}", set_plugin),
]
