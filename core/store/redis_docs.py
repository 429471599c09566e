"""Documents and tickets read or written several at a time by
:class:`~core.store.redis_store.RedisStore`: one ``HMGET``, ``HSET`` or transaction per call,
so sync reads, stores and settles a page of tickets and baselines in one round trip each,
not one per ticket; and a sync batch's tickets, cards and subscriptions across workspaces
in one pipeline each."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.typing import EncodableT, FieldT

from core.models import CardLocation, Subscription, Ticket, TicketKind
from core.store import codec
from core.store.port import by_workspace
from core.store.redis_outbox import as_text, as_texts, opt_text

__all__ = ["RedisDocuments", "dumps_sorted", "ticket_score", "view_name"]

Doc = dict[str, Any]


def dumps_sorted(doc: Doc) -> str:
    """A document as JSON with sorted keys: equal documents are equal strings (card
    location dedupe relies on it)."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


def ticket_score(value: datetime | None) -> float:
    """A ticket's place in its views (whole microseconds stay exact in a double until the
    year 2255)."""
    return float(codec.created_micros(value))


def view_name(kind: TicketKind | None, active_only: bool) -> str:
    """The name of a ticket view: every kind or one, every ticket or the active ones."""
    base = "all" if kind is None else kind.value
    if active_only:
        return "active" if kind is None else f"{base}:active"
    return base


class RedisDocuments:
    """Batch document methods; RedisStore supplies the connection and the decoder."""

    _p: str

    @property
    def _r(self) -> Redis:
        raise NotImplementedError

    def _load(self, raw: str) -> Doc:
        raise NotImplementedError

    def _ticket_writes(self, pipe: Pipeline, ticket: Ticket) -> None:
        """The commands that write ``ticket`` and move it into exactly its views."""
        base = f"{self._p}tix:{ticket.workspace}"
        score = ticket_score(ticket.created_at)
        pipe.hset(base, ticket.number, dumps_sorted(codec.ticket_to_doc(ticket)))
        for kind in (None, *TicketKind):
            for active_only in (False, True):
                key = f"{base}:z:{view_name(kind, active_only)}"
                wanted = (kind is None or kind is ticket.kind) and (
                    ticket.active or not active_only
                )
                if wanted:
                    pipe.zadd(key, {ticket.number: score})
                else:
                    pipe.zrem(key, ticket.number)
        pipe.zadd(f"{base}:corr:{ticket.correlation_id}", {ticket.number: score})

    async def save_tickets(self, tickets: Sequence[Ticket]) -> None:
        """Write several tickets and their views in one transaction (one round trip)."""
        if not tickets:
            return
        async with self._r.pipeline(transaction=True) as pipe:
            for ticket in tickets:
                self._ticket_writes(pipe, ticket)
            await pipe.execute()

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

    async def get_tickets_across(
        self, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Ticket]:
        """Tickets of (workspace, number) pairs that exist: one ``HMGET`` per workspace,
        in one pipeline."""
        grouped = by_workspace(pairs)
        if not grouped:
            return {}
        async with self._r.pipeline(transaction=False) as pipe:
            for workspace, numbers in grouped.items():
                pipe.hmget(f"{self._p}tix:{workspace}", numbers)
            answers = await pipe.execute()
        found: dict[tuple[str, str], Ticket] = {}
        for (workspace, numbers), values in zip(grouped.items(), answers, strict=True):
            for number, value in zip(numbers, values, strict=True):
                raw = opt_text(value)
                if raw:
                    found[(workspace, number)] = codec.ticket_from_doc(json.loads(raw))
        return found

    async def put_documents(self, namespace: str, docs: Mapping[str, Doc]) -> None:
        """Store several documents in one ``HSET`` (atomic in Redis)."""
        if docs:
            # Typed for hset's parameter (a Mapping is invariant in its key type).
            mapping: dict[FieldT, EncodableT]
            mapping = {key: json.dumps(data) for key, data in docs.items()}
            await self._r.hset(f"{self._p}doc:{namespace}", mapping=mapping)

    async def card_locations_across(
        self, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], list[CardLocation]]:
        """Card locations of (workspace, number) pairs, oldest first: one pipeline."""
        wanted = list(dict.fromkeys(pairs))
        if not wanted:
            return {}
        async with self._r.pipeline(transaction=False) as pipe:
            for workspace, number in wanted:
                pipe.lrange(f"{self._p}cards:{workspace}:{number}", 0, -1)
            lists = await pipe.execute()
        return {
            pair: [codec.card_location_from_doc(json.loads(r)) for r in as_texts(rows)]
            for pair, rows in zip(wanted, lists, strict=True)
            if rows
        }

    async def subscriptions_across(
        self, workspaces: Sequence[str]
    ) -> dict[str, list[Subscription]]:
        """Subscriptions of several workspaces, by channel: one pipeline."""
        wanted = list(dict.fromkeys(workspaces))
        if not wanted:
            return {}
        async with self._r.pipeline(transaction=False) as pipe:
            for workspace in wanted:
                pipe.hgetall(f"{self._p}subs:{workspace}")
            hashes = await pipe.execute()
        found: dict[str, list[Subscription]] = {}
        for workspace, raw in zip(wanted, hashes, strict=True):
            rows = {as_text(k): as_text(v) for k, v in raw.items()}
            if rows:
                found[workspace] = [
                    codec.subscription_from_doc(json.loads(rows[k])) for k in sorted(rows)
                ]
        return found
