"""Each channel's notification schedule, and the channel posts held back by it.

A held post keeps the very delivery (and delivery id) the notifier would have queued, so
releasing it later goes through the outbox's exactly-once rules like any other post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.deliveries import ChannelPost, decode, encode
from core.models import ChannelRef
from core.schedules import ChannelSchedule
from core.storage import Doc, Documents

__all__ = ["ChannelSchedules", "Held", "HeldPosts", "Told"]

_SCHEDULES = "channel_schedule"
_HELD = "held_post"
_TOLD = "timed_told"
#: A released hold is remembered this long, so the same event seen again is not held again.
KEEP_RELEASED = timedelta(days=8)
#: Why a post was held: the channel's quiet hours, or its digest.
QUIET = "quiet"
DIGEST = "digest"


class ChannelSchedules:
    """Digest and quiet-hours settings, one document per channel."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def get(self, channel: ChannelRef) -> ChannelSchedule:
        """The channel's schedule (everything at once when it has none)."""
        d = await self._docs.get_document(_SCHEDULES, f"{channel.workspace}|{channel.channel}")
        if d is None:
            return ChannelSchedule()
        return ChannelSchedule(
            str(d.get("digest", "")),
            str(d.get("digest_at", "09:00")),
            str(d.get("quiet_from", "")),
            str(d.get("quiet_to", "")),
            str(d.get("zone", "UTC")),
        )

    async def save(self, channel: ChannelRef, schedule: ChannelSchedule) -> None:
        """Keep the channel's schedule (an empty one is forgotten)."""
        key = f"{channel.workspace}|{channel.channel}"
        if schedule.empty and schedule.zone == "UTC":
            await self._docs.delete_document(_SCHEDULES, key)
            return
        doc: Doc = {
            "digest": schedule.digest,
            "digest_at": schedule.digest_at,
            "quiet_from": schedule.quiet_from,
            "quiet_to": schedule.quiet_to,
            "zone": schedule.zone,
        }
        await self._docs.put_document(_SCHEDULES, key, doc)


@dataclass(frozen=True, slots=True)
class Held:
    """A channel post waiting for ``due``: ``why`` is QUIET or DIGEST (then ``period`` is
    the start of its digest period, in ISO form)."""

    key: str
    delivery_id: str
    post: ChannelPost
    due: datetime
    why: str
    period: str = ""


class HeldPosts:
    """Channel posts held for quiet hours or a digest, per workspace."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def hold(
        self, delivery_id: str, post: ChannelPost, due: datetime, why: str, period: str = ""
    ) -> None:
        """Keep ``post`` until ``due`` (holding it twice, or again after it was released,
        keeps it once)."""
        key = f"{post.workspace}|{delivery_id}"
        if await self._docs.get_document(_HELD, key) is not None:
            return
        doc: Doc = {
            "id": delivery_id,
            "post": encode(post),
            "due": due.isoformat(),
            "why": why,
            "period": period,
        }
        await self._docs.put_document(_HELD, key, doc)

    async def all(self, workspace: str) -> list[Held]:
        """Every post the workspace holds, unreadable ones left out."""
        found = await self._docs.list_documents(_HELD, f"{workspace}|")
        held = []
        for key, d in found.items():
            if d.get("released"):
                continue
            try:
                post = decode(d["post"])
                if not isinstance(post, ChannelPost):
                    continue
                due = datetime.fromisoformat(str(d["due"]))
                held.append(Held(key, str(d["id"]), post, due, str(d["why"]), str(d["period"])))
            except (KeyError, TypeError, ValueError):
                continue
        return sorted(held, key=lambda h: (h.due, h.post.event.at, h.delivery_id))

    async def release(self, held: Held, now: datetime) -> None:
        """Mark a held post released (after its delivery was queued)."""
        await self._docs.put_document(_HELD, held.key, {"released": now.isoformat()})

    async def forget_released(self, workspace: str, now: datetime) -> int:
        """Forget posts released more than KEEP_RELEASED ago; returns how many."""
        found = await self._docs.list_documents(_HELD, f"{workspace}|")
        gone = 0
        for key, d in found.items():
            released = d.get("released")
            if released and datetime.fromisoformat(str(released)) < now - KEEP_RELEASED:
                gone += await self._docs.delete_document(_HELD, key)
        return gone


class Told:
    """What a timer told once already (a reminder, an overdue notice), so later ticks skip
    it without asking chat anything; the deliveries' ids keep it once even when two
    replicas pass here together."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def told(self, key: str) -> bool:
        """True if ``key`` was told."""
        return await self._docs.get_document(_TOLD, key) is not None

    async def mark(self, key: str, at: datetime) -> None:
        """``key`` was told at ``at``."""
        await self._docs.put_document(_TOLD, key, {"at": at.isoformat()})
