"""Injected faults: throttling, server errors and latency on the token endpoint or Graph API."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from .wire import WWW_AUTHENTICATE, GraphError, LoginError

FaultScope = Literal["token", "api", "all"]
SCOPES: tuple[FaultScope, ...] = ("token", "api", "all")

# Graph bodies for injected statuses. 429: microsoftgraph docs concepts/throttling.md sample;
# 503: microsoftgraph/microsoft-graph-docs-contrib#6045; 504: microsoftgraph/
# microsoft-graph-explorer-v4#1361. The rest follow the generic codes of graph/errors.
_API_SHAPES: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "Bad request."),
    401: ("InvalidAuthenticationToken", "Access token validation failure."),
    403: (
        "Forbidden",
        "Auth token does not contain valid permissions or user does not have valid roles.",
    ),
    404: ("NotFound", "Not Found"),
    429: ("TooManyRequests", "Please retry again later."),
    500: ("InternalServerError", "Internal server error."),
    502: ("BadGateway", "Bad gateway."),
    503: ("serviceNotAvailable", "Service unavailable"),
    504: ("UnknownError", ""),
}


def request_scope(path: str) -> str | None:
    """Which fault scope a path belongs to: "token", "api", or None (control traffic)."""
    if path.startswith("/v1.0/") or path.startswith("/beta/"):
        return "api"
    if path.endswith("/oauth2/v2.0/token"):
        return "token"
    return None


@dataclass
class GraphFault:
    """A fault answering the next `count` matching requests, then clearing itself.

    `status` None makes a latency-only fault. `scope` picks the token endpoint ("token"), the
    Graph API ("api") or both ("all"). `retry_after` (seconds) adds a Retry-After header;
    429 always carries one (1 s when not given), as Graph's throttling does.
    """

    status: int | None = None
    count: int = 1
    retry_after: int | None = None
    latency_ms: int = 0
    scope: FaultScope = "api"

    def __post_init__(self) -> None:
        for name in ("status", "count", "retry_after", "latency_ms"):
            value = getattr(self, name)
            optional = name in ("status", "retry_after")
            if isinstance(value, bool) or not (
                isinstance(value, int) or (optional and value is None)
            ):
                raise TypeError(f"{name} must be an integer, not {value!r}")
        if self.scope not in SCOPES:
            raise ValueError(f"scope must be one of {SCOPES}, not {self.scope!r}")
        if self.count < 1 or self.latency_ms < 0:
            raise ValueError("count must be >= 1 and latency_ms >= 0")
        if self.status is not None and not 400 <= self.status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the control API."""
        return asdict(self)

    def applies_to(self, path: str) -> bool:
        """Whether this fault answers a request for `path`."""
        scope = request_scope(path)
        return scope is not None and self.scope in (scope, "all")

    def _headers(self) -> dict[str, str]:
        retry = self.retry_after
        if retry is None and self.status == 429:
            retry = 1
        return {} if retry is None else {"Retry-After": str(retry)}

    def api_error(self) -> GraphError | None:
        """The Graph error this fault answers an API request with (None: latency only)."""
        if self.status is None:
            return None
        code, message = _API_SHAPES.get(self.status, ("UnknownError", ""))
        # The throttling sample repeats the status inside innerError.
        inner = (
            {"code": "429", "message": "Please retry after", "status": "429"}
            if self.status == 429
            else {}
        )
        headers = self._headers()
        if self.status == 401:
            headers["WWW-Authenticate"] = WWW_AUTHENTICATE
        return GraphError(self.status, code, message, headers, inner)

    def login_error(self) -> tuple[LoginError, dict[str, str]] | None:
        """The token-endpoint error for this fault, with its extra headers (None: latency)."""
        if self.status is None:
            return None
        # Entra ID reports throttling and outages as a transient error (AADSTS90033).
        if self.status == 429 or self.status >= 500:
            error = LoginError(
                self.status,
                "temporarily_unavailable",
                90033,
                "A transient error has occurred. Please try again.",
            )
        elif self.status == 401:
            error = LoginError(401, "invalid_client", 7000215, "Invalid client secret provided.")
        else:
            error = LoginError(
                self.status, "invalid_request", 90014, "The request was rejected (injected fault)."
            )
        return error, self._headers()
