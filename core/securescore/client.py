"""Microsoft Graph Secure Score client: app-only tokens per tenant, paging, retries.

Tokens come from the client-credentials grant (authlib) at
``{login_url}/{tenant}/oauth2/v2.0/token`` with scope ``https://graph.microsoft.com/.default``;
one pooled ``httpx2`` client serves the token endpoint and the API.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx2
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

from core import retry
from core.i18n import gettext
from core.no_answer import unreachable
from core.retry import RetryPolicy, retry_after_seconds
from core.securescore.errors import (
    PERMISSION,
    GraphAuthError,
    GraphError,
    GraphPermissionError,
    GraphRateLimited,
    GraphUnavailable,
    GraphUnexpected,
)
from core.servicenow.transport import BearerAuth

__all__ = ["SCOPE", "GraphClient", "graph_error_for"]

log = logging.getLogger(__name__)

SCOPE = "https://graph.microsoft.com/.default"
PROFILES_PATH = "/v1.0/security/secureScoreControlProfiles"
SCORES_PATH = "/v1.0/security/secureScores"
_MAX_PAGES = 100  # a tenant has a few hundred controls; this bounds a runaway nextLink loop


def _body(response: httpx2.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


class _Transient(Exception):
    """A token answer worth retrying (429, 5xx); carries the response."""

    def __init__(self, response: httpx2.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _raise_if_transient(response: httpx2.Response) -> httpx2.Response:
    # authlib would raise_for_status() on these; we want to retry them instead.
    if response.status_code == 429 or response.status_code >= 500:
        raise _Transient(response)
    return response


def graph_error_for(response: httpx2.Response) -> GraphError:
    """The error a non-2xx Graph answer stands for."""
    status = response.status_code
    body = _body(response)
    error = body.get("error") if isinstance(body, dict) else None
    code = str(error.get("code", "")) if isinstance(error, dict) else ""
    message = str(error.get("message", "")) if isinstance(error, dict) else ""
    if status == 429:
        seconds = retry_after_seconds(response)
        return GraphRateLimited(
            gettext("Microsoft Graph is throttling requests"),
            retry_after=seconds,
            status=status,
            code=code,
        )
    if status >= 500:
        return GraphUnavailable(
            gettext("Microsoft Graph answered HTTP {status}", status=status),
            status=status,
            code=code,
        )
    if status == 403:
        return GraphPermissionError(
            gettext(
                "Microsoft Graph refused: the app lacks the {permission} permission in this tenant",
                permission=PERMISSION,
            )
            + (f" ({message})" if message else ""),
            status=status,
            code=code,
        )
    if status == 401:
        return GraphAuthError(
            gettext(
                "Microsoft Graph refused the token: {reason}",
                reason=message or code or "unauthorized",
            ),
            status=status,
            code=code,
        )
    if status == 404:
        return GraphUnexpected(
            gettext("Microsoft Graph has no such resource ({code})", code=code), status=status
        )
    return GraphUnexpected(
        gettext(
            "Microsoft Graph answered HTTP {status}: {reason}",
            status=status,
            reason=message or code,
        ),
        status=status,
        code=code,
    )


class GraphClient:
    """Reads Secure Score data for any tenant the app is consented in."""

    def __init__(
        self,
        *,
        api_url: str,
        login_url: str,
        client_id: str,
        client_secret: str,
        retry_policy: RetryPolicy | None = None,
        transport: httpx2.AsyncBaseTransport | None = None,
        on_response: Callable[[httpx2.Response], Awaitable[None]] | None = None,
    ) -> None:
        self._api = api_url.rstrip("/")
        self._login = login_url.rstrip("/")
        self._retry = retry_policy or RetryPolicy()
        self._http = AsyncOAuth2Client(
            client_id=client_id,
            client_secret=client_secret,
            token_endpoint_auth_method="client_secret_post",
            scope=SCOPE,
            timeout=self._retry.timeout_seconds,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "SnowOps/0.1"},
            event_hooks={"response": [on_response]} if on_response else {},
        )
        self._http.register_compliance_hook("access_token_response", _raise_if_transient)
        self._tokens: dict[str, tuple[str, float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._origin = httpx2.URL(self._api)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def _token(self, tenant: str, *, renew: bool = False) -> str:
        cached = self._tokens.get(tenant)
        if cached and not renew and cached[1] > time.monotonic() + 60:
            return cached[0]
        async with self._locks.setdefault(tenant, asyncio.Lock()):
            cached = self._tokens.get(tenant)
            if cached and not renew and cached[1] > time.monotonic() + 60:
                return cached[0]
            token = await self._fetch_token(tenant)
            self._tokens[tenant] = (
                str(token["access_token"]),
                time.monotonic() + float(token.get("expires_in", 3599)),
            )
            return self._tokens[tenant][0]

    async def _fetch_token(self, tenant: str) -> dict[str, Any]:
        """Client-credentials grant (authlib), retried like any call on 429 and 5xx."""
        url = f"{self._login}/{tenant}/oauth2/v2.0/token"
        started = time.monotonic()
        for attempt in range(1, self._retry.attempts + 1):
            retry_after: float | None = None
            try:
                token: dict[str, Any] = await self._http.fetch_token(
                    url, grant_type="client_credentials", scope=SCOPE
                )
                return token
            except _Transient as busy:
                error: GraphError = graph_error_for(busy.response)
                retry_after = retry_after_seconds(busy.response)
            except OAuthError as exc:
                description = str(exc.description or exc.error or "")
                first_line = description.splitlines()[0] if description else str(exc.error)
                raise GraphAuthError(
                    gettext(
                        "Microsoft Entra ID refused the app: {reason}",
                        reason=first_line.rstrip("."),
                    ),
                    status=401,
                    code=str(exc.error),
                ) from None
            except httpx2.TimeoutException:
                error = GraphUnavailable(
                    gettext("the Microsoft sign-in service did not answer in time")
                )
            except httpx2.RequestError as exc:
                error = GraphUnavailable(
                    gettext(
                        "could not reach the Microsoft sign-in service: {error}",
                        error=type(exc).__name__,
                    )
                )
            except ValueError:
                raise GraphUnexpected(
                    gettext("the Microsoft sign-in service did not answer JSON")
                ) from None
            wait = max(self._retry.delay(attempt), retry_after or 0.0)
            remaining = self._retry.budget_seconds - (time.monotonic() - started)
            if attempt == self._retry.attempts or wait > remaining:
                raise error
            log.info("retrying the Microsoft token request in %.2fs: %s", wait, error.message)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def _get(self, tenant: str, url: str, params: dict[str, str] | None = None) -> Any:
        for attempt in (1, 2):
            token = await self._token(tenant, renew=attempt == 2)

            async def go(token: str = token) -> httpx2.Response:
                response: httpx2.Response = await self._http.get(
                    url, params=params, auth=BearerAuth(token)
                )
                return response

            response = await retry.send_with_retries(
                self._retry,
                go,
                failure=graph_error_for,
                unreachable=unreachable(GraphUnavailable, "Microsoft Graph"),
                what="the Microsoft Graph request",
            )
            if response.status_code == 401 and attempt == 1:
                continue  # the token was revoked or expired early: fetch a new one once
            if response.status_code != 200:
                raise graph_error_for(response)
            body = _body(response)
            if not isinstance(body, dict):
                raise GraphUnexpected(gettext("Microsoft Graph did not answer JSON"), status=200)
            return body
        raise AssertionError("unreachable")

    async def control_profiles(self, tenant: str) -> list[dict[str, Any]]:
        """Every control profile, following ``@odata.nextLink``."""
        out: list[dict[str, Any]] = []
        url: str | None = self._api + PROFILES_PATH
        params: dict[str, str] | None = None
        for _ in range(_MAX_PAGES):
            if url is None:
                break
            if not self._same_origin(url):
                # Our bearer token goes to Graph and nowhere else, whatever a link says.
                raise GraphUnexpected(
                    gettext("Microsoft Graph sent a next-page link to another host")
                )
            body = await self._get(tenant, url, params)
            out.extend(v for v in body.get("value", []) if isinstance(v, dict))
            url, params = body.get("@odata.nextLink"), None
        return out

    def _same_origin(self, url: str) -> bool:
        other = httpx2.URL(url)
        origin = self._origin
        return (other.scheme, other.host, other.port) == (origin.scheme, origin.host, origin.port)

    async def score_history(self, tenant: str, days: int) -> list[dict[str, Any]]:
        """The newest ``days`` daily secureScore entities, newest first (one page: Graph
        keeps 90 days and answers ``$top`` up to that in one)."""
        body = await self._get(tenant, self._api + SCORES_PATH, {"$top": str(days)})
        return [v for v in body.get("value", []) if isinstance(v, dict)][:days]

    async def latest_score(self, tenant: str) -> dict[str, Any] | None:
        """Today's secureScore entity (with ``controlScores``), or None."""
        body = await self._get(tenant, self._api + SCORES_PATH, {"$top": "1"})
        values = [v for v in body.get("value", []) if isinstance(v, dict)]
        return values[0] if values else None
