"""The audit log and the backup reads of :class:`~core.store.redis_store.RedisStore`.

Keys (``p`` = the store prefix): ``p audit:{ws}`` is a list of entry JSON, newest first,
capped at :data:`AUDIT_KEEP`. Workspace ids contain ``:``, so keys are found with ``SCAN``
and told apart by their type rather than by splitting them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from core.i18n import gettext
from core.store import codec
from core.store.port import OutboxItem
from core.store.redis_outbox import RedisOutbox, as_text, as_texts

__all__ = ["AUDIT_KEEP", "RedisBackup"]

Doc = dict[str, Any]

AUDIT_KEEP = 10_000


def _glob(prefix: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in prefix) + "*"


class RedisBackup:
    """Audit and backup methods; RedisStore supplies the connection and the decoder."""

    _p: str

    @property
    def _r(self) -> Redis:
        raise NotImplementedError

    @property
    def _ob(self) -> RedisOutbox:
        raise NotImplementedError

    def _load(self, raw: str) -> Doc:
        raise NotImplementedError

    async def _keys(self, prefix: str, kind: str) -> list[str]:
        """Keys under ``prefix`` of Redis type ``kind``, without the prefix."""
        found = []
        async for key in self._r.scan_iter(match=_glob(prefix), _type=kind):
            found.append(as_text(key)[len(prefix) :])
        return sorted(found)

    # -- audit ------------------------------------------------------------------------
    async def audit(
        self, workspace: str, actor: str, action: str, detail: Doc, *, at: datetime | None = None
    ) -> None:
        """Prepend an entry and trim the list to AUDIT_KEEP."""
        when = (at or datetime.now(UTC)).isoformat()
        entry = {"at": when, "actor": actor, "action": action, "detail": detail}
        key = f"{self._p}audit:{workspace}"
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.lpush(key, json.dumps(entry))
            pipe.ltrim(key, 0, AUDIT_KEEP - 1)
            await pipe.execute()

    async def list_audit(self, workspace: str, limit: int = 50) -> list[Doc]:
        """Newest audit entries first."""
        if limit <= 0:
            return []
        rows = as_texts(await self._r.lrange(f"{self._p}audit:{workspace}", 0, limit - 1))
        return [{"workspace": workspace, **json.loads(r)} for r in rows]

    async def audit_since(self, since: datetime | None = None) -> list[Doc]:
        """Every workspace's entries at or after ``since``, oldest first."""
        rows: list[Doc] = []
        for ws in await self._keys(f"{self._p}audit:", "list"):
            for entry in await self.list_audit(ws, AUDIT_KEEP):
                if since is None or codec.parse_at(entry["at"]) >= since:
                    rows.append(entry)
        return sorted(rows, key=lambda e: codec.parse_at(e["at"]))

    # -- backup -----------------------------------------------------------------------
    async def export_documents(self) -> list[tuple[str, str, Doc, bool]]:
        """Every document, decrypted, with its secret flag."""
        out = []
        for ns in await self._keys(f"{self._p}doc:", "hash"):
            async for k, v in self._r.hscan_iter(f"{self._p}doc:{ns}"):
                raw = as_text(v)
                out.append((ns, as_text(k), self._load(raw), raw.startswith("enc:")))
        return sorted(out, key=lambda row: (row[0], row[1]))

    async def export_workspaces(self) -> list[str]:
        """Workspaces with a connection, tickets or subscriptions."""
        found = set(as_texts(await self._r.hkeys(f"{self._p}conn")))
        found |= set(await self._keys(f"{self._p}tix:", "hash"))
        found |= set(await self._keys(f"{self._p}subs:", "hash"))
        return sorted(found)

    async def export_outbox(self) -> list[OutboxItem]:
        """Deliveries not done yet, in queue order."""
        return await self._ob.pending()

    async def import_delivery(self, item: OutboxItem) -> bool:
        """Queue an exported delivery as it was."""
        return await self._ob.restore(item)


def durability_risks(persistence: Doc, memory: Doc, save: str | None) -> list[tuple[str, str]]:
    """Risks read off ``INFO persistence``, ``INFO memory`` and ``CONFIG GET save`` (None
    when the server refuses CONFIG, as managed services do)."""
    risks = []
    aof = str(persistence.get("aof_enabled", "0")) == "1"
    if not aof and save == "":
        risks.append(
            (
                gettext(
                    'Redis keeps nothing on disk (appendonly no, save ""): a restart of Redis '
                    "loses every connection, ticket, subscription and queued notification"
                ),
                gettext("set appendonly yes (deploy/compose.yaml and the chart do)"),
            )
        )
    elif not aof:
        risks.append(
            (
                gettext(
                    "Redis persists by snapshots only (appendonly no): a crash loses what "
                    "changed since the last one, queued notifications included"
                ),
                gettext("set appendonly yes"),
            )
        )
    policy = str(memory.get("maxmemory_policy", "noeviction"))
    if policy != "noeviction":
        limit = int(memory.get("maxmemory", 0) or 0)
        risk = (
            gettext(
                "Redis evicts keys when it is full (maxmemory-policy {policy}): it would "
                "silently drop connections and queued notifications",
                policy=policy,
            )
            if limit
            else gettext(
                "Redis evicts keys once a maxmemory limit is set (maxmemory-policy {policy}): "
                "it would silently drop connections and queued notifications",
                policy=policy,
            )
        )
        risks.append((risk, gettext("set maxmemory-policy noeviction")))
    return risks
