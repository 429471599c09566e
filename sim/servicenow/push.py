"""The SnowOps push business rule, played by the simulator.

What ``manifests/servicenow/snowops_push_rule.js`` does on a real instance: after a ticket
whose ``correlation_id`` starts with ``snowops:`` is inserted or updated, POST its fields and
its newest comments to SnowOps, signed with HMAC-SHA256 (base64) over ``timestamp.body``.
Like an async business rule it runs after the write, off the request that made it; every
delivery and its answer are kept in ``log`` for tests.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from .catalog import TASK_TABLES
from .store import Record, RecordStore

__all__ = ["PUSH_FIELDS", "PushRule", "Pusher"]

_log = logging.getLogger(__name__)

#: The fields the rule sends (the same list SnowOps reads when it polls).
PUSH_FIELDS = (
    "sys_id",
    "number",
    "short_description",
    "state",
    "priority",
    "due_date",
    "active",
    "correlation_id",
    "sys_mod_count",
    "sys_created_on",
    "sys_updated_on",
)
_COMMENTS = 5


@dataclass
class PushRule:
    """Where the rule posts and with which key (base64, as ServiceNow stores it)."""

    url: str
    key: str
    instance_url: str
    #: Tests may send a wrong key or a skewed clock on purpose.
    clock_skew: float = 0.0


@dataclass
class Pusher:
    """Runs the rule for every committed write while a :class:`PushRule` is set."""

    rule: PushRule | None = None
    log: list[dict[str, Any]] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def payload(self, store: RecordStore, table: str, record: Record) -> dict[str, Any] | None:
        """The body the rule would send for this write, or None when it does not fire."""
        if table not in TASK_TABLES or not record.get("correlation_id", "").startswith("snowops:"):
            return None
        comments = [
            {
                k: row[k]
                for k in (
                    "sys_id",
                    "element_id",
                    "element",
                    "value",
                    "sys_created_by",
                    "sys_created_on",
                )
            }
            for row in store.rows("sys_journal_field")
            if row["element_id"] == record["sys_id"] and row["element"] == "comments"
        ][-_COMMENTS:]
        return {
            "table": table,
            "record": {name: record.get(name, "") for name in PUSH_FIELDS},
            "comments": comments,
        }

    def written(self, store: RecordStore, table: str, record: Record, now: float) -> None:
        """Called after a write commits: schedule the POST, as an async rule would."""
        rule = self.rule
        if rule is None:
            return
        body = self.payload(store, table, record)
        if body is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no event loop (a synchronous caller): nothing can be sent
        task = loop.create_task(self._send(rule, json.dumps(body).encode(), now))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, rule: PushRule, body: bytes, now: float) -> None:
        timestamp = str(int(now + rule.clock_skew))
        mac = hmac.new(base64.b64decode(rule.key), timestamp.encode() + b"." + body, hashlib.sha256)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "ServiceNow/1.0",
            "X-SnowOps-Instance": rule.instance_url.rstrip("/") + "/",
            "X-SnowOps-Timestamp": timestamp,
            "X-SnowOps-Signature": base64.b64encode(mac.digest()).decode(),
        }
        entry: dict[str, Any] = {"body": body.decode(), "headers": headers}
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.post(rule.url, data=body, headers=headers) as resp,
            ):
                entry["status"] = resp.status
                entry["answer"] = await resp.text()
        except aiohttp.ClientError as exc:
            entry["status"] = 0
            entry["answer"] = str(exc)
            _log.warning("push to %s failed: %s", rule.url, exc)
        self.log.append(entry)

    async def drain(self) -> None:
        """Wait for every scheduled delivery (tests and shutdown)."""
        # Only the unfinished: a finished task stays in the set until its done callback
        # runs on the loop, and gathering nothing but finished tasks completes without
        # yielding, so waiting on it would spin and never let that callback run.
        while pending := [t for t in self._tasks if not t.done()]:
            await asyncio.gather(*pending, return_exceptions=True)
