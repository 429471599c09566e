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

import httpx2

__all__ = ["RETRY_STATUSES", "RetryPolicy", "retry_after_seconds", "send_with_retries"]

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


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


def _host(thing: httpx2.Response | httpx2.RequestError) -> str:
    try:
        return str(thing.request.url.host)
    except RuntimeError:  # an exception raised without its request
        return ""


def retry_after_seconds(response: httpx2.Response) -> float | None:
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


async def send_with_retries(
    policy: RetryPolicy,
    do: Callable[[], Awaitable[httpx2.Response]],
    *,
    failure: Callable[[httpx2.Response], Exception],
    unreachable: Callable[[str], Exception],
    what: str,
    idempotent: bool = True,
) -> httpx2.Response:
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
