"""SQLite Store (the embedded default) on aiosqlite: documents, single-use values,
connections, tickets and subscriptions (the queues are in ``sqlite_queue``, the connection
and schema in ``sqlite_base`` and ``sqlite_schema``).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping, Sequence
from typing import Any

from core import jsonfast
from core.models import CardLocation, ChannelRef, Connection, Subscription, Ticket, TicketKind
from core.store import codec
from core.store.port import Store, window
from core.store.sqlite_base import Doc, dumps, in_values
from core.store.sqlite_queue import SqliteQueues
from core.store.sqlite_schema import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "SqliteStore"]


_SAVE_TICKET = (
    "INSERT OR REPLACE INTO tickets (workspace, number, kind, active, created_us, "
    "correlation_id, body) VALUES (?, ?, ?, ?, ?, ?, ?)"
)


# The body alone, where the indexed columns are unchanged (a ticket that moved is most
# often still open, of the same kind): it rewrites one table page, where the REPLACE above
# deletes and inserts the row and its entry in each of the five indexes (four times the CPU
# and eight times the pages written).
_SAVE_BODY = (
    "UPDATE tickets SET body = ? WHERE workspace = ? AND number = ? AND kind = ? "
    "AND active = ? AND created_us = ? AND correlation_id = ?"
)


def _save_rows(c: sqlite3.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    for row in rows:
        if c.execute(_SAVE_BODY, (row[6], *row[:6])).rowcount == 0:
            c.execute(_SAVE_TICKET, row)


def _ticket_row(ticket: Ticket) -> tuple[Any, ...]:
    return (
        ticket.workspace,
        ticket.number,
        ticket.kind.value,
        int(ticket.active),
        codec.created_micros(ticket.created_at),
        ticket.correlation_id,
        dumps(codec.ticket_to_doc(ticket)),
    )


class SqliteStore(SqliteQueues, Store):
    """Store on one SQLite file (``":memory:"`` works for quick tests)."""

    # Locked past the busy timeout, a full or failing disk: not a bug, and it passes.
    unavailable_errors = (sqlite3.OperationalError, OSError)

    # -- documents --------------------------------------------------------------------
    async def put_document(
        self, namespace: str, key: str, data: Doc, *, secret: bool = False
    ) -> None:
        """Store a document, encrypted whole if ``secret``."""
        raw = jsonfast.dumps(data)
        body = self._box.encrypt(raw) if secret else raw
        await self._run(
            "INSERT INTO documents (namespace, key, secret, body) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (namespace, key) DO UPDATE SET secret = excluded.secret, "
            "body = excluded.body",
            (namespace, key, int(secret), body),
        )

    async def get_document(self, namespace: str, key: str) -> Doc | None:
        """Read a document back, or None."""
        row = await self._one(
            "SELECT secret, body FROM documents WHERE namespace = ? AND key = ?",
            (namespace, key),
        )
        return None if row is None else self._load(row[0], row[1])

    async def get_documents(self, namespace: str, keys: Sequence[str]) -> dict[str, Doc]:
        """Documents of ``keys`` that exist, in one statement per 500 keys."""
        sql = "SELECT key, secret, body FROM documents WHERE namespace = ? AND key"
        rows = await self._rows_in(sql, namespace, keys)
        return {row[0]: self._load(row[1], row[2]) for row in rows}

    async def put_documents(self, namespace: str, docs: Mapping[str, Doc]) -> None:
        """Store several documents in one transaction."""
        rows = [(namespace, key, jsonfast.dumps(data)) for key, data in docs.items()]
        if rows:
            await self._write_tx(
                lambda c: c.executemany(
                    "INSERT INTO documents (namespace, key, secret, body) VALUES (?, ?, 0, ?) "
                    "ON CONFLICT (namespace, key) DO UPDATE SET secret = 0, body = excluded.body",
                    rows,
                )
            )

    async def delete_document(self, namespace: str, key: str) -> bool:
        """Delete a document; True if it existed."""
        n = await self._run(
            "DELETE FROM documents WHERE namespace = ? AND key = ?", (namespace, key)
        )
        return n > 0

    async def list_documents(self, namespace: str, prefix: str = "") -> dict[str, Doc]:
        """Documents of a namespace whose key starts with ``prefix``, by key."""
        # substr() rather than LIKE: LIKE treats % and _ as wildcards and ignores case.
        rows = await self._all(
            "SELECT key, secret, body FROM documents WHERE namespace = ? AND key >= ? "
            "AND substr(key, 1, ?) = ? ORDER BY key",
            (namespace, prefix, len(prefix), prefix),
        )
        return {r[0]: self._load(r[1], r[2]) for r in rows}

    async def export_documents(self) -> list[tuple[str, str, Doc, bool]]:
        """Every document, decrypted, with its secret flag."""
        rows = await self._all(
            "SELECT namespace, key, secret, body FROM documents ORDER BY namespace, key", ()
        )
        return [(r[0], r[1], self._load(r[2], r[3]), bool(r[2])) for r in rows]

    async def export_workspaces(self) -> list[str]:
        """Workspaces with a connection, tickets or subscriptions."""
        rows = await self._all(
            "SELECT workspace FROM connections UNION SELECT workspace FROM tickets "
            "UNION SELECT workspace FROM subscriptions ORDER BY 1",
            (),
        )
        return [r[0] for r in rows]

    def _load(self, secret: int, body: str) -> Doc:
        doc: Doc = jsonfast.loads(self._box.decrypt(body) if secret else body)
        return doc

    # -- single-use values ------------------------------------------------------------
    async def put_once(self, namespace: str, key: str, data: Doc, ttl_seconds: float) -> None:
        """Store an encrypted single-use value."""
        now = time.time()
        body = self._box.encrypt(jsonfast.dumps(data))

        def put(c: sqlite3.Connection) -> None:
            # Expired values that were never taken would otherwise stay forever.
            c.execute("DELETE FROM once WHERE expires_at < ?", (now,))
            c.execute(
                "INSERT OR REPLACE INTO once (namespace, key, body, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (namespace, key, body, now + ttl_seconds),
            )

        await self._write_tx(put)

    async def take_once(self, namespace: str, key: str) -> Doc | None:
        """Atomically take and delete a value (one statement: DELETE … RETURNING). Most
        asks find nothing (a ticket's comment that was not written from a chat thread):
        a read answers those, without a write of its own."""
        there = "SELECT 1 FROM once WHERE namespace = ? AND key = ?"
        if await self._one(there, (namespace, key)) is None:
            return None
        row = await self._one(
            "DELETE FROM once WHERE namespace = ? AND key = ? RETURNING body, expires_at",
            (namespace, key),
        )
        if row is None or row[1] < time.time():
            return None
        doc: Doc = jsonfast.loads(self._box.decrypt(row[0]))
        return doc

    # -- connections ------------------------------------------------------------------
    async def save_connection(self, connection: Connection) -> None:
        """Create or replace a workspace's connection."""
        doc = self._connections.dump(connection)
        await self._run(
            "INSERT OR REPLACE INTO connections (workspace, body) VALUES (?, ?)",
            (connection.workspace, dumps(doc)),
        )

    async def get_connection(self, workspace: str) -> Connection | None:
        """The workspace's connection, or None."""
        row = await self._one("SELECT body FROM connections WHERE workspace = ?", (workspace,))
        return None if row is None else self._connections.load(row[0])

    async def delete_connection(self, workspace: str) -> bool:
        """Forget a connection."""
        return await self._run("DELETE FROM connections WHERE workspace = ?", (workspace,)) > 0

    async def list_connections(self) -> list[Connection]:
        """Every connection, by workspace."""
        rows = await self._all("SELECT body FROM connections ORDER BY workspace", ())
        return [self._connections.load(r[0]) for r in rows]

    # -- tickets ----------------------------------------------------------------------
    async def save_ticket(self, ticket: Ticket) -> None:
        """Create or replace a ticket."""
        row = _ticket_row(ticket)
        await self._write_tx(lambda c: _save_rows(c, (row,)))

    async def save_tickets(self, tickets: Sequence[Ticket]) -> None:
        """Create or replace several tickets in one transaction."""
        rows = [_ticket_row(t) for t in tickets]
        if rows:
            await self._write_tx(lambda c: _save_rows(c, rows))

    async def get_ticket(self, workspace: str, number: str) -> Ticket | None:
        """A ticket by number."""
        row = await self._one(
            "SELECT body FROM tickets WHERE workspace = ? AND number = ?", (workspace, number)
        )
        return None if row is None else codec.ticket_from_doc(jsonfast.loads(row[0]))

    async def get_tickets(self, workspace: str, numbers: Sequence[str]) -> dict[str, Ticket]:
        """Tickets of ``numbers`` that exist, in one statement per 500 numbers."""
        sql = "SELECT number, body FROM tickets WHERE workspace = ? AND number"
        rows = await self._rows_in(sql, workspace, numbers)
        return {row[0]: codec.ticket_from_doc(jsonfast.loads(row[1])) for row in rows}

    async def get_tickets_across(
        self, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Ticket]:
        """Tickets of (workspace, number) pairs that exist, in one statement per 400."""
        rows = await self._pairs_in("tickets", "t.workspace, t.number, t.body", pairs)
        return {(r[0], r[1]): codec.ticket_from_doc(jsonfast.loads(r[2])) for r in rows}

    async def find_ticket_by_correlation(
        self, workspace: str, correlation_id: str
    ) -> Ticket | None:
        """The newest ticket with this correlation id."""
        row = await self._one(
            "SELECT body FROM tickets WHERE workspace = ? AND correlation_id = ? "
            "ORDER BY created_us DESC, number DESC LIMIT 1",
            (workspace, correlation_id),
        )
        return None if row is None else codec.ticket_from_doc(jsonfast.loads(row[0]))

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
        where = ["workspace = ?"]
        params: list[Any] = [workspace]
        if kind is not None:
            where.append("kind = ?")
            params.append(kind.value)
        if active_only:
            where.append("active = 1")
        params += window(limit, offset)
        rows = await self._all(
            f"SELECT body FROM tickets WHERE {' AND '.join(where)} "
            "ORDER BY created_us DESC, number DESC LIMIT ? OFFSET ?",
            params,
        )
        return [codec.ticket_from_doc(jsonfast.loads(r[0])) for r in rows]

    async def add_card_location(self, workspace: str, number: str, where: CardLocation) -> None:
        """Remember a card location once."""
        await self._run(
            "INSERT OR IGNORE INTO card_locations (workspace, number, body) VALUES (?, ?, ?)",
            (workspace, number, dumps(codec.card_location_to_doc(where))),
        )

    async def list_card_locations(self, workspace: str, number: str) -> list[CardLocation]:
        """Card locations, oldest first."""
        rows = await self._all(
            "SELECT body FROM card_locations WHERE workspace = ? AND number = ? ORDER BY seq",
            (workspace, number),
        )
        return [codec.card_location_from_doc(jsonfast.loads(r[0])) for r in rows]

    async def card_locations_across(
        self, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], list[CardLocation]]:
        """Card locations of (workspace, number) pairs, oldest first, in one statement per
        400 pairs."""
        columns = "t.workspace, t.number, t.body, t.seq"
        found: dict[tuple[str, str], list[CardLocation]] = {}
        for r in sorted(await self._pairs_in("card_locations", columns, pairs), key=lambda r: r[3]):
            found.setdefault((r[0], r[1]), []).append(
                codec.card_location_from_doc(jsonfast.loads(r[2]))
            )
        return found

    # -- subscriptions ----------------------------------------------------------------
    async def save_subscription(self, subscription: Subscription) -> None:
        """Create or replace a channel's subscription."""
        ch = subscription.channel
        await self._run(
            "INSERT OR REPLACE INTO subscriptions (workspace, channel, body) VALUES (?, ?, ?)",
            (ch.workspace, ch.channel, dumps(codec.subscription_to_doc(subscription))),
        )

    async def delete_subscription(self, channel: ChannelRef) -> bool:
        """Remove a channel's subscription."""
        n = await self._run(
            "DELETE FROM subscriptions WHERE workspace = ? AND channel = ?",
            (channel.workspace, channel.channel),
        )
        return n > 0

    async def subscriptions_across(
        self, workspaces: Sequence[str]
    ) -> dict[str, list[Subscription]]:
        """Subscriptions of several workspaces, by channel: one statement per 500."""
        found: dict[str, list[Subscription]] = {}
        for marks, chunk in in_values(workspaces):
            rows = await self._all(
                f"SELECT workspace, body FROM subscriptions WHERE workspace IN ({marks}) "
                "ORDER BY workspace, channel",
                chunk,
            )
            for workspace, body in rows:
                found.setdefault(workspace, []).append(
                    codec.subscription_from_doc(jsonfast.loads(body))
                )
        return found

    async def list_subscriptions(self, workspace: str) -> list[Subscription]:
        """Subscriptions of a workspace, by channel."""
        rows = await self._all(
            "SELECT body FROM subscriptions WHERE workspace = ? ORDER BY channel", (workspace,)
        )
        return [codec.subscription_from_doc(jsonfast.loads(r[0])) for r in rows]
