"""Redis Store (scale-out: several replicas share one Redis) on ``redis.asyncio``.

Every key starts with ``prefix`` (``p``, default ``snowops:``). Names, workspace ids and
namespaces are used verbatim inside keys; they come from code or from platform ids, never
contain the ``:``-separated suffixes that follow them.

- ``p doc:{namespace}``          hash key → JSON, or ``enc:`` + Fernet token when secret
- ``p once:{namespace}:{key}``   string, Fernet token; ``PX`` expiry, taken with ``GETDEL``
- ``p conn``                     hash workspace → connection JSON (secret fields encrypted)
- ``p tix:{ws}``                 hash number → ticket JSON
- ``p tix:{ws}:z:{view}``        zsets number → created_at (µs since epoch), one per view
  (``all``, ``active``, ``incident``, ``incident:active``, ``change``, ``change:active``)
  so filtered, paged, newest-first listing is one ``ZREVRANGE``; equal scores order by
  number, as the other stores do
- ``p tix:{ws}:corr:{cid}``      zset number → created_at; stale members are pruned on read
- ``p cards:{ws}:{number}``      list of card-location JSON, oldest first, no duplicates
- ``p subs:{ws}``                hash channel → subscription JSON
- ``p idem:{key}``               string result (``""`` while pending); ``SET NX PX``
- ``p lease:{name}``             hash owner, fence; ``PX`` expiry
- ``p fence:{name}``             counter, never expires, so fences only grow
- ``p audit:{ws}``               see :mod:`core.store.redis_backup`
- ``p meta``                     hash: ``format``, see :mod:`core.store.redis_format`
- ``p outbox:…``                 see :mod:`core.store.redis_outbox`

Lua scripts touch keys they build from the prefix, so this targets a single Redis (or a
Sentinel-managed primary), not Redis Cluster.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import BusyLoadingError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core import jsonfast
from core.models import CardLocation, ChannelRef, Connection, Subscription, Ticket, TicketKind
from core.secrets import SecretBox
from core.store import codec
from core.store.port import OutboxItem, Store, window
from core.store.redis_backup import AUDIT_KEEP, RedisBackup, durability_risks
from core.store.redis_docs import RedisDocuments, dumps_sorted, view_name
from core.store.redis_format import upgrade
from core.store.redis_idempotency import RedisIdempotency, ms
from core.store.redis_outbox import RedisOutbox, as_text, as_texts, opt_text
from core.store.redis_signals import RedisSignals

__all__ = ["AUDIT_KEEP", "RedisStore"]

Doc = dict[str, Any]

_ENC = "enc:"

_ADD_CARD = """
if not redis.call('LPOS', KEYS[1], ARGV[1]) then redis.call('RPUSH', KEYS[1], ARGV[1]) end
"""

_ACQUIRE = """
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return tonumber(redis.call('HGET', KEYS[1], 'fence'))
elseif owner then
  return false
end
local fence = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'fence', fence)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return fence
"""

_RELEASE = """
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then redis.call('DEL', KEYS[1]) end
"""


class RedisStore(RedisBackup, RedisDocuments, RedisIdempotency, Store):
    """Store on Redis; safe for several replicas sharing one server."""

    unavailable_errors = (RedisConnectionError, RedisTimeoutError, BusyLoadingError, OSError)

    def __init__(self, url: str, box: SecretBox, *, prefix: str = "snowops:") -> None:
        self._url = url
        self._box = box
        self._connections = codec.ConnectionMemo(box)
        self._p = prefix
        self._client: Redis | None = None
        self._outbox: RedisOutbox | None = None

    # -- life cycle -------------------------------------------------------------------
    async def open(self) -> None:
        """Connect, check the server answers, create the outbox consumer group."""
        if self._client is not None:
            return
        client = Redis.from_url(self._url, decode_responses=True)
        try:
            await client.ping()
            await upgrade(client, self._p)
            outbox = RedisOutbox(client, self._p)
            await outbox.ensure_group()
        except BaseException:
            await client.aclose()
            raise
        self._add_card = client.register_script(_ADD_CARD)
        self._acquire = client.register_script(_ACQUIRE)
        self._release = client.register_script(_RELEASE)
        self._client, self._outbox = client, outbox

    async def close(self) -> None:
        """Close the connection pool."""
        client, self._client, self._outbox = self._client, None, None
        if client is not None:
            await client.aclose()

    async def ping(self) -> None:
        """PING the server."""
        await self._r.ping()

    async def durability_risks(self) -> list[tuple[str, str]]:
        """Whether this Redis keeps data on disk and never evicts it."""
        persistence = await self._r.info("persistence")
        memory = await self._r.info("memory")
        try:
            save: str | None = str((await self._r.config_get("save")).get("save", ""))
        except ResponseError:  # CONFIG is disabled on managed services: judge by INFO alone
            save = None
        return durability_risks(persistence, memory, save)

    def cache_signals(self) -> RedisSignals:
        """Every write's cache groups published on this prefix's channel."""
        return RedisSignals(lambda: self._r, f"{self._p}cache")

    @property
    def _r(self) -> Redis:
        if self._client is None:
            raise RuntimeError("RedisStore is not open")
        return self._client

    @property
    def _ob(self) -> RedisOutbox:
        if self._outbox is None:
            raise RuntimeError("RedisStore is not open")
        return self._outbox

    async def _hgetall(self, key: str) -> dict[str, str]:
        return {as_text(k): as_text(v) for k, v in (await self._r.hgetall(key)).items()}

    # -- documents --------------------------------------------------------------------
    async def put_document(
        self, namespace: str, key: str, data: Doc, *, secret: bool = False
    ) -> None:
        """Store a document, encrypted whole if ``secret``."""
        raw = jsonfast.dumps(data)
        value = _ENC + self._box.encrypt(raw) if secret else raw
        await self._r.hset(f"{self._p}doc:{namespace}", key, value)

    async def get_document(self, namespace: str, key: str) -> Doc | None:
        """Read a document back, or None."""
        raw = opt_text(await self._r.hget(f"{self._p}doc:{namespace}", key))
        return None if raw is None else self._load(raw)

    async def delete_document(self, namespace: str, key: str) -> bool:
        """Delete a document; True if it existed."""
        return bool(await self._r.hdel(f"{self._p}doc:{namespace}", key))

    async def list_documents(self, namespace: str, prefix: str = "") -> dict[str, Doc]:
        """Documents of a namespace whose key starts with ``prefix``, by key."""
        found: dict[str, str] = {}
        # HSCAN rather than HGETALL: a namespace of conversation references can be large.
        async for k, v in self._r.hscan_iter(f"{self._p}doc:{namespace}", match=_glob(prefix)):
            found[as_text(k)] = as_text(v)
        return {k: self._load(found[k]) for k in sorted(found) if k.startswith(prefix)}

    def _load(self, raw: str) -> Doc:
        if raw.startswith(_ENC):
            raw = self._box.decrypt(raw[len(_ENC) :])
        doc: Doc = jsonfast.loads(raw)
        return doc

    # -- single-use values ------------------------------------------------------------
    async def put_once(self, namespace: str, key: str, data: Doc, ttl_seconds: float) -> None:
        """Store an encrypted single-use value with a server-side expiry."""
        token = self._box.encrypt(jsonfast.dumps(data))
        await self._r.set(f"{self._p}once:{namespace}:{key}", token, px=ms(ttl_seconds))

    async def take_once(self, namespace: str, key: str) -> Doc | None:
        """Take and delete a value with ``GETDEL``."""
        token = opt_text(await self._r.getdel(f"{self._p}once:{namespace}:{key}"))
        if token is None:
            return None
        doc: Doc = jsonfast.loads(self._box.decrypt(token))
        return doc

    # -- connections ------------------------------------------------------------------
    async def save_connection(self, connection: Connection) -> None:
        """Create or replace a workspace's connection."""
        doc = self._connections.dump(connection)
        await self._r.hset(f"{self._p}conn", connection.workspace, dumps_sorted(doc))

    async def get_connection(self, workspace: str) -> Connection | None:
        """The workspace's connection, or None."""
        raw = opt_text(await self._r.hget(f"{self._p}conn", workspace))
        return None if raw is None else self._connections.load(raw)

    async def delete_connection(self, workspace: str) -> bool:
        """Forget a connection."""
        return bool(await self._r.hdel(f"{self._p}conn", workspace))

    async def list_connections(self) -> list[Connection]:
        """Every connection, by workspace."""
        rows = await self._hgetall(f"{self._p}conn")
        return [self._connections.load(rows[k]) for k in sorted(rows)]

    # -- tickets ----------------------------------------------------------------------
    async def save_ticket(self, ticket: Ticket) -> None:
        """Write the ticket and move it into exactly the views it belongs to, atomically."""
        await self.save_tickets([ticket])

    async def get_ticket(self, workspace: str, number: str) -> Ticket | None:
        """A ticket by number."""
        raw = opt_text(await self._r.hget(f"{self._p}tix:{workspace}", number))
        return None if raw is None else codec.ticket_from_doc(jsonfast.loads(raw))

    async def find_ticket_by_correlation(
        self, workspace: str, correlation_id: str
    ) -> Ticket | None:
        """The newest ticket whose current correlation id matches."""
        base = f"{self._p}tix:{workspace}"
        index = f"{base}:corr:{correlation_id}"
        numbers = as_texts(await self._r.zrevrange(index, 0, -1))
        if not numbers:
            return None
        raws = [opt_text(v) for v in await self._r.hmget(base, numbers)]
        stale: list[str] = []
        found: Ticket | None = None
        for number, raw in zip(numbers, raws, strict=True):
            ticket = None if raw is None else codec.ticket_from_doc(jsonfast.loads(raw))
            if ticket is None or ticket.correlation_id != correlation_id:
                # save_ticket does not read the old row, so a changed id leaves this behind.
                stale.append(number)
            elif found is None:
                found = ticket
        if stale:
            await self._r.zrem(index, *stale)
        return found

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
        limit, start = window(limit, offset)
        if limit == 0:
            return []
        base = f"{self._p}tix:{workspace}"
        view = f"{base}:z:{view_name(kind, active_only)}"
        numbers = as_texts(await self._r.zrevrange(view, start, start + limit - 1))
        if not numbers:
            return []
        raws = [opt_text(v) for v in await self._r.hmget(base, numbers)]
        return [codec.ticket_from_doc(jsonfast.loads(r)) for r in raws if r is not None]

    async def add_card_location(self, workspace: str, number: str, where: CardLocation) -> None:
        """Append a card location unless it is already listed (one script: no race)."""
        doc = dumps_sorted(codec.card_location_to_doc(where))
        await self._add_card(keys=[f"{self._p}cards:{workspace}:{number}"], args=[doc])

    async def list_card_locations(self, workspace: str, number: str) -> list[CardLocation]:
        """Card locations, oldest first."""
        rows = as_texts(await self._r.lrange(f"{self._p}cards:{workspace}:{number}", 0, -1))
        return [codec.card_location_from_doc(jsonfast.loads(r)) for r in rows]

    # -- subscriptions ----------------------------------------------------------------
    async def save_subscription(self, subscription: Subscription) -> None:
        """Create or replace a channel's subscription."""
        ch = subscription.channel
        doc = dumps_sorted(codec.subscription_to_doc(subscription))
        await self._r.hset(f"{self._p}subs:{ch.workspace}", ch.channel, doc)

    async def delete_subscription(self, channel: ChannelRef) -> bool:
        """Remove a channel's subscription."""
        return bool(await self._r.hdel(f"{self._p}subs:{channel.workspace}", channel.channel))

    async def list_subscriptions(self, workspace: str) -> list[Subscription]:
        """Subscriptions of a workspace, by channel."""
        rows = await self._hgetall(f"{self._p}subs:{workspace}")
        return [codec.subscription_from_doc(jsonfast.loads(rows[k])) for k in sorted(rows)]

    # -- outbox -----------------------------------------------------------------------
    async def outbox_put(self, delivery_id: str, payload: Doc) -> bool:
        """Queue a delivery once."""
        return await self._ob.put(delivery_id, payload)

    async def outbox_put_many(self, items: Sequence[tuple[str, Doc]]) -> list[bool]:
        """Queue several deliveries, each once, in one round trip."""
        return await self._ob.put_many(list(items))

    async def outbox_claim(
        self, consumer: str, limit: int, lease_seconds: float, now: datetime
    ) -> list[OutboxItem]:
        """Lease due deliveries to ``consumer``."""
        return await self._ob.claim(consumer, limit, lease_seconds, now)

    async def outbox_ack(self, delivery_id: str, consumer: str) -> bool:
        """Mark delivered for good, if ``consumer`` holds the lease."""
        return await self._ob.ack(delivery_id, consumer)

    async def outbox_ack_many(self, delivery_ids: Sequence[str], consumer: str) -> list[bool]:
        """Mark several delivered, each as :meth:`outbox_ack` would, in one round trip."""
        return await self._ob.ack_many(list(delivery_ids), consumer)

    async def outbox_retry(
        self, delivery_id: str, consumer: str, error: str, not_before: datetime
    ) -> bool:
        """Hand out again from ``not_before``, if ``consumer`` holds the lease."""
        return await self._ob.retry(delivery_id, consumer, error, not_before)

    async def outbox_park(self, delivery_id: str, consumer: str, error: str) -> bool:
        """Stop retrying a delivery, if ``consumer`` holds the lease."""
        return await self._ob.park(delivery_id, consumer, error)

    async def outbox_requeue(self, delivery_id: str) -> bool:
        """Parked → back in the stream, attempts from zero."""
        return await self._ob.requeue(delivery_id)

    async def outbox_forget_done(self, older_than: datetime) -> int:
        """Delete deliveries acknowledged before ``older_than``."""
        return await self._ob.forget_done(older_than)

    async def outbox_parked(self) -> list[OutboxItem]:
        """Parked deliveries."""
        return await self._ob.parked()

    # -- leases -----------------------------------------------------------------------
    async def acquire_lease(self, name: str, owner: str, ttl_seconds: float) -> int | None:
        """Take or renew a lease; a new holder gets the next ``INCR`` of the fence."""
        keys = [f"{self._p}lease:{name}", f"{self._p}fence:{name}"]
        fence = await self._acquire(keys=keys, args=[owner, ms(ttl_seconds)])
        return None if fence is None else int(fence)

    async def release_lease(self, name: str, owner: str) -> None:
        """Give a lease up if ``owner`` holds it."""
        await self._release(keys=[f"{self._p}lease:{name}"], args=[owner])


def _glob(prefix: str) -> str:
    escaped = "".join("\\" + c if c in "*?[]\\" else c for c in prefix)
    return escaped + "*"
