"""Channels that watch a ServiceNow filter (``/snow subscribe query``), whoever made the
records: every priority-1 security incident assigned to the SOC, say.

Each watch costs one query per poll cycle on its table, the channel's encoded query bounded
by a watermark, never a request per record. What the channel was last told of each record
is a baseline of its own (the tracked tickets' baselines are not touched), and a message is
queued before that baseline moves, under an id made of the watch, the record and what
changed: a change seen twice (an overlap, a restart, a second replica) is one message.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.clock import Clock
from core.gateway import TicketGateway
from core.i18n import _, use_locale
from core.languages import WorkspaceLanguage
from core.models import ChannelRef, Ticket, TicketKind
from core.repos.labels import StateNames
from core.repos.sync_state import Baseline, Baselines
from core.servicenow.states import state_label
from core.storage import Documents
from core.store import codec

__all__ = ["MAX_WATCHES", "QueryWatch", "QueryWatcher", "QueryWatches", "Tell"]

log = logging.getLogger(__name__)

_WATCHES = "query_watch"
_MARKS = "query_watch_mark"
#: Watches per channel (each costs a query per cycle).
MAX_WATCHES = 10
#: Records read per watch and cycle at most (the rest come in the next cycle).
PAGE = 200
#: Re-read this much before the watermark: instance clocks and commit order can lag.
OVERLAP = timedelta(seconds=60)
#: Characters of a filter quoted in a message.
_SHOWN = 80

#: Queues a message to a channel once per delivery id (the notifier's ``tell``).
Tell = Callable[[ChannelRef, str, str, str | None], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class QueryWatch:
    """A channel's filter on one table; ``since`` is when it was set up (records changed
    before are known, not news)."""

    id: str
    channel: ChannelRef
    kind: TicketKind
    query: str
    since: datetime

    def shown(self) -> str:
        """The filter as quoted in a message (cut when long)."""
        return self.query if len(self.query) <= _SHOWN else self.query[: _SHOWN - 1] + "…"


def _to_doc(watch: QueryWatch) -> dict[str, object]:
    return {
        "id": watch.id,
        "channel": codec.channel_to_doc(watch.channel),
        "kind": watch.kind.value,
        "query": watch.query,
        "since": watch.since.isoformat(),
    }


def _from_doc(doc: dict[str, Any]) -> QueryWatch | None:
    try:
        channel = codec.channel_from_doc(doc["channel"])
        if channel is None:
            return None
        return QueryWatch(
            str(doc["id"]),
            channel,
            TicketKind(doc["kind"]),
            str(doc["query"]),
            datetime.fromisoformat(str(doc["since"])),
        )
    except (KeyError, TypeError, ValueError):
        log.warning("a query watch could not be read")
        return None


class QueryWatches:
    """Each workspace's watches, in the order they were set up."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def all(self, workspace: str) -> list[QueryWatch]:
        """Every watch of ``workspace``."""
        doc = await self._docs.get_document(_WATCHES, workspace) or {}
        rows = doc.get("watches", [])
        if not isinstance(rows, list):
            return []
        found = [_from_doc(d) for d in rows if isinstance(d, dict)]
        return [w for w in found if w is not None]

    async def of_channel(self, channel: ChannelRef) -> list[QueryWatch]:
        """The watches of one channel (numbered from 1 in what users see)."""
        return [w for w in await self.all(channel.workspace) if w.channel == channel]

    async def add(
        self, channel: ChannelRef, kind: TicketKind, query: str, now: datetime
    ) -> QueryWatch:
        """A new watch for ``channel``."""
        watch = QueryWatch(uuid.uuid4().hex[:12], channel, kind, query, now)
        await self._save(channel.workspace, [*await self.all(channel.workspace), watch])
        return watch

    async def remove(self, channel: ChannelRef, number: int = 0) -> list[QueryWatch]:
        """Drop the channel's ``number``-th watch (every one of them with 0); returns what
        was dropped."""
        every = await self.all(channel.workspace)
        mine = [w for w in every if w.channel == channel]
        gone = mine if number == 0 else mine[number - 1 : number]
        if gone:
            await self._save(channel.workspace, [w for w in every if w not in gone])
        return gone

    async def _save(self, workspace: str, watches: list[QueryWatch]) -> None:
        docs = [_to_doc(w) for w in watches]
        await self._docs.put_document(_WATCHES, workspace, {"watches": docs})


class QueryWatcher:
    """Runs each watch's query once per poll cycle and tells its channel what is new."""

    def __init__(
        self,
        gateway: TicketGateway,
        watches: QueryWatches,
        docs: Documents,
        names: StateNames,
        tell: Tell,
        clock: Clock,
        languages: WorkspaceLanguage | None = None,
    ) -> None:
        self._gateway = gateway
        self._watches = watches
        self._docs = docs
        self._baselines = Baselines(docs)
        self._names = names
        self._tell = tell
        self._clock = clock
        self._languages = languages

    async def cycle(self, workspace: str) -> int:
        """One query per watch of ``workspace``; returns how many messages were new."""
        told = 0
        for watch in await self._watches.all(workspace):
            told += await self._run(workspace, watch)
        return told

    async def _run(self, workspace: str, watch: QueryWatch) -> int:
        mark = await self._mark(watch)
        changes = await self._gateway.matching(
            workspace, watch.kind, watch.query, mark - OVERLAP, limit=PAGE
        )
        lang = await self._languages.language(workspace) if self._languages else None
        names = await self._names.names(workspace, watch.kind)
        told, settle = 0, []
        base_ws = f"{workspace}#watch:{watch.id}"
        for ticket in changes.tickets:
            before = await self._baselines.get(base_ws, ticket.number)
            if before is not None and ticket.mod_count <= before.mod_count:
                continue
            with use_locale(lang):
                messages = _news(watch, ticket, before, names)
            for delivery_id, text in messages:
                told += await self._tell(watch.channel, text, delivery_id, ticket.url)
            settle.append(ticket)
        # Only now that every message is queued: what the channel knows moves on.
        for ticket in settle:
            await self._baselines.put(base_ws, ticket.number, Baseline.of(ticket))
        newest = max((t.updated_at for t in changes.tickets if t.updated_at), default=None)
        if changes.complete and changes.server_time is not None:
            # The instance's clock: the next read starts the overlap before it.
            quiet = changes.server_time
            newest = quiet if newest is None or quiet > newest else newest
        if newest is not None and newest > mark:
            await self._docs.put_document(_MARKS, base_ws, {"at": newest.isoformat()})
        return told

    async def _mark(self, watch: QueryWatch) -> datetime:
        doc = await self._docs.get_document(_MARKS, f"{watch.channel.workspace}#watch:{watch.id}")
        try:
            return datetime.fromisoformat(str((doc or {})["at"]))
        except (KeyError, ValueError):
            return watch.since


def _news(
    watch: QueryWatch, ticket: Ticket, before: Baseline | None, names: dict[str, str]
) -> list[tuple[str, str]]:
    """(delivery id, text) of what the channel is told about ``ticket``."""
    key = f"watch|{watch.channel.workspace}|{watch.id}|{ticket.number}"
    kind = ticket.kind.label
    state = state_label(ticket.kind, ticket.state, names)
    if before is None:
        changed = ticket.updated_at or ticket.created_at
        if changed is None or changed < watch.since:
            return []  # known before the watch was set up: remembered, not news
        if ticket.created_at is not None and ticket.created_at >= watch.since:
            text = _(
                "New {kind} {number} matches this channel's filter “{query}”: {title} "
                "(priority {priority}, {state}).",
                kind=kind.lower(), number=ticket.number, query=watch.shown(),
                title=ticket.title, priority=ticket.priority, state=state,
            )  # fmt: skip
            return [(f"{key}|new", text)]
        text = _(
            "{number} now matches this channel's filter “{query}”: {title} "
            "(priority {priority}, {state}).",
            number=ticket.number, query=watch.shown(), title=ticket.title,
            priority=ticket.priority, state=state,
        )  # fmt: skip
        return [(f"{key}|matches|{ticket.mod_count}", text)]
    out = []
    if before.state != ticket.state:
        old = state_label(ticket.kind, before.state, names)
        text = _(
            "{number} {title}: {old} → {new}", number=ticket.number, title=ticket.title,
            old=old, new=state,
        )  # fmt: skip
        out.append((f"{key}|state|{before.mod_count}|{ticket.state}", text))
    if before.priority != ticket.priority:
        text = _(
            "{number} {title}: priority {old} → {new}", number=ticket.number,
            title=ticket.title, old=before.priority, new=ticket.priority,
        )  # fmt: skip
        out.append((f"{key}|priority|{before.mod_count}|{ticket.priority}", text))
    return out
