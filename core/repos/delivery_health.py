"""How deliveries to each destination went: the last success, failures since, the last error.

``/snow status`` shows it per channel, so an admin sees which channel stopped hearing and
why, not only a total. A success is written at most every :data:`WRITE_EVERY` seconds per
destination (a busy channel must not cost a write per message); every failure is written.
Replicas may race on the failure count; it is a hint for people, not an accounting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.clock import Clock
from core.models import ChannelRef
from core.storage import Documents

__all__ = ["DeliveryHealth", "DestinationHealth"]

_NS = "delivery_health"
WRITE_EVERY = 30.0


@dataclass(frozen=True, slots=True)
class DestinationHealth:
    """One destination's record."""

    channel: str
    last_ok: datetime | None = None
    failures: int = 0
    last_error: str | None = None
    last_failure: datetime | None = None


def _key(to: ChannelRef) -> str:
    return f"{to.workspace}|{to.channel}"


def _when(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


class DeliveryHealth:
    """Per-destination delivery records, in the store's documents."""

    def __init__(self, docs: Documents, clock: Clock) -> None:
        self._docs = docs
        self._clock = clock
        self._written: dict[str, datetime] = {}

    async def delivered(self, to: ChannelRef) -> None:
        """A delivery to ``to`` went out."""
        key, now = _key(to), self._clock.now()
        last = self._written.get(key)
        if last is not None and (now - last).total_seconds() < WRITE_EVERY:
            return
        self._written[key] = now
        await self._docs.put_document(_NS, key, {"last_ok": now.isoformat(), "failures": 0})

    async def failed(self, to: ChannelRef, error: str) -> None:
        """A delivery to ``to`` failed with ``error`` (it may be retried or parked)."""
        key, now = _key(to), self._clock.now()
        doc = await self._docs.get_document(_NS, key) or {}
        failures = int(doc.get("failures") or 0) + 1
        self._written.pop(key, None)  # the next success must be written, whenever it comes
        await self._docs.put_document(
            _NS,
            key,
            {**doc, "failures": failures, "error": error[:300], "failed_at": now.isoformat()},
        )

    async def of(self, workspace: str) -> list[DestinationHealth]:
        """Every destination of ``workspace`` that was delivered to, by channel id."""
        docs = await self._docs.list_documents(_NS, f"{workspace}|")
        return [
            DestinationHealth(
                key.split("|", 1)[1],
                _when(doc.get("last_ok")),
                int(doc.get("failures") or 0),
                doc.get("error"),
                _when(doc.get("failed_at")),
            )
            for key, doc in sorted(docs.items())
        ]
