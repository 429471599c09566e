"""Ports: what core needs from the outside world, as Protocols.

``Store`` lives in :mod:`core.store.port`; ``Clock`` in :mod:`core.clock`.
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["Record", "TicketSystem"]

Record = dict[str, Any]


class TicketSystem(Protocol):
    """A ServiceNow instance's Table API, on behalf of a workspace.

    Implemented by :class:`core.servicenow.table.TableClient`; unit tests use an
    in-memory fake. Errors are those of :mod:`core.servicenow.errors`.
    """

    async def create(self, workspace: str, table: str, fields: Record) -> Record:
        """Insert a record and return it."""
        ...

    async def get(
        self, workspace: str, table: str, sys_id: str, *, fields: list[str] | None = None
    ) -> Record:
        """Read one record."""
        ...

    async def patch(self, workspace: str, table: str, sys_id: str, fields: Record) -> Record:
        """Update a record and return it."""
        ...

    async def query(
        self,
        workspace: str,
        table: str,
        query: str,
        *,
        fields: list[str] | None = None,
        page_size: int = 100,
        max_records: int = 10_000,
        display_value: str = "false",
    ) -> list[Record]:
        """Every record matching an encoded query."""
        ...
