"""Ports: what core needs from the outside world, as Protocols.

``Store`` lives in :mod:`core.store.port`; ``Clock`` in :mod:`core.clock`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from datetime import datetime

    from core.models import CardLocation, ChannelRef
    from core.views import TicketCard

__all__ = ["ChatSink", "DeliveryError", "RecallingSink", "Record", "TicketSystem"]

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

    async def query_timed(
        self,
        workspace: str,
        table: str,
        query: str,
        *,
        fields: list[str] | None = None,
        page_size: int = 100,
        max_records: int = 10_000,
        display_value: str = "false",
    ) -> tuple[list[Record], datetime | None]:
        """:meth:`query`, and the instance's own clock when it answered (if it said)."""
        ...


class DeliveryError(Exception):
    """A chat platform refused a delivery.

    ``permanent`` failures (the bot was removed from the channel, the channel is gone) are
    parked with ``hint`` for admins instead of retried; others are retried, after
    ``retry_after`` seconds when the platform said so.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        hint: str = "",
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.hint = hint


class ChatSink(Protocol):
    """Where notifications go on one chat platform (Slack, Teams, the console).

    Every method raises :class:`DeliveryError` when the platform refuses.
    """

    async def post_card(self, channel: ChannelRef, card: TicketCard) -> CardLocation:
        """Post a ticket card; return where it is, to update it later."""
        ...

    async def update_card(self, where: CardLocation, card: TicketCard) -> None:
        """Replace a posted card in place."""
        ...

    async def reply(self, where: CardLocation, text: str) -> None:
        """Reply in the card's thread (or conversation)."""
        ...

    async def post_text(self, channel: ChannelRef, text: str) -> None:
        """Post a short message to a channel."""
        ...


@runtime_checkable
class RecallingSink(Protocol):
    """A ChatSink that can tag a message with a delivery key and later find it again.

    After a crash (or a lost answer) between the platform acting and the outbox hearing
    of it, the Notifier asks :meth:`was_sent` before trying again, so a notification that
    did go out is not posted twice.
    """

    async def send_tagged(
        self, channel: ChannelRef, text: str, key: str, thread: str | None = None
    ) -> None:
        """Post ``text`` (in ``thread`` when given), tagged with ``key``."""
        ...

    async def was_sent(self, channel: ChannelRef, key: str, thread: str | None = None) -> bool:
        """True if a message tagged ``key`` is there; False if not, or if it can't tell."""
        ...
