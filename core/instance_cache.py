"""What an instance says about its tables, cached per connection: choice lists and
dictionaries change when an admin customises the instance, rarely, so they are read at
most every :data:`TTL` seconds per connection, and again at once after ServiceNow refused a
record (:meth:`InstanceFacts.forget`): the refusal may be news of a new mandatory field."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from core.clock import Clock
from core.gateway import TicketGateway
from core.i18n import _
from core.instance_meta import ChoiceEntry, DictionaryField
from core.servicenow.errors import NotConnectedError
from core.storage import ConnectionStore

__all__ = ["TTL", "InstanceFacts"]

#: Seconds a table's choices and dictionary are trusted.
TTL = 300.0
#: Entries kept at most (the oldest go first): a few tables per connection.
_MAX = 2000


class InstanceFacts:
    """Choices and dictionaries of each workspace's instance, cached per connection."""

    def __init__(
        self, gateway: TicketGateway, connections: ConnectionStore, clock: Clock, ttl: float = TTL
    ) -> None:
        self._gateway = gateway
        self._connections = connections
        self._clock = clock
        self._ttl = ttl
        self._cache: dict[tuple[str, ...], tuple[datetime, Any]] = {}

    @property
    def gateway(self) -> TicketGateway:
        """The ticket system asked."""
        return self._gateway

    async def _connection(self, workspace: str) -> str:
        conn = await self._connections.get_connection(workspace)
        if conn is None:
            raise NotConnectedError(_("this workspace is not connected to ServiceNow"))
        # A new connection (another instance, or connected again) starts a new cache.
        return f"{conn.instance_url}|{conn.created_at}"

    async def _cached(self, key: tuple[str, ...], read: Callable[[], Awaitable[Any]]) -> Any:
        now = self._clock.now()
        hit = self._cache.get(key)
        if hit is not None and (now - hit[0]).total_seconds() < self._ttl:
            return hit[1]
        value = await read()
        if len(self._cache) >= _MAX:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = (now, value)
        return value

    async def choices(self, workspace: str, table: str, element: str) -> list[ChoiceEntry]:
        """The active choices of a field."""
        key = (workspace, await self._connection(workspace), "choice", table, element)
        found: list[ChoiceEntry] = await self._cached(
            key, lambda: self._gateway.choices(workspace, table, element)
        )
        return found

    async def dictionary(self, workspace: str, table: str) -> list[DictionaryField]:
        """The fields of a table."""
        key = (workspace, await self._connection(workspace), "dictionary", table)
        found: list[DictionaryField] = await self._cached(
            key, lambda: self._gateway.dictionary(workspace, table)
        )
        return found

    def forget(self, workspace: str) -> None:
        """Drop what is cached of ``workspace``'s instance: read it again next time."""
        for key in [k for k in self._cache if k[0] == workspace]:
            del self._cache[key]
