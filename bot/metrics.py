"""Prometheus metrics, on a registry per app (so tests can build many apps)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from core.retry import Answered

__all__ = ["Metrics"]


class Metrics:
    """The counters SnowOps exports at ``/metrics``."""

    def __init__(self) -> None:
        self._children: dict[tuple[str, int], tuple[Any, Any]] = {}
        self._sn_children: dict[int, Any] = {}
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "snowops_http_requests",
            "Inbound HTTP requests by route and status",
            ["route", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "snowops_http_request_seconds",
            "Inbound HTTP request duration",
            ["route"],
            registry=self.registry,
        )
        self.servicenow_calls = Counter(
            "snowops_servicenow_responses",
            "ServiceNow responses by status",
            ["status"],
            registry=self.registry,
        )

        self.graph_calls = Counter(
            "snowops_graph_responses",
            "Microsoft Graph and sign-in responses by status",
            ["status"],
            registry=self.registry,
        )

    async def on_servicenow_response(self, response: Answered) -> None:
        """Count every ServiceNow answer (an httpx2 event hook for the OAuth grants, called
        by the Table API's client for its own)."""
        # No host label: hosts come from what admins type, and labels must stay bounded.
        # Children are looked up once per status: this runs per request.
        child = self._sn_children.get(response.status_code)
        if child is None:
            child = self._sn_children[response.status_code] = self.servicenow_calls.labels(
                str(response.status_code)
            )
        child.inc()

    async def on_graph_response(self, response: Answered) -> None:
        """httpx2 event hook: count every Graph answer."""
        self.graph_calls.labels(str(response.status_code)).inc()

    @web.middleware
    async def middleware(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        """Count and time every request by its route pattern (never the raw path)."""
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            self._observe(route, status, time.perf_counter() - started)

    def _observe(self, route: str, status: int, seconds: float) -> None:
        # Labelled children are looked up once per (route, status): this runs per request.
        key = (route, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self.http_requests.labels(route, str(status)),
                self.http_latency.labels(route),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    async def handle(self, request: web.Request) -> web.Response:
        """``GET /metrics``."""
        return web.Response(
            body=generate_latest(self.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )
