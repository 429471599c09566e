"""The ``snowops`` command: serve, dev, chat, doctor, sim, connect, keygen."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence

from aiohttp import web

from bot.app import build_app, build_services
from bot.settings import Settings, SettingsError, load_settings
from core.connections import OAuthClientConfig
from core.secrets import generate_key
from core.servicenow.errors import ServiceNowError
from core.urls import InvalidInstanceURL

__all__ = ["main"]

log = logging.getLogger("snowops")

SIM_PORT = 8765
GRAPH_PORT = 8766


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # httpx2 logs every request URL at INFO; URLs can carry OAuth codes and tokens.
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)


async def _wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def run_sites(apps: Sequence[tuple[web.Application, str, int]]) -> None:
    runners = []
    try:
        for app, host, port in apps:
            runner = web.AppRunner(app, access_log=None, handle_signals=False)
            await runner.setup()
            await web.TCPSite(runner, host, port, shutdown_timeout=10).start()
            runners.append(runner)
        await _wait_for_signal()
        log.info("shutting down")
    finally:
        # Graceful: stop accepting, let in-flight requests finish, then run cleanup_ctx.
        for runner in reversed(runners):
            await runner.cleanup()


def _serve(settings: Settings) -> int:
    settings.secret_box()  # refuse to start without a usable key
    app = build_app(settings)
    asyncio.run(run_sites([(app, settings.host, settings.port)]))
    return 0


async def _connect(settings: Settings, args: argparse.Namespace) -> int:
    secret = os.environ.get("SERVICENOW_CLIENT_SECRET", "")
    password = os.environ.get("SERVICENOW_PASSWORD", "")
    missing = [
        n
        for n, v in (("SERVICENOW_CLIENT_SECRET", secret), ("SERVICENOW_PASSWORD", password))
        if not v
    ]
    if missing:
        print(f"snowops connect: set {' and '.join(missing)} in the environment", file=sys.stderr)
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
        print(f"snowops connect: {exc}" + (f"\n  hint: {hint}" if hint else ""), file=sys.stderr)
        return 1
    finally:
        await services.stop()
    who = f" as {conn.connected_as}" if conn.connected_as else ""
    print(f"{args.workspace} is connected to {conn.instance_url}{who}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="snowops", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the SnowOps server")
    dev = sub.add_parser("dev", help="run SnowOps with a local ServiceNow simulator")
    dev.add_argument("--sim-port", type=int, default=SIM_PORT, help="ServiceNow simulator")
    dev.add_argument("--graph-port", type=int, default=GRAPH_PORT, help="Graph simulator")
    dev.add_argument("--auto-progress", type=float, default=None, metavar="SECONDS")
    chat = sub.add_parser(
        "chat",
        help="chat with SnowOps in this terminal (runs the simulators unless `make dev` runs)",
    )
    chat.add_argument("--server", metavar="URL", help="attach to a running snowops dev")
    chat.add_argument("--sim-port", type=int, default=SIM_PORT, help="ServiceNow simulator")
    chat.add_argument("--graph-port", type=int, default=GRAPH_PORT, help="Graph simulator")
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
    connect = sub.add_parser(
        "connect",
        help="connect a workspace headlessly (password grant); secrets come from "
        "SERVICENOW_CLIENT_SECRET and SERVICENOW_PASSWORD",
    )
    connect.add_argument("--workspace", required=True, help="slack:T0123 or teams:<tenant-id>")
    connect.add_argument("--instance", required=True, help="acme or https://acme.service-now.com")
    connect.add_argument("--client-id", required=True)
    connect.add_argument("--username", required=True, help="the integration user")
    sub.add_parser("keygen", help="print a new SNOWOPS_SECRET_KEY")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``snowops`` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["sim"]:
        from sim.servicenow.cli import main as sim_main

        rest = args_list[1:]
        # `snowops sim --port N` is short for `snowops sim serve --port N`.
        if not rest or (rest[0].startswith("-") and rest[0] not in ("-h", "--help")):
            rest = ["serve", *rest]
        return sim_main(rest)
    args = _parser().parse_args(args_list)
    if args.command == "keygen":
        print(generate_key())
        return 0
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
                from bot.dev import dev_environment

                dev_environment(SIM_PORT, GRAPH_PORT, fresh_store=False)
            return run_doctor()
        settings = load_settings()
        setup_logging(settings.log_level)
        if args.command == "serve":
            return _serve(settings)
        if args.command == "connect":
            return asyncio.run(_connect(settings, args))
    except SettingsError as exc:
        print(f"snowops: {exc}", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
