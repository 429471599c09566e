"""Replies in the thread of a ticket card become journal entries (``/snow threads``).

A channel chooses what a reply under a SnowOps ticket card becomes: nothing (the default,
because comments are visible to the ticket's caller), a comment, or a work note. The entry
is written as its author, by the same rules as every action from chat
(:meth:`core.ticket_actions.TicketActions.who_acts`): their own token when linked; else, in
``email`` mode, the integration user with a line naming them; in ``linked`` mode they are
asked, privately, to link first.

Which ticket a thread belongs to is looked up in an index of where cards were posted
(:class:`CardThreads`, kept by :class:`IndexedTickets` whenever a card location is stored).
What was written from chat is remembered for a while (:class:`Echoes`), so the notifier
does not post it back into the thread it came from.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from core.errors import UserError
from core.gateway import AddJournal, TicketGateway
from core.grammar_actions import MAX_NOTE
from core.i18n import _, format_number
from core.models import CardLocation, Ticket, TicketKind
from core.repos.chat_journal import Echoes
from core.storage import AuditLog, Documents, TicketStore
from core.ticket_actions import TicketActions, Who

__all__ = ["CardThreads", "Echoes", "IndexedTickets", "ThreadJournal", "ThreadModes"]

log = logging.getLogger(__name__)

_MODES_NS = "thread_mode"
_CARDS_NS = "card_thread"


class ThreadModes:
    """Per channel: ``off`` (default), ``comments`` or ``work_notes``."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def get(self, workspace: str, channel: str) -> str:
        """What a reply in this channel's card threads becomes."""
        doc = await self._docs.get_document(_MODES_NS, f"{workspace}|{channel}")
        mode = doc.get("mode") if doc else None
        return mode if mode in ("comments", "work_notes") else "off"

    async def set(self, workspace: str, channel: str, mode: str) -> None:
        """Choose it (``off`` forgets the channel)."""
        if mode == "off":
            await self._docs.delete_document(_MODES_NS, f"{workspace}|{channel}")
            return
        await self._docs.put_document(_MODES_NS, f"{workspace}|{channel}", {"mode": mode})


class CardThreads:
    """Where ticket cards were posted, the other way round: (channel, message) → ticket."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    @staticmethod
    def _key(workspace: str, channel: str, message_id: str) -> str:
        return f"{workspace}|{channel}|{message_id}"

    async def remember(self, workspace: str, number: str, where: CardLocation) -> None:
        """A card of ``number`` is at ``where``. A card posted inside a thread (Teams
        answers a new channel post in its thread) also makes that thread the ticket's: the
        newest card there wins."""
        doc = {"number": number}
        key = self._key(workspace, where.channel.channel, where.message_id)
        await self._docs.put_document(_CARDS_NS, key, doc)
        if where.channel.thread:
            root = self._key(workspace, where.channel.channel, where.channel.thread)
            await self._docs.put_document(_CARDS_NS, root, doc)

    async def ticket_at(self, workspace: str, channel: str, message_id: str) -> str | None:
        """The ticket whose card is message ``message_id`` of ``channel``, if any."""
        if not channel or not message_id:
            return None
        doc = await self._docs.get_document(_CARDS_NS, self._key(workspace, channel, message_id))
        number = doc.get("number") if doc else None
        return number if isinstance(number, str) and number else None


class IndexedTickets:
    """A TicketStore that also indexes every card location it stores (the card publisher
    is given this one, so every card it posts or adopts can be found by its thread)."""

    def __init__(self, inner: TicketStore, cards: CardThreads) -> None:
        self._inner = inner
        self._cards = cards

    async def add_card_location(self, workspace: str, number: str, where: CardLocation) -> None:
        """Store the location, then index it."""
        await self._inner.add_card_location(workspace, number, where)
        await self._cards.remember(workspace, number, where)

    async def save_ticket(self, ticket: Ticket) -> None:
        """As the inner store."""
        await self._inner.save_ticket(ticket)

    async def get_ticket(self, workspace: str, number: str) -> Ticket | None:
        """As the inner store."""
        return await self._inner.get_ticket(workspace, number)

    async def save_tickets(self, tickets: Sequence[Ticket]) -> None:
        """As the inner store."""
        await self._inner.save_tickets(tickets)

    async def get_tickets(self, workspace: str, numbers: Sequence[str]) -> dict[str, Ticket]:
        """As the inner store."""
        return await self._inner.get_tickets(workspace, numbers)

    async def get_tickets_across(
        self, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Ticket]:
        """As the inner store."""
        return await self._inner.get_tickets_across(pairs)

    async def find_ticket_by_correlation(
        self, workspace: str, correlation_id: str
    ) -> Ticket | None:
        """As the inner store."""
        return await self._inner.find_ticket_by_correlation(workspace, correlation_id)

    async def list_tickets(
        self,
        workspace: str,
        kind: TicketKind | None = None,
        *,
        active_only: bool = False,
        limit: int = 20,
        offset: int = 0,
    ) -> list[Ticket]:
        """As the inner store."""
        return await self._inner.list_tickets(
            workspace, kind, active_only=active_only, limit=limit, offset=offset
        )

    async def list_card_locations(self, workspace: str, number: str) -> list[CardLocation]:
        """As the inner store."""
        return await self._inner.list_card_locations(workspace, number)

    async def card_locations_across(
        self, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], list[CardLocation]]:
        """As the inner store."""
        return await self._inner.card_locations_across(pairs)


@dataclass(frozen=True, slots=True)
class Written:
    """A reply went to ServiceNow: to which ticket, as what."""

    number: str
    work_note: bool


class ThreadJournal:
    """Writes a thread reply to its ticket, when the channel asks for it."""

    def __init__(
        self,
        modes: ThreadModes,
        cards: CardThreads,
        echoes: Echoes,
        tickets: TicketStore,
        gateway: TicketGateway,
        actions: TicketActions,
        audit: AuditLog,
        apply: Callable[[str, Sequence[Ticket]], Awaitable[object]],
    ) -> None:
        self._modes = modes
        self._cards = cards
        self._echoes = echoes
        self._tickets = tickets
        self._gateway = gateway
        self._actions = actions
        self._audit = audit
        self._apply = apply

    async def reply(self, who: Who, channel: str, thread: str, text: str) -> Written | None:
        """Write ``text`` (a reply in ``thread`` of ``channel``) to the card's ticket; None
        when the channel does not ask for it, or the thread is not a ticket card's. Raises
        UserError when the author must link first, or the text cannot be written."""
        text = text.strip()
        mode = await self._modes.get(who.workspace, channel)
        if mode == "off" or not text:
            return None
        number = await self._cards.ticket_at(who.workspace, channel, thread)
        ticket = await self._tickets.get_ticket(who.workspace, number) if number else None
        if ticket is None:
            return None
        if len(text) > MAX_NOTE:
            raise UserError(
                _(
                    "That reply is too long for {number} ({limit} characters at most): "
                    "it was not added",
                    number=ticket.number,
                    limit=format_number(MAX_NOTE),
                )
            )
        token, note = await self._actions.who_acts(who)
        work_note = mode == "work_notes"
        await self._echoes.mark(who.workspace, ticket.number, channel, text)
        action = AddJournal(text, work_note)
        try:
            fresh = await self._gateway.act(who.workspace, ticket, action, token=token, note=note)
        except BaseException:
            # Nothing was written (or it is unknown): an identical entry made later in
            # ServiceNow must still reach the thread.
            await self._echoes.take(who.workspace, ticket.number, text)
            raise
        await self._apply(who.workspace, [fresh])
        detail = {"number": ticket.number, "as": "self" if token else "on behalf"}
        await self._audit.audit(who.workspace, who.user, "ticket.thread_reply", detail)
        log.info("thread reply written to %s in %s", ticket.number, who.workspace)
        return Written(ticket.number, work_note)
