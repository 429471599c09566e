"""Command line: `serve` runs the simulator; the other commands drive a running one over /sim/."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from typing import Any

from aiohttp import web

from sim.ports import port_in_use

from . import cli_admin
from .app import build_sim_app
from .catalog import PLUGINS
from .config import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    SimConfig,
)
from .users import DEMO_PASSWORD

DEFAULT_URL = "http://127.0.0.1:8765"


def _serve_parser(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--instance-url", help="base URL written into links (default: from Host)")
    serve.add_argument(
        "--auto-progress",
        type=float,
        metavar="SECONDS",
        help="move every open ticket one state forward this often",
    )
    serve.add_argument("--seed-demo", action="store_true", help="create demo tickets")
    serve.add_argument(
        "--redirect-uri",
        action="append",
        default=[],
        help="registered OAuth redirect URL (repeatable; default: any loopback)",
    )
    serve.add_argument(
        "--client-credentials", action="store_true", help="enable the client_credentials grant"
    )
    serve.add_argument(
        "--without-plugin",
        action="append",
        default=[],
        choices=sorted(PLUGINS),
        help="start without a plugin's tables (e.g. com.snc.security_incident)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sim.servicenow", description="ServiceNow instance simulator"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _serve_parser(commands.add_parser("serve", help="run the simulator"))

    def remote(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--url", default=DEFAULT_URL, help=f"simulator URL ({DEFAULT_URL})")
        return sub

    state = remote("state", "move a ticket to a state")
    state.add_argument("number")
    state.add_argument("state")
    state.add_argument("--close-code")

    comment = remote("comment", "add a comment (or work note) to a ticket")
    comment.add_argument("number")
    comment.add_argument("text")
    comment.add_argument("--work-note", action="store_true")
    comment.add_argument("--author", default="beth.anglin")

    fault = remote("fault", "inject a fault")
    fault.add_argument("--status", type=int)
    fault.add_argument("--count", type=int, default=1)
    fault.add_argument("--retry-after", type=int)
    fault.add_argument("--latency-ms", type=int, default=0)
    fault.add_argument("--scope", choices=("table", "oauth", "all"), default="table")
    fault.add_argument(
        "--kind", choices=("html_login", "ip_blocked", "cross_scope", "acl", "acl_write")
    )
    fault.add_argument("--table", help="only Table API requests on this table (e.g. task)")

    cli_admin.add_parsers(remote)
    remote("clear-faults", "remove all injected faults")
    remote("expire-tokens", "expire every access token")
    remote("revoke-tokens", "revoke every refresh token")
    remote("reset", "reset the simulator to a fresh instance")
    return parser


def _call(url: str, method: str, path: str, body: dict[str, Any] | None = None) -> int:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url.rstrip("/") + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            print(resp.read().decode())
            return 0
    except urllib.error.HTTPError as error:
        print(f"{error.code}: {error.read().decode()}", file=sys.stderr)
        return 1
    except urllib.error.URLError as error:
        print(f"cannot reach {url}: {error.reason}", file=sys.stderr)
        return 1


def _serve(args: argparse.Namespace) -> int:
    config = SimConfig(
        instance_url=args.instance_url,
        redirect_uris=tuple(args.redirect_uri),
        auto_progress_seconds=args.auto_progress,
        seed_demo_tickets=args.seed_demo,
        client_credentials_enabled=args.client_credentials,
        missing_plugins=tuple(args.without_plugin),
    )
    taken = port_in_use("the ServiceNow simulator", args.host, args.port)
    if taken:
        print(f"snowops sim: {taken}; stop it, or choose another with --port", file=sys.stderr)
        return 1
    base = args.instance_url or f"http://{args.host}:{args.port}"
    print(f"ServiceNow simulator at {base}")
    print(f"  OAuth client:     {DEFAULT_CLIENT_ID} / {DEFAULT_CLIENT_SECRET}")
    print(f"  Integration user: {DEFAULT_USERNAME} / {DEFAULT_PASSWORD}")
    print("  Demo users:       admin / admin (admin)")
    print(f"                    password {DEMO_PASSWORD}: beth.anglin, abel.tuter (itil),")
    print("                    david.loo (itil, sn_si.analyst), fred.luddy (approver_user),")
    print("                    joe.employee (no roles)")
    print(f"  Control API:      {base}/sim/health", flush=True)
    web.run_app(build_sim_app(config=config), host=args.host, port=args.port, print=None)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    url = args.url
    if args.command == "state":
        body: dict[str, Any] = {"state": args.state}
        if args.close_code:
            body["close_code"] = args.close_code
        return _call(url, "POST", f"/sim/tickets/{args.number}/state", body)
    if args.command == "comment":
        element = "work_notes" if args.work_note else "comments"
        body = {"text": args.text, "element": element, "author": args.author}
        return _call(url, "POST", f"/sim/tickets/{args.number}/journal", body)
    if args.command == "fault":
        body = {
            "status": args.status,
            "count": args.count,
            "retry_after": args.retry_after,
            "latency_ms": args.latency_ms,
            "scope": args.scope,
            "kind": args.kind,
            "table": args.table,
        }
        return _call(url, "POST", "/sim/faults", body)
    admin = cli_admin.request(args)
    if admin is not None:
        return _call(url, *admin)
    paths = {
        "clear-faults": ("DELETE", "/sim/faults"),
        "expire-tokens": ("POST", "/sim/tokens/expire"),
        "revoke-tokens": ("POST", "/sim/tokens/revoke"),
        "reset": ("POST", "/sim/reset"),
    }
    method, path = paths[args.command]
    return _call(url, method, path)
