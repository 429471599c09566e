"""The HTTP clients for ServiceNow instances, and bounded retries.

The OAuth grants go through authlib's ``AsyncOAuth2Client`` (an ``httpx2.AsyncClient``), one
per instance; its own token slot is never used, because several workspaces may share an
instance with different tokens. The Table API, where the polling volume is, goes through
kept-alive connections parsed by httptools (:class:`~core.servicenow.http.TableHttp`),
chosen by the figures in README "Speed".
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Generator

import httpx2
from authlib.integrations.httpx_client import AsyncOAuth2Client

from core import retry
from core.no_answer import unreachable
from core.retry import Answered, RetryPolicy
from core.servicenow.errors import UnavailableError
from core.servicenow.http import TableHttp
from core.servicenow.responses import Readable, error_for

__all__ = [
    "NO_AUTH",
    "BearerAuth",
    "InstancePool",
    "OnResponse",
    "RetryPolicy",
    "send_with_retries",
]

log = logging.getLogger(__name__)

OnResponse = Callable[[Answered], Awaitable[None]]

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
        on_response: OnResponse | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self._transport = transport
        self._hooks = {"response": [on_response]} if on_response else {}
        self._user_agent = user_agent
        self._clients: dict[str, AsyncOAuth2Client] = {}
        # The timeout is read per request, so a changed policy applies at once.
        self.table_http = TableHttp(
            timeout=lambda: self.retry.timeout_seconds,
            user_agent=user_agent,
            on_response=on_response,
        )

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
        await self.table_http.aclose()


async def send_with_retries[R: Readable](
    policy: RetryPolicy,
    do: Callable[[], Awaitable[R]],
    *,
    token_endpoint: bool = False,
    what: str = "request",
    idempotent: bool = True,
) -> R:
    """:func:`core.retry.send_with_retries` with ServiceNow's errors and hints."""
    return await retry.send_with_retries(
        policy,
        do,
        failure=lambda response: error_for(response, token_endpoint=token_endpoint),
        unreachable=unreachable(UnavailableError, "ServiceNow"),
        what=f"the ServiceNow {what}",
        idempotent=idempotent,
    )


#: Headers every JSON write through an httpx2 client needs (`snowops doctor`'s checks).
JSON_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}
