"""Work that runs after Slack has its answer.

Bolt's lazy listeners would do this, but they deep-copy every request, which costs more
than the rest of a quick command; and without ``process_before_response`` bolt polls for the
ack every 10 ms. So SnowOps runs each listener inline (the ack goes out when it returns) and
starts the slow part here, as a tracked task.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["AckFn", "AfterAck", "WorkFn"]

log = logging.getLogger(__name__)

AckFn = Callable[[AsyncAck, dict[str, Any]], Awaitable[None]]
WorkFn = Callable[[dict[str, Any], AsyncWebClient], Coroutine[Any, Any, None]]


async def _plain_ack(ack: AsyncAck, body: dict[str, Any]) -> None:
    await ack()


class AfterAck:
    """Starts post-ack work and keeps it alive until it ends (or shutdown)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` in the background; failures are logged, never lost silently."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Slack work after the ack failed", exc_info=task.exception())

    def listener(self, work: WorkFn, ack_fn: AckFn = _plain_ack) -> Callable[..., Awaitable[None]]:
        """A bolt listener: ``ack_fn`` answers (quickly), then ``work`` runs in the background."""

        async def listener(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
            await ack_fn(ack, body)
            self.spawn(work(body, client))

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
