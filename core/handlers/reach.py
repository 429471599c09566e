"""Whether SnowOps can post in a channel before it promises to (a subscription, a watched
filter): the platform's ChatSink says, through ``can_post``."""

from __future__ import annotations

from collections.abc import Mapping

from core.models import ChannelRef, workspace_platform
from core.ports import ChatSink, Reachability

__all__ = ["unreachable"]


async def unreachable(sinks: Mapping[str, ChatSink], channel: ChannelRef) -> Reachability | None:
    """Why SnowOps cannot post in ``channel`` (with the fix), or None when it can (or the
    platform has no sink to ask)."""
    sink = sinks.get(workspace_platform(channel.workspace))
    if sink is None:
        return None
    reach = await sink.can_post(channel)
    return None if reach.reachable else reach
