"""The ``snowops`` command: serve, dev, chat, doctor, sim, graph-sim, connect, keygen,
push-key, teams-package, export, import, rotate-key, audit."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from adapters.console.language import console_locale
from bot.app import build_app
from bot.cli_store import STORE_COMMANDS, add_store_commands, run_store_command
from bot.logs import setup_logging
from bot.server import PortBusy, run_sites
from bot.services import build_services
from bot.settings import Settings, SettingsError, load_settings
from core.i18n import _, use_locale
from core.models import OAuthClientConfig
from core.secrets import generate_key
from core.servicenow.errors import ServiceNowError
from core.urls import InvalidInstanceURL, normalize_instance_url

__all__ = ["main"]

log = logging.getLogger("snowops")

_WORKSPACE = re.compile(r"(slack|teams|console):[A-Za-z0-9._@-][A-Za-z0-9._:@-]{0,99}")
SIM_PORT = 8765
GRAPH_PORT = 8766


def _serve(settings: Settings) -> int:
    settings.secret_box()  # refuse to start without a usable key
    app = build_app(settings)
    try:
        asyncio.run(run_sites([(app, settings.host, settings.port)]))
    except PortBusy as exc:
        print(f"snowops serve: {exc}", file=sys.stderr)
        return 1
    return 0


async def _connect(settings: Settings, args: argparse.Namespace) -> int:
    if not _WORKSPACE.fullmatch(args.workspace):
        message = _(
            "--workspace {workspace} is not a workspace id: use slack:<team id> (T0123…), "
            "teams:<tenant id> or console:local",
            workspace=repr(args.workspace[:60]),
        )
        print(f"snowops connect: {message}", file=sys.stderr)
        return 2
    secret = os.environ.get("SERVICENOW_CLIENT_SECRET", "")
    password = os.environ.get("SERVICENOW_PASSWORD", "")
    missing = [
        n
        for n, v in (("SERVICENOW_CLIENT_SECRET", secret), ("SERVICENOW_PASSWORD", password))
        if not v
    ]
    if missing:
        names = _(" and ").join(missing)
        message = _("set {names} in the environment", names=names)
        print(f"snowops connect: {message}", file=sys.stderr)
        return 2
    services = build_services(settings)
    await services.start()
    try:
        conn = await services.connections.connect_with_password(
            args.workspace,
            args.instance,
            OAuthClientConfig(args.client_id, secret),
            args.username,
            password,
            actor="cli",
        )
    except (ServiceNowError, InvalidInstanceURL) as exc:
        hint = getattr(exc, "hint", "")
        tail = "\n  " + _("hint: {hint}", hint=hint) if hint else ""
        print(f"snowops connect: {exc}{tail}", file=sys.stderr)
        return 1
    finally:
        await services.stop()
    if conn.connected_as:
        print(
            _(
                "{workspace} is connected to {url} as {user}",
                workspace=args.workspace,
                url=conn.instance_url,
                user=conn.connected_as,
            )
        )
    else:
        print(
            _(
                "{workspace} is connected to {url}",
                workspace=args.workspace,
                url=conn.instance_url,
            )
        )
    return 0


async def _push_key(settings: Settings, args: argparse.Namespace) -> int:
    services = build_services(settings)
    await services.store.open()
    try:
        if args.delete:
            gone = await services.push.delete_key(args.instance)
            print(
                _("pushes from {instance} are refused now", instance=args.instance)
                if gone
                else _("pushes from {instance} had no key", instance=args.instance)
            )
            return 0
        key = await services.push.create_key(args.instance)
        instance = normalize_instance_url(args.instance)
    except InvalidInstanceURL as exc:
        print(f"snowops push-key: {exc}", file=sys.stderr)
        return 2
    finally:
        await services.store.close()
    # The key is shown once, for the admin to paste into ServiceNow; it is stored encrypted.
    heading = _(
        "Push key for {instance} (any earlier key for it no longer works):", instance=instance
    )
    print(f"{heading}\n\n  {key}\n")
    print(
        _(
            "In ServiceNow, set the system property x_snowops.push_key to this value and "
            "x_snowops.push_url to {url} (see manifests/servicenow/README.md).",
            url=settings.public_url.rstrip("/") + "/servicenow/events",
        )
    )
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="snowops",
        description="SnowOps: ServiceNow tickets from Slack, Microsoft Teams and a terminal. "
        "Settings come from the environment or a .env file (see README: Configuration).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    sub.add_parser(
        "serve",
        help="run the SnowOps server",
        description="Serve Slack, Teams and ServiceNow on SNOWOPS_HOST:SNOWOPS_PORT. Needs "
        "SNOWOPS_SECRET_KEY (snowops keygen makes one) and SNOWOPS_PUBLIC_URL; Slack needs "
        "SLACK_SIGNING_SECRET with SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and "
        "SLACK_CLIENT_SECRET (many); Teams needs TEAMS_APP_ID and TEAMS_APP_PASSWORD; "
        "SNOWOPS_STORE picks the store (default SQLite). README: Configuration lists them all.",
    )
    _add_local_commands(sub)
    _add_admin_commands(sub)
    add_store_commands(sub)
    return parser


def _add_local_commands(sub: Any) -> None:
    """dev, chat, doctor and the simulators: SnowOps on one machine."""
    dev = sub.add_parser(
        "dev", help="run SnowOps with local ServiceNow and Microsoft Graph simulators"
    )
    dev.add_argument(
        "--sim-port", type=int, default=SIM_PORT, help=f"ServiceNow simulator port ({SIM_PORT})"
    )
    dev.add_argument(
        "--graph-port", type=int, default=GRAPH_PORT, help=f"Graph simulator port ({GRAPH_PORT})"
    )
    dev.add_argument(
        "--auto-progress",
        type=float,
        default=None,
        metavar="SECONDS",
        help="the simulator moves each open ticket on by itself every SECONDS",
    )
    chat = sub.add_parser(
        "chat",
        help="chat with SnowOps in this terminal (runs the simulators unless `make dev` runs)",
    )
    chat.add_argument("--server", metavar="URL", help="attach to a running snowops dev")
    chat.add_argument(
        "--sim-port", type=int, default=SIM_PORT, help="ServiceNow simulator port, if it runs one"
    )
    chat.add_argument(
        "--graph-port", type=int, default=GRAPH_PORT, help="Graph simulator port, if it runs one"
    )
    doctor = sub.add_parser(
        "doctor", help="check the settings and every connection; exit 0 only if all pass"
    )
    doctor.add_argument(
        "--dev", action="store_true", help="check what `snowops dev` runs (its store and sims)"
    )
    sub.add_parser("sim", help="the ServiceNow simulator (see `snowops sim -h`)", add_help=False)
    sub.add_parser(
        "graph-sim",
        help="the Microsoft Graph simulator (see `snowops graph-sim -h`)",
        add_help=False,
    )


def _add_admin_commands(sub: Any) -> None:
    """connect, keygen, push-key and teams-package: setting a deployment up."""
    connect = sub.add_parser(
        "connect",
        help="connect a workspace headlessly (password grant); secrets come from "
        "SERVICENOW_CLIENT_SECRET and SERVICENOW_PASSWORD",
    )
    connect.add_argument(
        "--workspace", required=True, help="slack:T0123, teams:<tenant-id> or console:local"
    )
    connect.add_argument("--instance", required=True, help="acme or https://acme.service-now.com")
    connect.add_argument(
        "--client-id", required=True, help="the instance's OAuth client (Application Registry)"
    )
    connect.add_argument("--username", required=True, help="the integration user")
    sub.add_parser("keygen", help="print a new SNOWOPS_SECRET_KEY")
    push = sub.add_parser(
        "push-key", help="make the key an instance signs its pushed ticket changes with"
    )
    push.add_argument("instance", help="acme or https://acme.service-now.com")
    push.add_argument("--delete", action="store_true", help="refuse pushes from it again")
    package = sub.add_parser(
        "teams-package", help="write the Teams app package (zip) to upload to Teams"
    )
    package.add_argument(
        "--app-id", default=None, help="the bot's Microsoft App ID (default: TEAMS_APP_ID)"
    )
    package.add_argument(
        "--public-url", default=None, help="where SnowOps is served (default: SNOWOPS_PUBLIC_URL)"
    )
    package.add_argument("--output", default="snowops-teams.zip", help="the zip to write")
    package.add_argument(
        "--unfurl-domain",
        action="append",
        default=[],
        help="a ServiceNow domain whose ticket links get previews, besides *.service-now.com "
        "(e.g. itsm.acme.com; repeat for more)",
    )


def _teams_package(args: argparse.Namespace) -> int:
    from adapters.teams.package import PackageError, write_package

    app_id = args.app_id or os.environ.get("TEAMS_APP_ID", "")
    public_url = args.public_url or os.environ.get("SNOWOPS_PUBLIC_URL", "")
    if not public_url:
        message = _("set SNOWOPS_PUBLIC_URL (or pass --public-url)")
        print(f"snowops teams-package: {message}", file=sys.stderr)
        return 2
    try:
        manifest = write_package(Path(args.output), app_id, public_url, args.unfurl_domain)
    except PackageError as exc:
        print(f"snowops teams-package: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        message = _("cannot write {file}: {problem}", file=args.output, problem=exc.strerror)
        print(f"snowops teams-package: {message}", file=sys.stderr)
        return 1
    print(
        _(
            "wrote {file} (bot {bot}, domain {domain}): upload it in Teams > Apps > "
            "Manage your apps > Upload an app",
            file=args.output,
            bot=manifest["id"],
            domain=manifest["validDomains"][0],
        )
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``snowops`` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] in (["sim"], ["graph-sim"]):
        from sim.graph.cli import main as graph_main
        from sim.servicenow.cli import main as servicenow_main

        sim_main = servicenow_main if args_list[0] == "sim" else graph_main
        rest = args_list[1:]
        # `snowops sim --port N` is short for `snowops sim serve --port N`.
        if not rest or (rest[0].startswith("-") and rest[0] not in ("-h", "--help")):
            rest = ["serve", *rest]
        return sim_main(rest)
    args = _parser().parse_args(args_list)
    if args.command in ("serve", "dev"):
        # A server answers each request in the asker's language: its own LANG stays out
        # (`snowops dev` prints its banner in it, itself).
        return _run(args)
    with use_locale(console_locale()):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    """Run one parsed sub-command; its exit status."""
    if args.command == "keygen":
        print(generate_key())
        return 0
    if args.command == "teams-package":
        return _teams_package(args)
    try:
        if args.command == "dev":
            from bot.dev import run_dev

            return run_dev(args.sim_port, args.graph_port, args.auto_progress)
        if args.command == "chat":
            from bot.chat import run_chat

            return run_chat(args.server, args.sim_port, args.graph_port)
        if args.command == "doctor":
            from bot.doctor import run_doctor

            if args.dev:
                from bot.dev import dev_settings

                return run_doctor(dev_settings(SIM_PORT, GRAPH_PORT))
            return run_doctor()
        settings = load_settings()
        setup_logging(settings.log_level, settings.log_format)
        if args.command in STORE_COMMANDS:
            return run_store_command(settings, args)
        if args.command == "serve":
            return _serve(settings)
        if args.command == "connect":
            return asyncio.run(_connect(settings, args))
        if args.command == "push-key":
            return asyncio.run(_push_key(settings, args))
    except SettingsError as exc:
        print(f"snowops: {exc}", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
