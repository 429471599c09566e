"""``snowops dev``: SnowOps with its ServiceNow and Microsoft Graph simulators, on one laptop.

The dev settings are the environment's, with every unset one defaulted to the local
simulators (:func:`dev_settings`); nothing is written to the environment.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import sys
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from adapters.console.language import console_locale
from adapters.console.routes import add_console_routes
from adapters.console.session import console_context
from adapters.console.token import write_token
from bot.app import build_app
from bot.logs import setup_logging
from bot.server import PortBusy, run_sites
from bot.services import Services, build_services
from bot.settings import Settings, load_settings
from core.actions import FormContext, SubmitTicket
from core.forms import TicketFormView
from core.i18n import N_, _, negotiate, use_locale
from core.languages import WorkspaceLanguage
from core.models import OAuthClientConfig, Priority
from core.outcomes import TicketMade
from core.secrets import generate_key
from sim.ports import busy, port_in_use

__all__ = [
    "DEV_WORKSPACE",
    "DevSites",
    "build_dev_sites",
    "dev_banner",
    "dev_settings",
    "ports_taken",
    "run_dev",
]

DEV_DIR = Path(".snowops")
DEV_KEY_FILE = DEV_DIR / "secret.key"
DEV_STORE = f"sqlite:///{DEV_DIR / 'dev.db'}"
DEV_WORKSPACE = "console:local"
DEMO_TITLE = N_("Try me: move this ticket on in the ServiceNow simulator")

log = logging.getLogger(__name__)


def _dev_key() -> str:
    """The dev Fernet key, made once into a file only its owner can read."""
    if DEV_KEY_FILE.exists():
        return DEV_KEY_FILE.read_text().strip()
    DEV_DIR.mkdir(exist_ok=True)
    key = generate_key()
    fd = os.open(DEV_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key


def dev_defaults(
    sim_port: int, graph_port: int, env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The settings `snowops dev` uses where the environment sets none."""
    from sim import graph as g
    from sim import servicenow as sn

    env = os.environ if env is None else env
    graph_url = f"http://127.0.0.1:{graph_port}"
    defaults = {
        "SNOWOPS_STORE": DEV_STORE,
        # Locally, a change in the simulator should show in chat within seconds.
        "SNOWOPS_POLL_INTERVAL": "5",
        "SERVICENOW_CLIENT_ID": sn.DEFAULT_CLIENT_ID,
        "SERVICENOW_CLIENT_SECRET": sn.DEFAULT_CLIENT_SECRET,
        "GRAPH_TENANT_ID": g.DEFAULT_TENANT_ID,
        "GRAPH_CLIENT_ID": g.DEFAULT_CLIENT_ID,
        "GRAPH_CLIENT_SECRET": g.DEFAULT_CLIENT_SECRET,
        "GRAPH_API_URL": graph_url,
        "GRAPH_LOGIN_URL": graph_url,
    }
    if env.get("SNOWOPS_PORT"):
        # OAuth sends the browser back to the public URL: by default, the port SnowOps uses.
        defaults["SNOWOPS_PUBLIC_URL"] = f"http://localhost:{env['SNOWOPS_PORT']}"
    if not env.get("SNOWOPS_SECRET_KEY"):
        defaults["SNOWOPS_SECRET_KEY"] = _dev_key()
    return {k: v for k, v in defaults.items() if not env.get(k)}


def dev_settings(sim_port: int, graph_port: int) -> Settings:
    """The environment's settings, every unset one pointing at the local simulators."""
    return load_settings(**dev_defaults(sim_port, graph_port))


def fresh_dev_store(settings: Settings) -> None:
    """The simulators keep their data in memory: start the dev store afresh to match."""
    if settings.store != DEV_STORE:
        return
    for suffix in ("", "-wal", "-shm"):
        (DEV_DIR / f"dev.db{suffix}").unlink(missing_ok=True)


@dataclass(slots=True)
class DevSites:
    """SnowOps and both simulators, ready to be served on loopback ports; ``demo_ticket``
    is the number of the ticket SnowOps makes at start (None until then, or if it failed)."""

    services: Services
    settings: Settings
    sim_url: str
    graph_url: str
    sites: list[tuple[web.Application, str, int]]
    demo_ticket: str | None = None


async def make_demo_ticket(services: Services) -> str | None:
    """One incident made by SnowOps at start, as the console user would with ``/snow
    create``: SnowOps follows only the tickets it made, so moving this one in the simulator
    is heard of in the console (its card is there). Its number, or None if it failed. It is
    written in the language of whoever started SnowOps (this process's ``LANG``)."""
    ctx = console_context()
    with use_locale(ctx.locale):
        title = _(DEMO_TITLE)
        form = TicketFormView(name=title, priority=Priority.LOW)
        values = {
            "kind": "incident",
            "name": title,
            "description": _(
                "Made by `snowops dev` so a change in ServiceNow can be tried at once."
            ),
            "priority": "4",
            "due": "",
            "category": "",
        }
        request = SubmitTicket(values, FormContext.of(form), "snowops-dev-demo-ticket")
        outcome = await services.router.handle(ctx, request)
    if isinstance(outcome, TicketMade):
        return outcome.card.number
    log.warning("snowops dev could not make its demo ticket: %r", outcome)
    return None


def build_dev_sites(
    settings: Settings, sim_port: int, graph_port: int, auto_progress: float | None
) -> DevSites:
    """SnowOps (with the console API), the ServiceNow simulator and the Graph simulator; the
    console workspace connects to the simulator when SnowOps starts, and SnowOps makes its
    demo ticket there."""
    from sim import graph as g
    from sim import servicenow as sn

    sim_url = f"http://127.0.0.1:{sim_port}"
    graph_url = f"http://127.0.0.1:{graph_port}"
    services = build_services(settings)
    app = build_app(settings, services=services)
    assert services.console_session is not None
    add_console_routes(app, services.console_session, write_token(settings.port))
    sim_app = sn.build_sim_app(
        config=sn.SimConfig(
            instance_url=sim_url, auto_progress_seconds=auto_progress, seed_demo_tickets=True
        )
    )
    graph_app = g.build_graph_sim_app(config=g.GraphSimConfig(base_url=graph_url))
    sites = [
        (sim_app, "127.0.0.1", sim_port),
        (graph_app, "127.0.0.1", graph_port),
        (app, settings.host, settings.port),
    ]
    dev = DevSites(services, settings, sim_url, graph_url, sites)

    async def connect_console(_app: web.Application) -> None:
        # The local console workspace starts connected, so a newcomer can try it at once,
        # and speaks the language of whoever started it: its one channel is their terminal.
        language = negotiate(console_locale())
        await WorkspaceLanguage(services.store).set_language(DEV_WORKSPACE, language)
        await services.connections.connect_with_password(
            DEV_WORKSPACE,
            sim_url,
            OAuthClientConfig(sn.DEFAULT_CLIENT_ID, sn.DEFAULT_CLIENT_SECRET),
            sn.DEFAULT_USERNAME,
            sn.DEFAULT_PASSWORD,
            actor="snowops dev",
        )
        dev.demo_ticket = await make_demo_ticket(services)

    app.on_startup.append(connect_console)
    return dev


def dev_banner(dev: DevSites) -> str:
    """What runs where, for a newcomer (in the current language; the labels are padded
    to one column, whatever their length)."""
    from sim import graph as g
    from sim import servicenow as sn

    base = dev.settings.public_url
    rows = [
        (
            _("server"),
            _(
                "{url}   (health: {url}/healthz, metrics: {url}/metrics)",
                url=base,
            ),
        ),
        (
            _("ServiceNow sim"),
            _(
                "{url}   OAuth client {client} / {secret}",
                url=dev.sim_url,
                client=sn.DEFAULT_CLIENT_ID,
                secret=sn.DEFAULT_CLIENT_SECRET,
            ),
        ),
        (
            "",
            _(
                "integration user {user} / {password}",
                user=sn.DEFAULT_USERNAME,
                password=sn.DEFAULT_PASSWORD,
            ),
        ),
        (
            _("Graph sim"),
            _("{url}   tenant {tenant}", url=dev.graph_url, tenant=g.DEFAULT_TENANT_ID),
        ),
        (
            _("store"),
            _(
                "{store}   (workspace {workspace} is connected to the simulator)",
                store=dev.settings.store,
                workspace=DEV_WORKSPACE,
            ),
        ),
        (
            _("chat with it"),
            _(
                "{command}   (in another terminal; try /snow recommendations)",
                command=".venv/bin/snowops chat",
            ),
        ),
        *_change_a_ticket(dev),
        (_("check set-up"), ".venv/bin/snowops doctor --dev"),
    ]
    width = max(15, *(len(label) for label, _text in rows))
    lines = [f"  {label:<{width}} {text}" for label, text in rows]
    return "\n".join(["", _("SnowOps is running (Ctrl-C stops it)"), *lines, ""])


def _change_a_ticket(dev: DevSites) -> list[tuple[str, str]]:
    """The banner's rows on trying a change in ServiceNow: on SnowOps's demo ticket."""
    label = _("change a ticket")
    if dev.demo_ticket is None:
        command = f".venv/bin/snowops sim state --url {dev.sim_url} <its number> 2"
        return [(label, _("make one in chat (/snow create), then: {command}", command=command))]
    command = f".venv/bin/snowops sim state --url {dev.sim_url} {dev.demo_ticket} 2"
    return [
        (
            _("demo ticket"),
            _(
                "{number} (SnowOps made it; it follows only tickets it made)",
                number=dev.demo_ticket,
            ),
        ),
        (label, _("{command}   (the chat hears of it)", command=command)),
    ]


def running_snowops(settings: Settings) -> str | None:
    """The URL of a SnowOps already answering on this machine's SnowOps port, or None."""
    url = f"http://127.0.0.1:{settings.port}"
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
            body = json.loads(answer.read(200))
    except (OSError, ValueError):
        return None
    return url if isinstance(body, dict) and body.get("status") == "ok" else None


def ports_taken(settings: Settings, sim_port: int, graph_port: int) -> str | None:
    """Why `snowops dev` cannot start here, in one line, before it touches anything (the
    store, the console token): a SnowOps already running, or a port another program holds."""
    if busy(settings.host, settings.port) and (url := running_snowops(settings)):
        return _(
            "SnowOps is already running at {url}; nothing was changed "
            "(`snowops chat` attaches to it; Ctrl-C in its terminal stops it)",
            url=url,
        )
    for what, host, port in (
        ("SnowOps", settings.host, settings.port),
        (_("the ServiceNow simulator"), "127.0.0.1", sim_port),
        (_("the Graph simulator"), "127.0.0.1", graph_port),
    ):
        taken = port_in_use(what, host, port)
        if taken:
            return _(
                "{problem}; stop it, or choose other ports (--sim-port, --graph-port, "
                "SNOWOPS_PORT)",
                problem=taken,
            )
    return None


def run_dev(sim_port: int, graph_port: int, auto_progress: float | None) -> int:
    """Start both simulators and SnowOps wired to them; the console workspace is connected.
    What it prints is in this process's language (``LANG``); each request is answered in
    the asker's."""
    locale = console_locale()
    settings = dev_settings(sim_port, graph_port)
    with use_locale(locale):
        taken = ports_taken(settings, sim_port, graph_port)
    if taken:
        print(f"snowops dev: {taken}", file=sys.stderr)
        return 1
    setup_logging(settings.log_level, settings.log_format)
    fresh_dev_store(settings)
    dev = build_dev_sites(settings, sim_port, graph_port, auto_progress)

    async def banner(_app: web.Application) -> None:
        # After start-up, when the demo ticket has its number.
        with use_locale(locale):
            print(dev_banner(dev), flush=True)

    dev.sites[-1][0].on_startup.append(banner)
    try:
        asyncio.run(run_sites(dev.sites))
    except PortBusy as exc:
        with use_locale(locale):
            message = _("{problem}: stop what uses it, or choose other ports", problem=exc.said())
        print(f"snowops dev: {message}", file=sys.stderr)
        return 1
    return 0
