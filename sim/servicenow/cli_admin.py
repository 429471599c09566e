"""CLI commands that customise a running simulator: users, approvals, choices, dictionary,
data policies, plugins and the clock (each one call to the /sim/ control API)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

Remote = Callable[[str, str], argparse.ArgumentParser]
Request = tuple[str, str, dict[str, Any] | None]


def add_parsers(remote: Remote) -> None:
    """Register the subcommands; `remote(name, help)` makes one that takes --url."""
    remote("users", "list users with their roles and groups")
    user = remote("add-user", "add (or update) a user who can sign in")
    user.add_argument("user_name")
    user.add_argument("password")
    user.add_argument("--first-name", default="")
    user.add_argument("--last-name", default="")
    user.add_argument("--email", default="")
    user.add_argument("--role", action="append", default=[], help="repeatable, e.g. itil")
    user.add_argument("--group", action="append", default=[], help="repeatable, e.g. Network")

    approve = remote("approve", "approve (or --reject) what a change waits on")
    approve.add_argument("number")
    approve.add_argument("--reject", action="store_true")
    approve.add_argument("--approver", help="only this approver's approval (user_name)")
    approve.add_argument("--comment", default="")

    choice = remote("choice", "add or change a sys_choice entry")
    choice.add_argument("table")
    choice.add_argument("element")
    choice.add_argument("value")
    choice.add_argument("label", nargs="?")
    choice.add_argument("--sequence", type=int, default=0)
    choice.add_argument("--inactive", action="store_true")
    choice.add_argument("--dependent-value", default="")
    choice.add_argument("--replace", action="store_true", help="drop the field's other choices")

    field = remote("mandatory", "make a field mandatory (or --off); adds u_ fields")
    field.add_argument("table")
    field.add_argument("element")
    field.add_argument("--off", action="store_true")
    field.add_argument("--label", default="")
    field.add_argument("--reference", default="", help="for a new reference field: its table")
    field.add_argument("--no-enforce", action="store_true", help="dictionary flag only")

    policy = remote("policy", "add a data policy: FIELD... mandatory when --condition holds")
    policy.add_argument("table")
    policy.add_argument("fields", nargs="+")
    policy.add_argument("--condition", default="")
    policy.add_argument("--name", default="")

    plugin = remote("plugin", "activate or remove a plugin, e.g. sn_si off")
    plugin.add_argument("plugin")
    plugin.add_argument("active", choices=("on", "off"))

    clock = remote("clock", "move the instance clock forward")
    clock.add_argument("seconds", type=float)


def request(args: argparse.Namespace) -> Request | None:
    """The control call a command makes, or None when the command is not one of these."""
    builders: dict[str, Callable[[argparse.Namespace], Request]] = {
        "users": lambda a: ("GET", "/sim/users", None),
        "add-user": _user,
        "approve": _approve,
        "choice": _choice,
        "mandatory": _mandatory,
        "policy": lambda a: (
            "POST",
            "/sim/data-policies",
            {"table": a.table, "mandatory": a.fields, "condition": a.condition, "name": a.name},
        ),
        "plugin": lambda a: ("POST", f"/sim/plugins/{a.plugin}", {"active": a.active == "on"}),
        "clock": lambda a: ("POST", "/sim/clock/advance", {"seconds": a.seconds}),
    }
    build = builders.get(args.command)
    return build(args) if build else None


def _user(args: argparse.Namespace) -> Request:
    body = {
        "user_name": args.user_name,
        "password": args.password,
        "first_name": args.first_name,
        "last_name": args.last_name,
        "email": args.email,
        "roles": args.role,
        "groups": args.group,
    }
    return "POST", "/sim/users", body


def _approve(args: argparse.Namespace) -> Request:
    body: dict[str, Any] = {"state": "rejected" if args.reject else "approved"}
    if args.approver:
        body["approver"] = args.approver
    if args.comment:
        body["comments"] = args.comment
    return "POST", f"/sim/tickets/{args.number}/approval", body


def _choice(args: argparse.Namespace) -> Request:
    entry: dict[str, Any] = {
        "value": args.value,
        "label": args.label or args.value,
        "inactive": args.inactive,
        "dependent_value": args.dependent_value,
    }
    if args.sequence:
        entry["sequence"] = args.sequence
    body = {
        "table": args.table,
        "element": args.element,
        "choices": [entry],
        "replace": args.replace,
    }
    return "POST", "/sim/choices", body


def _mandatory(args: argparse.Namespace) -> Request:
    body: dict[str, Any] = {"mandatory": not args.off, "enforce": not args.no_enforce}
    if args.label:
        body["label"] = args.label
    if args.reference:
        body["reference"] = args.reference
    return "POST", f"/sim/dictionary/{args.table}/{args.element}", body
