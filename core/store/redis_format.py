"""The Redis store's data format version, and the upgrades from each older one.

``p meta`` (a hash) holds ``format``. On start, a store written by an older SnowOps is
upgraded step by step (each step in :data:`UPGRADES` takes format N to N + 1 and must be
safe to run again, since a replica may stop half-way); a store written by a newer SnowOps is
refused, because reading a format this code does not know could corrupt it. A prefix that
holds data but no ``meta`` was written before formats were recorded: that is format 1.
SQLite keeps its version in ``PRAGMA user_version`` instead (:mod:`core.store.sqlite_schema`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

__all__ = ["FORMAT", "UPGRADES", "NewerFormatError", "upgrade"]

log = logging.getLogger(__name__)

#: The format this code writes.
FORMAT = 1

#: Format N → N + 1, for every N below FORMAT.
UPGRADES: dict[int, Callable[[Redis, str], Awaitable[None]]] = {}


class NewerFormatError(RuntimeError):
    """The store was written by a newer SnowOps."""


async def upgrade(client: Redis, prefix: str, target: int = FORMAT) -> int:
    """Bring the data under ``prefix`` to format ``target``; returns the format found."""
    meta = f"{prefix}meta"
    raw = await client.hget(meta, "format")
    if raw is None:
        found = 1
        pattern = "".join("\\" + c if c in "*?[]\\" else c for c in prefix) + "*"
        async for _ in client.scan_iter(match=pattern, count=100):
            break
        else:
            found = target  # nothing stored yet: it starts out current
    else:
        found = int(raw)
    if found > target:
        raise NewerFormatError(
            f"this Redis store holds format {found}, written by a newer SnowOps than this "
            f"one (format {target}); run that version or newer, or restore a backup"
        )
    for step in range(found, target):
        log.info("upgrading the Redis store from format %d to %d", step, step + 1)
        await UPGRADES[step](client, prefix)
        await client.hset(meta, "format", step + 1)
    if raw is None or found != target:
        await client.hset(meta, "format", target)
    return found
