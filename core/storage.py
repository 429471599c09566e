"""Storage role ports: what each part of SnowOps may keep, as small Protocols.

Every backend (``core/store/``: memory, SQLite, Redis, and the read cache in front of them)
implements all of them as one :class:`~core.store.port.Store`; a service or an adapter is
given only the roles it needs. Namespaces and key formats of documents belong to the small
typed repositories in :mod:`core.repos`, never to the callers.

Secrets never reach a backend in clear: models become documents through
:mod:`core.store.codec`, which encrypts secret fields, and ``secret=True`` documents are
encrypted whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from core.models import CardLocation, ChannelRef, Connection, Subscription, Ticket, TicketKind

__all__ = [
    "AuditLog",
    "ConnectionStore",
    "Doc",
    "Documents",
    "IdempotencyKeys",
    "Leases",
    "OneTimeValues",
    "Outbox",
    "OutboxItem",
    "SubscriptionStore",
    "TicketStore",
]

Doc = dict[str, Any]


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One pending delivery to one destination, as the backend keeps it (see
    :mod:`core.deliveries` for the typed view)."""

    delivery_id: str
    payload: Doc
    attempts: int
    last_error: str | None = None
    parked: bool = False


class Documents(Protocol):
    """JSON documents by namespace and key (installations, references, names, marks)."""

    async def put_document(
        self, namespace: str, key: str, data: Doc, *, secret: bool = False
    ) -> None:
        """Store a JSON-able dict; ``secret=True`` encrypts it whole at rest."""
        ...

    async def get_document(self, namespace: str, key: str) -> Doc | None:
        """Read a document back (decrypted), or None."""
        ...

    async def delete_document(self, namespace: str, key: str) -> bool:
        """Delete a document; True if it existed."""
        ...

    async def list_documents(self, namespace: str, prefix: str = "") -> dict[str, Doc]:
        """All documents of a namespace whose key starts with ``prefix``."""
        ...

    async def get_documents(self, namespace: str, keys: Sequence[str]) -> dict[str, Doc]:
        """The documents of ``keys`` that exist, by key, in one round trip."""
        ...

    async def put_documents(self, namespace: str, docs: Mapping[str, Doc]) -> None:
        """Store several (not secret) documents in one round trip."""
        ...


class OneTimeValues(Protocol):
    """Values that can be taken once, until they expire (OAuth ``state``)."""

    async def put_once(self, namespace: str, key: str, data: Doc, ttl_seconds: float) -> None:
        """Store a value that can be taken once, until it expires (encrypted at rest)."""
        ...

    async def take_once(self, namespace: str, key: str) -> Doc | None:
        """Atomically take and delete a value; None if absent, taken or expired."""
        ...


class ConnectionStore(Protocol):
    """Each workspace's ServiceNow connection."""

    async def save_connection(self, connection: Connection) -> None:
        """Create or replace the connection of ``connection.workspace``."""
        ...

    async def get_connection(self, workspace: str) -> Connection | None:
        """The workspace's connection, or None."""
        ...

    async def delete_connection(self, workspace: str) -> bool:
        """Forget a connection; True if there was one."""
        ...

    async def list_connections(self) -> list[Connection]:
        """Every connection, any workspace."""
        ...


class TicketStore(Protocol):
    """Tracked tickets and where their cards were posted."""

    async def save_ticket(self, ticket: Ticket) -> None:
        """Create or replace a ticket, keyed by (workspace, number)."""
        ...

    async def get_ticket(self, workspace: str, number: str) -> Ticket | None:
        """A tracked ticket by number."""
        ...

    async def get_tickets(self, workspace: str, numbers: Sequence[str]) -> dict[str, Ticket]:
        """The tracked tickets of ``numbers`` that exist, by number, in one round trip."""
        ...

    async def get_tickets_across(
        self, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Ticket]:
        """The tracked tickets of (workspace, number) pairs, of any workspaces."""
        ...

    async def save_tickets(self, tickets: Sequence[Ticket]) -> None:
        """Create or replace several tickets (the last one wins for a repeated number)."""
        ...

    async def find_ticket_by_correlation(
        self, workspace: str, correlation_id: str
    ) -> Ticket | None:
        """A tracked ticket by its ``correlation_id`` (newest if several)."""
        ...

    async def list_tickets(
        self,
        workspace: str,
        kind: TicketKind | None = None,
        *,
        active_only: bool = False,
        limit: int = 20,
        offset: int = 0,
    ) -> list[Ticket]:
        """Tickets of a workspace, newest first."""
        ...

    async def add_card_location(self, workspace: str, number: str, where: CardLocation) -> None:
        """Remember one more place a ticket's card was posted (no duplicates)."""
        ...

    async def list_card_locations(self, workspace: str, number: str) -> list[CardLocation]:
        """Every place a ticket's card was posted, oldest first."""
        ...

    async def card_locations_across(
        self, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], list[CardLocation]]:
        """Where the cards of (workspace, number) pairs were posted, oldest first (the
        pairs with none are left out)."""
        ...


class SubscriptionStore(Protocol):
    """Channels that asked to hear about tickets."""

    async def save_subscription(self, subscription: Subscription) -> None:
        """Create or replace the subscription of ``subscription.channel``."""
        ...

    async def delete_subscription(self, channel: ChannelRef) -> bool:
        """Remove a channel's subscription; True if there was one."""
        ...

    async def list_subscriptions(self, workspace: str) -> list[Subscription]:
        """Every subscription of a workspace."""
        ...

    async def subscriptions_across(
        self, workspaces: Sequence[str]
    ) -> dict[str, list[Subscription]]:
        """Every subscription of each of ``workspaces`` (those with none left out)."""
        ...


class IdempotencyKeys(Protocol):
    """Claims that make a repeated request (a retry, a double click) run once."""

    async def begin_idempotent(self, key: str, ttl_seconds: float) -> str | None:
        """Claim ``key``. None: the caller owns it now. Otherwise the stored result
        (``""`` while its owner is still working)."""
        ...

    async def finish_idempotent(self, key: str, result: str, ttl_seconds: float) -> None:
        """Record the result of a claimed key."""
        ...

    async def abort_idempotent(self, key: str) -> None:
        """Release a claim whose work failed, so a retry can run."""
        ...

    async def begin_idempotent_many(
        self, keys: Sequence[str], ttl_seconds: float
    ) -> dict[str, str | None]:
        """Claim each of ``keys`` at once: key → None (claimed now) or the stored result."""
        ...

    async def finish_idempotent_many(self, results: Mapping[str, str], ttl_seconds: float) -> None:
        """Record the results of claimed keys at once."""
        ...


class Outbox(Protocol):
    """The durable queue of notification deliveries (see ``core.store.port.Store`` for
    the lease rules every backend follows)."""

    async def outbox_put(self, delivery_id: str, payload: Doc) -> bool:
        """Queue a delivery; False if this id is queued, parked or was recently done."""
        ...

    async def outbox_put_many(self, items: Sequence[tuple[str, Doc]]) -> list[bool]:
        """Queue several deliveries in order, each as :meth:`outbox_put` would; one
        True/False per item."""
        ...

    async def outbox_claim(
        self, consumer: str, limit: int, lease_seconds: float, now: datetime
    ) -> list[OutboxItem]:
        """Lease up to ``limit`` due deliveries to ``consumer``."""
        ...

    async def outbox_ack(self, delivery_id: str, consumer: str) -> bool:
        """A delivery succeeded: never hand it out again."""
        ...

    async def outbox_ack_many(self, delivery_ids: Sequence[str], consumer: str) -> list[bool]:
        """Acknowledge several deliveries, each as :meth:`outbox_ack` would; one
        True/False per id."""
        ...

    async def outbox_retry(
        self, delivery_id: str, consumer: str, error: str, not_before: datetime
    ) -> bool:
        """A delivery failed: hand it out again no earlier than ``not_before``."""
        ...

    async def outbox_park(self, delivery_id: str, consumer: str, error: str) -> bool:
        """A delivery keeps failing: stop retrying, keep it visible."""
        ...

    async def outbox_forget_done(self, older_than: datetime) -> int:
        """Delete the records of deliveries acknowledged before ``older_than``."""
        ...

    async def outbox_requeue(self, delivery_id: str) -> bool:
        """Hand a parked delivery out again, as if new."""
        ...

    async def outbox_parked(self) -> list[OutboxItem]:
        """Parked deliveries."""
        ...


class Leases(Protocol):
    """One holder at a time (one poller per connection across replicas)."""

    async def acquire_lease(self, name: str, owner: str, ttl_seconds: float) -> int | None:
        """Take or renew a lease: a fencing token, or None if someone else holds it."""
        ...

    async def release_lease(self, name: str, owner: str) -> None:
        """Give a lease up if ``owner`` holds it."""
        ...


class AuditLog(Protocol):
    """Who did what, where and when."""

    async def audit(self, workspace: str, actor: str, action: str, detail: Doc) -> None:
        """Append an audit entry (never put secrets in ``detail``)."""
        ...

    async def list_audit(self, workspace: str, limit: int = 50) -> list[Doc]:
        """Newest audit entries first; each has ``at``, ``actor``, ``action``, ``detail``."""
        ...
