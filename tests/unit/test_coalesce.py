"""Coalesced (core/coalesce.py): calls of a hook in one turn of the loop run as one."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest

from core.coalesce import Coalesced


class Hook:
    """Records each call; fails with ``error`` when set; waits for ``gate`` when set."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[int], dict[str, int]]] = []
        self.error: Exception | None = None
        self.gate: asyncio.Event | None = None
        self.started = asyncio.Event()

    async def __call__(self, items: list[int], known: Mapping[str, int]) -> None:
        self.calls.append((list(items), dict(known)))
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.error is not None:
            raise self.error


async def test_calls_of_one_turn_are_one_call_joined_in_order() -> None:
    hook = Hook()
    joined = Coalesced(hook)

    await asyncio.gather(joined([1, 2], {"a": 1}), joined([3], {"b": 2}), joined([], {"a": 3}))

    assert hook.calls == [([1, 2, 3], {"a": 3, "b": 2})]


async def test_calls_of_later_turns_are_calls_of_their_own() -> None:
    hook = Hook()
    joined = Coalesced(hook)

    await joined([1], {})
    await joined([2], {})

    assert hook.calls == [([1], {}), ([2], {})]


async def test_every_caller_gets_the_hooks_exception() -> None:
    hook = Hook()
    hook.error = RuntimeError("the chat platform is down")
    joined = Coalesced(hook)

    outcomes = await asyncio.gather(joined([1], {}), joined([2], {}), return_exceptions=True)

    assert [str(o) for o in outcomes] == ["the chat platform is down"] * 2
    assert len(hook.calls) == 1


async def test_a_caller_cancelled_meanwhile_leaves_the_call_to_the_others() -> None:
    hook = Hook()
    hook.gate = asyncio.Event()
    joined = Coalesced(hook)
    gone = asyncio.create_task(joined([1], {}))
    stays = asyncio.create_task(joined([2], {}))
    await hook.started.wait()

    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    hook.gate.set()
    await stays

    assert hook.calls == [([1, 2], {})]


async def test_the_call_is_cancelled_once_every_caller_is_gone() -> None:
    hook = Hook()
    hook.gate = asyncio.Event()
    joined = Coalesced(hook)
    callers = [asyncio.create_task(joined([n], {})) for n in (1, 2)]
    await hook.started.wait()
    running = next(iter(joined._running))

    for caller in callers:
        caller.cancel()
    await asyncio.gather(*callers, return_exceptions=True)
    await asyncio.gather(running, return_exceptions=True)

    assert running.cancelled()
    assert hook.calls == [([1, 2], {})]


async def test_callers_gone_before_it_starts_leave_no_call() -> None:
    hook = Hook()
    joined = Coalesced(hook)
    caller = asyncio.create_task(joined([1], {}))
    await asyncio.sleep(0)  # it joined; the call starts in the next turn

    caller.cancel()
    await asyncio.gather(caller, return_exceptions=True)
    await asyncio.sleep(0)

    assert hook.calls == []
    await joined([2], {})
    assert hook.calls == [([2], {})]
