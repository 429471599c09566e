"""Work that runs after Slack has its answer.

Bolt's lazy listeners would do this, but they deep-copy every request, which costs more
than the rest of a quick command; and without ``process_before_response`` bolt polls for the
ack every 10 ms. So SnowOps runs each listener inline: it acknowledges, and may hand back
the slow part, which starts here as a tracked task once the listener returns (the ack then
goes out at once).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["AfterAck", "Listener", "Work"]

log = logging.getLogger(__name__)

Work = Coroutine[Any, Any, None]
#: Acknowledges a request and returns the work left to do after the answer, if any.
Listener = Callable[[AsyncAck, dict[str, Any], AsyncWebClient], Awaitable[Work | None]]


class AfterAck:
    """Starts post-ack work and keeps it alive until it ends (or shutdown)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Work) -> None:
        """Run ``work`` in the background; failures are logged, never lost silently."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Slack work after the ack failed", exc_info=task.exception())

    def listener(self, listen: Listener) -> Callable[..., Awaitable[None]]:
        """A bolt listener: ``listen`` answers (quickly), then its work runs apart."""

        async def listener(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
            work = await listen(ack, body, client)
            if work is not None:
                self.spawn(work)

        return listener

    async def drain(self, seconds: float = 10.0) -> None:
        """On shutdown: let running work finish for a while, then cancel the rest."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=seconds)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
