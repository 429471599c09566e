"""Background workers: one sync loop per ServiceNow connection, and the delivery loop.

Home Assistant's coordinator pattern: each connection polls on its own interval, logs once
when it starts failing and once when it recovers, backs off on 429 and 5xx (honouring
Retry-After), and stops polling a connection whose tokens are dead until it is reconnected.
With several replicas, a lease in the store gives each connection one poller at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass, field

from core.models import ConnectionStatus
from core.notify import Notifier
from core.servicenow.errors import RateLimitedError, ReauthorizationRequired, ServiceNowError
from core.store.port import Store
from core.sync import StatusSync

__all__ = ["Workers"]

log = logging.getLogger(__name__)


@dataclass
class Workers:
    """Runs sync loops and the delivery loop in the server's event loop."""

    store: Store
    sync: StatusSync
    notifier: Notifier
    interval: float
    owner: str = field(default_factory=lambda: f"snowops-{uuid.uuid4().hex[:8]}")
    _tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _stopping: bool = False

    async def start(self) -> None:
        """Start the supervisor and the delivery loop."""
        self._tasks["<supervisor>"] = asyncio.create_task(self._supervise())
        self._tasks["<delivery>"] = asyncio.create_task(self._deliver_forever())

    async def stop(self) -> None:
        """Stop every loop (work in flight is abandoned to the outbox, not lost)."""
        self._stopping = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _supervise(self) -> None:
        while not self._stopping:
            try:
                workspaces = {c.workspace for c in await self.store.list_connections()}
            except Exception:
                log.exception("could not list connections")
                workspaces = set()
            for ws in workspaces - set(self._tasks):
                self._tasks[ws] = asyncio.create_task(self._poll_forever(ws))
            for ws in [w for w in self._tasks if not w.startswith("<") and w not in workspaces]:
                self._tasks.pop(ws).cancel()
            await asyncio.sleep(min(self.interval, 30))

    async def run_cycle(self, workspace: str) -> int:
        """One sync cycle for a workspace, events queued for delivery; returns the count."""
        result = await self.sync.cycle(workspace)
        queued = 0
        for event in result.events:
            queued += await self.notifier.enqueue(event)
        if queued:
            self._wake.set()
        return queued

    async def _poll_forever(self, workspace: str) -> None:
        failing = False
        lease = f"sync:{workspace}"
        while not self._stopping:
            wait = self.interval
            fence = await self.store.acquire_lease(lease, self.owner, self.interval * 3)
            if fence is not None:
                try:
                    conn = await self.store.get_connection(workspace)
                    if conn is None:
                        return
                    if conn.status is not ConnectionStatus.NEEDS_REAUTH:
                        await self.run_cycle(workspace)
                    if failing:
                        log.info("sync of %s recovered", workspace)
                        failing = False
                except ReauthorizationRequired:
                    log.warning(
                        "sync of %s paused: the connection needs re-authorization", workspace
                    )
                    failing = True
                except RateLimitedError as exc:
                    wait = max(self.interval, exc.retry_after or 0)
                    if not failing:
                        log.warning("sync of %s rate limited; next try in %.0fs", workspace, wait)
                    failing = True
                except ServiceNowError as exc:
                    wait = min(self.interval * 4, 600)
                    if not failing:
                        log.warning("sync of %s failing: %s", workspace, exc.message)
                    failing = True
                except Exception:
                    if not failing:
                        log.exception("sync of %s failing", workspace)
                    failing = True
            await asyncio.sleep(wait)

    async def _deliver_forever(self) -> None:
        while not self._stopping:
            try:
                done = await self.notifier.deliver(self.owner)
            except Exception:
                log.exception("delivery loop failed")
                done = 0
            if done == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=1.0)
