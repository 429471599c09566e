"""The parts of core that speak in channels on their own, built for the composition root
(:mod:`bot.core`): the poll loops and what runs after each cycle, the notifier, and the
workspace language those messages are written in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from bot.score import ScoreServices
from bot.settings import Settings
from core.audit import AuditTrail
from core.clock import Clock
from core.coordinator import SyncCoordinator
from core.deliveries import DeliveryQueue
from core.gateway import TicketGateway
from core.handlers.language import LanguageHandlers
from core.languages import WorkspaceLanguage
from core.notify import Notifier
from core.pending import CreateChecker
from core.ports import ChatSink
from core.repos import AdminContacts, DeliveryHealth, StateNames
from core.repos.chat_journal import Echoes
from core.servicenow import TokenKeeper
from core.store.port import Store
from core.sync import StatusSync
from core.watch import QueryWatcher, QueryWatches

__all__ = ["channel_notifier", "language_handlers", "poll_loops"]


def poll_loops(
    settings: Settings,
    store: Store,
    gateway: TicketGateway,
    tokens: TokenKeeper,
    sync: StatusSync,
    contacts: AdminContacts,
    notifier: Notifier,
    clock: Clock,
    checker: CreateChecker,
    owner: str,
) -> SyncCoordinator:
    """The poll loops: each cycle syncs the tracked tickets, settles creates in doubt,
    then runs the channels' ServiceNow filters (core.watch)."""
    watcher = QueryWatcher(gateway, QueryWatches(store), store, StateNames(store),
                           notifier.tell, clock, WorkspaceLanguage(store))  # fmt: skip
    return SyncCoordinator(
        sync, store, store, tokens, contacts, notifier, clock,
        interval=settings.poll_interval, owner=owner,
        after_cycle=_in_order(checker.check, watcher.cycle),
    )  # fmt: skip


def _in_order(
    *steps: Callable[[str], Awaitable[object]],
) -> Callable[[str], Awaitable[None]]:
    """Run ``steps`` one after the other for a workspace."""

    async def run(workspace: str) -> None:
        for step in steps:
            await step(workspace)

    return run


def language_handlers(store: Store, audit: AuditTrail, score: ScoreServices) -> LanguageHandlers:
    """``/snow language``; from now on the timers that post in channels (rules, reminders,
    digests) write in the workspace's language."""
    languages = WorkspaceLanguage(store)
    score.rules.language = languages.language
    score.schedule.reminders.language = languages.language
    score.schedule.scheduler.language = languages.language
    return LanguageHandlers(languages, audit)


def channel_notifier(
    store: Store,
    clock: Clock,
    sinks: Mapping[str, ChatSink],
    health: DeliveryHealth,
    languages: WorkspaceLanguage,
) -> Notifier:
    """The notifier: each workspace's cards and notifications in its own language."""
    return Notifier(
        DeliveryQueue(store), store, store, StateNames(store), sinks, clock, health,
        Echoes(store), languages=languages,
    )  # fmt: skip
