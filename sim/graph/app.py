"""The aiohttp application: routes and the wire-level middleware (ids, faults, error bodies)."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.typedefs import Handler

from . import api, control, identity
from .appkey import GRAPH_SIM_KEY
from .config import GraphSimConfig
from .faults import request_scope
from .state import GraphSim
from .wire import AGS_DIAGNOSTIC, GraphError, LoginError, new_guid


def _unknown_segment(request: web.Request) -> GraphError:
    segment = request.path.rstrip("/").rsplit("/", 1)[-1]
    return GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")


async def _api(request: web.Request, handler: Handler, sim: GraphSim) -> web.StreamResponse:
    """Graph API traffic: fault, handler, error rendering, and Graph's tracing headers."""
    request_id = new_guid()
    # Graph echoes the caller's client-request-id, or reuses its request-id.
    client_request_id = request.headers.get("client-request-id") or request_id
    response: web.StreamResponse
    fault = sim.take_fault(request.path)
    error = fault.api_error() if fault is not None else None
    if fault is not None and fault.latency_ms:
        await asyncio.sleep(fault.latency_ms / 1000)
    if error is None:
        try:
            response = await handler(request)
        except GraphError as raised:
            error = raised
        except web.HTTPNotFound:
            error = _unknown_segment(request)
        except web.HTTPMethodNotAllowed as not_allowed:
            message = f"The HTTP method '{not_allowed.method}' is not allowed on this resource."
            error = GraphError(405, "BadRequest", message)
    if error is not None:
        response = error.response(request_id, client_request_id, sim.now())
    response.headers["request-id"] = request_id
    response.headers["client-request-id"] = client_request_id
    response.headers["x-ms-ags-diagnostic"] = AGS_DIAGNOSTIC
    response.headers.setdefault("Cache-Control", "no-cache")
    return response


async def _token(request: web.Request, handler: Handler, sim: GraphSim) -> web.StreamResponse:
    """Token endpoint traffic: fault, handler, and the AADSTS error envelope."""
    # Entra ID uses the caller's client-request-id as the correlation id when it sends one.
    correlation_id = request.headers.get("client-request-id") or new_guid()
    fault = sim.take_fault(request.path)
    if fault is not None and fault.latency_ms:
        await asyncio.sleep(fault.latency_ms / 1000)
    injected = fault.login_error() if fault is not None else None
    if injected is not None:
        error, headers = injected
        response = error.response(correlation_id, sim.now())
        response.headers.update(headers)
        return response
    try:
        return await handler(request)
    except LoginError as raised:
        return raised.response(correlation_id, sim.now())


@web.middleware
async def _wire(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Log and route traffic by kind; /sim/ control traffic passes untouched and unlogged."""
    scope = request_scope(request.path)
    if scope is None:
        return await handler(request)
    sim = request.app[GRAPH_SIM_KEY]
    sim.request_log.append((request.method, request.path_qs))
    if scope == "api":
        return await _api(request, handler, sim)
    return await _token(request, handler, sim)


def build_graph_sim_app(
    sim: GraphSim | None = None, config: GraphSimConfig | None = None
) -> web.Application:
    """An aiohttp app serving `sim` (a new one built from `config` when not given): the token
    endpoint, the Graph Secure Score API and the /sim/ control API on one origin."""
    app = web.Application(middlewares=[_wire])
    app[GRAPH_SIM_KEY] = sim if sim is not None else GraphSim(config)
    identity.add_routes(app)
    api.add_routes(app)
    control.add_routes(app)
    return app
