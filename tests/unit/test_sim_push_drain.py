"""The simulator's push rule: waiting for its deliveries ends once they have ended."""

from __future__ import annotations

import asyncio

import pytest

from sim.servicenow.push import Pusher


@pytest.mark.timeout(10)  # the bug was a drain that spun without yielding: it never ended
async def test_drain_ends_when_a_delivery_finished_just_before_it() -> None:
    """A delivery that ended in this turn of the loop is still in the set (its done
    callback runs in the next turn); draining must not wait on it forever."""
    pusher = Pusher()
    loop = asyncio.get_running_loop()
    answered: asyncio.Future[None] = loop.create_future()

    async def delivery() -> None:
        await answered

    task = loop.create_task(delivery())
    pusher._tasks.add(task)  # as Pusher.written schedules a delivery
    task.add_done_callback(pusher._tasks.discard)
    await asyncio.sleep(0)  # the delivery waits for its answer
    answered.set_result(None)
    await asyncio.sleep(0)  # resumed in the turn the delivery ends, before its callback
    assert task.done()
    assert task in pusher._tasks
    await pusher.drain()
    assert not any(not t.done() for t in pusher._tasks)
