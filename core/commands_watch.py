"""Commands of channels that watch a ServiceNow filter (:mod:`core.watch`). Re-exported by
:mod:`core.commands`, where every command is listed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from core.command_base import CommandBase as _Base
from core.models import TicketKind

__all__ = ["ShowWatches", "Unwatch", "WatchQuery"]


@dataclass(frozen=True, slots=True)
class WatchQuery(_Base):
    """``/snow subscribe query <kind> "<encoded query>"``: hear of new and changed records
    of ``kind`` that match the filter, whoever made them."""

    kind: TicketKind
    query: str
    admin: ClassVar[bool] = True
    channel_scoped: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class ShowWatches(_Base):
    """``/snow subscribe query``: the filters this channel watches, numbered."""


@dataclass(frozen=True, slots=True)
class Unwatch(_Base):
    """``/snow unsubscribe query [N]``: stop watching the channel's N-th filter (all of
    them without N)."""

    number: int = 0
    admin: ClassVar[bool] = True
    channel_scoped: ClassVar[bool] = True
