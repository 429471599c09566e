"""Coalesced: the calls of a hook made in one turn of the event loop, run as one.

The applies of a sync batch finish together: their callers resume in one turn of the loop,
and each told its hook (:attr:`core.sync.StatusSync.after`, the approvals) of its own
events, a claim and a record of what was sent per connection. Joined, a batch of many
connections costs one of each, as :mod:`core.store.sqlite_group` does for writes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Coalesced"]

#: A hook told of a list of items and a mapping that goes with them.
Hook = Callable[[list[Any], Mapping[Any, Any]], Awaitable[object]]


@dataclass(slots=True, eq=False)
class _Call:
    """One call of the hook in the making: what it is told, who waits for it."""

    items: list[Any]
    known: dict[Any, Any]
    done: asyncio.Future[None]
    waiting: int = 0
    task: asyncio.Task[object] | None = None


class Coalesced:
    """Wraps ``hook``: calls made in one turn of the loop are one call of ``hook``, with
    their lists joined in order and their mappings merged; every caller waits for that
    call and gets its outcome (its exception too). A caller cancelled meanwhile leaves
    the call running for the others; once every caller is gone (a shutdown), the call
    is cancelled too, as a call of its own would have been."""

    def __init__(self, hook: Hook) -> None:
        self.hook = hook
        self._call: _Call | None = None
        self._running: set[asyncio.Task[object]] = set()

    async def __call__(self, items: list[Any], known: Mapping[Any, Any]) -> None:
        """Join the call of this turn of the loop (the first one schedules it)."""
        call = self._call
        if call is None:
            loop = asyncio.get_running_loop()
            call = self._call = _Call([], {}, loop.create_future())
            loop.call_soon(self._start, call)
        call.items += items
        call.known.update(known)
        call.waiting += 1
        try:
            await asyncio.shield(call.done)
        except asyncio.CancelledError:
            call.waiting -= 1
            if not call.waiting and call.task is not None:
                call.task.cancel()  # nobody is left to wait for it
            raise

    def _start(self, call: _Call) -> None:
        self._call = None
        if not call.waiting:
            call.done.cancel()  # every caller went before it started
            return
        task = call.task = asyncio.ensure_future(self.hook(call.items, call.known))
        self._running.add(task)  # the loop keeps only a weak reference to a task
        task.add_done_callback(self._running.discard)
        task.add_done_callback(lambda t: _settle(t, call.done))


def _settle(task: asyncio.Task[object], done: asyncio.Future[None]) -> None:
    if task.cancelled():
        done.cancel()
    elif (exc := task.exception()) is not None:
        done.set_exception(exc)
    else:
        done.set_result(None)
