"""How a store tells this process's cache what other processes wrote (other replicas on a
shared Redis, an admin command on the same SQLite file), so the cache may keep entries for
long instead of a couple of seconds.

A backend that can tell returns a :class:`CacheSignals` from ``Store.cache_signals()``; the
:class:`~core.store.cached.CachingStore` starts it with a callback that drops a group of
entries (or every entry, when the backend only knows that *something* changed, or lost
track). While the signals are not :attr:`~CacheSignals.live` (not started, reconnecting),
the cache keeps entries for its short time only.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

from core.store.cache_entries import Group

__all__ = ["CacheSignals", "Drop"]

#: Drops a group of cached entries; None drops every entry.
Drop = Callable[[Group | None], None]


class CacheSignals(ABC):
    """Tells this process of other processes' writes; tells them of this one's."""

    #: Drops arrive now: entries may live for the cache's long time.
    live: bool = False
    #: The task that listens or watches (started by :meth:`start`).
    _task: asyncio.Task[None] | None = None

    @abstractmethod
    async def start(self, drop: Drop) -> None:
        """Begin calling ``drop`` for other processes' writes."""

    @abstractmethod
    async def written(self, groups: Sequence[Group]) -> None:
        """This process wrote ``groups`` (after the write is done): tell the others."""

    async def stop(self) -> None:
        """Stop listening: the task ends, and nothing is live."""
        task, self._task = self._task, None
        self.live = False
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
