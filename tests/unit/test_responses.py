"""Every ServiceNow failure shape becomes the right error, with a hint (README: Troubleshooting).

Each shape is checked as both clients deliver it: httpx2's response (the OAuth token
endpoint's) and the Table API's own :class:`~core.servicenow.http.Answer` (aiohttp's).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx2
import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from core.retry import retry_after_seconds
from core.servicenow import errors as e
from core.servicenow.http import Answer
from core.servicenow.responses import Readable, error_for, parse_json

REQ = httpx2.Request("GET", "https://acme.service-now.com/api/now/table/incident")


def resp(status: int, body: str | dict[str, object], **headers: str) -> httpx2.Response:
    if isinstance(body, dict):
        return httpx2.Response(status, json=body, headers=headers, request=REQ)
    return httpx2.Response(status, text=body, headers=headers, request=REQ)


def as_answer(response: httpx2.Response) -> Answer:
    """The same answer as the Table API's client hands it over."""
    headers = CIMultiDictProxy(CIMultiDict(response.headers.multi_items()))
    return Answer(response.status_code, headers, response.content, "acme.service-now.com")


def as_httpx2(response: httpx2.Response) -> httpx2.Response:
    return response


CLIENTS = pytest.mark.parametrize("client", [as_httpx2, as_answer], ids=["httpx2", "table"])
Client = Callable[[httpx2.Response], Readable]


def sn_error(message: str, detail: str) -> dict[str, object]:
    return {"error": {"message": message, "detail": detail}, "status": "failure"}


LOGIN_PAGE = "<!DOCTYPE html><html><head><title>ServiceNow</title></head><body>Log in</body></html>"


@pytest.mark.parametrize(
    ("response", "kind", "token_endpoint", "hint_has"),
    [
        (
            resp(401, {"error_description": "access_denied", "error": "server_error"}),
            e.ReauthorizationRequired,
            True,
            "/snow connect",
        ),
        (
            resp(401, sn_error("User Not Authenticated", "Required to provide Auth information")),
            e.NotAuthenticated,
            False,
            "access token",
        ),
        (
            resp(403, sn_error("Insufficient rights", "Insufficient rights to query records")),
            e.ForbiddenError,
            False,
            "itil",
        ),
        (
            resp(404, sn_error("No Record found", "Record doesn't exist or ACL restricts")),
            e.NotFoundError,
            False,
            "ACL",
        ),
        (
            resp(
                429,
                sn_error("Rate limit exceeded", "Rate limit of 100 requests per hour"),
                **{"Retry-After": "7"},
            ),
            e.RateLimitedError,
            False,
            "rate limit",
        ),
        (resp(503, "<html>Service Unavailable</html>"), e.UnavailableError, False, "hibernate"),
        (
            resp(200, LOGIN_PAGE, **{"Content-Type": "text/html"}),
            e.UnexpectedResponseError,
            False,
            "single sign-on",
        ),
        (
            resp(
                401,
                "Access to oauth_entity from scope 'x' has been refused due to the table's "
                "cross-scope access policy",
            ),
            e.ConfigurationError,
            True,
            "Cross-Scope",
        ),
        (
            resp(
                403,
                "<html>Your IP address 203.0.113.9 is restricted by "
                "IP Address Access Control</html>",
                **{"Content-Type": "text/html"},
            ),
            e.ForbiddenError,
            False,
            "IP Address Access Control",
        ),
        (resp(400, sn_error("Invalid table foo", "")), e.BadRequestError, False, "field"),
    ],
)
@CLIENTS
def test_error_classes_and_hints(
    response: httpx2.Response,
    kind: type[e.ServiceNowError],
    token_endpoint: bool,
    hint_has: str,
    client: Client,
) -> None:
    err = error_for(client(response), token_endpoint=token_endpoint)
    assert type(err) is kind
    assert hint_has.lower() in err.hint.lower()
    assert err.status == response.status_code


@CLIENTS
def test_rate_limit_carries_retry_after(client: Client) -> None:
    err = error_for(client(resp(429, sn_error("Rate limit exceeded", ""), **{"Retry-After": "7"})))
    assert isinstance(err, e.RateLimitedError)
    assert err.retry_after == 7.0


@CLIENTS
def test_retry_after_as_http_date(client: Client) -> None:
    r = client(
        resp(
            429,
            "",
            **{
                "Retry-After": "Thu, 26 Nov 2026 12:00:30 GMT",
                "Date": "Thu, 26 Nov 2026 12:00:00 GMT",
            },
        )
    )
    assert retry_after_seconds(r) == 30.0


@CLIENTS
def test_parse_json_refuses_html_login_page(client: Client) -> None:
    with pytest.raises(e.UnexpectedResponseError, match="web page"):
        parse_json(client(resp(200, LOGIN_PAGE, **{"Content-Type": "text/html;charset=UTF-8"})))
    # A login page served under a JSON content type is still a login page.
    with pytest.raises(e.UnexpectedResponseError, match="web page"):
        parse_json(client(resp(200, "\n  " + LOGIN_PAGE, **{"Content-Type": "application/json"})))
    with pytest.raises(e.UnexpectedResponseError, match="not JSON"):
        parse_json(client(resp(200, "{oops", **{"Content-Type": "application/json"})))
    assert parse_json(client(resp(200, {"result": []}))) == {"result": []}
