"""Background workers: one sync loop per ServiceNow connection, and the delivery loop.

Home Assistant's coordinator pattern: each connection polls on its own interval, logs once
when it starts failing and once when it recovers, backs off on 429 and 5xx (honouring
Retry-After), and stops polling a connection whose tokens are dead (its admins are told
once) until it is reconnected. With several replicas, a lease in the store gives each
connection one poller at a time; a poller that lost its lease (fencing token changed) does
not move the watermark.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from core.clock import Clock
from core.models import ConnectionStatus
from core.notify import Notifier
from core.servicenow.errors import RateLimitedError, ReauthorizationRequired, ServiceNowError
from core.servicenow.tokens import TokenKeeper
from core.store import codec
from core.store.port import Store
from core.sync import StatusSync

__all__ = ["CONTACT_NS", "Workers"]

log = logging.getLogger(__name__)

#: Where each workspace's admins asked to connect: told when the connection dies.
CONTACT_NS = "connection_contact"
#: Delivered outbox ids are remembered this long, so a late repeat is still dropped.
DONE_RETENTION = timedelta(days=7)


class LeaseLost(Exception):
    """Another replica took this connection's poll lease during a cycle."""


@dataclass
class Workers:
    """Runs sync loops and the delivery loop in the server's event loop."""

    store: Store
    sync: StatusSync
    notifier: Notifier
    tokens: TokenKeeper
    clock: Clock
    interval: float
    delivery_lease: float = 60.0
    #: Names this replica in leases and the consumer group (host and pid, for operators).
    owner: str = field(
        default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    )
    _tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    _failing: set[str] = field(default_factory=set)
    _stopping: bool = False

    async def start(self) -> None:
        """Start the supervisor and the delivery loop."""
        self._stopping = False
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
        last_cleanup = self.clock.now()
        while not self._stopping:
            try:
                workspaces = {c.workspace for c in await self.store.list_connections()}
            except Exception:
                log.exception("could not list connections")
                workspaces = set()
            for ws in [w for w, t in self._tasks.items() if not w.startswith("<") and t.done()]:
                self._tasks.pop(ws)  # ended by a bug: start it again below
            for ws in workspaces - set(self._tasks):
                self._tasks[ws] = asyncio.create_task(self._poll_forever(ws))
            for ws in [w for w in self._tasks if not w.startswith("<") and w not in workspaces]:
                self._tasks.pop(ws).cancel()
            now = self.clock.now()
            if now - last_cleanup > timedelta(hours=1):
                last_cleanup = now
                with contextlib.suppress(Exception):
                    await self.store.outbox_forget_done(now - DONE_RETENTION)
            await asyncio.sleep(min(self.interval, 30))

    async def run_cycle(self, workspace: str, fence: int | None = None) -> int:
        """One sync cycle for a workspace (events go to the outbox); returns the event
        count. With ``fence``, the cycle stops before moving the watermark if the lease
        changed hands meanwhile."""
        guard = None
        if fence is not None:

            async def guard() -> None:
                held = await self.store.acquire_lease(
                    f"sync:{workspace}", self.owner, self.interval * 3
                )
                if held != fence:
                    raise LeaseLost(workspace)

        result = await self.sync.cycle(workspace, guard=guard)
        await self.tokens.synced(workspace, self.clock.now())
        return len(result.events)

    async def _poll_forever(self, workspace: str) -> None:
        # Spread the connections over the interval: polled all at once, they would make a
        # burst of work every interval that delays chat answers and pushed changes.
        await asyncio.sleep(random.uniform(0, self.interval))
        # The supervisor cancels this loop when the connection goes away.
        while not self._stopping:
            try:
                wait = await self.poll_once(workspace)
            except Exception:  # the store itself failing: never end the loop
                log.exception("sync of %s could not run", workspace)
                wait = self.interval
            await asyncio.sleep(wait)

    async def poll_once(self, workspace: str) -> float:
        """One turn of a connection's poll loop: take the lease, run a cycle, deal with
        failures (logged once when they start and once when they end). Returns how long to
        wait before the next turn."""
        wait = self.interval
        fence = await self._acquire(f"sync:{workspace}")
        if fence is None:
            return wait  # another replica polls this connection
        failing = workspace in self._failing
        try:
            conn = await self.store.get_connection(workspace)
            if conn is None:
                return wait
            if conn.status is ConnectionStatus.NEEDS_REAUTH:
                await self._tell_dead(workspace)
                return wait
            await self.run_cycle(workspace, fence)
            if failing:
                log.info("sync of %s recovered", workspace)
                self._failing.discard(workspace)
        except LeaseLost:
            log.info("sync of %s moved to another replica", workspace)
        except ReauthorizationRequired:
            await self._tell_dead(workspace)
        except RateLimitedError as exc:
            wait = max(self.interval, exc.retry_after or 0)
            if not failing:
                log.warning("sync of %s rate limited; next try in %.0fs", workspace, wait)
            self._failing.add(workspace)
        except ServiceNowError as exc:
            wait = max(self.interval, min(self.interval * 4, 600))
            if not failing:
                log.warning("sync of %s failing: %s", workspace, exc.message)
            self._failing.add(workspace)
        except Exception:
            if not failing:
                log.exception("sync of %s failing", workspace)
            self._failing.add(workspace)
        return wait

    async def _acquire(self, lease: str) -> int | None:
        try:
            return await self.store.acquire_lease(lease, self.owner, self.interval * 3)
        except Exception:
            log.exception("could not take lease %s", lease)
            return None

    async def _tell_dead(self, workspace: str) -> None:
        """Tell the workspace's admins, once per connection, that it must be reconnected."""
        conn = await self.store.get_connection(workspace)
        contact = await self.store.get_document(CONTACT_NS, workspace)
        if conn is None or contact is None:
            return
        channel = codec.channel_from_doc(contact.get("channel"))
        if channel is None:
            return
        since = conn.created_at.isoformat() if conn.created_at else "-"
        why = f" ({conn.last_error})" if conn.last_error else ""
        text = (
            f"SnowOps can no longer reach ServiceNow at {conn.instance_url}: its sign-in has "
            f"expired or was revoked{why}. Ticket updates are paused until an admin runs "
            "`/snow connect` again."
        )
        if await self.notifier.tell(channel, text, f"{workspace}|reauth|{since}"):
            log.warning("told %s's admins that the connection needs re-authorization", workspace)

    async def _deliver_forever(self) -> None:
        while not self._stopping:
            # Cleared before claiming: a delivery queued while this batch runs wakes the
            # next wait at once instead of being noticed only at the timeout.
            self.notifier.queued.clear()
            try:
                done = await self.notifier.deliver(self.owner, lease=self.delivery_lease)
            except Exception:
                log.exception("delivery loop failed")
                done = 0
            if done == 0:
                # The timeout picks up retries that come due and other replicas' work.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.notifier.queued.wait(), timeout=1.0)
