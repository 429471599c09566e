"""A read cache in front of any Store, for the reads every chat command makes, and the one
place a store outage is noticed.

Connections (decrypted), documents (state names, tenants, installations, the listings of a
namespace) and ticket pages are kept (:mod:`core.store.cache_entries`). Writes through this
store invalidate what they touch at once. Writes by another replica or process show within
``ttl`` seconds (the reason it is short), or, where the backend tells of them
(:mod:`core.store.signals`: Redis publishes every write's groups, SQLite notices another
connection's commit), as soon as they are told, and entries then live ``signalled_ttl``
seconds: a sync loop polling every few seconds finds its connection, watches and language
still cached. Everything that must be exact — single-use values, idempotency keys, the
outbox, leases — goes straight through.

Every call goes through :meth:`CachingStore._guarded`: a backend failure that means "the
store is not answering" (the backend's ``unavailable_errors``: Redis gone, SQLite locked or
its disk failing) becomes :class:`~core.errors.StoreUnavailable`, which callers show people
without a traceback, and the outage is logged once when it starts, with its cause, and once
when the store answers again, however many requests and loops ran into it meanwhile.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from core.errors import StoreUnavailable
from core.models import CardLocation, ChannelRef, Connection, Subscription, Ticket, TicketKind
from core.store.cache_entries import MISSING, Entries, Group
from core.store.port import OutboxItem, Store

__all__ = ["CachingStore"]

log = logging.getLogger(__name__)

Doc = dict[str, Any]
T = TypeVar("T")
#: The longest ticket page kept: a command's page or a home tab's list.
PAGE_CACHED_MAX = 200


class CachingStore(Store):
    """Wraps ``inner``; see the module docstring for what is cached."""

    def __init__(self, inner: Store, ttl: float = 2.0, *, signalled_ttl: float = 60.0) -> None:
        self.inner = inner
        self.unavailable_errors = inner.unavailable_errors
        self._down_since: float | None = None
        self._ttl = ttl
        self._signalled_ttl = signalled_ttl
        self._signals = inner.cache_signals()
        self._entries = Entries(self._entry_ttl)

    @property
    def signalled(self) -> bool:
        """Other processes' writes are told now: entries live ``signalled_ttl``."""
        return self._signals is not None and self._signals.live

    def _entry_ttl(self) -> float:
        return self._signalled_ttl if self.signalled else self._ttl

    def _drop(self, group: Group | None) -> None:
        """Another process wrote ``group`` (None: something, or what is not known)."""
        if group is None:
            self._entries.clear()
        else:
            self._entries.drop(group)

    async def _wrote(self, *groups: Group) -> None:
        """This process wrote ``groups``: forget them here, then tell the others."""
        for group in groups:
            self._entries.drop(group)
        if self._signals is not None and groups:
            await self._guarded(self._signals.written(groups))

    async def _guarded(self, call: Awaitable[T]) -> T:
        """Await a call of the inner store, turning an outage into StoreUnavailable."""
        try:
            result = await call
        except self.unavailable_errors as exc:
            if self._down_since is None:
                self._down_since = time.monotonic()
                log.warning("store not answering: %s: %s", type(exc).__name__, exc)
            raise StoreUnavailable() from exc
        if self._down_since is not None:
            took = time.monotonic() - self._down_since
            self._down_since = None
            log.info("store answering again after %.0f s", took)
        return result

    async def _read(self, key: tuple[Any, ...], load: Callable[[], Awaitable[Any]]) -> Any:
        # A hit needs no coroutine of its own: most reads of a poll are hits.
        value = self._entries.get(key)
        if value is not MISSING:
            return value
        return await self._entries.load(key, lambda: self._guarded(load()))

    def ticket_writes(self, workspace: str) -> int:
        """How many times ``workspace``'s tickets were written (through this store, or by
        another process that told of it), or their cards kept through this store: a number
        that moves with every write (timers that derive work from the stored tickets look
        again when it moved)."""
        return self._entries.ticket_drops.get(workspace, 0)

    # life cycle
    async def open(self) -> None:
        """Open the inner store, then listen for other processes' writes."""
        await self._guarded(self.inner.open())
        if self._signals is not None:
            await self._guarded(self._signals.start(self._drop))

    async def close(self) -> None:
        """Stop listening, close the inner store and forget everything."""
        if self._signals is not None:
            await self._signals.stop()
        self._entries.clear()
        await self._guarded(self.inner.close())

    async def ping(self) -> None:
        """Ping the inner store (never cached)."""
        await self._guarded(self.inner.ping())

    # documents
    async def put_document(
        self, namespace: str, key: str, data: Doc, *, secret: bool = False
    ) -> None:
        """Write through, then forget the cached copy."""
        await self._guarded(self.inner.put_document(namespace, key, data, secret=secret))
        await self._wrote(("doc", namespace))

    async def get_document(self, namespace: str, key: str) -> Doc | None:
        """Cached read."""
        doc = await self._read(
            ("doc", namespace, key), lambda: self.inner.get_document(namespace, key)
        )
        return None if doc is None else dict(doc)

    async def get_documents(self, namespace: str, keys: Sequence[str]) -> dict[str, Doc]:
        """Not cached: a page of baselines is read once per change, then written."""
        return await self._guarded(self.inner.get_documents(namespace, keys))

    async def put_documents(self, namespace: str, docs: Mapping[str, Doc]) -> None:
        """Write through, then forget the cached copies."""
        await self._guarded(self.inner.put_documents(namespace, docs))
        await self._wrote(("doc", namespace))

    async def delete_document(self, namespace: str, key: str) -> bool:
        """Delete through."""
        gone = await self._guarded(self.inner.delete_document(namespace, key))
        await self._wrote(("doc", namespace))
        return gone

    async def list_documents(self, namespace: str, prefix: str = "") -> dict[str, Doc]:
        """Cached read (a sync cycle lists its workspace's creates in doubt each time)."""
        found: dict[str, Doc] = await self._read(
            ("doc", namespace, ("list", prefix)),
            lambda: self.inner.list_documents(namespace, prefix),
        )
        return {key: dict(doc) for key, doc in found.items()}

    # single use: never cached
    async def put_once(self, namespace: str, key: str, data: Doc, ttl_seconds: float) -> None:
        """Straight through."""
        await self._guarded(self.inner.put_once(namespace, key, data, ttl_seconds))

    async def take_once(self, namespace: str, key: str) -> Doc | None:
        """Straight through."""
        return await self._guarded(self.inner.take_once(namespace, key))

    # connections
    async def save_connection(self, connection: Connection) -> None:
        """Write through."""
        await self._guarded(self.inner.save_connection(connection))
        await self._wrote(("conn", connection.workspace))

    async def get_connection(self, workspace: str) -> Connection | None:
        """Cached read (connections are immutable objects)."""
        found: Connection | None = await self._read(
            ("conn", workspace), lambda: self.inner.get_connection(workspace)
        )
        return found

    async def delete_connection(self, workspace: str) -> bool:
        """Delete through."""
        gone = await self._guarded(self.inner.delete_connection(workspace))
        await self._wrote(("conn", workspace))
        return gone

    async def list_connections(self) -> list[Connection]:
        """Not cached (workers and readiness want the truth)."""
        return await self._guarded(self.inner.list_connections())

    # tickets
    async def save_ticket(self, ticket: Ticket) -> None:
        """Write through; the workspace's cached pages are dropped."""
        await self._guarded(self.inner.save_ticket(ticket))
        await self._wrote(("tickets", ticket.workspace))

    async def get_ticket(self, workspace: str, number: str) -> Ticket | None:
        """Not cached."""
        return await self._guarded(self.inner.get_ticket(workspace, number))

    async def save_tickets(self, tickets: Sequence[Ticket]) -> None:
        """Write through; the workspaces' cached pages are dropped."""
        await self._guarded(self.inner.save_tickets(tickets))
        await self._wrote(*{("tickets", t.workspace) for t in tickets})

    async def get_tickets(self, workspace: str, numbers: Sequence[str]) -> dict[str, Ticket]:
        """Not cached."""
        return await self._guarded(self.inner.get_tickets(workspace, numbers))

    async def get_tickets_across(
        self, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Ticket]:
        """Not cached."""
        return await self._guarded(self.inner.get_tickets_across(pairs))

    async def find_ticket_by_correlation(
        self, workspace: str, correlation_id: str
    ) -> Ticket | None:
        """Not cached (duplicate checks must be exact)."""
        return await self._guarded(self.inner.find_ticket_by_correlation(workspace, correlation_id))

    async def list_tickets(
        self,
        workspace: str,
        kind: TicketKind | None = None,
        *,
        active_only: bool = False,
        limit: int = 20,
        offset: int = 0,
    ) -> list[Ticket]:
        """Cached page, if it is one a person reads (:data:`PAGE_CACHED_MAX` tickets at
        most); a scan of every ticket (reminders, Secure Score checks, backups) goes
        straight through: kept, a thousand workspaces' scans held every ticket decoded."""
        if limit > PAGE_CACHED_MAX:
            return await self._guarded(
                self.inner.list_tickets(
                    workspace, kind, active_only=active_only, limit=limit, offset=offset
                )
            )
        key = ("tickets", workspace, kind, active_only, limit, offset)

        async def load() -> tuple[Ticket, ...]:
            page = await self.inner.list_tickets(
                workspace, kind, active_only=active_only, limit=limit, offset=offset
            )
            return tuple(page)

        return list(await self._read(key, load))

    async def add_card_location(self, workspace: str, number: str, where: CardLocation) -> None:
        """Straight through; the workspace's ticket writes move (a reminder may have
        waited for this card)."""
        await self._guarded(self.inner.add_card_location(workspace, number, where))
        self._entries.tickets_touched(workspace)

    async def list_card_locations(self, workspace: str, number: str) -> list[CardLocation]:
        """Straight through."""
        return await self._guarded(self.inner.list_card_locations(workspace, number))

    async def card_locations_across(
        self, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], list[CardLocation]]:
        """Straight through."""
        return await self._guarded(self.inner.card_locations_across(pairs))

    # subscriptions
    async def save_subscription(self, subscription: Subscription) -> None:
        """Straight through."""
        await self._guarded(self.inner.save_subscription(subscription))

    async def delete_subscription(self, channel: ChannelRef) -> bool:
        """Straight through."""
        return await self._guarded(self.inner.delete_subscription(channel))

    async def list_subscriptions(self, workspace: str) -> list[Subscription]:
        """Straight through."""
        return await self._guarded(self.inner.list_subscriptions(workspace))

    async def subscriptions_across(
        self, workspaces: Sequence[str]
    ) -> dict[str, list[Subscription]]:
        """Straight through."""
        return await self._guarded(self.inner.subscriptions_across(workspaces))

    # idempotency, outbox, leases, audit: exact, never cached
    async def begin_idempotent(self, key: str, ttl_seconds: float) -> str | None:
        """Straight through."""
        return await self._guarded(self.inner.begin_idempotent(key, ttl_seconds))

    async def finish_idempotent(self, key: str, result: str, ttl_seconds: float) -> None:
        """Straight through."""
        await self._guarded(self.inner.finish_idempotent(key, result, ttl_seconds))

    async def abort_idempotent(self, key: str) -> None:
        """Straight through."""
        await self._guarded(self.inner.abort_idempotent(key))

    async def begin_idempotent_many(
        self, keys: Sequence[str], ttl_seconds: float
    ) -> dict[str, str | None]:
        """Straight through."""
        return await self._guarded(self.inner.begin_idempotent_many(keys, ttl_seconds))

    async def finish_idempotent_many(self, results: Mapping[str, str], ttl_seconds: float) -> None:
        """Straight through."""
        await self._guarded(self.inner.finish_idempotent_many(results, ttl_seconds))

    async def outbox_put(self, delivery_id: str, payload: Doc) -> bool:
        """Straight through."""
        return await self._guarded(self.inner.outbox_put(delivery_id, payload))

    async def outbox_put_many(self, items: Sequence[tuple[str, Doc]]) -> list[bool]:
        """Straight through."""
        return await self._guarded(self.inner.outbox_put_many(items))

    async def outbox_claim(
        self, consumer: str, limit: int, lease_seconds: float, now: datetime
    ) -> list[OutboxItem]:
        """Straight through."""
        return await self._guarded(self.inner.outbox_claim(consumer, limit, lease_seconds, now))

    async def outbox_ack(self, delivery_id: str, consumer: str) -> bool:
        """Straight through."""
        return await self._guarded(self.inner.outbox_ack(delivery_id, consumer))

    async def outbox_ack_many(self, delivery_ids: Sequence[str], consumer: str) -> list[bool]:
        """Straight through."""
        return await self._guarded(self.inner.outbox_ack_many(delivery_ids, consumer))

    async def outbox_retry(
        self, delivery_id: str, consumer: str, error: str, not_before: datetime
    ) -> bool:
        """Straight through."""
        return await self._guarded(
            self.inner.outbox_retry(delivery_id, consumer, error, not_before)
        )

    async def outbox_park(self, delivery_id: str, consumer: str, error: str) -> bool:
        """Straight through."""
        return await self._guarded(self.inner.outbox_park(delivery_id, consumer, error))

    async def outbox_requeue(self, delivery_id: str) -> bool:
        """Straight through."""
        return await self._guarded(self.inner.outbox_requeue(delivery_id))

    async def outbox_forget_done(self, older_than: datetime) -> int:
        """Straight through."""
        return await self._guarded(self.inner.outbox_forget_done(older_than))

    async def outbox_parked(self) -> list[OutboxItem]:
        """Straight through."""
        return await self._guarded(self.inner.outbox_parked())

    async def acquire_lease(self, name: str, owner: str, ttl_seconds: float) -> int | None:
        """Straight through."""
        return await self._guarded(self.inner.acquire_lease(name, owner, ttl_seconds))

    async def release_lease(self, name: str, owner: str) -> None:
        """Straight through."""
        await self._guarded(self.inner.release_lease(name, owner))

    async def audit(
        self, workspace: str, actor: str, action: str, detail: Doc, *, at: datetime | None = None
    ) -> None:
        """Straight through."""
        await self._guarded(self.inner.audit(workspace, actor, action, detail, at=at))

    async def list_audit(self, workspace: str, limit: int = 50) -> list[Doc]:
        """Straight through."""
        return await self._guarded(self.inner.list_audit(workspace, limit))

    async def durability_risks(self) -> list[tuple[str, str]]:
        """Straight through."""
        return await self._guarded(self.inner.durability_risks())

    async def audit_since(self, since: datetime | None = None) -> list[Doc]:
        """Straight through."""
        return await self._guarded(self.inner.audit_since(since))

    async def export_documents(self) -> list[tuple[str, str, Doc, bool]]:
        """Straight through."""
        return await self._guarded(self.inner.export_documents())

    async def export_workspaces(self) -> list[str]:
        """Straight through."""
        return await self._guarded(self.inner.export_workspaces())

    async def export_outbox(self) -> list[OutboxItem]:
        """Straight through."""
        return await self._guarded(self.inner.export_outbox())

    async def import_delivery(self, item: OutboxItem) -> bool:
        """Straight through."""
        return await self._guarded(self.inner.import_delivery(item))
