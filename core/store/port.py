"""The Store: every storage role of :mod:`core.storage` in one backend (README: Architecture).

Implementations: :class:`~core.store.memory.MemoryStore` (tests), ``SqliteStore``
(embedded default) and ``RedisStore`` (scale-out). All pass ``tests/contract/test_store.py``.
Only the composition root holds a whole Store; services and adapters get the roles.

Secrets never reach an implementation in clear: models are turned into documents by
:mod:`core.store.codec`, which encrypts secret fields, and ``secret=True`` documents are
encrypted whole before they are written.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import datetime

from core.models import (
    CardLocation,
    ChannelRef,
    Connection,
    Subscription,
    Ticket,
    TicketKind,
)
from core.storage import Doc, OutboxItem
from core.store.signals import CacheSignals

__all__ = ["Doc", "OutboxItem", "Store", "by_workspace", "window"]

#: Largest row count or offset a backend is asked for: SQLite and Redis hold 64-bit
#: integers (and Redis adds the two), so a larger one would fail there instead of
#: finding nothing.
MAX_WINDOW = 2**61


def window(limit: int, offset: int) -> tuple[int, int]:
    """``(limit, offset)`` of a listing, each within ``0..MAX_WINDOW``."""
    return min(max(limit, 0), MAX_WINDOW), min(max(offset, 0), MAX_WINDOW)


class Store(ABC):
    """Persistent state of SnowOps. Every method is safe to call from concurrent tasks."""

    #: What the backend raises when it is not answering (as opposed to a bug or bad data).
    unavailable_errors: tuple[type[BaseException], ...] = ()

    # -- life cycle -------------------------------------------------------------------
    @abstractmethod
    async def open(self) -> None:
        """Connect and create what is missing (tables, indexes). Idempotent."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections."""

    @abstractmethod
    async def ping(self) -> None:
        """Raise if the backing store does not answer."""

    def cache_signals(self) -> CacheSignals | None:
        """How this backend tells a cache of other processes' writes; None (the default)
        when it cannot, and a cache keeps entries for a short time only."""
        return None

    async def durability_risks(self) -> list[tuple[str, str]]:
        """What in the backing server's set-up could lose data, as (finding, what to do);
        none by default (SQLite writes every commit to its file)."""
        return []

    # -- documents: installations, conversation references, state labels, watermarks --
    @abstractmethod
    async def put_document(
        self, namespace: str, key: str, data: Doc, *, secret: bool = False
    ) -> None:
        """Store a JSON-able dict; ``secret=True`` encrypts it whole at rest."""

    @abstractmethod
    async def get_document(self, namespace: str, key: str) -> Doc | None:
        """Read a document back (decrypted), or None."""

    @abstractmethod
    async def delete_document(self, namespace: str, key: str) -> bool:
        """Delete a document; True if it existed."""

    @abstractmethod
    async def list_documents(self, namespace: str, prefix: str = "") -> dict[str, Doc]:
        """All documents of a namespace whose key starts with ``prefix``."""

    async def get_documents(self, namespace: str, keys: Sequence[str]) -> dict[str, Doc]:
        """The documents of ``keys`` that exist, by key. Backends override this with one
        round trip (sync reads a page of baselines at once); this fallback reads each."""
        found: dict[str, Doc] = {}
        for key in dict.fromkeys(keys):
            doc = await self.get_document(namespace, key)
            if doc is not None:
                found[key] = doc
        return found

    async def put_documents(self, namespace: str, docs: Mapping[str, Doc]) -> None:
        """Store several (not secret) documents. Backends override this with one round
        trip; this fallback writes each."""
        for key, doc in docs.items():
            await self.put_document(namespace, key, doc)

    # -- single-use values (OAuth state) ----------------------------------------------
    @abstractmethod
    async def put_once(self, namespace: str, key: str, data: Doc, ttl_seconds: float) -> None:
        """Store a value that can be taken once, until it expires (encrypted at rest)."""

    @abstractmethod
    async def take_once(self, namespace: str, key: str) -> Doc | None:
        """Atomically take and delete a value; None if absent, taken or expired."""

    # -- ServiceNow connections -------------------------------------------------------
    @abstractmethod
    async def save_connection(self, connection: Connection) -> None:
        """Create or replace the connection of ``connection.workspace``."""

    @abstractmethod
    async def get_connection(self, workspace: str) -> Connection | None:
        """The workspace's connection, or None."""

    @abstractmethod
    async def delete_connection(self, workspace: str) -> bool:
        """Forget a connection; True if there was one."""

    @abstractmethod
    async def list_connections(self) -> list[Connection]:
        """Every connection, any workspace."""

    # -- tickets ----------------------------------------------------------------------
    @abstractmethod
    async def save_ticket(self, ticket: Ticket) -> None:
        """Create or replace a ticket, keyed by (workspace, number)."""

    @abstractmethod
    async def get_ticket(self, workspace: str, number: str) -> Ticket | None:
        """A tracked ticket by number."""

    async def save_tickets(self, tickets: Sequence[Ticket]) -> None:
        """Create or replace several tickets, in order. Backends override this with one
        round trip where they can; this saves each."""
        for ticket in tickets:
            await self.save_ticket(ticket)

    async def get_tickets(self, workspace: str, numbers: Sequence[str]) -> dict[str, Ticket]:
        """The tracked tickets of ``numbers`` that exist, by number. Backends override this
        with one round trip (sync reads a page of tickets at once); this reads each."""
        found: dict[str, Ticket] = {}
        for number in dict.fromkeys(numbers):
            ticket = await self.get_ticket(workspace, number)
            if ticket is not None:
                found[number] = ticket
        return found

    async def get_tickets_across(
        self, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Ticket]:
        """The tracked tickets of (workspace, number) pairs of any workspaces that exist
        (a sync batch holds many connections). Backends override this with one round
        trip; this reads each workspace's at once."""
        found: dict[tuple[str, str], Ticket] = {}
        for workspace, numbers in by_workspace(pairs).items():
            for number, ticket in (await self.get_tickets(workspace, numbers)).items():
                found[(workspace, number)] = ticket
        return found

    @abstractmethod
    async def find_ticket_by_correlation(
        self, workspace: str, correlation_id: str
    ) -> Ticket | None:
        """A tracked ticket by its ``correlation_id`` (newest if several)."""

    @abstractmethod
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

    @abstractmethod
    async def add_card_location(self, workspace: str, number: str, where: CardLocation) -> None:
        """Remember one more place a ticket's card was posted (no duplicates)."""

    @abstractmethod
    async def list_card_locations(self, workspace: str, number: str) -> list[CardLocation]:
        """Every place a ticket's card was posted, oldest first."""

    async def card_locations_across(
        self, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], list[CardLocation]]:
        """Every place the cards of (workspace, number) pairs were posted, oldest first,
        the pairs with none left out. Backends override this with one round trip; this
        reads each."""
        found: dict[tuple[str, str], list[CardLocation]] = {}
        for pair in dict.fromkeys(pairs):
            cards = await self.list_card_locations(*pair)
            if cards:
                found[pair] = cards
        return found

    # -- subscriptions ----------------------------------------------------------------
    @abstractmethod
    async def save_subscription(self, subscription: Subscription) -> None:
        """Create or replace the subscription of ``subscription.channel``."""

    @abstractmethod
    async def delete_subscription(self, channel: ChannelRef) -> bool:
        """Remove a channel's subscription; True if there was one."""

    @abstractmethod
    async def list_subscriptions(self, workspace: str) -> list[Subscription]:
        """Every subscription of a workspace."""

    async def subscriptions_across(
        self, workspaces: Sequence[str]
    ) -> dict[str, list[Subscription]]:
        """Every subscription of each of ``workspaces``, those with none left out (a sync
        batch holds many connections). Backends override this with one round trip; this
        reads each."""
        found: dict[str, list[Subscription]] = {}
        for workspace in dict.fromkeys(workspaces):
            subs = await self.list_subscriptions(workspace)
            if subs:
                found[workspace] = subs
        return found

    # -- idempotency keys -------------------------------------------------------------
    @abstractmethod
    async def begin_idempotent(self, key: str, ttl_seconds: float) -> str | None:
        """Claim ``key``. None: the caller owns it now. Otherwise the stored result
        (``""`` while its owner is still working)."""

    @abstractmethod
    async def finish_idempotent(self, key: str, result: str, ttl_seconds: float) -> None:
        """Record the result of a claimed key."""

    @abstractmethod
    async def abort_idempotent(self, key: str) -> None:
        """Release a claim whose work failed, so a retry can run."""

    async def begin_idempotent_many(
        self, keys: Sequence[str], ttl_seconds: float
    ) -> dict[str, str | None]:
        """:meth:`begin_idempotent` for each of ``keys`` (each once), in one write where
        the backend can: key → None (claimed now) or the stored result."""
        return {k: await self.begin_idempotent(k, ttl_seconds) for k in dict.fromkeys(keys)}

    async def finish_idempotent_many(self, results: Mapping[str, str], ttl_seconds: float) -> None:
        """:meth:`finish_idempotent` for each claimed key, in one write where it can."""
        for key, result in results.items():
            await self.finish_idempotent(key, result, ttl_seconds)

    # -- delivery outbox --------------------------------------------------------------
    @abstractmethod
    async def outbox_put(self, delivery_id: str, payload: Doc) -> bool:
        """Queue a delivery. False if this id is queued, parked, or was delivered within
        the retention window (see :meth:`outbox_forget_done`): ids must be unique within it."""

    async def outbox_put_many(self, items: Sequence[tuple[str, Doc]]) -> list[bool]:
        """Queue several deliveries in order, each as :meth:`outbox_put` would (a
        repeated id is False the second time). Backends override this with one round
        trip where they can; this puts each."""
        return [await self.outbox_put(delivery_id, payload) for delivery_id, payload in items]

    @abstractmethod
    async def outbox_claim(
        self, consumer: str, limit: int, lease_seconds: float, now: datetime
    ) -> list[OutboxItem]:
        """Lease up to ``limit`` due deliveries to ``consumer``; leases that ran out
        (a consumer that died) are claimable again."""

    # ack, retry and park settle an item only for the consumer that holds its current lease
    # (the last one to claim it), even after that lease ran out if nobody claimed it since.
    # They return False and change nothing otherwise: another consumer claimed the item
    # after this one's lease ran out, the item is already done, parked or waiting for a
    # retry, or the id is unknown. A stale consumer thus cannot undo or repeat a delivery.
    @abstractmethod
    async def outbox_ack(self, delivery_id: str, consumer: str) -> bool:
        """A delivery succeeded: never hand it out again. True if applied, False if
        ``consumer`` does not hold the item's current lease."""

    async def outbox_ack_many(self, delivery_ids: Sequence[str], consumer: str) -> list[bool]:
        """Acknowledge several deliveries, each as :meth:`outbox_ack` would; one True/False
        per id, in order. Backends override this with one round trip where they can; this
        acknowledges each."""
        return [await self.outbox_ack(delivery_id, consumer) for delivery_id in delivery_ids]

    @abstractmethod
    async def outbox_retry(
        self, delivery_id: str, consumer: str, error: str, not_before: datetime
    ) -> bool:
        """A delivery failed: hand it out again no earlier than ``not_before``. True if
        applied, False if ``consumer`` does not hold the item's current lease."""

    @abstractmethod
    async def outbox_park(self, delivery_id: str, consumer: str, error: str) -> bool:
        """A delivery keeps failing: stop retrying, keep it visible. True if applied,
        False if ``consumer`` does not hold the item's current lease."""

    @abstractmethod
    async def outbox_forget_done(self, older_than: datetime) -> int:
        """Delete the records of deliveries acknowledged before ``older_than`` (compared
        with the wall clock at ack time); returns how many. Their ids are accepted by
        :meth:`outbox_put` again. Queued and parked deliveries are kept."""

    @abstractmethod
    async def outbox_requeue(self, delivery_id: str) -> bool:
        """Hand a parked delivery out again, as if new (an admin fixed its cause). False if
        it is not parked."""

    @abstractmethod
    async def outbox_parked(self) -> list[OutboxItem]:
        """Parked deliveries, for ``/snow status``."""

    # -- leases (one poller per connection across replicas) ---------------------------
    @abstractmethod
    async def acquire_lease(self, name: str, owner: str, ttl_seconds: float) -> int | None:
        """Take or renew a lease. Returns a fencing token that grows with each new
        holder, or None if someone else holds it."""

    @abstractmethod
    async def release_lease(self, name: str, owner: str) -> None:
        """Give a lease up if ``owner`` holds it."""

    # -- audit log --------------------------------------------------------------------
    @abstractmethod
    async def audit(
        self, workspace: str, actor: str, action: str, detail: Doc, *, at: datetime | None = None
    ) -> None:
        """Append an audit entry (never put secrets in ``detail``); ``at`` defaults to now
        (an import passes the original time)."""

    @abstractmethod
    async def list_audit(self, workspace: str, limit: int = 50) -> list[Doc]:
        """Newest audit entries first; each has ``workspace``, ``at``, ``actor``, ``action``
        and ``detail``."""

    @abstractmethod
    async def audit_since(self, since: datetime | None = None) -> list[Doc]:
        """Every workspace's audit entries at or after ``since``, oldest first."""

    # -- backup, restore and key rotation (snowops export / import / rotate-key) ------
    @abstractmethod
    async def export_documents(self) -> list[tuple[str, str, Doc, bool]]:
        """Every document as ``(namespace, key, data, secret)``, ``data`` decrypted."""

    @abstractmethod
    async def export_workspaces(self) -> list[str]:
        """Every workspace holding a connection, a ticket or a subscription, sorted."""

    @abstractmethod
    async def export_outbox(self) -> list[OutboxItem]:
        """Deliveries not yet done (queued, waiting for a retry, leased, parked), in queue
        order; a leased one counts as queued (its consumer may be gone)."""

    @abstractmethod
    async def import_delivery(self, item: OutboxItem) -> bool:
        """Queue an exported delivery as it was: its attempts and last error kept, parked if
        it was. False if the id is already known here."""


def by_workspace(pairs: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """(workspace, number) pairs as each workspace's numbers, each once (for backends that
    read a workspace's tickets at once)."""
    grouped: dict[str, list[str]] = {}
    for workspace, number in dict.fromkeys(pairs):
        grouped.setdefault(workspace, []).append(number)
    return grouped
