"""``snowops chat``: a terminal chat with SnowOps as the user of workspace ``console:local``.

With ``--server URL`` it attaches to a running ``snowops dev``; without, it attaches to one on
this machine's SnowOps port if there is one, and otherwise runs SnowOps and both simulators
itself, exactly as ``snowops dev`` does, with the console workspace already connected.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from urllib.parse import urlsplit

from adapters.console.language import console_locale
from adapters.console.remote import RemoteSession
from adapters.console.session import ConsoleError, Session
from adapters.console.terminal import Terminal
from adapters.console.token import read_token
from bot.dev import (
    DEV_DIR,
    DEV_WORKSPACE,
    build_dev_sites,
    dev_settings,
    fresh_dev_store,
    ports_taken,
)
from bot.server import PortBusy, start_sites
from core.i18n import N_, _, use_locale
from core.urls import is_loopback_host

__all__ = ["run_chat"]

HELP_LINE = N_("Type /snow help for the commands, quit to leave. Try: /snow recommendations")


def _local_server_url() -> str:
    return f"http://127.0.0.1:{os.environ.get('SNOWOPS_PORT') or 3978}"


async def _attach(session: RemoteSession, url: str) -> int:
    try:
        banner = _(
            "Attached to SnowOps at {url} as the user of {workspace}.",
            url=url,
            workspace=DEV_WORKSPACE,
        )
        banner += "\n" + _(HELP_LINE)
        return await Terminal(session).run(banner=banner)
    finally:
        await session.close()


async def _in_process(sim_port: int, graph_port: int) -> int:
    settings = dev_settings(sim_port, graph_port)
    taken = ports_taken(settings, sim_port, graph_port)
    if taken:
        # Touch nothing: the running one's store and console token stay as they are.
        print(f"snowops chat: {taken}", file=sys.stderr)
        return 1
    fresh_dev_store(settings)
    # The terminal is for the conversation: logs go to a file next to the dev store.
    DEV_DIR.mkdir(exist_ok=True)
    logging.basicConfig(
        level=os.environ.get("SNOWOPS_LOG_LEVEL", "WARNING").upper(),
        filename=DEV_DIR / "chat.log",
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    dev = build_dev_sites(settings, sim_port, graph_port, None)
    try:
        runners = await start_sites(dev.sites, shutdown_timeout=2)
    except (PortBusy, OSError) as exc:
        print(
            "snowops chat: "
            + _(
                "cannot listen ({problem}): stop what uses the port, or pass "
                "--sim-port / --graph-port / SNOWOPS_PORT.",
                problem=exc,
            ),
            file=sys.stderr,
        )
        return 1
    try:
        session: Session | None = dev.services.console_session
        assert session is not None
        conn = await dev.services.store.get_connection(DEV_WORKSPACE)
        banner = _in_process_banner(
            dev.sim_url, conn.connected_as if conn else "", settings.public_url, dev.graph_url
        )
        return await Terminal(session).run(banner=banner)
    finally:
        for runner in reversed(runners):
            await runner.cleanup()


def _in_process_banner(sim_url: str, who: str, public_url: str, graph_url: str) -> str:
    """What the console runs here, and where its logs go."""
    connected = (
        _(
            "SnowOps console: workspace {workspace}, connected to the ServiceNow simulator "
            "{url} as {user}.",
            workspace=DEV_WORKSPACE,
            url=sim_url,
            user=who,
        )
        if who
        else _(
            "SnowOps console: workspace {workspace}, connected to the ServiceNow simulator {url}.",
            workspace=DEV_WORKSPACE,
            url=sim_url,
        )
    )
    also = _(
        "Also running here: SnowOps {url}, Graph simulator {graph}; logs in {logs}.",
        url=public_url,
        graph=graph_url,
        logs=DEV_DIR / "chat.log",
    )
    return f"{connected}\n{also}\n{_(HELP_LINE)}"


async def _chat(server: str | None, sim_port: int, graph_port: int) -> int:
    if server is not None:
        url = server.rstrip("/")
        if urlsplit(url).scheme != "http" or not is_loopback_host(urlsplit(url).hostname or ""):
            print(
                "snowops chat: "
                + _(
                    "--server must be http:// on this machine, e.g. http://127.0.0.1:3978 "
                    "(the console API answers loopback only)"
                ),
                file=sys.stderr,
            )
            return 2
        token = read_token(urlsplit(url).port or 80)
        if token is None:
            print(
                "snowops chat: "
                + _(
                    "no console token for {url} in ~/.snowops: is `snowops dev` running "
                    "there, as this user?",
                    url=url,
                ),
                file=sys.stderr,
            )
            return 1
        session = RemoteSession(url, token)
        try:
            await session.ping()
        except ConsoleError as exc:
            await session.close()
            print(f"snowops chat: {exc}", file=sys.stderr)
            return 1
        return await _attach(session, url)
    url = _local_server_url()
    token = read_token(urlsplit(url).port or 80)
    if token is None:
        return await _in_process(sim_port, graph_port)
    session = RemoteSession(url, token)
    try:
        await session.ping()
    except ConsoleError:
        await session.close()
        return await _in_process(sim_port, graph_port)
    return await _attach(session, url)


def run_chat(server: str | None, sim_port: int, graph_port: int) -> int:
    """Run the console until the user quits (Ctrl-C and Ctrl-D quit too), in the language
    of this process's ``LANG`` (``LC_ALL`` and ``LC_MESSAGES`` first, as gettext reads them)."""
    with use_locale(console_locale()):
        try:
            return asyncio.run(_chat(server, sim_port, graph_port))
        except KeyboardInterrupt:
            print("\n" + _("Bye."))
            return 0
