"""Injected faults: rate limits, server errors, latency and the odd shapes real instances send."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web

from . import pages
from .wire import (
    INSUFFICIENT_RIGHTS,
    NO_RECORD,
    NOT_AUTHENTICATED,
    OAUTH_ACCESS_DENIED,
    RATE_LIMITED,
    SERVER_ERROR,
    error_payload,
    html_response,
    json_response,
)

SCOPES = ("table", "oauth", "all")
KINDS = ("html_login", "ip_blocked", "cross_scope", "acl", "acl_write")
# sys_id of the (imaginary) sys_rate_limit_rules row reported in X-RateLimit-Rule.
RATE_LIMIT_RULE = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
CROSS_SCOPE_MESSAGE = (
    "Read operation against 'oauth_entity' from scope 'x_snowops_app' has been refused due "
    "to the table's cross-scope access policy"
)
_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


def request_scope(path: str) -> str | None:
    """Which part of the instance a path belongs to: "table" (REST API), "oauth", "ui"
    (record pages; logged, never faulted) or None (control traffic)."""
    if path.startswith("/api/"):
        return "table"
    if path.startswith("/oauth_"):
        return "oauth"
    if path.endswith(".do"):
        return "ui"
    return None


def table_of(path: str) -> str | None:
    """The table a Table API path names (``/api/now[/v2]/table/{table}[/{sys_id}]``)."""
    parts = path.strip("/").split("/")
    if "table" not in parts[:4]:
        return None
    at = parts.index("table") + 1
    return parts[at] if at < len(parts) else None


@dataclass
class Fault:
    """A fault answering the next `count` matching requests, then clearing itself.

    `status` picks the error (429, 500, 502, 503, or any code); `kind` picks a special shape:
    "html_login", "ip_blocked", "cross_scope" (token endpoint only), "acl" (table reads
    only) or "acl_write" (table writes only: the integration user may read but not write).
    With neither, the fault only adds `latency_ms` before the normal answer.
    """

    status: int | None = None
    count: int = 1
    retry_after: int | None = None
    latency_ms: int = 0
    scope: str = "table"
    kind: str | None = None
    #: Only requests with this method (e.g. "POST"); None matches any.
    method: str | None = None
    #: Do the work, then lose the answer to this error (a proxy timing out after commit).
    after: bool = False
    #: Let this many matching requests through before the fault starts answering.
    skip: int = 0
    #: Only Table API requests on this table (e.g. "task"); None matches any path.
    table: str | None = None

    def __post_init__(self) -> None:
        for name in ("status", "count", "retry_after", "latency_ms", "skip"):
            value = getattr(self, name)
            optional = name in ("status", "retry_after")
            if isinstance(value, bool) or not (
                isinstance(value, int) or (optional and value is None)
            ):
                raise TypeError(f"{name} must be an integer, not {value!r}")
        if self.scope not in SCOPES:
            raise ValueError(f"scope must be one of {SCOPES}, not {self.scope!r}")
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")
        if self.table is not None and not isinstance(self.table, str):
            raise TypeError(f"table must be a string, not {self.table!r}")
        if self.count < 1 or self.latency_ms < 0 or self.skip < 0:
            raise ValueError("count must be >= 1, latency_ms and skip >= 0")

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the control API."""
        return asdict(self)

    def applies_to(self, method: str, path: str) -> bool:
        """Whether this fault answers a request for `method path`."""
        if self.method is not None and method.upper() != self.method.upper():
            return False
        scope = request_scope(path)
        if scope not in ("table", "oauth") or self.scope not in (scope, "all"):
            return False
        if self.table is not None and table_of(path) != self.table:
            return False
        if self.kind == "cross_scope":
            return path == "/oauth_token.do"
        if self.kind == "acl":
            return scope == "table" and method == "GET"
        if self.kind == "acl_write":
            return scope == "table" and method.upper() in ("POST", "PATCH", "PUT")
        return True

    def response(
        self, path: str, remote: str, epoch: int, method: str = "GET"
    ) -> web.Response | None:
        """The faulty answer, or None for a latency-only fault."""
        headers: dict[str, str] = {}
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        if self.kind == "html_login":
            return html_response(pages.instance_login_page(), self.status or 200, headers)
        if self.kind == "ip_blocked":
            return html_response(pages.ip_blocked_page(remote), self.status or 403, headers)
        if self.kind == "cross_scope":
            body = {"error_description": CROSS_SCOPE_MESSAGE, "error": "server_error"}
            return json_response(body, self.status or 401, headers)
        if self.kind == "acl":
            return json_response(error_payload(*INSUFFICIENT_RIGHTS), self.status or 403, headers)
        if self.kind == "acl_write":
            # What the Table API answers when write/create ACLs refuse the integration user.
            verb = "Insert" if method.upper() == "POST" else "Update"
            detail = f"ACL Exception {verb} Failed due to security constraints"
            body = error_payload("Operation Failed", detail)
            return json_response(body, self.status or 403, headers)
        if self.status is None:
            return None
        if self.status == 429:
            retry = self.retry_after if self.retry_after is not None else 1
            headers.update(
                {
                    "Retry-After": str(retry),
                    "X-RateLimit-Limit": "100",
                    "X-RateLimit-Reset": str(epoch + retry),
                    "X-RateLimit-Rule": RATE_LIMIT_RULE,
                }
            )
        return _status_response(self.status, request_scope(path) == "oauth", headers)


def _status_response(status: int, oauth: bool, headers: dict[str, str]) -> web.Response:
    if status in (502, 503):
        # These come from the load balancer / maintenance layer in front of the instance.
        return html_response(pages.gateway_page(status, _REASONS[status]), status, headers)
    if oauth:
        if status == 401:
            return json_response(dict(OAUTH_ACCESS_DENIED), status, headers)
        if status != 429:
            body = {"error_description": "server_error", "error": "server_error"}
            return json_response(body, status, headers)
    shapes = {
        401: NOT_AUTHENTICATED,
        403: INSUFFICIENT_RIGHTS,
        404: NO_RECORD,
        429: RATE_LIMITED,
        500: SERVER_ERROR,
    }
    message, detail = shapes.get(status, (f"HTTP {status}", None))
    return json_response(error_payload(message, detail), status, headers)
