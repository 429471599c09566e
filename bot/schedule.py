"""Reminders, digests, quiet hours and personal notifications in the composition root: what
the notifier asks before it posts, the timer the workers run, and the commands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from bot.settings import Settings
from core.audit import AuditTrail
from core.clock import Clock
from core.deliveries import DeliveryQueue
from core.handlers.schedules import ScheduleHandlers
from core.handlers.subscriptions import SubscriptionHandlers
from core.notify import Notifier
from core.personal import PersonalNotices
from core.ports import ChatSink
from core.reminders import Reminders, overdue_note
from core.repos.labels import StateNames
from core.repos.people import NotifyPrefs, TicketPeople
from core.repos.schedules import ChannelSchedules, HeldPosts, Told
from core.scheduler import ChannelScheduler
from core.store.cached import CachingStore
from core.store.port import Store
from core.tickets import TicketService

__all__ = ["ScheduleServices", "build_schedule", "personal_notices"]


@dataclass(frozen=True, slots=True)
class ScheduleServices:
    """The scheduler, the reminders and their commands."""

    scheduler: ChannelScheduler
    reminders: Reminders
    handlers: ScheduleHandlers

    async def tick(self, workspace: str) -> int:
        """Queue what came due in ``workspace`` (the workers' timer loop calls this):
        reminders and overdue notices first, so an overdue notice held for a digest is in
        the digest that closes now."""
        return await self.reminders.tick(workspace) + await self.scheduler.tick(workspace)


def personal_notices(store: Store) -> PersonalNotices:
    """Direct messages to a ticket's people, and what keeps who they are."""
    return PersonalNotices(
        TicketPeople(store), NotifyPrefs(store), StateNames(store), DeliveryQueue(store), store
    )


def build_schedule(
    settings: Settings,
    store: Store,
    clock: Clock,
    notifier: Notifier,
    tickets: TicketService,
    sinks: Mapping[str, ChatSink],
) -> ScheduleServices:
    """The scheduler and reminders; ``notifier`` asks them from now on before each channel
    post and card, and ``tickets`` tells them who asked for each ticket."""
    schedules, audit, queue = ChannelSchedules(store), AuditTrail(store), DeliveryQueue(store)
    scheduler = ChannelScheduler(
        schedules, HeldPosts(store), queue, store, StateNames(store), clock, store
    )
    people, prefs = TicketPeople(store), NotifyPrefs(store)
    before = timedelta(hours=settings.remind_before_hours)
    reminders = Reminders(store, people, prefs, Told(store), queue, sinks, clock, before)
    reminders.enqueue = notifier.enqueue
    if isinstance(store, CachingStore):
        reminders.writes = store.ticket_writes  # skip workspaces with nothing coming due
    personal = personal_notices(store)
    notifier.hold, notifier.personal = scheduler.hold, personal.tell_all
    scheduler.language = notifier.language
    notifier.open_note = lambda ticket: overdue_note(ticket, clock.now())

    async def created(workspace: str, number: str, person: str) -> None:
        await personal.requested(workspace, number, person)
        await scheduler.created(workspace, number)

    tickets.created = created
    subscriptions = SubscriptionHandlers(store, audit, sinks)
    handlers = ScheduleHandlers(subscriptions, schedules, prefs, sinks, audit)
    return ScheduleServices(scheduler, reminders, handlers)
