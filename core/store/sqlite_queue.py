"""The SQLite store's queues and claims: idempotency keys, the delivery outbox, leases
and the audit log."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from core import jsonfast
from core.storage import OutboxItem
from core.store.sqlite_base import Doc, SqliteBase, in_values, pairs_values
from core.store.sqlite_schema import AUDIT_KEEP

__all__ = ["SqliteQueues"]


class SqliteQueues(SqliteBase):
    """Idempotency keys, outbox, leases and audit on the SQLite connection."""

    # -- idempotency ------------------------------------------------------------------
    async def begin_idempotent(self, key: str, ttl_seconds: float) -> str | None:
        """Claim a key, or return its stored result ("" while pending)."""
        now = time.time()

        def claim(c: sqlite3.Connection) -> str | None:
            row = c.execute(
                "SELECT result FROM idempotency WHERE key = ? AND expires_at >= ?", (key, now)
            ).fetchone()
            if row is not None:
                return str(row[0])
            c.execute(
                "INSERT OR REPLACE INTO idempotency (key, result, expires_at) VALUES (?, '', ?)",
                (key, now + ttl_seconds),
            )
            return None

        return await self._write_tx(claim)

    async def finish_idempotent(self, key: str, result: str, ttl_seconds: float) -> None:
        """Record the result of a claimed key."""
        now = time.time()
        # Expired keys go at most once a minute: the sweep reads the whole table.
        sweep = now - self._swept > 60
        if sweep:
            self._swept = now

        def finish(c: sqlite3.Connection) -> None:
            if sweep:
                c.execute("DELETE FROM idempotency WHERE expires_at < ?", (now,))
            c.execute(
                "INSERT OR REPLACE INTO idempotency (key, result, expires_at) VALUES (?, ?, ?)",
                (key, result, now + ttl_seconds),
            )

        await self._write_tx(finish)

    async def begin_idempotent_many(
        self, keys: Sequence[str], ttl_seconds: float
    ) -> dict[str, str | None]:
        """Claim every key in one transaction (each claimed or answered as alone)."""
        now, wanted = time.time(), list(dict.fromkeys(keys))

        def claim(c: sqlite3.Connection) -> dict[str, str | None]:
            found: dict[str, str | None] = {}
            for marks, chunk in in_values(wanted):
                found |= c.execute(
                    f"SELECT key, result FROM idempotency WHERE key IN ({marks})"
                    " AND expires_at >= ?",
                    (*chunk, now),
                ).fetchall()
            fresh = [(k, now + ttl_seconds) for k in wanted if k not in found]
            c.executemany(
                "INSERT OR REPLACE INTO idempotency (key, result, expires_at) VALUES (?, '', ?)",
                fresh,
            )
            return {k: (str(found[k]) if k in found else None) for k in wanted}

        return await self._write_tx(claim) if wanted else {}

    async def finish_idempotent_many(self, results: Mapping[str, str], ttl_seconds: float) -> None:
        """Record every result in one transaction."""
        if not results:
            return
        now = time.time()
        sweep = now - self._swept > 60  # as finish_idempotent: expired keys go now and then
        if sweep:
            self._swept = now
        rows = [(k, r, now + ttl_seconds) for k, r in results.items()]

        def finish(c: sqlite3.Connection) -> None:
            if sweep:
                c.execute("DELETE FROM idempotency WHERE expires_at < ?", (now,))
            c.executemany(
                "INSERT OR REPLACE INTO idempotency (key, result, expires_at) VALUES (?, ?, ?)",
                rows,
            )

        await self._write_tx(finish)

    async def abort_idempotent(self, key: str) -> None:
        """Release a claim."""
        await self._run("DELETE FROM idempotency WHERE key = ?", (key,))

    # -- outbox -----------------------------------------------------------------------
    async def outbox_put(self, delivery_id: str, payload: Doc) -> bool:
        """Queue a delivery once (delivered ids are refused too, until forgotten)."""
        n = await self._run(
            "INSERT OR IGNORE INTO outbox (delivery_id, payload) VALUES (?, ?)",
            (delivery_id, jsonfast.dumps(payload)),
        )
        return n > 0

    async def outbox_put_many(self, items: Sequence[tuple[str, Doc]]) -> list[bool]:
        """Queue several deliveries in one transaction, each once."""
        rows = [(delivery_id, jsonfast.dumps(payload)) for delivery_id, payload in items]
        if not rows:
            return []

        def put(c: sqlite3.Connection) -> list[bool]:
            # One statement per 400 rows, which names the rows it inserted: a statement
            # per row cost a sync cycle thousands of executions.
            new: set[str] = set()
            for values, args in pairs_values(rows):
                sql = (
                    f"INSERT OR IGNORE INTO outbox (delivery_id, payload) VALUES {values} "
                    "RETURNING delivery_id"
                )
                new.update(r[0] for r in c.execute(sql, args).fetchall())
            answers = []
            for delivery_id, _ in rows:
                answers.append(delivery_id in new)
                new.discard(delivery_id)  # an id given twice is new once, the first time
            return answers

        return await self._write_tx(put)

    async def outbox_claim(
        self, consumer: str, limit: int, lease_seconds: float, now: datetime
    ) -> list[OutboxItem]:
        """Lease due deliveries, including those whose lease ran out."""
        ts = now.timestamp()

        def claim(c: sqlite3.Connection) -> list[Any]:
            # Two indexed halves: an OR across both would scan every leased and done row.
            # Named, as the planner would walk the whole table in ``seq`` order instead.
            rows = c.execute(
                "SELECT * FROM (SELECT seq, delivery_id, payload, attempts, error FROM outbox "
                "INDEXED BY outbox_ready WHERE state = 'ready' AND due <= ? ORDER BY seq "
                "LIMIT ?) UNION ALL "
                "SELECT * FROM (SELECT seq, delivery_id, payload, attempts, error FROM outbox "
                "INDEXED BY outbox_leased WHERE state = 'leased' AND lease_until <= ? "
                "ORDER BY seq LIMIT ?) "
                "ORDER BY seq LIMIT ?",
                (ts, max(limit, 0), ts, max(limit, 0), max(limit, 0)),
            ).fetchall()
            c.executemany(
                "UPDATE outbox SET state = 'leased', lease_until = ?, owner = ?, "
                "attempts = attempts + 1 WHERE seq = ?",
                [(ts + lease_seconds, consumer, r[0]) for r in rows],
            )
            return rows

        rows = await self._write_tx(claim)
        return [OutboxItem(r[1], jsonfast.loads(r[2]), r[3] + 1, r[4]) for r in rows]

    async def outbox_ack(self, delivery_id: str, consumer: str) -> bool:
        """Mark delivered if ``consumer`` holds the lease; the row stays (without payload,
        with ``acked_at``) to refuse the id until :meth:`outbox_forget_done`."""
        [acked] = await self.outbox_ack_many([delivery_id], consumer)
        return acked

    async def outbox_ack_many(self, delivery_ids: Sequence[str], consumer: str) -> list[bool]:
        """Acknowledge several in one transaction (a delivery round's: one commit, not
        one per message), each as :meth:`outbox_ack` would."""
        if not delivery_ids:
            return []
        now = time.time()

        def ack(c: sqlite3.Connection) -> set[str]:
            done: set[str] = set()
            for marks, chunk in in_values(delivery_ids):
                sql = (
                    "UPDATE outbox SET state = 'done', owner = NULL, payload = '{}', "
                    "acked_at = ? WHERE state = 'leased' AND owner = ? AND delivery_id IN "
                    f"({marks}) RETURNING delivery_id"
                )
                done.update(r[0] for r in c.execute(sql, (now, consumer, *chunk)).fetchall())
            return done

        done = await self._write_tx(ack)
        answers = []
        for delivery_id in delivery_ids:
            answers.append(delivery_id in done)
            done.discard(delivery_id)  # an id given twice is acknowledged once, the first time
        return answers

    async def outbox_retry(
        self, delivery_id: str, consumer: str, error: str, not_before: datetime
    ) -> bool:
        """Hand out again from ``not_before``, if ``consumer`` holds the lease."""
        n = await self._run(
            "UPDATE outbox SET state = 'ready', error = ?, due = ?, owner = NULL "
            "WHERE delivery_id = ? AND state = 'leased' AND owner = ?",
            (error, not_before.timestamp(), delivery_id, consumer),
        )
        return n > 0

    async def outbox_park(self, delivery_id: str, consumer: str, error: str) -> bool:
        """Stop retrying a delivery, if ``consumer`` holds the lease."""
        n = await self._run(
            "UPDATE outbox SET state = 'parked', error = ?, owner = NULL "
            "WHERE delivery_id = ? AND state = 'leased' AND owner = ?",
            (error, delivery_id, consumer),
        )
        return n > 0

    async def outbox_requeue(self, delivery_id: str) -> bool:
        """Parked → ready now, attempts from zero."""
        n = await self._run(
            "UPDATE outbox SET state = 'ready', due = 0, attempts = 0, error = NULL, "
            "owner = NULL WHERE delivery_id = ? AND state = 'parked'",
            (delivery_id,),
        )
        return n > 0

    async def outbox_forget_done(self, older_than: datetime) -> int:
        """Delete deliveries acknowledged before ``older_than``."""
        return await self._run(
            "DELETE FROM outbox WHERE state = 'done' AND acked_at < ?",
            (older_than.timestamp(),),
        )

    async def outbox_parked(self) -> list[OutboxItem]:
        """Parked deliveries, oldest first."""
        rows = await self._all(
            "SELECT delivery_id, payload, attempts, error FROM outbox WHERE state = 'parked' "
            "ORDER BY seq",
            (),
        )
        return [OutboxItem(r[0], jsonfast.loads(r[1]), r[2], r[3], parked=True) for r in rows]

    # -- leases -----------------------------------------------------------------------
    async def acquire_lease(self, name: str, owner: str, ttl_seconds: float) -> int | None:
        """Take or renew a lease; the fence grows with each new holder."""
        now = time.time()

        def take(c: sqlite3.Connection) -> int | None:
            row = c.execute(
                "SELECT owner, expires_at, fence FROM leases WHERE name = ?", (name,)
            ).fetchone()
            if row is None:
                fence = 1
            elif row[0] is not None and row[1] > now:
                if row[0] != owner:
                    return None
                fence = int(row[2])
            else:
                # The row outlives release and expiry so the fence never goes back.
                fence = int(row[2]) + 1
            c.execute(
                "INSERT OR REPLACE INTO leases (name, owner, expires_at, fence) "
                "VALUES (?, ?, ?, ?)",
                (name, owner, now + ttl_seconds, fence),
            )
            return fence

        # Every poll turn takes its lease twice: one hop to the database thread, not five.
        return await self._write_tx(take)

    async def release_lease(self, name: str, owner: str) -> None:
        """Give a lease up if ``owner`` holds it."""
        await self._run(
            "UPDATE leases SET owner = NULL, expires_at = 0 WHERE name = ? AND owner = ?",
            (name, owner),
        )

    # -- audit ------------------------------------------------------------------------
    async def audit(
        self, workspace: str, actor: str, action: str, detail: Doc, *, at: datetime | None = None
    ) -> None:
        """Append an audit entry; keeps the newest AUDIT_KEEP per workspace."""
        when = (at or datetime.now(UTC)).isoformat()

        def append(c: sqlite3.Connection) -> None:
            last = c.execute(
                "INSERT INTO audit (workspace, at, actor, action, detail) VALUES (?, ?, ?, ?, ?)",
                (workspace, when, actor, action, jsonfast.dumps(detail)),
            ).lastrowid
            if last is not None and last % 100 == 0:
                c.execute(
                    "DELETE FROM audit WHERE workspace = ? AND id <= (SELECT id FROM audit "
                    "WHERE workspace = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
                    (workspace, workspace, AUDIT_KEEP),
                )

        await self._write_tx(append)

    async def list_audit(self, workspace: str, limit: int = 50) -> list[Doc]:
        """Newest audit entries first."""
        rows = await self._all(
            "SELECT at, actor, action, detail FROM audit WHERE workspace = ? "
            "ORDER BY id DESC LIMIT ?",
            (workspace, max(limit, 0)),
        )
        return [
            {
                "workspace": workspace,
                "at": r[0],
                "actor": r[1],
                "action": r[2],
                "detail": jsonfast.loads(r[3]),
            }
            for r in rows
        ]

    async def audit_since(self, since: datetime | None = None) -> list[Doc]:
        """Entries at or after ``since``, oldest first (``at`` is ISO 8601 in UTC, so text
        order is time order)."""
        start = "" if since is None else since.astimezone(UTC).isoformat()
        rows = await self._all(
            "SELECT workspace, at, actor, action, detail FROM audit WHERE at >= ? ORDER BY at, id",
            (start,),
        )
        return [
            {
                "workspace": r[0],
                "at": r[1],
                "actor": r[2],
                "action": r[3],
                "detail": jsonfast.loads(r[4]),
            }
            for r in rows
        ]

    # -- backup -----------------------------------------------------------------------
    async def export_outbox(self) -> list[OutboxItem]:
        """Deliveries not done yet, in queue order."""
        rows = await self._all(
            "SELECT delivery_id, payload, attempts, error, state FROM outbox "
            "WHERE state != 'done' ORDER BY seq",
            (),
        )
        return [
            OutboxItem(r[0], jsonfast.loads(r[1]), r[2], r[3], parked=r[4] == "parked")
            for r in rows
        ]

    async def import_delivery(self, item: OutboxItem) -> bool:
        """Queue an exported delivery as it was."""
        n = await self._run(
            "INSERT OR IGNORE INTO outbox (delivery_id, payload, attempts, error, state) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                item.delivery_id,
                jsonfast.dumps(item.payload),
                item.attempts,
                item.last_error,
                "parked" if item.parked else "ready",
            ),
        )
        return n > 0
