"""Documents and tickets read or written several at a time by
:class:`~core.store.redis_store.RedisStore`: one ``HMGET`` or ``HSET`` per call, so sync
reads and settles a page of tickets and baselines in one round trip, not one per ticket."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from core.models import Ticket
from core.store import codec
from core.store.redis_outbox import opt_text

__all__ = ["RedisDocuments"]

Doc = dict[str, Any]


class RedisDocuments:
    """Batch document methods; RedisStore supplies the connection and the decoder."""

    _p: str

    @property
    def _r(self) -> Redis:
        raise NotImplementedError

    def _load(self, raw: str) -> Doc:
        raise NotImplementedError

    async def get_documents(self, namespace: str, keys: Sequence[str]) -> dict[str, Doc]:
        """Documents of ``keys`` that exist, by key, in one ``HMGET``."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        values = await self._r.hmget(f"{self._p}doc:{namespace}", wanted)
        found = {key: opt_text(value) for key, value in zip(wanted, values, strict=True)}
        return {key: self._load(raw) for key, raw in found.items() if raw is not None}

    async def get_tickets(self, workspace: str, numbers: Sequence[str]) -> dict[str, Ticket]:
        """Tickets of ``numbers`` that exist, by number, in one ``HMGET``."""
        wanted = list(dict.fromkeys(numbers))
        if not wanted:
            return {}
        values = await self._r.hmget(f"{self._p}tix:{workspace}", wanted)
        found = {number: opt_text(value) for number, value in zip(wanted, values, strict=True)}
        return {n: codec.ticket_from_doc(json.loads(raw)) for n, raw in found.items() if raw}

    async def put_documents(self, namespace: str, docs: Mapping[str, Doc]) -> None:
        """Store several documents in one ``HSET`` (atomic in Redis)."""
        if docs:
            # Typed for hset's parameter (a Mapping is invariant in its key type).
            mapping: dict[FieldT, EncodableT]
            mapping = {key: json.dumps(data) for key, data in docs.items()}
            await self._r.hset(f"{self._p}doc:{namespace}", mapping=mapping)
