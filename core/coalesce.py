"""Coalesced: the calls of a hook made in one turn of the event loop, run as one.

The applies of a sync batch finish together: their callers resume in one turn of the loop,
and each told its hook (:attr:`core.sync.StatusSync.after`, the approvals) of its own
events, a claim and a record of what was sent per connection. Joined, a batch of many
connections costs one of each, as :mod:`core.store.sqlite_group` does for writes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

__all__ = ["Coalesced"]

#: A hook told of a list of items and a mapping that goes with them.
Hook = Callable[[list[Any], Mapping[Any, Any]], Awaitable[object]]


class Coalesced:
    """Wraps ``hook``: calls made in one turn of the loop are one call of ``hook``, with
    their lists joined in order and their mappings merged; every caller waits for that
    call and gets its outcome (its exception too). A caller cancelled meanwhile leaves
    the call running for the others."""

    def __init__(self, hook: Hook) -> None:
        self.hook = hook
        self._items: list[Any] = []
        self._known: dict[Any, Any] = {}
        self._done: asyncio.Future[None] | None = None
        self._running: set[asyncio.Task[object]] = set()

    async def __call__(self, items: list[Any], known: Mapping[Any, Any]) -> None:
        """Join the call of this turn of the loop (the first one schedules it)."""
        if self._done is None:
            loop = asyncio.get_running_loop()
            self._done = loop.create_future()
            loop.call_soon(self._start)
        done = self._done
        self._items += items
        self._known.update(known)
        await asyncio.shield(done)

    def _start(self) -> None:
        items, known, done = self._items, self._known, self._done
        self._items, self._known, self._done = [], {}, None
        assert done is not None
        task = asyncio.ensure_future(self.hook(items, known))
        self._running.add(task)  # the loop keeps only a weak reference to a task
        task.add_done_callback(self._running.discard)
        task.add_done_callback(lambda t: _settle(t, done))


def _settle(task: asyncio.Task[object], done: asyncio.Future[None]) -> None:
    if task.cancelled():
        done.cancel()
    elif (exc := task.exception()) is not None:
        done.set_exception(exc)
    else:
        done.set_result(None)
