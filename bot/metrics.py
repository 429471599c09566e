"""Prometheus metrics, on a registry per app (so tests can build many apps)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx2
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["Metrics"]


class Metrics:
    """The counters SnowOps exports at ``/metrics``."""

    def __init__(self) -> None:
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

    async def on_servicenow_response(self, response: httpx2.Response) -> None:
        """httpx2 event hook: count every ServiceNow answer."""
        # No host label: hosts come from what admins type, and labels must stay bounded.
        self.servicenow_calls.labels(str(response.status_code)).inc()

    async def on_graph_response(self, response: httpx2.Response) -> None:
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
        with self.http_latency.labels(route).time():
            try:
                response = await handler(request)
            except web.HTTPException as exc:
                self.http_requests.labels(route, str(exc.status)).inc()
                raise
        self.http_requests.labels(route, str(response.status)).inc()
        return response

    async def handle(self, request: web.Request) -> web.Response:
        """``GET /metrics``."""
        return web.Response(
            body=generate_latest(self.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )
