"""The entries of :class:`~core.store.cached.CachingStore`: what is kept, for how long, and
which loads may keep their result.

Entries are grouped by what a write invalidates at once (a document namespace, one
workspace's connection or ticket pages): a write drops its group without looking at the
others. A load keeps its result only if no write touched its group while it ran (a write
elsewhere does not matter: under a busy sync, a global check kept almost nothing).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["MISSING", "Entries", "Group", "Key"]

Key = tuple[Any, ...]
#: What a write drops at once: (kind, scope), e.g. ("doc", namespace), ("conn", workspace).
Group = tuple[str, Any]
MISSING = object()
#: Entries kept at most (a bound on memory: a cold cache only costs reads).
LIMIT = 30_000


class Entries:
    """Cached values by key, each expiring ``ttl()`` seconds after it was loaded."""

    def __init__(self, ttl: Callable[[], float]) -> None:
        self._ttl = ttl
        self._groups: dict[Group, dict[Key, tuple[float, Any]]] = {}
        self._size = 0
        self._inflight: dict[Key, asyncio.Future[Any]] = {}
        #: Writes so far, and the count when each group was last written: a load that
        #: began before its group's last write keeps nothing.
        self._writes = 0
        self._written: dict[Group, int] = {}
        #: Bumped by :meth:`clear`: loads begun before it keep nothing.
        self._epoch = 0
        #: Drops of ("tickets", workspace) groups, per workspace.
        self.ticket_drops: dict[str, int] = {}

    async def load(self, key: Key, load: Callable[[], Awaitable[Any]]) -> Any:
        """``key``'s value on a miss (:meth:`get` first: a hit needs no coroutine), loaded
        once however many callers ask at the same moment (an entry expiring under load
        must not send every waiting request to the store)."""
        pending = self._inflight.get(key)
        if pending is None:
            began, epoch = self._writes, self._epoch
            pending = asyncio.ensure_future(load())
            self._inflight[key] = pending

            def done(task: asyncio.Future[Any], key: Key = key) -> None:
                self._inflight.pop(key, None)
                if task.cancelled() or task.exception() is not None:
                    return
                fresh = epoch == self._epoch and self._written.get(_group(key), 0) <= began
                if fresh:
                    self._put(key, task.result())

            pending.add_done_callback(done)
        return await asyncio.shield(pending)

    def get(self, key: Key) -> Any:
        """The value kept for ``key`` and not expired, or :data:`MISSING`."""
        group = self._groups.get(_group(key))
        hit = group.get(key) if group is not None else None
        if hit is None or hit[0] < time.monotonic():
            return MISSING
        return hit[1]

    def _put(self, key: Key, value: Any) -> None:
        if self._size > LIMIT:
            self.clear()
        group = self._groups.setdefault(_group(key), {})
        self._size += key not in group
        group[key] = (time.monotonic() + self._ttl(), value)

    def drop(self, group: Group) -> None:
        """Forget a group, and keep nothing a load of it under way brings back."""
        self._writes += 1
        self._written[group] = self._writes
        if group[0] == "tickets":
            self.ticket_drops[group[1]] = self.ticket_drops.get(group[1], 0) + 1
        self._size -= len(self._groups.pop(group, ()))
        if len(self._written) > LIMIT:
            self.clear()

    def tickets_touched(self, workspace: str) -> None:
        """Something derived from ``workspace``'s tickets was written (a card kept) that
        no cached entry holds: move its count alone."""
        self.ticket_drops[workspace] = self.ticket_drops.get(workspace, 0) + 1

    def clear(self) -> None:
        """Forget everything, and keep nothing a load under way brings back."""
        self._epoch += 1
        self._groups.clear()
        self._written.clear()
        self._size = 0


def _group(key: Key) -> Group:
    return (key[0], key[1])
