"""Idempotency keys of :class:`~core.store.redis_store.RedisStore`: ``SET NX PX`` claims,
one pipeline for many."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from redis.asyncio import Redis

from core.store.redis_outbox import opt_text

__all__ = ["RedisIdempotency", "ms"]


def ms(seconds: float) -> int:
    """Seconds as whole milliseconds, at least one (``PX`` refuses 0)."""
    return max(1, round(seconds * 1000))


class RedisIdempotency:
    """Idempotency methods; RedisStore supplies the connection and the key prefix."""

    _p: str

    @property
    def _r(self) -> Redis:
        raise NotImplementedError

    async def begin_idempotent(self, key: str, ttl_seconds: float) -> str | None:
        """Claim with ``SET NX PX``; otherwise return what is stored."""
        name = f"{self._p}idem:{key}"
        while True:
            if await self._r.set(name, "", nx=True, px=ms(ttl_seconds)):
                return None
            current = opt_text(await self._r.get(name))
            if current is not None:
                return current
            # It expired between SET and GET: try to claim it again.

    async def finish_idempotent(self, key: str, result: str, ttl_seconds: float) -> None:
        """Record the result of a claimed key."""
        await self._r.set(f"{self._p}idem:{key}", result, px=ms(ttl_seconds))

    async def begin_idempotent_many(
        self, keys: Sequence[str], ttl_seconds: float
    ) -> dict[str, str | None]:
        """Every ``SET NX PX`` in one pipeline, then what is stored for the rest in another
        (one that expired in between is claimed alone)."""
        wanted = list(dict.fromkeys(keys))
        names = [f"{self._p}idem:{k}" for k in wanted]
        async with self._r.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.set(name, "", nx=True, px=ms(ttl_seconds))
            claimed = await pipe.execute()
        taken = [i for i, ok in enumerate(claimed) if not ok]
        stored = await self._r.mget([names[i] for i in taken]) if taken else []
        found: dict[str, str | None] = {k: None for k in wanted}
        for i, value in zip(taken, stored, strict=True):
            text = opt_text(value)
            found[wanted[i]] = (
                text if text is not None else await self.begin_idempotent(wanted[i], ttl_seconds)
            )
        return found

    async def finish_idempotent_many(self, results: Mapping[str, str], ttl_seconds: float) -> None:
        """Every result in one pipeline."""
        async with self._r.pipeline(transaction=False) as pipe:
            for key, result in results.items():
                pipe.set(f"{self._p}idem:{key}", result, px=ms(ttl_seconds))
            await pipe.execute()

    async def abort_idempotent(self, key: str) -> None:
        """Release a claim."""
        await self._r.delete(f"{self._p}idem:{key}")
