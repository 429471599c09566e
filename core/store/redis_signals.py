"""Cache signals over Redis pub/sub: every replica publishes the cache groups it wrote on
one channel, and drops the groups the others published.

Pub/sub delivers at most once: while the subscription is down (Redis restarting, the
connection cut) nothing is known, so every entry is dropped when it goes and again when it
is back, and meanwhile the cache keeps entries for its short time only. The loss is logged
(as information: Redis gone is the store's outage, which the store warns of) once when it
starts and once when it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.store.cache_entries import Group
from core.store.signals import CacheSignals, Drop

__all__ = ["RedisSignals"]

log = logging.getLogger(__name__)

#: Waits between attempts to subscribe again (seconds), growing to the last.
_BACKOFF = (0.5, 1.0, 2.0, 5.0)


class RedisSignals(CacheSignals):
    """Publishes this process's writes on ``channel``; drops what others publish there."""

    def __init__(self, client: Callable[[], Redis], channel: str) -> None:
        self._client = client
        self._channel = channel
        #: This process's mark on its messages (its own need no drop).
        self._origin = secrets.token_hex(8)
        self._drop: Drop | None = None
        self._subscribed = asyncio.Event()
        self._failures = 0

    async def start(self, drop: Drop) -> None:
        """Subscribe (waiting up to a second for it, so a fresh process caches at once);
        once, however many times the store is opened."""
        if self._task is not None:
            return
        self._drop = drop
        self._task = asyncio.get_running_loop().create_task(self._listen())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), 1.0)

    async def written(self, groups: Sequence[Group]) -> None:
        """One message for every group of a write."""
        payload = json.dumps([self._origin, [list(g) for g in groups]])
        await self._client().publish(self._channel, payload)

    async def _listen(self) -> None:
        try:
            while True:
                try:
                    await self._subscription()
                    raise ConnectionError("the subscription ended")
                except (RedisError, OSError) as exc:
                    self._lost()
                    if self._failures == 0:
                        # Info: Redis gone is the store's outage, warned of once by it.
                        log.info(
                            "cache signals lost (%s: %s): cached reads are kept briefly "
                            "until they return",
                            type(exc).__name__,
                            exc,
                        )
                    self._failures += 1
                    await asyncio.sleep(_BACKOFF[min(self._failures, len(_BACKOFF)) - 1])
        finally:
            self._lost()

    async def _subscription(self) -> None:
        pubsub = self._client().pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self._channel)
            self._tell(None)  # what others wrote while nobody listened is not known
            self._subscribed.set()
            if self._failures:
                log.info("cache signals back")
            self._failures = 0
            self.live = True
            async for message in pubsub.listen():
                self._on(message)
        finally:
            with contextlib.suppress(RedisError, OSError):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    def _lost(self) -> None:
        if self.live:
            self.live = False
            self._tell(None)

    def _on(self, message: dict[str, Any]) -> None:
        try:
            origin, groups = json.loads(message["data"])
            if origin == self._origin:
                return
            for kind, scope in groups:
                self._tell((str(kind), scope))
        except (KeyError, TypeError, ValueError):
            self._tell(None)  # not ours to read: whatever it meant, nothing cached is sure

    def _tell(self, group: Group | None) -> None:
        if self._drop is not None:
            self._drop(group)
