"""Push: ticket records that ServiceNow's business rule POSTs to ``/servicenow/events``.

The wire (``manifests/servicenow/`` makes it; the simulator plays it)::

    POST /servicenow/events
    Content-Type: application/json
    X-SnowOps-Instance: https://acme.service-now.com/
    X-SnowOps-Timestamp: 1764198000                    (Unix seconds)
    X-SnowOps-Signature: base64(HMAC-SHA256(key, timestamp + "." + body))

    {"table": "incident", "record": {...raw field values...},
     "comments": [{"sys_id", "element_id", "value", "sys_created_by", "sys_created_on"}]}

The key is one per instance, made by ``snowops push-key`` and kept encrypted in the store;
ServiceNow holds it base64-encoded, as ``CertificateEncryption.generateMac`` wants it.
A delivery is refused when the instance has no key, the signature does not match, the
timestamp is more than :data:`MAX_SKEW` away, or the same signature was seen before.
Accepted records go through :meth:`StatusSync.apply`, so a pushed change and the polled
copy of it are one event.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any

from core.cadence import Cadence
from core.clock import Clock
from core.models import TicketEvent, TicketKind
from core.repos.push_keys import PushKeys
from core.servicenow.journal import comments_from_rows
from core.servicenow.mapping import correlation_prefix, ticket_from_record
from core.storage import ConnectionStore, IdempotencyKeys
from core.sync import StatusSync
from core.urls import normalize_instance_url

__all__ = ["MAX_BODY", "MAX_SKEW", "PushReceiver", "PushRejected", "sign"]

log = logging.getLogger(__name__)

#: How far a delivery's timestamp may be from our clock, in seconds (replays older than
#: this fail the timestamp check; newer ones are caught by their remembered signature).
MAX_SKEW = 300
#: Largest body accepted: a ticket record and a few comments.
MAX_BODY = 256 * 1024
_TABLES = {kind.table: kind for kind in TicketKind}


class PushRejected(Exception):
    """A push that is not accepted: ``status`` is the HTTP answer, ``reason`` says why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _instance(value: str) -> str:
    try:
        return normalize_instance_url(value.strip().rstrip("/"))
    except ValueError as exc:
        raise PushRejected(400, "X-SnowOps-Instance is not an instance URL") from exc


def sign(key: bytes, timestamp: str, body: bytes) -> str:
    """The signature ServiceNow's business rule sends (``generateMac`` with HmacSHA256)."""
    mac = hmac.new(key, timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


@dataclass(frozen=True, slots=True)
class PushOutcome:
    """What an accepted push produced."""

    workspaces: tuple[str, ...]
    events: list[TicketEvent]


class PushReceiver:
    """Verifies pushed deliveries and applies their records."""

    def __init__(
        self,
        keys: PushKeys,
        connections: ConnectionStore,
        seen: IdempotencyKeys,
        sync: StatusSync,
        clock: Clock,
        cadence: Cadence | None = None,
    ) -> None:
        self.keys = keys
        self._connections = connections
        self._seen = seen
        self._sync = sync
        self._clock = clock
        #: Told of every verified push and every failed verification (poll pacing).
        self._cadence = cadence
        # correlation prefix → workspace, for every connection: a push names its ticket's
        # correlation id, and listing (decrypting) every connection per push would cost
        # more than the rest of the push at a thousand connections.
        self._prefixes: dict[str, str] = {}

    async def create_key(self, instance: str) -> str:
        """Make (or replace) the push key of an instance (``snowops push-key``); raises
        :class:`~core.urls.InvalidInstanceURL` for a bad instance."""
        return await self.keys.create(normalize_instance_url(instance.strip().rstrip("/")))

    async def delete_key(self, instance: str) -> bool:
        """Refuse pushes from an instance again."""
        return await self.keys.delete(normalize_instance_url(instance.strip().rstrip("/")))

    async def receive(
        self, instance: str, timestamp: str, signature: str, body: bytes
    ) -> PushOutcome:
        """Verify a delivery, then turn its record into events (emitted to the outbox)."""
        instance_url = _instance(instance)
        try:
            replay_key = await self._verify(instance_url, timestamp, signature, body)
        except PushRejected as exc:
            if exc.status == 401 and self._cadence is not None:
                self._cadence.rejected(instance_url)
            raise
        try:
            return await self._apply(instance_url, body)
        except BaseException:
            # Not applied: the same delivery may come again (a resend, by hand or by rule).
            await self._seen.abort_idempotent(replay_key)
            raise

    async def _apply(self, instance_url: str, body: bytes) -> PushOutcome:
        table, record, comments = _parse(body)
        correlation = str(record.get("correlation_id") or "")
        workspaces = await self._workspaces(instance_url, correlation)
        journal = None if comments is None else comments_from_rows(comments)
        events: list[TicketEvent] = []
        for workspace in workspaces:
            ticket = ticket_from_record(workspace, _TABLES[table], instance_url, record)
            events += await self._sync.apply(workspace, [ticket], comments=journal)
            if self._cadence is not None:
                self._cadence.pushed(workspace, instance_url)
        return PushOutcome(workspaces, events)

    async def _workspaces(self, instance_url: str, correlation: str) -> tuple[str, ...]:
        """The workspaces connected to ``instance_url`` whose ticket this is."""
        found = await self._matching(instance_url, correlation)
        if not found:
            # A connection made since the last listing (or none): list them again.
            connections = await self._connections.list_connections()
            self._prefixes = {correlation_prefix(c.workspace): c.workspace for c in connections}
            found = await self._matching(instance_url, correlation)
        return found

    async def _matching(self, instance_url: str, correlation: str) -> tuple[str, ...]:
        out = []
        # Every prefix ends with a colon: look up the correlation id cut at each of its own.
        cuts = (correlation[: i + 1] for i, c in enumerate(correlation) if c == ":")
        for workspace in [self._prefixes[p] for p in cuts if p in self._prefixes]:
            # Checked against the stored connection (cached): it may have gone, or moved
            # to another instance, since the listing.
            conn = await self._connections.get_connection(workspace)
            if conn is not None and conn.instance_url == instance_url:
                out.append(workspace)
        return tuple(out)

    async def _verify(self, instance_url: str, timestamp: str, signature: str, body: bytes) -> str:
        """Check a delivery; returns its replay key (claimed: a second copy is refused)."""
        key = await self.keys.get(instance_url)
        if key is None:
            raise PushRejected(401, f"no push key for {instance_url}: run `snowops push-key`")
        try:
            sent = int(timestamp)
        except ValueError:
            raise PushRejected(401, "X-SnowOps-Timestamp must be Unix seconds") from None
        if abs(self._clock.now().timestamp() - sent) > MAX_SKEW:
            raise PushRejected(401, "stale delivery: the timestamp is more than 5 minutes off")
        try:
            given = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            raise PushRejected(401, "X-SnowOps-Signature is not base64") from None
        expected = base64.b64decode(sign(key, timestamp, body))
        if not hmac.compare_digest(given, expected):
            raise PushRejected(401, "bad signature")
        # Remembered past MAX_SKEW, so a replay inside the window is caught here. The
        # claim alone is the memory (nothing is recorded as its result): one store write.
        replay_key = "push:" + hashlib.sha256(given).hexdigest()
        if await self._seen.begin_idempotent(replay_key, MAX_SKEW * 2) is not None:
            raise PushRejected(409, "replayed delivery")
        return replay_key


def _strings(row: dict[str, Any], what: str) -> None:
    """The business rule sends every field as a string (``getValue() || ''``)."""
    for name, value in row.items():
        if not isinstance(value, str | None):
            raise PushRejected(400, f"{what} field {str(name)[:40]!r} must be a string")


def _parse(body: bytes) -> tuple[str, dict[str, Any], list[dict[str, Any]] | None]:
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python goes
        raise PushRejected(400, "the body is not JSON") from None
    if not isinstance(doc, dict):
        raise PushRejected(400, "the body must be a JSON object")
    table, record, comments = doc.get("table"), doc.get("record"), doc.get("comments")
    if not isinstance(table, str) or table not in _TABLES:
        raise PushRejected(400, f"table must be one of {', '.join(sorted(_TABLES))}")
    if not isinstance(record, dict) or not record.get("number") or not record.get("sys_id"):
        raise PushRejected(400, "record must be an object with number and sys_id")
    _strings(record, "record")
    if comments is not None and not (
        isinstance(comments, list) and all(isinstance(c, dict) for c in comments)
    ):
        raise PushRejected(400, "comments must be a list of journal rows")
    for row in comments or ():
        _strings(row, "comment")
    return str(table), record, comments
