"""Bounded retries for outbound HTTP: backoff with full jitter, ``Retry-After`` honoured.

Shared by the ServiceNow and Microsoft Graph clients; each supplies how a failed answer
becomes its own error type. A host that stops answering is logged once, with the cause, when
the first request gives up on it, and once when it answers again: an outage is two lines,
however many requests and retries ran into it (each retry is logged at DEBUG).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx2

__all__ = [
    "RETRY_STATUSES",
    "Answered",
    "RequestFailed",
    "RetryPolicy",
    "retry_after_seconds",
    "send_with_retries",
]

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class Answered(Protocol):
    """What retries need of an answer: httpx2's responses and the Table API's alike."""

    @property
    def status_code(self) -> int:
        """The HTTP status."""

    @property
    def headers(self) -> Any:
        """Case-insensitive headers (``.get``)."""


class RequestFailed(Exception):
    """A request that got no HTTP answer, from a client other than httpx2 (the Table API's
    own connections, :mod:`core.servicenow.wire`): ``unsent`` when the connection never
    opened, ``timeout`` when the answer did not come in time."""

    def __init__(
        self, host: str, cause: Exception, *, unsent: bool = False, timeout: bool = False
    ) -> None:
        super().__init__(f"{host}: {type(cause).__name__}")
        self.host, self.cause, self.unsent, self.timeout = host, cause, unsent, timeout


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff with full jitter, bounded in attempts and in total time."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    budget_seconds: float = 20.0
    timeout_seconds: float = 15.0

    def delay(self, attempt: int) -> float:
        """Jittered delay before retry number ``attempt`` (1-based)."""
        cap = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return random.uniform(0, cap)


class _Outages:
    """Which hosts are not answering, since when (this process's view)."""

    def __init__(self) -> None:
        self._since: dict[str, float] = {}

    def failed(self, host: str, cause: Exception) -> None:
        if host and host not in self._since:
            self._since[host] = time.monotonic()
            log.warning("%s is not answering: %s", host, cause)

    def answered(self, host: str) -> None:
        since = self._since.pop(host, None)
        if since is not None:
            log.info("%s answers again after %.0f s", host, time.monotonic() - since)


_OUTAGES = _Outages()


def _host(thing: Answered | httpx2.RequestError) -> str:
    host = getattr(thing, "host", None)
    if isinstance(host, str):  # the Table API's answers say who answered
        return host
    try:
        return str(thing.request.url.host)  # type: ignore[union-attr]
    except (RuntimeError, AttributeError):  # an exception raised without its request
        return ""


def _no_answer(exc: RequestFailed, what: str) -> str:
    if exc.unsent:
        # httpx2's names, whichever client failed: the log reads the same for both.
        name = "ConnectTimeout" if isinstance(exc.cause, TimeoutError) else "ConnectError"
        return f"{what} could not reach the server: {name}"
    if exc.timeout:
        return f"{what} got no answer in time"
    return f"{what} failed on the way: {type(exc.cause).__name__}"


def retry_after_seconds(response: Answered) -> float | None:
    """The ``Retry-After`` header as seconds (delta or HTTP date), or None."""
    raw = response.headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
        date = response.headers.get("date")
        now = parsedate_to_datetime(date) if date else datetime.now(UTC)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now).total_seconds())


async def send_with_retries[R: Answered](
    policy: RetryPolicy,
    do: Callable[[], Awaitable[R]],
    *,
    failure: Callable[[R], Exception],
    unreachable: Callable[[str], Exception],
    what: str,
    idempotent: bool = True,
) -> R:
    """Run ``do`` until it gives a non-retryable answer, within the policy's bounds.

    Retries 429 (after ``Retry-After`` when it fits the time budget), 5xx, timeouts and
    network errors. A request that is not ``idempotent`` (it creates or appends) is retried
    only when it surely was not processed: a 429, or a connection that never opened.
    Returns the response (2xx, 3xx or a final 4xx), or raises ``failure(response)`` /
    ``unreachable(message)`` for the last failure.
    """
    started = time.monotonic()
    last: Exception | None = None
    host = ""
    for attempt in range(1, policy.attempts + 1):
        retry_after: float | None = None
        unsent = busy = False
        try:
            response = await do()
        except RequestFailed as exc:
            unsent, host = exc.unsent, exc.host
            last = unreachable(_no_answer(exc, what))
        except (httpx2.ConnectError, httpx2.ConnectTimeout) as exc:
            unsent, host = True, _host(exc)
            last = unreachable(f"{what} could not reach the server: {type(exc).__name__}")
        except httpx2.TimeoutException as exc:
            host = _host(exc)
            last = unreachable(f"{what} got no answer in time")
        except httpx2.RequestError as exc:
            host = _host(exc)
            last = unreachable(f"{what} failed on the way: {type(exc).__name__}")
        else:
            host = _host(response)
            if response.status_code not in RETRY_STATUSES:
                _OUTAGES.answered(host)
                return response
            last = failure(response)
            retry_after = retry_after_seconds(response)
            unsent = busy = response.status_code == 429
        if attempt == policy.attempts or not (idempotent or unsent):
            break
        wait = max(policy.delay(attempt), retry_after or 0.0)
        if wait > policy.budget_seconds - (time.monotonic() - started):
            break
        log.debug("retrying %s in %.2fs after: %s", what, wait, last)
        await asyncio.sleep(wait)
    assert last is not None
    if busy:
        _OUTAGES.answered(host)  # a 429 comes from a host that answers, only busy
    else:
        _OUTAGES.failed(host, last)
    raise last
