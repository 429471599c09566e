"""The composition of thread replies and change approvals (core/threads.py,
core/approvals.py): their repositories, services and handlers, hooked to the sync."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.accounts import AccountService
from core.approvals import Approvals, People
from core.gateway import TicketGateway
from core.handlers.router import HandlerGroup
from core.handlers.threads import ApprovalHandlers, ThreadHandlers
from core.notify import Notifier
from core.ports import ChatSink
from core.repos import StateNames
from core.repos.chat_journal import Echoes
from core.storage import AuditLog
from core.store.port import Store
from core.sync import StatusSync
from core.threads import CardThreads, IndexedTickets, ThreadJournal, ThreadModes
from core.ticket_actions import IdentityModes, TicketActions

__all__ = ["ThreadParts", "card_index", "thread_parts"]


def card_index(store: Store) -> IndexedTickets:
    """The ticket store the card publisher writes through: it indexes card threads."""
    return IndexedTickets(store, CardThreads(store))


@dataclass(frozen=True, slots=True)
class ThreadParts:
    """The handler groups, and the approvals service the sync feeds."""

    groups: tuple[HandlerGroup, ...]
    approvals: Approvals


def _people(sinks: Mapping[str, ChatSink]) -> dict[str, People]:
    """The sinks that can find a chat user by email (each platform's own directory)."""
    return {name: sink for name, sink in sinks.items() if isinstance(sink, People)}


def thread_parts(
    gateway: TicketGateway,
    store: Store,
    accounts: AccountService,
    audit: AuditLog,
    sync: StatusSync,
    notifier: Notifier,
    sinks: Mapping[str, ChatSink],
) -> ThreadParts:
    """Build both, and let the sync ask approvers once its events are queued."""
    names = StateNames(store)
    actions = TicketActions(
        gateway, store, accounts, IdentityModes(store), store, audit, sync.apply
    )
    modes = ThreadModes(store)
    journal = ThreadJournal(
        modes, CardThreads(store), Echoes(store), store, gateway, actions, audit, sync.apply
    )
    approvals = Approvals(
        gateway, store, accounts, store, names, sinks, _people(sinks), audit, sync.apply
    )
    approvals.languages = notifier.languages  # approval requests in the workspace's language

    # Approvers are asked once a change's events are queued, outside the sync batch (each
    # is a request to the instance).
    sync.after = approvals.on_events
    groups = (ThreadHandlers(journal, modes), ApprovalHandlers(approvals, names))
    return ThreadParts(groups, approvals)
