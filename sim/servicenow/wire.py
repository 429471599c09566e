"""Response bodies and headers exactly as a ServiceNow instance sends them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

JSON_CONTENT_TYPE = "application/json;charset=UTF-8"
HTML_CONTENT_TYPE = "text/html;charset=UTF-8"

NOT_AUTHENTICATED = ("User Not Authenticated", "Required to provide Auth information")
NO_RECORD = ("No Record found", "Record doesn't exist or ACL restricts the record retrieval")
INSUFFICIENT_RIGHTS = ("Insufficient rights", "Insufficient rights to query records")
RATE_LIMITED = (
    "Rate limit exceeded",
    "Rate limit of 100 requests per hour for Table API exceeded",
)
SERVER_ERROR = (
    "Exception while executing request: null",
    "Exception while executing request: "
    "null Check logs for error trace or enable glide.rest.debug property to verify "
    "REST request processing",
)
UNKNOWN_RESOURCE = ("Requested URI does not represent any resource", None)
# The token endpoint collapses every authentication failure into this one body.
OAUTH_ACCESS_DENIED = {"error_description": "access_denied", "error": "server_error"}


def dumps(payload: Any) -> bytes:
    """Compact UTF-8 JSON, key order preserved, as the instance writes it."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def json_response(
    payload: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A response with ServiceNow's `application/json;charset=UTF-8` content type."""
    all_headers = {"Content-Type": JSON_CONTENT_TYPE, **(headers or {})}
    return web.Response(status=status, body=dumps(payload), headers=all_headers)


def html_response(
    html: str, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """An HTML page, as the UI side of the instance serves them."""
    all_headers = {"Content-Type": HTML_CONTENT_TYPE, **(headers or {})}
    return web.Response(status=status, body=html.encode("utf-8"), headers=all_headers)


def error_payload(message: str, detail: str | None) -> dict[str, Any]:
    """The REST error envelope `{"error":{"message","detail"},"status":"failure"}`."""
    return {"error": {"message": message, "detail": detail}, "status": "failure"}


class ApiError(Exception):
    """Raised by handlers; middleware turns it into a JSON response."""

    def __init__(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status}: {payload!r}")
        self.status = status
        self.payload = payload
        self.headers = dict(headers or {})

    @classmethod
    def rest(cls, status: int, message: str, detail: str | None, **headers: str) -> ApiError:
        """An error in the Table API envelope."""
        return cls(status, error_payload(message, detail), headers)

    def response(self) -> web.Response:
        """The JSON response for this error."""
        return json_response(self.payload, self.status, self.headers)


def not_authenticated() -> ApiError:
    """401 for a missing, expired or revoked bearer token."""
    return ApiError(401, error_payload(*NOT_AUTHENTICATED), {"X-Is-Logged-In": "false"})


def operation_failed(detail: str) -> ApiError:
    """403 `Operation Failed`: what ACLs, business rules and data policies answer a write."""
    return ApiError.rest(403, "Operation Failed", detail)


def acl_refused(verb: str) -> ApiError:
    """403 for a write ACLs refuse; `verb` is Insert, Update or Delete (MicrosoftDocs
    azure-docs itsmc-dashboard-errors.md quotes the Update body)."""
    return operation_failed(f"ACL Exception {verb} Failed due to security constraints")


def oauth_denied() -> ApiError:
    """401 `{"error_description":"access_denied","error":"server_error"}`."""
    return ApiError(401, dict(OAUTH_ACCESS_DENIED))


def oauth_missing(names: list[str]) -> ApiError:
    """400 for absent token-endpoint parameters."""
    return ApiError(
        400,
        {
            "error_description": f"invalid_request, Missing parameters: {','.join(names)}",
            "error": "invalid_request",
        },
    )
