"""Personal notifications: a person who asked (``/snow notify me on``) hears by direct
message of changes to the tickets they requested or are assigned to, never of their own.

Whose action caused an event is known while a request is handled: the router marks it with
:func:`acting`, and a change made from chat is turned into events inside that request. An
event found by a poll or a push was made in ServiceNow, by someone else.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextvars import ContextVar

from core import commands as c
from core.deliveries import AdminNotice, DeliveryQueue
from core.i18n import use_locale
from core.models import Ticket, TicketEvent
from core.notify import change_text
from core.repos.labels import StateNames
from core.repos.people import NotifyPrefs, TicketPeople
from core.storage import TicketStore

__all__ = ["PersonalNotices", "acting", "current_actor"]

log = logging.getLogger(__name__)

_ACTOR: ContextVar[str | None] = ContextVar("snowops_actor", default=None)


@contextlib.contextmanager
def acting(actor: str) -> Iterator[None]:
    """Changes made inside this block were made by ``actor`` (``platform:user``)."""
    token = _ACTOR.set(actor)
    try:
        yield
    finally:
        _ACTOR.reset(token)


def current_actor() -> str | None:
    """Who is acting now, or None outside a request (a poll, a push, a timer)."""
    return _ACTOR.get()


def _user_id(person: str) -> str:
    return person.split(":", 1)[-1]


class PersonalNotices:
    """Queues the direct messages an event calls for."""

    def __init__(
        self,
        people: TicketPeople,
        prefs: NotifyPrefs,
        names: StateNames,
        queue: DeliveryQueue,
        tickets: TicketStore,
    ) -> None:
        self._tickets = tickets
        self._people = people
        self._prefs = prefs
        self._names = names
        self._queue = queue

    async def tell_all(
        self,
        told: Sequence[tuple[TicketEvent, Ticket]],
        language: Callable[[str], Awaitable[str]],
    ) -> int:
        """Queue the direct messages of several events (each with its ticket as stored),
        the people of every ticket read at once; each in its workspace's ``language`` (a
        person's own is not known). Returns how many were new."""
        people = await self._people.of_across([(e.workspace, e.number) for e, _ in told])
        queued = 0
        for event, ticket in told:
            found = people.get((event.workspace, event.number))
            if found:
                with use_locale(await language(event.workspace)):
                    queued += await self._tell(event, ticket, found)
        return queued

    async def _tell(self, event: TicketEvent, ticket: Ticket, people: list[str]) -> int:
        """Queue a direct message to each of the ticket's ``people`` who asked for them,
        but the one who made the change; returns how many were new."""
        actor = current_actor()
        queued = 0
        for person in people:
            if actor is not None and _user_id(person) == _user_id(actor):
                continue  # their own action: they know
            direct = await self._prefs.direct(event.workspace, _user_id(person))
            if direct is None or direct.channel in await self._cards(event):
                continue  # not asked for; or the card is there, and its thread is told
            names = await self._names.names(event.workspace, ticket.kind)
            text = change_text(event, names, ticket.title)
            notice = AdminNotice(event.workspace, direct, text)
            queued += await self._queue.put(f"{event.event_id}|dm|{_user_id(person)}", notice)
        return queued

    async def _cards(self, event: TicketEvent) -> set[str]:
        """The conversations holding a card of the event's ticket."""
        found = await self._tickets.list_card_locations(event.workspace, event.number)
        return {where.channel.channel for where in found}

    async def requested(self, workspace: str, number: str, person: str) -> None:
        """``person`` made the ticket from chat: they are its requester. Never raises (the
        ticket exists; only their direct messages would be missed)."""
        try:
            await self._people.requested(workspace, number, person)
        except Exception as exc:
            log.warning("requester of %s not kept: %s", number, type(exc).__name__)

    async def acted(self, workspace: str, number: str, person: str, command: c.Command) -> None:
        """``person`` did ``command`` to the ticket: one who took it is its assignee."""
        if not isinstance(command, c.Assign) or command.to.lower() != "me":
            return
        try:
            await self._people.assigned(workspace, number, person)
        except Exception as exc:
            log.warning("assignee of %s not kept: %s", number, type(exc).__name__)
