"""Turn ServiceNow HTTP answers into data or into the right error, with a hint.

Real instances answer errors as ``{"error": {"message", "detail"}, "status": "failure"}``,
the token endpoint as ``{"error_description": "access_denied", "error": "server_error"}``,
and sometimes with an HTML page (login, SSO, IP access control) where JSON was expected.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from core.i18n import N_, gettext
from core.retry import Answered, retry_after_seconds
from core.servicenow.errors import (
    BadRequestError,
    ConfigurationError,
    ForbiddenError,
    NotAuthenticated,
    NotFoundError,
    RateLimitedError,
    ReauthorizationRequired,
    ServiceNowError,
    UnavailableError,
    UnexpectedResponseError,
)

__all__ = ["Readable", "error_for", "parse_json"]


class Readable(Answered, Protocol):
    """An answer with a body: the Table API's (:class:`~core.servicenow.http.Answer`) or
    httpx2's (the token endpoint's)."""

    @property
    def content(self) -> bytes:
        """The body as received."""

    @property
    def text(self) -> str:
        """The body as text."""

    def json(self) -> Any:
        """The body as JSON."""


# The troubleshooting hints (README: Troubleshooting), translated where an error is made.
HINT_CROSS_SCOPE = N_(
    "ServiceNow refused cross-scope access to oauth_entity. On the instance, open "
    "System Applications > Application Cross-Scope Access and allow the OAuth scope to read "
    "oauth_entity (or create the Application Registry entry in the global scope)."
)
HINT_IP_BLOCKED = N_(
    "The instance's IP Address Access Control blocks the bot. Add the bot's outbound IP "
    "address to System Security > IP Address Access Control."
)
HINT_ACL = N_(
    "The integration user may not read or write these records. Give it the itil role "
    "(and audit_viewer to read comments), or check the table's ACLs."
)
HINT_LOGIN_PAGE = N_(
    "ServiceNow answered with a login page: single sign-on is intercepting API calls or "
    "the OAuth page. Use a local integration user with 'Web service access only' and make "
    "sure the OAuth endpoints are not forced through SSO."
)


def _text(response: Readable) -> str:
    try:
        return response.text
    except (UnicodeDecodeError, LookupError):
        return ""


def _is_html(response: Readable) -> bool:
    ctype = response.headers.get("content-type", "").lower()
    # Only the start of the body is looked at: decoding a whole page of records to text
    # for this would cost more than reading it.
    return "html" in ctype or response.content[:512].lstrip()[:15].lower().startswith(
        (b"<!doctype", b"<html")
    )


def _error_fields(body: Any) -> tuple[str, str]:
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            return str(err.get("message") or ""), str(err.get("detail") or "")
        if isinstance(err, str):
            return err, str(body.get("error_description") or "")
    return "", ""


def parse_json(response: Readable) -> Any:
    """Decode a JSON body or raise :class:`UnexpectedResponseError` (e.g. HTML login)."""
    if _is_html(response):
        raise UnexpectedResponseError(
            gettext(
                "ServiceNow sent a web page (HTTP {status}) instead of JSON",
                status=response.status_code,
            ),
            status=response.status_code,
            hint=gettext(HINT_LOGIN_PAGE),
        )
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UnexpectedResponseError(
            gettext(
                "ServiceNow sent a body that is not JSON (HTTP {status})",
                status=response.status_code,
            ),
            status=response.status_code,
        ) from exc


def _by_content(lowered: str, status: int, message: str, detail: str) -> ServiceNowError | None:
    """Failures recognised by what the answer says, whatever its status."""
    if "oauth_entity" in lowered and ("cross-scope" in lowered or "scope" in lowered):
        return ConfigurationError(
            gettext("ServiceNow refused cross-scope access to oauth_entity"),
            status=status,
            detail=detail or message,
            hint=gettext(HINT_CROSS_SCOPE),
        )
    if "ip address" in lowered and ("access control" in lowered or "restrict" in lowered):
        return ForbiddenError(
            gettext("the instance's IP address access control blocked the request"),
            status=status,
            hint=gettext(HINT_IP_BLOCKED),
        )
    return None


def _auth_or_access(
    status: int, message: str, detail: str, token_endpoint: bool
) -> ServiceNowError | None:
    """401 and 403: the credentials, the token, or the user's rights."""
    if status == 401 and token_endpoint:
        return ReauthorizationRequired(
            gettext("ServiceNow refused the OAuth credentials (401 access_denied)"),
            status=status,
            detail=detail or message,
        )
    if status == 401:
        return NotAuthenticated(
            gettext(
                "ServiceNow refused the access token: {message}",
                message=message or "User Not Authenticated",
            ),
            status=status,
            detail=detail,
        )
    if status == 403:
        return ForbiddenError(
            gettext("ServiceNow refused: {message}", message=message or "Forbidden")
            + (f" ({detail})" if detail and detail != message else ""),
            status=status,
            detail=detail,
            hint=gettext(HINT_ACL),
        )
    return None


def _client_error(
    status: int, message: str, detail: str, token_endpoint: bool
) -> ServiceNowError | None:
    """404 and the 4xx that say the request itself was wrong."""
    if status == 404:
        return NotFoundError(
            gettext("not found: {message}", message=message or "No Record found"),
            status=status,
            detail=detail,
        )
    if status == 400 and token_endpoint:
        return ConfigurationError(
            gettext(
                "the token endpoint rejected the request: {reason}",
                reason=detail or message or "bad request",
            ),
            status=status,
            detail=detail,
        )
    if status in (400, 405, 406, 415, 422):
        return BadRequestError(
            gettext(
                "ServiceNow rejected the request: {message}",
                message=message or "HTTP " + str(status),
            )
            + (f" ({detail})" if detail else ""),
            status=status,
            detail=detail,
        )
    return None


def _login_page(status: int, token_endpoint: bool) -> ServiceNowError:
    """An HTML page where JSON was expected: a login or SSO page in the way."""
    text = (
        gettext(
            "ServiceNow sent a web page (HTTP {status}) from the token endpoint instead of JSON",
            status=status,
        )
        if token_endpoint
        else gettext(
            "ServiceNow sent a web page (HTTP {status}) from the Table API instead of JSON",
            status=status,
        )
    )
    return UnexpectedResponseError(text, status=status, hint=gettext(HINT_LOGIN_PAGE))


def error_for(response: Readable, *, token_endpoint: bool = False) -> ServiceNowError:
    """The error a non-2xx answer (or an HTML 200) stands for."""
    status = response.status_code
    html = _is_html(response)
    body: Any = None
    if not html:
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
    message, detail = _error_fields(body)
    found = _by_content(_text(response).lower(), status, message, detail)
    if found is not None:
        return found
    if status == 429:
        seconds = retry_after_seconds(response)
        return RateLimitedError(
            gettext(
                "ServiceNow rate limit exceeded (retry after {seconds}s)",
                seconds=format(seconds or 0, "g"),
            )
            if seconds
            else gettext("ServiceNow rate limit exceeded"),
            retry_after=seconds,
            status=status,
            detail=detail,
        )
    if status >= 500:
        return UnavailableError(
            gettext("ServiceNow answered HTTP {status}", status=status)
            + (f": {message}" if message else ""),
            status=status,
            detail=detail,
        )
    if html:
        return _login_page(status, token_endpoint)
    found = _auth_or_access(status, message, detail, token_endpoint)
    found = found or _client_error(status, message, detail, token_endpoint)
    if found is not None:
        return found
    text = (
        gettext("unexpected answer HTTP {status} from the token endpoint", status=status)
        if token_endpoint
        else gettext("unexpected answer HTTP {status} from the Table API", status=status)
    )
    return UnexpectedResponseError(text, status=status)
