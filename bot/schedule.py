"""Digests and quiet hours in the composition root: the scheduler the notifier asks before
it posts in a channel, its timer (run by the workers), and the commands that set them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.audit import AuditTrail
from core.clock import Clock
from core.deliveries import DeliveryQueue
from core.handlers.schedules import ScheduleHandlers
from core.handlers.subscriptions import SubscriptionHandlers
from core.notify import Notifier
from core.ports import ChatSink
from core.repos.labels import StateNames
from core.repos.schedules import ChannelSchedules, HeldPosts
from core.scheduler import ChannelScheduler
from core.store.port import Store

__all__ = ["ScheduleServices", "build_schedule"]


@dataclass(frozen=True, slots=True)
class ScheduleServices:
    """The scheduler and its commands."""

    scheduler: ChannelScheduler
    handlers: ScheduleHandlers

    async def tick(self, workspace: str) -> int:
        """Queue what came due in ``workspace`` (the workers' timer loop calls this)."""
        return await self.scheduler.tick(workspace)


def build_schedule(
    store: Store, clock: Clock, notifier: Notifier, sinks: Mapping[str, ChatSink]
) -> ScheduleServices:
    """The scheduler, asked by ``notifier`` from now on before each channel post."""
    schedules, audit = ChannelSchedules(store), AuditTrail(store)
    scheduler = ChannelScheduler(
        schedules, HeldPosts(store), DeliveryQueue(store), store, StateNames(store), clock
    )
    notifier.hold = scheduler.hold
    subscriptions = SubscriptionHandlers(store, audit, sinks)
    return ScheduleServices(scheduler, ScheduleHandlers(subscriptions, schedules, audit))
