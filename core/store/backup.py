"""Back up, restore and re-key a whole Store (``snowops export`` / ``import`` / ``rotate-key``).

An export is JSON lines: a header, then one record per document, connection, ticket, card
location, subscription, pending delivery and audit entry. Secrets stay encrypted in it
(connection secret fields by the codec, secret documents whole), so the file is as safe as
the store, and importing it needs the same ``SNOWOPS_SECRET_KEY``. Any backend exports and
any imports, which is how a deployment moves from SQLite on one machine to Redis for many.
Single-use values (OAuth ``state``), idempotency claims and poll leases live minutes and are
not carried over.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.secrets import SecretBox, SecretKeyError
from core.store import codec
from core.store.port import OutboxItem, Store

__all__ = [
    "FORMAT",
    "BackupError",
    "ImportReport",
    "export_records",
    "import_records",
    "rotate_key",
]

Doc = dict[str, Any]

FORMAT = "snowops-export/1"
_EVERY = 10**9


@dataclass(slots=True)
class ImportReport:
    """How many records of each type were written."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str) -> None:
        """Count one record of ``kind``."""
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def summary(self) -> str:
        """``3 connections, 12 tickets, …`` in a stable order."""
        return ", ".join(f"{n} {kind}" for kind, n in sorted(self.counts.items())) or "nothing"


async def export_records(store: Store, box: SecretBox) -> AsyncIterator[Doc]:
    """Every record of ``store``, header first; secrets encrypted under ``box``'s key."""
    yield {"format": FORMAT, "exported_at": datetime.now(UTC).isoformat()}
    for ns, key, data, secret in await store.export_documents():
        body: Doc = {"enc": box.encrypt(json.dumps(data))} if secret else {"data": data}
        yield {"type": "document", "namespace": ns, "key": key, **body}
    for conn in await store.list_connections():
        yield {"type": "connection", "data": codec.connection_to_doc(conn, box)}
    for ws in await store.export_workspaces():
        for ticket in await store.list_tickets(ws, limit=_EVERY):
            yield {"type": "ticket", "data": codec.ticket_to_doc(ticket)}
            for where in await store.list_card_locations(ws, ticket.number):
                loc = codec.card_location_to_doc(where)
                yield {"type": "card", "workspace": ws, "number": ticket.number, "data": loc}
        for sub in await store.list_subscriptions(ws):
            yield {"type": "subscription", "data": codec.subscription_to_doc(sub)}
    for item in await store.export_outbox():
        yield {
            "type": "delivery",
            "id": item.delivery_id,
            "payload": item.payload,
            "attempts": item.attempts,
            "error": item.last_error,
            "parked": item.parked,
        }
    for entry in await store.audit_since(None):
        yield {"type": "audit", "data": entry}


class BackupError(ValueError):
    """A file that is not a SnowOps export, or a record that cannot be read."""


async def import_records(store: Store, box: SecretBox, lines: Iterable[str]) -> ImportReport:
    """Write an export's records into ``store``; raises :class:`BackupError` (with the line
    number) for a file that is not an export or a record it cannot read."""
    report = ImportReport()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if n == 1:
                if not isinstance(record, dict) or record.get("format") != FORMAT:
                    raise BackupError(f"not a SnowOps export (expected {FORMAT!r} first)")
                continue
            await _write(store, box, record)
        except BackupError as exc:
            raise BackupError(f"line {n}: {exc}") from None
        except SecretKeyError:
            raise BackupError(
                f"line {n}: a secret cannot be decrypted; import with the SNOWOPS_SECRET_KEY "
                "the export was made with (its keys may follow a new one)"
            ) from None
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupError(f"line {n}: unreadable record ({type(exc).__name__})") from exc
        report.add(str(record["type"]))
    return report


async def _write(store: Store, box: SecretBox, record: Doc) -> None:
    match record.get("type"):
        case "document":
            secret = "enc" in record
            data = json.loads(box.decrypt(record["enc"])) if secret else record["data"]
            await store.put_document(record["namespace"], record["key"], data, secret=secret)
        case "connection":
            await store.save_connection(codec.connection_from_doc(record["data"], box))
        case "ticket":
            await store.save_ticket(codec.ticket_from_doc(record["data"]))
        case "card":
            where = codec.card_location_from_doc(record["data"])
            await store.add_card_location(record["workspace"], record["number"], where)
        case "subscription":
            await store.save_subscription(codec.subscription_from_doc(record["data"]))
        case "delivery":
            item = OutboxItem(
                str(record["id"]),
                dict(record["payload"]),
                int(record["attempts"]),
                record.get("error"),
                parked=bool(record.get("parked")),
            )
            await store.import_delivery(item)
        case "audit":
            e = record["data"]
            at = codec.parse_at(e["at"])
            await store.audit(e["workspace"], e["actor"], e["action"], e["detail"], at=at)
        case other:
            raise BackupError(f"unknown record type {other!r}")


async def rotate_key(store: Store) -> int:
    """Re-encrypt every stored secret under the store's newest key (the first of
    ``SNOWOPS_SECRET_KEY``); returns how many records were rewritten. Run it with the new key
    first and the old ones after it; afterwards the old keys can be dropped."""
    n = 0
    for ns, key, data, secret in await store.export_documents():
        if secret:
            await store.put_document(ns, key, data, secret=True)
            n += 1
    for conn in await store.list_connections():
        await store.save_connection(conn)
        n += 1
    return n
