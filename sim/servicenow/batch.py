"""The Batch API (``POST /api/now/{v1|v2}/batch``): several REST calls in one request.

Each item is served as a call of its own (its method, URL and headers, with the batch's
credentials), so authentication, ACLs, injected faults and the request log apply to it as
to any other call; the log marks it ``BATCH <method>``, so a count of HTTP requests leaves
it out. Bodies travel Base64-encoded both ways; an item's failure is its own status code,
never the batch's (SNDocs ``api-reference/rest-apis/batch-api.md``).
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from aiohttp import web

from .appkey import SIM_KEY
from .table_api import _authenticate
from .wire import UNKNOWN_RESOURCE, ApiError, json_response

__all__ = ["BATCH_ITEM", "add_routes"]

#: Marks an item's own call (the request log tells it from an HTTP request).
BATCH_ITEM = "X-Sim-Batch-Item"
#: Items per batch the sim serves (the platform's limits are by size; this keeps a
#: runaway client from making the sim call itself without end).
MAX_ITEMS = 100
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
_CLIENT = web.AppKey("snowops_sim_batch_client", aiohttp.ClientSession)


def _bad(detail: str) -> ApiError:
    return ApiError.rest(400, "Invalid batch request", detail)


def _items(body: Any) -> list[dict[str, Any]]:
    """The request's items, checked: an id, a method and a relative ``/api/`` URL each."""
    items = body.get("rest_requests") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise _bad("rest_requests must be a non-empty list")
    if len(items) > MAX_ITEMS:
        raise _bad(f"at most {MAX_ITEMS} rest_requests")
    for item in items:
        if not isinstance(item, dict):
            raise _bad("each rest_request must be an object")
        for name in ("id", "method", "url"):
            if not isinstance(item.get(name), str) or not item[name]:
                raise _bad(f"each rest_request needs a string {name}")
        if item["method"] not in _METHODS:
            raise _bad(f"a rest_request's method is one of {', '.join(sorted(_METHODS))}")
        url = item["url"]
        if not url.startswith("/api/") or "/batch" in url.split("?")[0]:
            raise _bad("a rest_request's url is a relative /api/ path, never a batch")
        headers = item.get("headers", [])
        if not isinstance(headers, list) or not all(
            isinstance(h, dict)
            and isinstance(h.get("name"), str)
            and isinstance(h.get("value"), str)
            for h in headers
        ):
            raise _bad("headers must be a list of {name, value}")
        if "body" in item and not isinstance(item["body"], str):
            raise _bad("a rest_request's body is a Base64 string")
    return items


async def _serve(
    client: aiohttp.ClientSession, origin: str, auth: str, item: dict[str, Any]
) -> dict[str, Any]:
    """One item, called on this instance as a call of its own."""
    headers = {h["name"]: h["value"] for h in item.get("headers", [])}
    headers["Authorization"] = auth
    headers[BATCH_ITEM] = item["id"]
    try:
        data = base64.b64decode(item["body"], validate=True) if item.get("body") else None
    except binascii.Error:
        return {"id": item["id"], "status_code": 400, "status_text": "Bad Request",
                "error_message": "body is not Base64", "headers": [], "body": ""}  # fmt: skip
    began = time.perf_counter()
    async with client.request(
        item["method"], origin + item["url"], headers=headers, data=data
    ) as r:
        content = await r.read()
        answer: dict[str, Any] = {
            "id": item["id"],
            "status_code": r.status,
            "status_text": r.reason or "",
            "body": base64.b64encode(content).decode("ascii"),
            "execution_time": int((time.perf_counter() - began) * 1000),
            "headers": []
            if item.get("exclude_response_headers")
            else [{"name": k, "value": v} for k, v in r.headers.items()],
        }
    return answer


async def batch(request: web.Request) -> web.Response:
    """POST /api/now/{version}/batch: every item served in order, each with its status."""
    if not request.app[SIM_KEY].config.batch_api:
        raise ApiError.rest(400, *UNKNOWN_RESOURCE)
    _authenticate(request)  # the batch's own credentials: a 401 for the whole batch
    try:
        body = await request.json()
    except (ValueError, RecursionError):
        raise _bad("the body is not JSON") from None
    items = _items(body)
    host, port = request.transport.get_extra_info("sockname")[:2] if request.transport else ("", 0)
    origin = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    auth = request.headers.get("Authorization", "")
    client = request.app[_CLIENT]
    served = [await _serve(client, origin, auth, item) for item in items]
    return json_response(
        {
            "batch_request_id": str(body.get("batch_request_id", "")),
            "serviced_requests": served,
            "unserviced_requests": [],
        },
        200,
    )


async def _client(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession() as client:
        app[_CLIENT] = client
        yield


def add_routes(app: web.Application) -> None:
    """Register the Batch API (unversioned, v1 and v2 paths)."""
    for path in ("/api/now/batch", "/api/now/{version:v1|v2}/batch"):
        app.router.add_post(path, batch)
    app.cleanup_ctx.append(_client)
