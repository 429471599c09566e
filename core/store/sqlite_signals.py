"""Cache signals for SQLite: another connection's commit (another process on the same file,
an admin command, a second replica on one host) changes ``PRAGMA data_version`` as the
loop's writing connection reads it; checked every quarter second, a change drops every
cached entry. This process's own writes do not change it, and need no telling."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from core.store.cache_entries import Group
from core.store.signals import CacheSignals, Drop

__all__ = ["DataVersionSignals"]

#: How often the version is read (seconds): another process's write shows within this.
EVERY = 0.25


class DataVersionSignals(CacheSignals):
    """Drops every entry when ``version()`` (None: the file is not open) moves."""

    def __init__(self, version: Callable[[], int | None], every: float = EVERY) -> None:
        self._version = version
        self._every = every

    async def start(self, drop: Drop) -> None:
        """Note the version now and watch it; once, however many times the store is
        opened."""
        if self._task is not None:
            return
        seen = self._version()
        self.live = seen is not None
        self._task = asyncio.get_running_loop().create_task(self._watch(drop, seen))

    async def written(self, groups: Sequence[Group]) -> None:
        """Nothing to tell: other processes see the commit itself."""

    async def _watch(self, drop: Drop, seen: int | None) -> None:
        while True:
            await asyncio.sleep(self._every)
            now = self._version()
            if now != seen:
                drop(None)
            seen, self.live = now, now is not None
