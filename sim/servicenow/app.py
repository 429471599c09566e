"""The aiohttp application: routes, the wire-level middleware and the auto-progress task."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from email.utils import format_datetime

from aiohttp import web
from aiohttp.typedefs import Handler

from . import batch, control, oauth, table_api, ui
from .appkey import SIM_KEY
from .config import SimConfig
from .faults import request_scope
from .ids import new_transaction_id
from .instance import SimInstance
from .wire import UNKNOWN_RESOURCE, ApiError

_log = logging.getLogger(__name__)


@web.middleware
async def _wire(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Log the request, apply any injected fault, and add ServiceNow's response headers."""
    scope = request_scope(request.path)
    if scope is None:
        return await handler(request)  # /sim/ control traffic: untouched, unlogged
    instance = request.app[SIM_KEY]
    # A Batch API item is logged as one, so counts of HTTP requests can leave it out.
    item = "BATCH " if batch.BATCH_ITEM in request.headers else ""
    instance.request_log.append((item + request.method, request.path_qs))
    response: web.StreamResponse | None = None
    fault = instance.take_fault(request.method, request.path)
    if fault is not None:
        if fault.latency_ms:
            await asyncio.sleep(fault.latency_ms / 1000)
        if not fault.after:
            response = fault.response(
                request.path, request.remote or "", int(time.time()), request.method
            )
    if response is None:
        try:
            response = await handler(request)
        except ApiError as error:
            response = error.response()
        except web.HTTPNotFound:
            if scope != "table":
                raise
            response = ApiError.rest(400, *UNKNOWN_RESOURCE).response()
        except web.HTTPMethodNotAllowed as error:
            if scope != "table":
                raise
            detail = f"HTTP method {error.method} is not supported on this resource"
            response = ApiError.rest(405, "Method not Supported", detail).response()
        if fault is not None and fault.after:
            lost = fault.response(
                request.path, request.remote or "", int(time.time()), request.method
            )
            response = lost if lost is not None else response
    response.headers["Server"] = "ServiceNow"
    # The instance's own clock (moved by /sim/clock/advance), as sys_updated_on uses.
    response.headers["Date"] = format_datetime(instance.now(), usegmt=True)
    response.headers.setdefault("X-Transaction-ID", new_transaction_id())
    if scope == "table" and table_api.USER_KEY in request:
        response.headers.setdefault("X-Is-Logged-In", "true")
    return response


async def _auto_progress(app: web.Application) -> AsyncIterator[None]:
    """Every `auto_progress_seconds`, move each open ticket one state forward."""
    instance = app[SIM_KEY]
    interval = instance.config.auto_progress_seconds
    task: asyncio.Task[None] | None = None
    if interval:

        async def run() -> None:
            while True:
                await asyncio.sleep(interval)
                try:
                    instance.advance_tickets()
                except Exception:  # keep ticking: one bad ticket must not stop the demo
                    _log.exception("auto-progress tick failed")

        task = asyncio.create_task(run())
    yield
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def build_sim_app(
    instance: SimInstance | None = None, config: SimConfig | None = None
) -> web.Application:
    """An aiohttp app serving `instance` (a new one built from `config` when not given)."""
    app = web.Application(middlewares=[_wire])
    app[SIM_KEY] = instance if instance is not None else SimInstance(config)
    oauth.add_routes(app)
    table_api.add_routes(app)
    batch.add_routes(app)
    control.add_routes(app)
    ui.add_routes(app)
    app.cleanup_ctx.append(_auto_progress)
    return app
