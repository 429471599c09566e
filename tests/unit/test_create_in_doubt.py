"""A lost store or a lost answer never doubles a ticket, and the person hears the truth."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import FakeClock
from core.errors import InProgressError
from core.models import ChannelRef, Priority, Requester, TicketKind, TicketRequest
from core.pending import WINDOW, CreateChecker, PendingCreates
from core.publisher import CardPublisher
from core.repos.labels import StateNames
from core.repos.sync_state import Baselines
from core.secrets import SecretBox, generate_key
from core.servicenow.errors import UnavailableError
from core.store.memory import MemoryStore
from core.tickets import CreateInDoubt, TicketService, UnrecordedTicket
from tests.fakes.ticket_gateway import InMemoryTicketGateway
from tests.integration.helpers import RecordingSink

WS = "slack:T0123"
ORIGIN = ChannelRef(WS, "C0SEC")


def ask(key: str = "view-1") -> TicketRequest:
    return TicketRequest(
        workspace=WS,
        kind=TicketKind.INCIDENT,
        name="Require MFA for admins",
        description="",
        priority=Priority.MODERATE,
        requester=Requester("slack", "U_ABEL", "Abel Tuter"),
        idempotency_key=key,
        origin=ORIGIN,
    )


class FlakyStore(MemoryStore):
    """A MemoryStore whose ticket writes fail while ``down`` (Redis gone mid-request)."""

    down = False

    async def save_ticket(self, ticket):  # type: ignore[no-untyped-def]
        if self.down:
            raise ConnectionError("store is down")
        await super().save_ticket(ticket)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> InMemoryTicketGateway:
    return InMemoryTicketGateway(clock)


@pytest.fixture
def store() -> FlakyStore:
    return FlakyStore(SecretBox(generate_key()))


def service(fake: InMemoryTicketGateway, store: MemoryStore, clock: FakeClock) -> TicketService:
    return TicketService(fake, store, store, Baselines(store), store, clock, PendingCreates(store))


async def test_a_store_lost_after_servicenow_created_tells_the_truth_and_never_doubles(
    fake: InMemoryTicketGateway, store: FlakyStore, clock: FakeClock
) -> None:
    tickets = service(fake, store, clock)
    store.down = True
    with pytest.raises(UnrecordedTicket) as lost:
        await tickets.create(ask())
    assert "ServiceNow created INC" in lost.value.message
    assert "could not record it" in lost.value.message
    # An immediate second Submit is answered (not dropped): the first still holds the claim.
    with pytest.raises(InProgressError):
        await tickets.create(ask())
    # The store is back, the claim expired, its memory of the key is gone: a Submit finds
    # the ticket ServiceNow made instead of making a second one.
    store.down = False
    fresh = MemoryStore(SecretBox(generate_key()))
    again = await service(fake, fresh, clock).create(ask())
    assert again.ticket.number == lost.value.ticket.number
    assert len(fake.tickets()) == 1


async def test_a_lost_answer_is_settled_by_posting_the_card_where_it_was_asked(
    fake: InMemoryTicketGateway, store: FlakyStore, clock: FakeClock
) -> None:
    tickets = service(fake, store, clock)
    fake.fail_next("find_by_correlation", UnavailableError("asleep"))  # the look first
    with pytest.raises(UnavailableError):
        await tickets.create(ask(key="view-2"))
    # ServiceNow could not be asked first: nothing was sent to it at all.
    assert fake.tickets() == []

    fake.lose_next_create_answer()
    fake.fail_next("find_by_correlation", UnavailableError("asleep"), after=1)  # look after
    with pytest.raises(CreateInDoubt) as doubt:
        await tickets.create(ask(key="view-3"))
    assert "may have created the ticket" in doubt.value.message
    assert "Submitting again is safe" in doubt.value.hint
    [made] = fake.tickets()
    assert await store.get_ticket(WS, made.number) is None  # not known yet

    sink = RecordingSink()
    checker = CreateChecker(
        PendingCreates(store),
        fake,
        store,
        Baselines(store),
        StateNames(store),
        CardPublisher({"slack": sink}, store),
        notifier=None,  # type: ignore[arg-type]  # not needed when the ticket is found
        clock=clock,
    )
    assert await checker.check(WS) == 1
    [(where, card)] = sink.cards.items()
    assert where.channel == ORIGIN
    assert card.number == made.number
    assert await store.get_ticket(WS, made.number) is not None
    assert await checker.check(WS) == 0  # settled once


async def test_nothing_made_is_said_once_the_window_has_passed(
    fake: InMemoryTicketGateway, store: FlakyStore, clock: FakeClock
) -> None:
    told: list[tuple[ChannelRef, str]] = []

    class Teller:
        async def tell(self, channel: ChannelRef, text: str, delivery_id: str) -> bool:
            told.append((channel, text))
            return True

    pending = PendingCreates(store)
    await pending.add(ask(), "snowops-gone", clock.now())
    checker = CreateChecker(
        pending, fake, store, Baselines(store), StateNames(store),
        CardPublisher({}, store), Teller(), clock,  # type: ignore[arg-type]
    )  # fmt: skip
    assert await checker.check(WS) == 0  # still within the window: keep looking
    clock.advance((WINDOW + timedelta(seconds=1)).total_seconds())
    assert await checker.check(WS) == 1
    [(channel, text)] = told
    assert channel == ORIGIN
    assert "nothing was made. Submit it again." in text
    assert await pending.of(WS) == []


async def test_a_card_that_cannot_be_posted_yet_is_posted_on_a_later_cycle(
    fake: InMemoryTicketGateway, store: FlakyStore, clock: FakeClock
) -> None:
    from core.ports import DeliveryError

    class Down(RecordingSink):
        failing = True

        async def post_card(self, channel, card):  # type: ignore[no-untyped-def]
            if self.failing:
                raise DeliveryError("Slack answered 503")
            return await super().post_card(channel, card)

    tickets = service(fake, store, clock)
    fake.lose_next_create_answer()
    fake.fail_next("find_by_correlation", UnavailableError("asleep"), after=1)
    with pytest.raises(CreateInDoubt):
        await tickets.create(ask(key="view-4"))
    sink = Down()
    pending = PendingCreates(store)
    checker = CreateChecker(
        pending, fake, store, Baselines(store), StateNames(store),
        CardPublisher({"slack": sink}, store), None, clock,  # type: ignore[arg-type]
    )  # fmt: skip
    assert await checker.check(WS) == 0
    assert len(await pending.of(WS)) == 1  # kept: the card has not gone out
    sink.failing = False
    assert await checker.check(WS) == 1
    assert len(sink.cards) == 1
    assert await pending.of(WS) == []
