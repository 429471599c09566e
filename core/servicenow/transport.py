"""One pooled HTTP client per ServiceNow instance, and bounded retries.

The pooled client is authlib's ``AsyncOAuth2Client``, which *is* an ``httpx2.AsyncClient``:
the same connection pool serves the token endpoint and the Table API. Its own token slot is
never used, because several workspaces may share an instance with different tokens.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Generator

import httpx2
from authlib.integrations.httpx_client import AsyncOAuth2Client

from core import retry
from core.retry import RetryPolicy
from core.servicenow.errors import UnavailableError
from core.servicenow.responses import error_for

__all__ = ["NO_AUTH", "BearerAuth", "InstancePool", "RetryPolicy", "send_with_retries"]

log = logging.getLogger(__name__)

#: Explicit "no auth": keeps authlib's client from demanding its own (unused) token.
NO_AUTH = httpx2.Auth()


class BearerAuth(httpx2.Auth):
    """``Authorization: Bearer <token>`` for one workspace's request."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(
        self, request: httpx2.Request
    ) -> Generator[httpx2.Request, httpx2.Response, None]:
        """Add the header."""
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(***)"


class InstancePool:
    """Hands out one pooled client per instance base URL; closes them all at the end."""

    def __init__(
        self,
        retry: RetryPolicy | None = None,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        user_agent: str = "SnowOps/0.1",
        on_response: Callable[[httpx2.Response], Awaitable[None]] | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self._transport = transport
        self._hooks = {"response": [on_response]} if on_response else {}
        self._user_agent = user_agent
        self._clients: dict[str, AsyncOAuth2Client] = {}

    def client(self, instance_url: str) -> AsyncOAuth2Client:
        """The shared client for ``instance_url`` (created on first use)."""
        client = self._clients.get(instance_url)
        if client is None:
            client = AsyncOAuth2Client(
                base_url=instance_url,
                timeout=self.retry.timeout_seconds,
                token_endpoint_auth_method="client_secret_post",
                code_challenge_method="S256",
                headers={"User-Agent": self._user_agent, "Accept": "application/json"},
                transport=self._transport,
                follow_redirects=False,
                event_hooks=self._hooks,
            )
            self._clients[instance_url] = client
        return client

    async def aclose(self) -> None:
        """Close every pooled client."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


async def send_with_retries(
    policy: RetryPolicy,
    do: Callable[[], Awaitable[httpx2.Response]],
    *,
    token_endpoint: bool = False,
    what: str = "request",
    idempotent: bool = True,
) -> httpx2.Response:
    """:func:`core.retry.send_with_retries` with ServiceNow's errors and hints."""
    return await retry.send_with_retries(
        policy,
        do,
        failure=lambda response: error_for(response, token_endpoint=token_endpoint),
        unreachable=UnavailableError,
        what=f"the ServiceNow {what}",
        idempotent=idempotent,
    )


#: Headers every Table API write needs.
JSON_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}
