"""Reminders and escalation of tickets with a due date.

A day (``before``) ahead of the due date, the ticket's card threads and its requester are
reminded; once it has passed, the card is marked overdue and the channels subscribed to the
ticket are told (through the notifier, so digests and quiet hours apply). Each is a delivery
whose id is made of the ticket and its due date, so every replica's timer, or one restarted,
queues it once; a due date moved later is reminded of again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta

from core.clock import Clock
from core.deliveries import AdminNotice, DeliveryQueue, ThreadReply
from core.i18n import DEFAULT_LOCALE, _, format_date, use_locale
from core.models import ChannelRef, Ticket, TicketEvent, workspace_platform
from core.ports import ChatSink
from core.repos.people import NotifyPrefs, TicketPeople
from core.repos.schedules import Told
from core.servicenow.states import is_open
from core.storage import TicketStore

__all__ = ["OVERDUE", "REMINDER", "Reminders", "overdue_note"]

log = logging.getLogger(__name__)

REMINDER = "reminder"
OVERDUE = "overdue"
#: Tickets looked at per workspace and tick (newest first).
_TRACKED_MAX = 1000
#: A workspace whose tickets this process saw no write to is looked at again at the latest
#: after this long (another replica may have written them).
RESCAN = timedelta(minutes=5)


def _when(due: datetime) -> str:
    """``Thu 03 Dec 2026 22:59 UTC`` (``tors 03 dec. 2026 22:59 UTC``): the due moment in
    UTC, as every reader of a channel sees the same text."""
    day = format_date(due.astimezone(UTC), "EEE dd MMM y")
    return _("{date} {time} UTC", date=day, time=due.astimezone(UTC).strftime("%H:%M"))


def overdue_note(ticket: Ticket, now: datetime) -> str:
    """What an open ticket's card says once its due date has passed ("" before), in the
    language of the card being built."""
    if ticket.due is None or now < ticket.due or not is_open(ticket.kind, ticket.state):
        return ""
    return _("Overdue: it was due {when}.", when=_when(ticket.due))


class Reminders:
    """Finds tickets coming due or overdue, and queues what each calls for."""

    def __init__(
        self,
        tickets: TicketStore,
        people: TicketPeople,
        prefs: NotifyPrefs,
        told: Told,
        queue: DeliveryQueue,
        sinks: Mapping[str, ChatSink],
        clock: Clock,
        before: timedelta,
    ) -> None:
        self._tickets = tickets
        self._people = people
        self._prefs = prefs
        self._told = told
        self._queue = queue
        self._sinks = sinks
        self._clock = clock
        self.before = before
        #: Queues an event's thread replies and channel posts (Notifier.enqueue).
        self.enqueue: Callable[[TicketEvent], Awaitable[int]] | None = None
        #: The workspace's language (WorkspaceLanguage.language), which reminders are
        #: written in; English when not given.
        self.language: Callable[[str], Awaitable[str]] | None = None
        #: A number that moves whenever this process writes a workspace's tickets
        #: (CachingStore.ticket_writes). Given, a tick skips a workspace until its next
        #: due moment, a write, or RESCAN: a thousand workspaces' tickets are not decoded
        #: every few seconds to find nothing due.
        self.writes: Callable[[str], int] | None = None
        self._quiet: dict[str, tuple[datetime, int]] = {}

    async def tick(self, workspace: str) -> int:
        """Queue the reminders and overdue notices that came due; returns how many were new."""
        now = self._clock.now()
        version = self.writes(workspace) if self.writes is not None else None
        quiet = self._quiet.get(workspace)
        if quiet is not None and quiet[1] == version and now < quiet[0]:
            return 0  # nothing comes due before then, and no ticket was written since
        language = await self.language(workspace) if self.language else DEFAULT_LOCALE
        with use_locale(language):
            queued, until = await self._tick(workspace, now)
        if version is not None:
            self._quiet[workspace] = (min(until, now + RESCAN), version)
        return queued

    async def _tick(self, workspace: str, now: datetime) -> tuple[int, datetime]:
        """Queue what came due; (how many were new, the next moment something comes due)."""
        queued = 0
        until = datetime.max.replace(tzinfo=UTC)
        for ticket in await self._tickets.list_tickets(
            workspace, active_only=True, limit=_TRACKED_MAX
        ):
            due = ticket.due
            if due is None or not is_open(ticket.kind, ticket.state):
                continue
            change = OVERDUE if now >= due else REMINDER if now >= due - self.before else ""
            if change != OVERDUE:
                until = min(until, due if change else due - self.before)
            key = f"{workspace}|{ticket.number}|{change}|{due.isoformat()}"
            if not change or await self._told.told(key):
                continue
            if change == OVERDUE:
                queued += await self._overdue(ticket, due, now)
            else:
                new, carded = await self._remind(ticket, due, now)
                queued += new
                if not carded:
                    # A create saves its ticket before it posts the card: told again once
                    # the card is kept (that write wakes this timer), its thread then too.
                    continue
            await self._told.mark(key, now)
        return queued, until

    def _event(
        self, ticket: Ticket, change: str, due: datetime, text: str, now: datetime
    ) -> TicketEvent:
        return TicketEvent(
            event_id=f"{ticket.workspace}|{ticket.number}|{change}|{due.isoformat()}",
            workspace=ticket.workspace,
            number=ticket.number,
            kind=ticket.kind,
            change=change,
            old=None,
            new=text,
            at=now,
        )

    async def _remind(self, ticket: Ticket, due: datetime, now: datetime) -> tuple[int, bool]:
        """Queue a reminder in the card threads and to the requester (each once by id);
        (how many were new, whether the ticket had a card to remind in)."""
        event = self._event(ticket, REMINDER, due, _("reminder: due {when}", when=_when(due)), now)
        queued = 0
        cards = await self._tickets.list_card_locations(ticket.workspace, ticket.number)
        for where in cards:
            spot = f"{where.channel.channel}|{where.message_id}"
            reply = ThreadReply(ticket.workspace, ticket.number, where, event)
            queued += await self._queue.put(f"{event.event_id}|reply|{spot}", reply)
        requester = await self._people.requester(ticket.workspace, ticket.number)
        direct = await self._direct(ticket.workspace, requester) if requester else None
        if direct is not None:
            text = _(
                "Reminder: {number} {title}, which you asked for, is due {when}.",
                number=ticket.number,
                title=ticket.title,
                when=_when(due),
            )
            notice = AdminNotice(ticket.workspace, direct, text)
            user = requester.split(":", 1)[-1]
            queued += await self._queue.put(f"{event.event_id}|dm|{user}", notice)
        return queued, bool(cards)

    async def _direct(self, workspace: str, person: str) -> ChannelRef | None:
        """The requester's direct conversation with SnowOps (None when it cannot be had)."""
        user = person.split(":", 1)[-1]
        known = await self._prefs.direct(workspace, user)
        if known is not None:
            return known
        sink = self._sinks.get(workspace_platform(workspace))
        if sink is None:
            return None
        try:
            return await sink.direct(workspace, user)
        except Exception as exc:  # told next tick; the card's thread was told already
            log.warning(
                "no direct conversation with a requester in %s: %s", workspace, type(exc).__name__
            )
            return None

    async def _overdue(self, ticket: Ticket, due: datetime, now: datetime) -> int:
        text = _("overdue: it was due {when}", when=_when(due))
        event = self._event(ticket, OVERDUE, due, text, now)
        # The notifier marks the cards (their note says overdue), replies in their threads
        # and tells the subscribed channels, as for any change.
        return await self.enqueue(event) if self.enqueue is not None else 0
