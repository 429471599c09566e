"""Response bodies and headers as Microsoft Graph and the Microsoft identity platform send them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aiohttp import web

GRAPH_CONTENT_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;"
    "charset=utf-8"
)
# Graph's error bodies (401 from the gateway, 429, 5xx) carry plain application/json.
GRAPH_ERROR_CONTENT_TYPE = "application/json"
LOGIN_CONTENT_TYPE = "application/json; charset=utf-8"
# Seen on real Graph responses (region and role instance vary); clients log it for support.
AGS_DIAGNOSTIC = (
    '{"ServerInfo":{"DataCenter":"West Europe","Slice":"E","Ring":"5","ScaleUnit":"000",'
    '"RoleInstance":"AM1PEPF0001A38D"}}'
)
WWW_AUTHENTICATE = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/'
    'authorize", client_id="00000003-0000-0000-c000-000000000000"'
)


def new_guid() -> str:
    """A lowercase hyphenated GUID, the format of request ids, trace ids and tenant ids."""
    return str(uuid.uuid4())


def dumps(payload: Any) -> bytes:
    """Compact UTF-8 JSON with keys sorted, the order the live recording shows."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()


def inner_error_date(moment: datetime) -> str:
    """`innerError.date`: UTC, seconds precision, no zone suffix ("2023-02-20T05:06:48")."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def graph_json(
    payload: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A successful Graph response with the OData content type."""
    all_headers = {"Content-Type": GRAPH_CONTENT_TYPE, **(headers or {})}
    return web.Response(status=status, body=dumps(payload), headers=all_headers)


class GraphError(Exception):
    """Raised by Graph handlers; the middleware renders it with the request's ids and date."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
        inner: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.inner = dict(inner or {})

    def response(self, request_id: str, client_request_id: str, now: datetime) -> web.Response:
        """`{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`."""
        inner = {
            **self.inner,
            "date": inner_error_date(now),
            "request-id": request_id,
            "client-request-id": client_request_id,
        }
        body = {"error": {"code": self.code, "message": self.message, "innerError": inner}}
        headers = {"Content-Type": GRAPH_ERROR_CONTENT_TYPE, **self.headers}
        return web.Response(status=self.status, body=dumps(body), headers=headers)


class LoginError(Exception):
    """An error from the token endpoint, in the AADSTS envelope."""

    def __init__(self, status: int, error: str, code: int, message: str) -> None:
        super().__init__(f"{status} {error}: AADSTS{code}")
        self.status = status
        self.error = error
        self.code = code
        self.message = message

    def response(self, correlation_id: str, now: datetime) -> web.Response:
        """The body Entra ID sends: description with trace/correlation/timestamp lines, plus
        the same facts as separate fields."""
        trace_id = new_guid()
        stamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
        description = (
            f"AADSTS{self.code}: {self.message}\r\nTrace ID: {trace_id}\r\n"
            f"Correlation ID: {correlation_id}\r\nTimestamp: {stamp}"
        )
        body = {
            "error": self.error,
            "error_description": description,
            "error_codes": [self.code],
            "timestamp": stamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": f"https://login.microsoftonline.com/error?code={self.code}",
        }
        payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        return web.Response(status=self.status, body=payload, headers=login_headers(trace_id))


def login_headers(trace_id: str) -> dict[str, str]:
    """Headers of every token endpoint answer."""
    return {
        "Content-Type": LOGIN_CONTENT_TYPE,
        "Cache-Control": "no-store, no-cache",
        "Pragma": "no-cache",
        "x-ms-request-id": trace_id,
        "x-ms-ests-server": "2.1.19612.4 - WEULR1 ProdSlices",
    }
