"""SyncCoordinator: what one turn of a connection's poll loop does, and how long to wait.

Home Assistant's coordinator pattern: each connection polls on its own interval, logs once
when it starts failing and once when it recovers, backs off on 429 and 5xx (honouring
Retry-After), and stops polling a connection whose tokens are dead (its admins are told
once) until it is reconnected. With several replicas, a lease gives each connection one
poller at a time; a poller that lost its lease (the fencing token changed) does not move
the watermark. ``bot/`` only schedules the turns.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from core.cadence import Cadence
from core.clock import Clock
from core.errors import StoreUnavailable
from core.i18n import _, use_locale
from core.models import Connection, ConnectionStatus
from core.notify import Notifier
from core.repos.contacts import AdminContacts
from core.servicenow.errors import RateLimitedError, ReauthorizationRequired, ServiceNowError
from core.servicenow.tokens import TokenKeeper
from core.storage import ConnectionStore, Leases
from core.sync import StatusSync

__all__ = ["LeaseLost", "SyncCoordinator"]

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Another replica took this connection's poll lease during a cycle."""


def _lease(workspace: str) -> str:
    return f"sync:{workspace}"


class SyncCoordinator:
    """Runs poll turns for every connection of this replica (``owner``)."""

    def __init__(
        self,
        sync: StatusSync,
        connections: ConnectionStore,
        leases: Leases,
        tokens: TokenKeeper,
        contacts: AdminContacts,
        notifier: Notifier,
        clock: Clock,
        *,
        interval: float,
        owner: str,
        after_cycle: Callable[[str], Awaitable[object]] | None = None,
        cadence: Cadence | None = None,
    ) -> None:
        self._after_cycle = after_cycle
        #: How long each connection waits between turns (slower while pushes arrive).
        self.cadence = cadence or Cadence(interval)
        self._sync = sync
        self._connections = connections
        self._leases = leases
        self._tokens = tokens
        self._contacts = contacts
        self._notifier = notifier
        self._clock = clock
        self.interval = interval
        self.owner = owner
        self._failing: set[str] = set()
        self._held: set[str] = set()

    async def connections(self) -> list[Connection]:
        """Every connection, any workspace (the loops to run)."""
        return await self._connections.list_connections()

    async def run_cycle(self, workspace: str, fence: int | None = None) -> int:
        """One sync cycle for a workspace (events go to the outbox); returns the event
        count. With ``fence``, the cycle stops before moving the watermark if the lease
        changed hands meanwhile."""
        guard = None
        if fence is not None:

            async def guard() -> None:
                held = await self._leases.acquire_lease(
                    _lease(workspace), self.owner, self.cadence.lease_seconds(workspace)
                )
                if held != fence:
                    raise LeaseLost(workspace)

        # A failure is kept for /snow status and home (last error): in the workspace's
        # language, as its channel messages are.
        with use_locale(await self._notifier.language(workspace)):
            result = await self._sync.cycle(workspace, guard=guard)
        await self._tokens.synced(workspace, self._clock.now())
        if self._after_cycle is not None:
            # Work that needs a healthy connection, e.g. settling creates in doubt.
            await self._after_cycle(workspace)
        return len(result.events)

    async def poll_once(self, workspace: str) -> float:
        """One turn: take the lease, run a cycle, deal with failures (logged once when
        they start and once when they end). Returns how long to wait before the next."""
        wait = self.interval
        fence = await self._acquire(workspace)
        if fence is None:
            return wait  # another replica polls this connection
        failing = workspace in self._failing
        try:
            conn = await self._connections.get_connection(workspace)
            if conn is None:
                return wait
            if conn.status is ConnectionStatus.NEEDS_REAUTH:
                await self.tell_dead(workspace)
                return wait
            wait = self.cadence.after_turn(workspace, await self.run_cycle(workspace, fence))
            if failing:
                log.info("sync of %s recovered", workspace)
                self._failing.discard(workspace)
        except LeaseLost:
            log.info("sync of %s moved to another replica", workspace)
            self._held.discard(workspace)
        except ReauthorizationRequired:
            await self.tell_dead(workspace)
        except RateLimitedError as exc:
            wait = max(self.interval, exc.retry_after or 0)
            self._failed(workspace, failing, f"rate limited; next try in {wait:.0f}s")
        except ServiceNowError as exc:
            wait = max(self.interval, min(self.interval * 4, 600))
            self._failed(workspace, failing, exc.message)
        except StoreUnavailable:
            pass  # logged once per outage by the store; the next turn tries again
        except Exception:
            if not failing:
                log.exception("sync of %s failing", workspace)
            self._failing.add(workspace)
        return wait

    def _failed(self, workspace: str, failing: bool, why: str) -> None:
        if not failing:
            log.warning("sync of %s failing: %s", workspace, why)
        self._failing.add(workspace)

    async def _acquire(self, workspace: str) -> int | None:
        try:
            fence = await self._leases.acquire_lease(
                _lease(workspace), self.owner, self.cadence.lease_seconds(workspace)
            )
        except Exception as exc:
            if workspace not in self._failing:
                log.warning("could not take the poll lease of %s: %s", workspace, exc)
            self._failing.add(workspace)
            return None
        if fence is None:
            self._held.discard(workspace)
        else:
            self._held.add(workspace)
        return fence

    async def release_all(self) -> None:
        """Give up every poll lease this replica holds (a clean stop), so another replica
        takes the connections over at once instead of after the lease runs out."""
        for workspace in list(self._held):
            try:
                await self._leases.release_lease(_lease(workspace), self.owner)
            except Exception as exc:
                log.warning("poll lease of %s not released: %s", workspace, exc)
        self._held.clear()

    async def pause(self, workspace: str, seconds: float) -> None:
        """Wait before ``workspace``'s next turn; woken early when a push is missed."""
        await self.cadence.sleep(workspace, seconds)

    async def forget(self, workspace: str) -> None:
        """The connection went away: release its lease."""
        self.cadence.forget(workspace)
        if workspace in self._held:
            self._held.discard(workspace)
            await self._leases.release_lease(_lease(workspace), self.owner)

    async def tell_dead(self, workspace: str) -> None:
        """Tell the workspace's admins, once per connection, that it must be reconnected."""
        conn = await self._connections.get_connection(workspace)
        contact = await self._contacts.get(workspace)
        if conn is None or contact is None:
            return
        since = conn.created_at.isoformat() if conn.created_at else "-"
        why = f" ({conn.last_error})" if conn.last_error else ""
        with use_locale(await self._notifier.language(workspace)):
            text = _(
                "SnowOps can no longer reach ServiceNow at {instance}: its sign-in has expired "
                "or was revoked{why}. Ticket updates are paused until an admin runs "
                "/snow connect again.",
                instance=conn.instance_url,
                why=why,
            )
        if await self._notifier.tell(contact.channel, text, f"{workspace}|reauth|{since}"):
            log.warning("told %s's admins that the connection needs re-authorization", workspace)
