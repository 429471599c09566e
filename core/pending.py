"""Creates in doubt: ServiceNow may have made the ticket, but its answer was lost.

When a create's answer is lost and ServiceNow cannot be asked at once either, the person is
told so and :class:`PendingCreates` remembers the create (its correlation id, where it was
asked, by whom). After each sync cycle, :class:`CreateChecker` asks ServiceNow again: a ticket
found is adopted and its card posted where the form was submitted; none found within
:data:`WINDOW` means nothing was made, and the person is told to submit again. Either way the
person hears the outcome, and no second ticket is made (a resubmit looks first, by the same
correlation id).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.clock import Clock
from core.gateway import TicketGateway
from core.i18n import _, format_datetime, use_locale
from core.models import ChannelRef, Ticket, TicketRequest
from core.notify import Notifier
from core.ports import DeliveryError
from core.publisher import CardPublisher
from core.repos.labels import StateNames
from core.repos.sync_state import Baselines
from core.servicenow.errors import ServiceNowError
from core.storage import Documents, TicketStore
from core.store import codec
from core.views import ticket_card

__all__ = ["WINDOW", "CreateChecker", "PendingCreate", "PendingCreates"]

log = logging.getLogger(__name__)

_NS = "pending_create"
#: How long a lost create is looked for before the person is told nothing was made.
WINDOW = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class PendingCreate:
    """A create whose outcome is unknown."""

    workspace: str
    correlation_id: str
    title: str
    user: str
    origin: ChannelRef | None
    at: datetime


class PendingCreates:
    """The creates in doubt, by workspace and correlation id."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def add(self, req: TicketRequest, corr: str, at: datetime) -> None:
        """Remember a create whose answer was lost."""
        doc = {
            "title": req.name,
            "user": req.requester.user_id,
            "origin": codec.channel_to_doc(req.origin),
            "at": at.isoformat(),
        }
        await self._docs.put_document(_NS, f"{req.workspace}|{corr}", doc)

    async def of(self, workspace: str) -> list[PendingCreate]:
        """The workspace's creates in doubt, oldest first."""
        found = []
        for key, doc in (await self._docs.list_documents(_NS, f"{workspace}|")).items():
            corr = key.split("|", 1)[1]
            origin = codec.channel_from_doc(doc.get("origin"))
            at = datetime.fromisoformat(str(doc["at"]))
            found.append(
                PendingCreate(workspace, corr, str(doc["title"]), str(doc["user"]), origin, at)
            )
        return sorted(found, key=lambda p: p.at)

    async def drop(self, workspace: str, corr: str) -> None:
        """Forget a create whose outcome is known now."""
        await self._docs.delete_document(_NS, f"{workspace}|{corr}")


class CreateChecker:
    """Settles creates in doubt after each sync cycle of their workspace."""

    def __init__(
        self,
        pending: PendingCreates,
        gateway: TicketGateway,
        tickets: TicketStore,
        baselines: Baselines,
        names: StateNames,
        publisher: CardPublisher,
        notifier: Notifier,
        clock: Clock,
    ) -> None:
        self._pending = pending
        self._gateway = gateway
        self._tickets = tickets
        self._baselines = baselines
        self._names = names
        self._publisher = publisher
        self._notifier = notifier
        self._clock = clock

    async def check(self, workspace: str) -> int:
        """Look for each create in doubt; returns how many were settled."""
        settled = 0
        for item in await self._pending.of(workspace):
            try:
                found = await self._gateway.find_by_correlation(
                    workspace, item.correlation_id, open_only=False
                )
            except ServiceNowError as exc:
                log.info("create in doubt in %s not checked: %s", workspace, exc.message)
                return settled  # ServiceNow is failing: the next cycle tries again
            if found is not None:
                try:
                    await self._found(item, found)
                except DeliveryError as exc:
                    # Slack or Teams failing for now: the card goes out on a later cycle.
                    log.info("card of a settled create not posted yet: %s", exc)
                    continue
            elif self._clock.now() - item.at < WINDOW:
                continue
            else:
                await self._none(item)
            await self._pending.drop(workspace, item.correlation_id)
            settled += 1
        return settled

    async def _found(self, item: PendingCreate, found: Ticket) -> None:
        """ServiceNow made it: adopt it, and post its card where it was asked for."""
        ws = item.workspace
        stored = await self._tickets.get_ticket(ws, found.number)
        if stored is not None and await self._tickets.list_card_locations(ws, found.number):
            return  # a resubmit or the sync found it first, and its card is out
        if stored is None:
            await self._tickets.save_ticket(found)
            await self._baselines.remember(found, adopted=True)
        ticket = stored or found
        # Posted in the channel it was asked from (who asked is not here): the workspace's.
        with use_locale(await self._publisher.language(ws)):
            card = ticket_card(ticket, await self._names.names(ws, ticket.kind))
            log.info("create in doubt settled: %s exists", ticket.number)
            await self._publisher.publish(ws, card, item.origin, item.user)

    async def _none(self, item: PendingCreate) -> None:
        """Nothing was made: say so where it was asked for."""
        log.info("create in doubt settled: nothing was made in %s", item.workspace)
        if item.origin is None:
            return
        with use_locale(await self._publisher.language(item.workspace)):
            text = _(
                "ServiceNow did not create “{title}” (asked at {time} UTC; its answer was "
                "lost): nothing was made. Submit it again.",
                title=item.title,
                time=format_datetime(item.at, "HH:mm"),
            )
        await self._notifier.tell(
            item.origin, text, f"pending|{item.workspace}|{item.correlation_id}|none"
        )
