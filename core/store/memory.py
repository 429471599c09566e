"""In-memory Store: the reference implementation of the port, for unit tests.

It still goes through the codec and the SecretBox, so it behaves like the real stores
(including what a wrong key does) and the contract suite can hold it to the same rules.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from core.models import CardLocation, ChannelRef, Connection, Subscription, Ticket, TicketKind
from core.secrets import SecretBox
from core.store import codec
from core.store.port import OutboxItem, Store, window

__all__ = ["MemoryStore"]

Doc = dict[str, Any]


class MemoryStore(Store):
    """Keeps everything in dicts; loses it all on exit."""

    def __init__(self, box: SecretBox) -> None:
        self._box = box
        self._docs: dict[tuple[str, str], str] = {}
        self._once: dict[tuple[str, str], tuple[str, float]] = {}
        self._connections: dict[str, Doc] = {}
        self._tickets: dict[tuple[str, str], Doc] = {}
        self._cards: dict[tuple[str, str], list[Doc]] = {}
        self._subs: dict[tuple[str, str], Doc] = {}
        self._idem: dict[str, tuple[str, float]] = {}
        self._outbox: dict[str, dict[str, Any]] = {}
        self._leases: dict[str, tuple[str, float, int]] = {}
        self._fence = 0
        self._audit: list[Doc] = []

    async def open(self) -> None:
        """Nothing to open."""

    async def close(self) -> None:
        """Nothing to close."""

    async def ping(self) -> None:
        """Always answers."""

    # documents
    async def put_document(
        self, namespace: str, key: str, data: Doc, *, secret: bool = False
    ) -> None:
        """Store a document."""
        raw = json.dumps(data)
        self._docs[(namespace, key)] = ("enc:" + self._box.encrypt(raw)) if secret else raw

    async def get_document(self, namespace: str, key: str) -> Doc | None:
        """Read a document."""
        raw = self._docs.get((namespace, key))
        return None if raw is None else self._load(raw)

    async def delete_document(self, namespace: str, key: str) -> bool:
        """Delete a document."""
        return self._docs.pop((namespace, key), None) is not None

    async def list_documents(self, namespace: str, prefix: str = "") -> dict[str, Doc]:
        """Documents of a namespace."""
        return {
            k: self._load(v)
            for (ns, k), v in sorted(self._docs.items())
            if ns == namespace and k.startswith(prefix)
        }

    async def get_documents(self, namespace: str, keys: Sequence[str]) -> dict[str, Doc]:
        """Documents of ``keys`` that exist."""
        found = {k: self._docs.get((namespace, k)) for k in keys}
        return {k: self._load(raw) for k, raw in found.items() if raw is not None}

    async def put_documents(self, namespace: str, docs: Mapping[str, Doc]) -> None:
        """Store several documents."""
        for key, data in docs.items():
            self._docs[(namespace, key)] = json.dumps(data)

    def _load(self, raw: str) -> Doc:
        if raw.startswith("enc:"):
            raw = self._box.decrypt(raw[4:])
        doc: Doc = json.loads(raw)
        return doc

    # single use
    async def put_once(self, namespace: str, key: str, data: Doc, ttl_seconds: float) -> None:
        """Store a single-use value."""
        enc = self._box.encrypt(json.dumps(data))
        self._once[(namespace, key)] = (enc, time.monotonic() + ttl_seconds)

    async def take_once(self, namespace: str, key: str) -> Doc | None:
        """Take a single-use value."""
        item = self._once.pop((namespace, key), None)
        if item is None or item[1] < time.monotonic():
            return None
        doc: Doc = json.loads(self._box.decrypt(item[0]))
        return doc

    # connections
    async def save_connection(self, connection: Connection) -> None:
        """Save a connection."""
        self._connections[connection.workspace] = codec.connection_to_doc(connection, self._box)

    async def get_connection(self, workspace: str) -> Connection | None:
        """Get a connection."""
        d = self._connections.get(workspace)
        return None if d is None else codec.connection_from_doc(d, self._box)

    async def delete_connection(self, workspace: str) -> bool:
        """Delete a connection."""
        return self._connections.pop(workspace, None) is not None

    async def list_connections(self) -> list[Connection]:
        """All connections."""
        return [codec.connection_from_doc(d, self._box) for d in self._connections.values()]

    # tickets
    async def save_ticket(self, ticket: Ticket) -> None:
        """Save a ticket."""
        self._tickets[(ticket.workspace, ticket.number)] = codec.ticket_to_doc(ticket)

    async def get_ticket(self, workspace: str, number: str) -> Ticket | None:
        """Get a ticket."""
        d = self._tickets.get((workspace, number))
        return None if d is None else codec.ticket_from_doc(d)

    async def save_tickets(self, tickets: Sequence[Ticket]) -> None:
        """Save several tickets."""
        for ticket in tickets:
            self._tickets[(ticket.workspace, ticket.number)] = codec.ticket_to_doc(ticket)

    async def get_tickets(self, workspace: str, numbers: Sequence[str]) -> dict[str, Ticket]:
        """Tickets of ``numbers`` that exist."""
        found = {n: self._tickets.get((workspace, n)) for n in numbers}
        return {n: codec.ticket_from_doc(d) for n, d in found.items() if d is not None}

    async def find_ticket_by_correlation(
        self, workspace: str, correlation_id: str
    ) -> Ticket | None:
        """Find by correlation id."""
        found = [
            t
            for t in await self.list_tickets(workspace, limit=10**9)
            if t.correlation_id == correlation_id
        ]
        return found[0] if found else None

    async def list_tickets(
        self,
        workspace: str,
        kind: TicketKind | None = None,
        *,
        active_only: bool = False,
        limit: int = 20,
        offset: int = 0,
    ) -> list[Ticket]:
        """List tickets newest first."""
        rows = [
            codec.ticket_from_doc(d)
            for (ws, _), d in self._tickets.items()
            if ws == workspace
            and (kind is None or d["kind"] == kind.value)
            and (not active_only or d["active"])
        ]
        epoch = datetime.min.replace(tzinfo=UTC)
        rows.sort(key=lambda t: (t.created_at or epoch, t.number), reverse=True)
        limit, offset = window(limit, offset)
        return rows[offset : offset + limit]

    async def add_card_location(self, workspace: str, number: str, where: CardLocation) -> None:
        """Remember a card location."""
        cards = self._cards.setdefault((workspace, number), [])
        doc = codec.card_location_to_doc(where)
        if doc not in cards:
            cards.append(doc)

    async def list_card_locations(self, workspace: str, number: str) -> list[CardLocation]:
        """Card locations of a ticket."""
        return [codec.card_location_from_doc(d) for d in self._cards.get((workspace, number), [])]

    # subscriptions
    async def save_subscription(self, subscription: Subscription) -> None:
        """Save a subscription."""
        ch = subscription.channel
        self._subs[(ch.workspace, ch.channel)] = codec.subscription_to_doc(subscription)

    async def delete_subscription(self, channel: ChannelRef) -> bool:
        """Delete a subscription."""
        return self._subs.pop((channel.workspace, channel.channel), None) is not None

    async def list_subscriptions(self, workspace: str) -> list[Subscription]:
        """Subscriptions of a workspace."""
        return [
            codec.subscription_from_doc(d) for (ws, _), d in self._subs.items() if ws == workspace
        ]

    # idempotency
    async def begin_idempotent(self, key: str, ttl_seconds: float) -> str | None:
        """Claim a key."""
        item = self._idem.get(key)
        if item is not None and item[1] >= time.monotonic():
            return item[0]
        self._idem[key] = ("", time.monotonic() + ttl_seconds)
        return None

    async def finish_idempotent(self, key: str, result: str, ttl_seconds: float) -> None:
        """Record a result."""
        self._idem[key] = (result, time.monotonic() + ttl_seconds)

    async def abort_idempotent(self, key: str) -> None:
        """Release a claim."""
        self._idem.pop(key, None)

    # outbox
    async def outbox_put(self, delivery_id: str, payload: Doc) -> bool:
        """Queue a delivery once."""
        if delivery_id in self._outbox:
            return False
        self._outbox[delivery_id] = {
            "payload": payload,
            "attempts": 0,
            "error": None,
            "state": "ready",
            "due": 0.0,
            "lease_until": 0.0,
            "owner": None,
            "acked_at": 0.0,
        }
        return True

    async def outbox_claim(
        self, consumer: str, limit: int, lease_seconds: float, now: datetime
    ) -> list[OutboxItem]:
        """Lease due deliveries."""
        ts = now.timestamp()
        out: list[OutboxItem] = []
        for did, row in self._outbox.items():
            if len(out) >= limit:
                break
            if row["state"] in ("done", "parked") or row["due"] > ts:
                continue
            if row["state"] == "leased" and row["lease_until"] > ts:
                continue
            row.update(state="leased", owner=consumer, lease_until=ts + lease_seconds)
            row["attempts"] += 1
            out.append(OutboxItem(did, row["payload"], row["attempts"], row["error"]))
        return out

    def _held(self, delivery_id: str, consumer: str) -> dict[str, Any] | None:
        """The row if ``consumer`` holds its current lease, else None."""
        row = self._outbox.get(delivery_id)
        if row is None or row["state"] != "leased" or row["owner"] != consumer:
            return None
        return row

    async def outbox_ack(self, delivery_id: str, consumer: str) -> bool:
        """Mark delivered, if ``consumer`` holds the lease."""
        row = self._held(delivery_id, consumer)
        if row is None:
            return False
        row.update(state="done", owner=None, payload={}, acked_at=time.time())
        return True

    async def outbox_retry(
        self, delivery_id: str, consumer: str, error: str, not_before: datetime
    ) -> bool:
        """Schedule a retry, if ``consumer`` holds the lease."""
        row = self._held(delivery_id, consumer)
        if row is None:
            return False
        row.update(state="ready", owner=None, error=error, due=not_before.timestamp())
        return True

    async def outbox_park(self, delivery_id: str, consumer: str, error: str) -> bool:
        """Park a delivery, if ``consumer`` holds the lease."""
        row = self._held(delivery_id, consumer)
        if row is None:
            return False
        row.update(state="parked", owner=None, error=error)
        return True

    async def outbox_requeue(self, delivery_id: str) -> bool:
        """Parked → ready now, attempts from zero."""
        row = self._outbox.get(delivery_id)
        if row is None or row["state"] != "parked":
            return False
        row.update(state="ready", owner=None, due=0.0, attempts=0, error=None)
        return True

    async def outbox_forget_done(self, older_than: datetime) -> int:
        """Drop deliveries acknowledged before ``older_than``."""
        cutoff = older_than.timestamp()
        old = [
            did
            for did, r in self._outbox.items()
            if r["state"] == "done" and r["acked_at"] < cutoff
        ]
        for did in old:
            del self._outbox[did]
        return len(old)

    async def outbox_parked(self) -> list[OutboxItem]:
        """Parked deliveries."""
        return [
            OutboxItem(did, r["payload"], r["attempts"], r["error"], parked=True)
            for did, r in self._outbox.items()
            if r["state"] == "parked"
        ]

    # leases
    async def acquire_lease(self, name: str, owner: str, ttl_seconds: float) -> int | None:
        """Take or renew a lease."""
        now = time.monotonic()
        held = self._leases.get(name)
        if held is not None and held[0] != owner and held[1] > now:
            return None
        if held is not None and held[0] == owner and held[1] > now:
            fence = held[2]
        else:
            self._fence += 1
            fence = self._fence
        self._leases[name] = (owner, now + ttl_seconds, fence)
        return fence

    async def release_lease(self, name: str, owner: str) -> None:
        """Release a lease."""
        held = self._leases.get(name)
        if held is not None and held[0] == owner:
            del self._leases[name]

    # audit
    async def audit(
        self, workspace: str, actor: str, action: str, detail: Doc, *, at: datetime | None = None
    ) -> None:
        """Append an audit entry."""
        when = (at or datetime.now(UTC)).isoformat()
        entry = {"workspace": workspace, "at": when, "actor": actor, "action": action}
        self._audit.append({**entry, "detail": detail})

    async def list_audit(self, workspace: str, limit: int = 50) -> list[Doc]:
        """Newest audit entries first."""
        rows = [a for a in reversed(self._audit) if a["workspace"] == workspace]
        return rows[:limit]

    async def audit_since(self, since: datetime | None = None) -> list[Doc]:
        """Entries at or after ``since``, oldest first."""
        rows = [a for a in self._audit if since is None or codec.parse_at(a["at"]) >= since]
        return sorted(rows, key=lambda a: codec.parse_at(a["at"]))

    # backup
    async def export_documents(self) -> list[tuple[str, str, Doc, bool]]:
        """Every document, decrypted, with its secret flag."""
        return [
            (ns, key, self._load(raw), raw.startswith("enc:"))
            for (ns, key), raw in sorted(self._docs.items())
        ]

    async def export_workspaces(self) -> list[str]:
        """Workspaces with a connection, tickets or subscriptions."""
        found = set(self._connections) | {ws for ws, _ in self._tickets}
        return sorted(found | {ws for ws, _ in self._subs})

    async def export_outbox(self) -> list[OutboxItem]:
        """Deliveries not done yet."""
        return [
            OutboxItem(did, r["payload"], r["attempts"], r["error"], parked=r["state"] == "parked")
            for did, r in self._outbox.items()
            if r["state"] != "done"
        ]

    async def import_delivery(self, item: OutboxItem) -> bool:
        """Queue an exported delivery as it was."""
        if not await self.outbox_put(item.delivery_id, item.payload):
            return False
        row = self._outbox[item.delivery_id]
        row.update(attempts=item.attempts, error=item.last_error)
        if item.parked:
            row["state"] = "parked"
        return True
