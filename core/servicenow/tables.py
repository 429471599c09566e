"""Which ticket tables a connection's instance offers: security incidents
(``sn_si_incident``) exist only where the Security Incident Response plugin is installed
and the integration user may read them (``sn_si.analyst``).

One Table API read of an optional table tells: 200 is there; 400 ``Invalid table``, 403 or
404 is not. The answer is kept per connection and asked again every ``ttl`` seconds (an
admin may install the plugin or grant the role later), so sync never pays a request per
cycle for it, and an instance without the plugin never sees a query on a table it lacks.

The same probe asks whether the connection may read the kinds through their parent table,
``task`` (every ticket table extends it, and the platform applies each row's own class's
ACLs): then sync polls every kind in one request instead of one per kind. An integration
user refused ``task`` is polled per table, as before.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from core.models import TicketKind
from core.servicenow.errors import (
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    ServiceNowError,
)
from core.servicenow.table import TableClient
from core.storage import ConnectionStore

__all__ = ["BASE_KINDS", "PARENT_TABLE", "TableProbe"]

log = logging.getLogger(__name__)

#: Kinds every instance has (the base system's ITSM tables).
BASE_KINDS: tuple[TicketKind, ...] = tuple(k for k in TicketKind if not k.optional)
#: Seconds an answer is kept; a failed probe (an outage) is asked again sooner.
TTL = 900.0
_RETRY = 60.0
#: The table every ticket table extends.
PARENT_TABLE = "task"


class TableProbe:
    """The kinds each workspace's connection offers, probed once per ``ttl``."""

    def __init__(
        self,
        table: TableClient,
        connections: ConnectionStore,
        *,
        ttl: float = TTL,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._table = table
        self._connections = connections
        self._ttl = ttl
        self._now = now
        # workspace → (the connection it was probed for, good until, kinds, whether they
        # are read together through `task`).
        self._known: dict[str, tuple[object, float, tuple[TicketKind, ...], bool]] = {}

    async def kinds(self, workspace: str) -> tuple[TicketKind, ...]:
        """The kinds ``workspace``'s instance offers, in TicketKind order."""
        return (await self._probed(workspace))[0]

    async def together(self, workspace: str) -> bool:
        """Whether ``workspace``'s kinds may be read together through ``task``."""
        return (await self._probed(workspace))[1]

    async def _probed(self, workspace: str) -> tuple[tuple[TicketKind, ...], bool]:
        conn = await self._connections.get_connection(workspace)
        if conn is None:
            return BASE_KINDS, False
        held = (conn.instance_url, conn.created_at)
        known = self._known.get(workspace)
        if known is not None and known[0] == held and self._now() < known[1]:
            return known[2], known[3]
        found, ttl = list(BASE_KINDS), self._ttl
        for kind in TicketKind:
            if not kind.optional:
                continue
            has = await self._has(workspace, kind.table)
            if has is None:  # could not tell: keep what was known, ask again soon
                has = known is not None and kind in known[2]
                ttl = _RETRY
            if has:
                found.append(kind)
        kinds = tuple(k for k in TicketKind if k in found)
        together = await self._has(workspace, PARENT_TABLE, kinds)
        if together is None:
            together, ttl = known is not None and known[3], _RETRY
        self._known[workspace] = (held, self._now() + ttl, kinds, together)
        return kinds, together

    def forget(self, workspace: str) -> None:
        """Ask again next time (after a reconnect, or when a table answered it is gone)."""
        self._known.pop(workspace, None)

    def refused_together(self, workspace: str) -> None:
        """``task`` refused a read after all (an ACL changed): each kind's own table until
        the next probe."""
        known = self._known.get(workspace)
        if known is not None:
            self._known[workspace] = (*known[:3], False)

    async def _has(
        self, workspace: str, table: str, classes: tuple[TicketKind, ...] = ()
    ) -> bool | None:
        """True: the table answers; False: the instance says it has none for us; None: it
        could not tell (an outage, a rate limit)."""
        query = f"sys_class_nameIN{','.join(k.table for k in classes)}" if classes else ""
        try:
            await self._table.query(
                workspace, table, query, fields=["sys_id"], max_records=1, page_size=1
            )
        except (BadRequestError, ForbiddenError, NotFoundError) as exc:
            log.info("no %s on %s's instance: %s", table, workspace, exc)
            return False
        except ServiceNowError as exc:
            log.warning("could not tell whether %s has %s: %s", workspace, table, exc)
            return None
        return True
