"""Serving aiohttp applications until SIGTERM or SIGINT, then stopping cleanly."""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
import signal
from collections.abc import Sequence

from aiohttp import web

from core.i18n import _

__all__ = ["PortBusy", "run_sites", "settle_heap", "start_sites"]

log = logging.getLogger("snowops")

Site = tuple[web.Application, str, int]


class PortBusy(Exception):
    """A port to listen on is taken; the message names it."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(_("port {port} on {host} is already in use", port=port, host=host))
        self.host, self.port = host, port

    def said(self) -> str:
        """The message again, in the current language (a server starts outside the
        admin's; see ``snowops dev``)."""
        return _("port {port} on {host} is already in use", port=self.port, host=self.host)


async def _wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def start_sites(sites: Sequence[Site], shutdown_timeout: float = 10) -> list[web.AppRunner]:
    """Start serving every site; on failure nothing stays started (:class:`PortBusy` when
    a port is taken)."""
    runners: list[web.AppRunner] = []
    try:
        for app, host, port in sites:
            runner = web.AppRunner(
                app, access_log=None, handle_signals=False, shutdown_timeout=shutdown_timeout
            )
            runners.append(runner)
            await runner.setup()
            try:
                await web.TCPSite(runner, host, port).start()
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise PortBusy(host, port) from None
                raise
    except BaseException:
        for runner in reversed(runners):
            await runner.cleanup()
        raise
    return runners


def settle_heap() -> None:
    """Once started: collect what start-up left behind, then freeze what survives (modules,
    classes, the services' objects) out of the collector's sight. A full collection walks
    every object it tracks; the hundred thousand or so that start-up makes live as long as
    the process, and walking them cost a tenth of a second of CPU whenever one came due
    (every few sync cycles at 1,000 connections)."""
    gc.collect()
    gc.freeze()


async def run_sites(sites: Sequence[Site]) -> None:
    """Serve until SIGTERM/SIGINT; then stop accepting, let requests in flight finish and
    run every app's clean-up (the workers release their leases there)."""
    runners = await start_sites(sites)
    settle_heap()
    try:
        for _, host, port in sites:
            log.info("listening on %s:%s", host, port)
        await _wait_for_signal()
        log.info("shutting down")
    finally:
        for runner in reversed(runners):
            await runner.cleanup()
