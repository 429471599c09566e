"""Background workers: one poll loop per ServiceNow connection, the delivery loop, and the
Secure Score refresh loop.

Only scheduling lives here: what a poll turn does (leases, back-off, telling admins of a
dead connection) is core's :class:`~core.coordinator.SyncCoordinator`, and what a delivery
does is core's :class:`~core.notify.Notifier`. A clean stop releases this replica's poll
leases, so another replica takes its connections over at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from core.clock import Clock
from core.coordinator import SyncCoordinator
from core.deliveries import DeliveryQueue
from core.errors import StoreUnavailable
from core.notify import Notifier

__all__ = ["DONE_RETENTION", "Workers"]

log = logging.getLogger(__name__)

#: Delivered outbox ids are remembered this long, so a late repeat is still dropped.
DONE_RETENTION = timedelta(days=7)
_SUPERVISOR = "<supervisor>"
_DELIVERY = "<delivery>"
_SCORE = "<securescore>"
_TIMER = "<timer>"
#: How often the timer loop looks for held posts, digests and reminders that came due.
TICK_INTERVAL = 30.0


def _log_crash(task: asyncio.Task[None]) -> None:
    """A loop that ended by an exception is logged (the supervisor restarts poll loops)."""
    if not task.cancelled() and task.exception() is not None:
        log.error("%s crashed", task.get_name(), exc_info=task.exception())


class Workers:
    """Runs the poll loops and the delivery loop in the server's event loop."""

    def __init__(
        self,
        coordinator: SyncCoordinator,
        notifier: Notifier,
        deliveries: DeliveryQueue,
        clock: Clock,
        delivery_lease: float = 60.0,
        refresh: Callable[[str], Awaitable[object]] | None = None,
        score_interval: float = 3600.0,
        tick: Callable[[str], Awaitable[object]] | None = None,
    ) -> None:
        self._refresh = refresh
        self._tick = tick
        self.score_interval = score_interval
        self.coordinator = coordinator
        self._notifier = notifier
        self._deliveries = deliveries
        self._clock = clock
        self.delivery_lease = delivery_lease
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._stopping = False
        self._listing_failed = False
        self._delivery_failing = False

    @property
    def owner(self) -> str:
        """This replica's name in leases and the delivery consumer group."""
        return self.coordinator.owner

    @property
    def interval(self) -> float:
        """The poll interval."""
        return self.coordinator.interval

    async def start(self) -> None:
        """Start the supervisor and the delivery loop."""
        self._stopping = False
        self._start(_SUPERVISOR, self._supervise())
        self._start(_DELIVERY, self._deliver_forever())
        if self._refresh is not None:
            self._start(_SCORE, self._refresh_forever())
        if self._tick is not None:
            self._start(_TIMER, self._tick_forever())

    def _start(self, name: str, loop: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(loop, name=f"snowops {name}")
        task.add_done_callback(_log_crash)
        self._tasks[name] = task

    async def stop(self) -> None:
        """Stop every loop (work in flight is abandoned to the outbox, not lost) and give
        up this replica's poll leases."""
        self._stopping = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        await self.coordinator.release_all()

    async def poll_once(self, workspace: str) -> float:
        """One poll turn of ``workspace`` (tests drive these themselves)."""
        return await self.coordinator.poll_once(workspace)

    async def run_cycle(self, workspace: str) -> int:
        """One sync cycle of ``workspace``, without a lease; returns the event count."""
        return await self.coordinator.run_cycle(workspace)

    async def _supervise(self) -> None:
        last_cleanup = self._clock.now()
        while not self._stopping:
            workspaces = await self._workspaces()
            for ws in [w for w, t in self._tasks.items() if not w.startswith("<") and t.done()]:
                self._tasks.pop(ws)  # ended by a bug (logged): start it again below
            for ws in workspaces - set(self._tasks):
                self._start(ws, self._poll_forever(ws))
            for ws in [w for w in self._tasks if not w.startswith("<") and w not in workspaces]:
                self._tasks.pop(ws).cancel()
                await self.coordinator.forget(ws)
            now = self._clock.now()
            if now - last_cleanup > timedelta(hours=1):
                last_cleanup = now
                with contextlib.suppress(Exception):
                    await self._deliveries.forget_done(now - DONE_RETENTION)
            await asyncio.sleep(min(self.interval, 30))

    async def _workspaces(self) -> set[str]:
        """The connected workspaces; while the store cannot say, the ones polled already
        (logged once when it fails and once when it recovers)."""
        try:
            workspaces = {c.workspace for c in await self.coordinator.connections()}
        except Exception as exc:
            if not self._listing_failed and not isinstance(exc, StoreUnavailable):
                log.warning("could not list connections: %s", exc)
            self._listing_failed = True
            return {w for w in self._tasks if not w.startswith("<")}
        if self._listing_failed:
            log.info("connections can be listed again")
            self._listing_failed = False
        return workspaces

    async def _poll_forever(self, workspace: str) -> None:
        # Spread the connections over the interval: polled all at once, they would make a
        # burst of work every interval that delays chat answers and pushed changes.
        await asyncio.sleep(random.uniform(0, self.interval))
        while not self._stopping:
            try:
                wait = await self.coordinator.poll_once(workspace)
            except StoreUnavailable:  # logged once per outage by the store
                wait = self.interval
            except Exception:  # never end the loop
                log.exception("sync of %s could not run", workspace)
                wait = self.interval
            await self.coordinator.pause(workspace, wait)

    async def _refresh_forever(self) -> None:
        """Each connected workspace's Secure Score, every ``score_interval`` seconds (each
        refresh is idempotent, so replicas may all run it)."""
        assert self._refresh is not None
        while not self._stopping:
            for workspace in sorted(await self._workspaces()):
                try:
                    await self._refresh(workspace)
                except StoreUnavailable:  # logged once per outage by the store
                    pass
                except Exception:  # never end the loop
                    log.exception("Secure Score refresh of %s could not run", workspace)
            await asyncio.sleep(self.score_interval)

    async def _tick_forever(self) -> None:
        """Each connected workspace's timed work (digests, quiet hours, reminders), every
        TICK_INTERVAL seconds; every replica may run it, the outbox keeps it once."""
        assert self._tick is not None
        while not self._stopping:
            for workspace in sorted(await self._workspaces()):
                try:
                    await self._tick(workspace)
                except StoreUnavailable:  # logged once per outage by the store
                    pass
                except Exception:  # never end the loop
                    log.exception("timed notifications of %s could not run", workspace)
            # As often as ServiceNow is polled, and at least every TICK_INTERVAL seconds.
            await asyncio.sleep(min(TICK_INTERVAL, self.interval))

    async def _deliver_forever(self) -> None:
        queued = self._notifier.queued
        while not self._stopping:
            # Cleared before claiming: a delivery queued while this batch runs wakes the
            # next wait at once instead of being noticed only at the timeout.
            queued.clear()
            try:
                done = await self._notifier.deliver(self.owner, lease=self.delivery_lease)
            except StoreUnavailable:  # logged once per outage by the store
                done = 0
            except Exception:
                if not self._delivery_failing:
                    log.exception("delivery loop failing")
                self._delivery_failing = True
                done = 0
            else:
                if self._delivery_failing:
                    log.info("delivery loop working again")
                self._delivery_failing = False
            if done == 0:
                # The timeout picks up retries that come due and other replicas' work.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(queued.wait(), timeout=1.0)
