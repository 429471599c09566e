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

from .app import build_graph_sim_app
from .config import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_TENANT_ID,
    DEFAULT_UNCONSENTED_TENANT_ID,
    FORBIDDEN_STYLES,
    GraphSimConfig,
)
from .faults import SCOPES

DEFAULT_PORT = 8766
DEFAULT_URL = f"http://127.0.0.1:{DEFAULT_PORT}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sim.graph", description="Microsoft Graph Secure Score simulator"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the simulator")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--base-url", help="URL written into OData links (default: from Host)")
    serve.add_argument("--page-size", type=int, default=10, help="profiles per page without $top")
    serve.add_argument("--token-lifetime", type=int, default=3599, help="expires_in, seconds")
    serve.add_argument("--forbidden-style", choices=FORBIDDEN_STYLES, default="security")

    def remote(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--url", default=DEFAULT_URL, help=f"simulator URL ({DEFAULT_URL})")
        return sub

    fault = remote("fault", "inject a fault")
    fault.add_argument("--status", type=int)
    fault.add_argument("--count", type=int, default=1)
    fault.add_argument("--retry-after", type=int)
    fault.add_argument("--latency-ms", type=int, default=0)
    fault.add_argument("--scope", choices=SCOPES, default="api")

    score = remote("score", "move a control's score (shows in the next day's entry)")
    score.add_argument("control_id")
    score.add_argument("score", type=float)
    score.add_argument("--today", action="store_true", help="rewrite today's entry too")

    script = remote("script", "script a control's score over time: DAY:SCORE ...")
    script.add_argument("control_id")
    script.add_argument("steps", nargs="+", metavar="DAY:SCORE", help="e.g. 0:0 5:9")

    add = remote("add-control", "a new improvement action (scored from tomorrow's entry)")
    add.add_argument("control_id")
    add.add_argument("category", help="Identity, Data, Device, Apps or Infrastructure")
    add.add_argument("max_score", type=float)
    add.add_argument("title")
    add.add_argument("--score", type=float, default=0.0, help="its score (0: all to gain)")
    add.add_argument("--today", action="store_true", help="in today's entry too")

    history = remote("history", "set a control's past daily scores, newest (yesterday) first")
    history.add_argument("control_id")
    history.add_argument("scores", nargs="+", type=float)

    clock = remote("clock", "move the simulator's clock forward")
    clock.add_argument("--days", type=float, default=0.0)
    clock.add_argument("--seconds", type=float, default=0.0)

    state = remote("state", "set the state of a control (Default/Ignored/ThirdParty/Reviewed)")
    state.add_argument("control_id")
    state.add_argument("state")
    state.add_argument("--comment")

    remote("clear-faults", "remove all injected faults")
    remote("expire-tokens", "expire every access token")
    remote("reset", "reset the simulator")
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


def _step(text: str) -> list[float | int]:
    day, sep, score = text.partition(":")
    if not sep or not day.isdigit():
        raise SystemExit(f"a step is DAY:SCORE, not {text!r}")
    return [int(day), float(score)]


def _serve(args: argparse.Namespace) -> int:
    config = GraphSimConfig(
        page_size=args.page_size,
        token_lifetime=args.token_lifetime,
        base_url=args.base_url,
        forbidden_style=args.forbidden_style,
    )
    taken = port_in_use("the Graph simulator", args.host, args.port)
    if taken:
        print(
            f"snowops graph-sim: {taken}; stop it, or choose another with --port", file=sys.stderr
        )
        return 1
    base = args.base_url or f"http://{args.host}:{args.port}"
    print(f"Microsoft Graph simulator at {base}")
    print(f"  GRAPH_LOGIN_URL = GRAPH_API_URL = {base}")
    print(f"  Tenant:           {DEFAULT_TENANT_ID} (SecurityEvents.Read.All granted)")
    print(f"  Unconsented:      {DEFAULT_UNCONSENTED_TENANT_ID} (no app roles)")
    print(f"  Client id:        {DEFAULT_CLIENT_ID}")
    print(f"  Client secret:    {DEFAULT_CLIENT_SECRET}")
    print(f"  Token endpoint:   {base}/{DEFAULT_TENANT_ID}/oauth2/v2.0/token")
    print(f"  Control API:      {base}/sim/health", flush=True)
    web.run_app(build_graph_sim_app(config=config), host=args.host, port=args.port, print=None)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    url = args.url
    if args.command == "fault":
        body: dict[str, Any] = {
            "status": args.status,
            "count": args.count,
            "retry_after": args.retry_after,
            "latency_ms": args.latency_ms,
            "scope": args.scope,
        }
        return _call(url, "POST", "/sim/faults", body)
    if args.command == "score":
        body = {"score": args.score, "today": args.today}
        return _call(url, "POST", f"/sim/controls/{args.control_id}/score", body)
    if args.command == "script":
        steps = [_step(text) for text in args.steps]
        return _call(url, "POST", f"/sim/controls/{args.control_id}/script", {"steps": steps})
    if args.command == "add-control":
        profile = {
            "id": args.control_id,
            "title": args.title,
            "controlCategory": args.category,
            "maxScore": args.max_score,
        }
        body = {"profile": profile, "score": args.score, "today": args.today}
        return _call(url, "POST", "/sim/controls", body)
    if args.command == "history":
        body = {"scores": args.scores}
        return _call(url, "POST", f"/sim/controls/{args.control_id}/history", body)
    if args.command == "clock":
        body = {"seconds": args.days * 86400 + args.seconds}
        return _call(url, "POST", "/sim/clock/advance", body)
    if args.command == "state":
        body = {"state": args.state, "comment": args.comment}
        return _call(url, "POST", f"/sim/controls/{args.control_id}/state", body)
    paths = {
        "clear-faults": ("DELETE", "/sim/faults"),
        "expire-tokens": ("POST", "/sim/tokens/expire"),
        "reset": ("POST", "/sim/reset"),
    }
    method, path = paths[args.command]
    return _call(url, method, path)
