"""The delivery outbox of :class:`~core.store.redis_store.RedisStore`.

A Redis Stream with one consumer group hands each queued delivery to one consumer
(``XREADGROUP``) and remembers who holds it (the pending entries list); a hash per delivery
holds its state. Every step is one Lua script, so concurrent claimers never race.

Lease expiry follows the caller's ``now`` (the port takes it as an argument, and tests drive
it with a fake clock), not Redis's idle time: a sorted set scores leased ids by
``lease_until`` and expired ones are moved to the new consumer with ``XCLAIM``.
``XAUTOCLAIM`` would measure idleness on the server clock against the *claimer's*
``lease_seconds``, which honours neither.

Keys (``p`` = the store prefix):

- ``p + "outbox:stream"``   stream of ready deliveries, entries ``{id: delivery_id}``;
  consumer group ``snowops``. Entries are deleted when settled, so it stays small.
- ``p + "outbox:d:" + id``  hash: ``payload`` (JSON), ``attempts``, ``error``, ``state``
  (ready | leased | parked | done), ``entry`` (stream id), ``owner``, ``lease_until``,
  ``seq``, ``acked_at``. Kept after delivery (minus the payload) so ``outbox_put`` refuses
  the id again, until ``forget_done`` deletes it.
- ``p + "outbox:leases"``   zset id → lease_until (epoch seconds).
- ``p + "outbox:done"``     zset id → acked_at (client wall clock, epoch seconds).
- ``p + "outbox:delayed"``  zset id → not_before; due ids go back into the stream on claim.
- ``p + "outbox:parked"``   zset id → seq.
- ``p + "outbox:seq"``      counter giving queue order to parked listings.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from core import jsonfast
from core.store.port import OutboxItem

__all__ = ["GROUP", "RedisOutbox", "as_text", "as_texts", "opt_text"]

Doc = dict[str, Any]

GROUP = "snowops"


def as_text(value: bytes | str) -> str:
    """A reply as str (the client decodes; redis-py's types still say ``bytes | str``)."""
    return value if isinstance(value, str) else value.decode("utf-8")


def opt_text(value: bytes | str | None) -> str | None:
    """:func:`as_text` that lets None through."""
    return None if value is None else as_text(value)


def as_texts(values: Any) -> list[str]:
    """A list reply of plain values as str."""
    return [as_text(v) for v in values]


_PUT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local seq = redis.call('INCR', KEYS[3])
local entry = redis.call('XADD', KEYS[2], '*', 'id', ARGV[1])
redis.call('HSET', KEYS[1], 'payload', ARGV[2], 'attempts', 0, 'state', 'ready',
           'seq', seq, 'entry', entry)
return 1
"""

_REQUEUE = """
if redis.call('HGET', KEYS[1], 'state') ~= 'parked' then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
local entry = redis.call('XADD', KEYS[3], '*', 'id', ARGV[1])
redis.call('HSET', KEYS[1], 'state', 'ready', 'attempts', 0, 'entry', entry)
redis.call('HDEL', KEYS[1], 'owner', 'lease_until', 'error')
return 1
"""

_CLAIM = """
local stream, delayed, leases = KEYS[1], KEYS[2], KEYS[3]
local group, consumer, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])
local now, lease_until, dp = ARGV[4], ARGV[5], ARGV[6]
local out = {}
local function grant(id)
  local h = dp .. id
  local attempts = redis.call('HINCRBY', h, 'attempts', 1)
  redis.call('HSET', h, 'state', 'leased', 'owner', consumer, 'lease_until', lease_until)
  redis.call('ZADD', leases, lease_until, id)
  local err = redis.call('HGET', h, 'error')
  -- a false inside a Lua table would end the reply array early: send a flag instead
  out[#out + 1] = {id, redis.call('HGET', h, 'payload'), attempts, err and 1 or 0, err or ''}
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'LIMIT', 0, 1000)) do
  redis.call('ZREM', delayed, id)
  local h = dp .. id
  if redis.call('HGET', h, 'state') == 'ready' then
    redis.call('HSET', h, 'entry', redis.call('XADD', stream, '*', 'id', id))
  end
end
if limit <= 0 then return out end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', leases, '-inf', now, 'LIMIT', 0, limit)) do
  local entry = redis.call('HGET', dp .. id, 'entry')
  if entry then redis.call('XCLAIM', stream, group, consumer, 0, entry, 'JUSTID') end
  grant(id)
end
while #out < limit do
  local res = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', limit - #out,
                         'STREAMS', stream, '>')
  if not res then break end
  for _, e in ipairs(res[1][2]) do
    local id = e[2][2]
    if redis.call('HGET', dp .. id, 'state') == 'ready' then
      grant(id)
    else
      redis.call('XACK', stream, group, e[1])
      redis.call('XDEL', stream, e[1])
    end
  end
end
return out
"""

# ARGV[3] is the mode: ack, retry or park. Only the consumer holding the item's current
# lease (ARGV[4], the last claimer) may settle it, so a consumer whose lease ran out and
# was taken over cannot undo or repeat what the new holder does. Returns 1 if applied.
_SETTLE = """
local stream, delayed, leases, parked, done, h =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local group, id, mode, consumer = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('HGET', h, 'state') ~= 'leased' or redis.call('HGET', h, 'owner') ~= consumer
then return 0 end
local entry = redis.call('HGET', h, 'entry')
if entry then
  redis.call('XACK', stream, group, entry)
  redis.call('XDEL', stream, entry)
end
redis.call('ZREM', leases, id)
redis.call('HDEL', h, 'entry', 'owner', 'lease_until')
if mode == 'ack' then
  redis.call('HSET', h, 'state', 'done', 'acked_at', ARGV[6])
  redis.call('HDEL', h, 'payload')
  redis.call('ZADD', done, ARGV[6], id)
elseif mode == 'retry' then
  redis.call('HSET', h, 'state', 'ready', 'error', ARGV[5])
  redis.call('ZADD', delayed, ARGV[6], id)
else
  redis.call('HSET', h, 'state', 'parked', 'error', ARGV[5])
  redis.call('ZADD', parked, redis.call('HGET', h, 'seq'), id)
end
return 1
"""

# Deletes up to ARGV[3] delivered items acknowledged before ARGV[2]; returns how many.
_FORGET = """
local done, dp = KEYS[1], ARGV[1]
local ids = redis.call('ZRANGEBYSCORE', done, '-inf', '(' .. ARGV[2], 'LIMIT', 0, ARGV[3])
for _, id in ipairs(ids) do
  if redis.call('HGET', dp .. id, 'state') == 'done' then redis.call('DEL', dp .. id) end
  redis.call('ZREM', done, id)
end
return #ids
"""

FORGET_BATCH = 500


class RedisOutbox:
    """Outbox operations on a Redis Stream; used by ``RedisStore``."""

    def __init__(self, client: Redis, prefix: str) -> None:
        self._r = client
        p = prefix + "outbox:"
        self._stream = p + "stream"
        self._delayed = p + "delayed"
        self._leases = p + "leases"
        self._parked = p + "parked"
        self._done = p + "done"
        self._seq = p + "seq"
        self._dp = p + "d:"
        self._put = client.register_script(_PUT)
        self._claim = client.register_script(_CLAIM)
        self._settle = client.register_script(_SETTLE)
        self._forget = client.register_script(_FORGET)
        self._requeue = client.register_script(_REQUEUE)

    async def ensure_group(self) -> None:
        """Create the stream and its consumer group if missing."""
        try:
            await self._r.xgroup_create(self._stream, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def put(self, delivery_id: str, payload: Doc) -> bool:
        """Queue a delivery unless the id is known (queued, parked or delivered)."""
        keys = [self._dp + delivery_id, self._stream, self._seq]
        return bool(await self._put(keys=keys, args=[delivery_id, jsonfast.dumps(payload)]))

    async def put_many(self, items: list[tuple[str, Doc]]) -> list[bool]:
        """Queue several deliveries in order, each as :meth:`put` would, in one round
        trip (each script still runs whole, on its own)."""
        if not items:
            return []
        async with self._r.pipeline(transaction=False) as pipe:
            for delivery_id, payload in items:
                keys = [self._dp + delivery_id, self._stream, self._seq]
                await self._put(keys=keys, args=[delivery_id, jsonfast.dumps(payload)], client=pipe)
            return [bool(n) for n in await pipe.execute()]

    async def claim(
        self, consumer: str, limit: int, lease_seconds: float, now: datetime
    ) -> list[OutboxItem]:
        """Promote due retries, take over expired leases, then read new entries."""
        ts = now.timestamp()
        keys = [self._stream, self._delayed, self._leases]
        args: list[str | int] = [
            GROUP,
            consumer,
            max(limit, 0),
            repr(ts),
            repr(ts + lease_seconds),
            self._dp,
        ]
        try:
            rows = await self._claim(keys=keys, args=args)
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # The stream was deleted behind our back (FLUSHDB, eviction): recreate it.
            await self.ensure_group()
            rows = await self._claim(keys=keys, args=args)
        return [
            OutboxItem(str(r[0]), jsonfast.loads(r[1]), int(r[2]), str(r[4]) if int(r[3]) else None)
            for r in rows
        ]

    async def ack(self, delivery_id: str, consumer: str) -> bool:
        """Delivered: drop the entry and the payload, keep the id (and when)."""
        return await self._run_settle(delivery_id, consumer, "ack", "", time.time())

    async def ack_many(self, delivery_ids: list[str], consumer: str) -> list[bool]:
        """Several delivered, each as :meth:`ack` would, in one round trip (each script
        still runs whole, on its own)."""
        if not delivery_ids:
            return []
        now = repr(time.time())
        async with self._r.pipeline(transaction=False) as pipe:
            for delivery_id in delivery_ids:
                args = [GROUP, delivery_id, "ack", consumer, "", now]
                await self._settle(keys=self._settle_keys(delivery_id), args=args, client=pipe)
            return [bool(n) for n in await pipe.execute()]

    async def retry(
        self, delivery_id: str, consumer: str, error: str, not_before: datetime
    ) -> bool:
        """Failed: park the id in the delayed set until ``not_before``."""
        return await self._run_settle(delivery_id, consumer, "retry", error, not_before.timestamp())

    async def park(self, delivery_id: str, consumer: str, error: str) -> bool:
        """Failed for good: keep it listed, never hand it out."""
        return await self._run_settle(delivery_id, consumer, "park", error, 0.0)

    async def requeue(self, delivery_id: str) -> bool:
        """A parked delivery goes back into the stream, attempts from zero."""
        keys = [self._dp + delivery_id, self._parked, self._stream]
        return bool(await self._requeue(keys=keys, args=[delivery_id]))

    async def forget_done(self, older_than: datetime) -> int:
        """Delete delivered ids acknowledged before ``older_than``, in batches."""
        cutoff = repr(older_than.timestamp())
        total = 0
        while True:
            n = int(await self._forget(keys=[self._done], args=[self._dp, cutoff, FORGET_BATCH]))
            total += n
            if n < FORGET_BATCH:
                return total

    async def parked(self) -> list[OutboxItem]:
        """Parked deliveries in queue order."""
        ids = as_texts(await self._r.zrange(self._parked, 0, -1))
        if not ids:
            return []
        async with self._r.pipeline(transaction=False) as pipe:
            for did in ids:
                pipe.hmget(self._dp + did, ["payload", "attempts", "error"])
            rows: list[list[str | None]] = await pipe.execute()
        return [
            OutboxItem(did, jsonfast.loads(row[0] or "{}"), int(row[1] or 0), row[2], parked=True)
            for did, row in zip(ids, rows, strict=True)
        ]

    async def _run_settle(
        self, delivery_id: str, consumer: str, mode: str, error: str, when: float
    ) -> bool:
        args = [GROUP, delivery_id, mode, consumer, error, repr(when)]
        return bool(await self._settle(keys=self._settle_keys(delivery_id), args=args))

    def _settle_keys(self, delivery_id: str) -> list[str]:
        return [
            self._stream,
            self._delayed,
            self._leases,
            self._parked,
            self._done,
            self._dp + delivery_id,
        ]

    async def pending(self) -> list[OutboxItem]:
        """Deliveries not done yet (ready, delayed, leased, parked), in queue order."""
        rows: list[tuple[int, OutboxItem]] = []
        async for key in self._r.scan_iter(match=self._dp + "*", _type="hash"):
            name = as_text(key)
            payload, attempts, error, state, seq = await self._r.hmget(
                name, ["payload", "attempts", "error", "state", "seq"]
            )
            if state is None or as_text(state) == "done":
                continue
            item = OutboxItem(
                name[len(self._dp) :],
                jsonfast.loads(payload or "{}"),
                int(attempts or 0),
                opt_text(error),
                parked=as_text(state) == "parked",
            )
            rows.append((int(seq or 0), item))
        return [item for _, item in sorted(rows, key=lambda r: r[0])]

    async def restore(self, item: OutboxItem) -> bool:
        """Queue an exported delivery with its attempts and error; parked stays parked."""
        if not await self.put(item.delivery_id, item.payload):
            return False
        key = self._dp + item.delivery_id
        seq = int(await self._r.hget(key, "seq") or 0)
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.hset(key, "attempts", item.attempts)
            if item.last_error is not None:
                pipe.hset(key, "error", item.last_error)
            if item.parked:
                # Out of the queue: a claimer drops stream entries whose state is not ready.
                pipe.hset(key, "state", "parked")
                pipe.zadd(self._parked, {item.delivery_id: seq})
            await pipe.execute()
        return True
