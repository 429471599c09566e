"""TicketService on the in-memory gateway: idempotent, duplicate-proof creates; fresh reads."""

from __future__ import annotations

import asyncio

import pytest

from core.clock import FakeClock
from core.errors import InProgressError, UserError
from core.models import Priority, Requester, TicketKind, TicketRequest
from core.repos.sync_state import Baselines
from core.secrets import SecretBox, generate_key
from core.servicenow.errors import NotFoundError, UnavailableError
from core.servicenow.mapping import correlation_id
from core.store.memory import MemoryStore
from core.tickets import HISTORY, TicketService
from tests.fakes.ticket_gateway import InMemoryTicketGateway

WS = "slack:T0123"
OTHER_WS = "slack:T0456"
ABEL_EMAIL = "abel.tuter@example.com"
ABEL_ID = "62826bf03710200044e0bfc8bcbe5df1"


def ask(
    *,
    key: str | None = None,
    rec: str | None = None,
    kind: TicketKind = TicketKind.INCIDENT,
    name: str = "Require MFA for admins",
    workspace: str = WS,
) -> TicketRequest:
    """A ticket request from Abel."""
    return TicketRequest(
        workspace=workspace,
        kind=kind,
        name=name,
        description="Admins sign in with a password only.",
        priority=Priority.MODERATE,
        requester=Requester("slack", "U_ABEL", "Abel Tuter", ABEL_EMAIL),
        recommendation_id=rec,
        idempotency_key=key,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> InMemoryTicketGateway:
    return InMemoryTicketGateway(clock, users={ABEL_EMAIL: ABEL_ID})


@pytest.fixture
async def store() -> MemoryStore:
    store = MemoryStore(SecretBox(generate_key()))
    await store.open()
    return store


@pytest.fixture
def service(fake: InMemoryTicketGateway, store: MemoryStore, clock: FakeClock) -> TicketService:
    return TicketService(fake, store, store, Baselines(store), store, clock)


# -- create ---------------------------------------------------------------------------------
async def test_create_stores_baselines_and_audits_the_ticket(
    service: TicketService, fake: InMemoryTicketGateway, store: MemoryStore
) -> None:
    outcome = await service.create(ask(key="view-1"))

    assert outcome.created is True
    ticket = outcome.ticket
    assert (ticket.number, ticket.state, ticket.requested_by) == ("INC0010001", "1", "Abel Tuter")
    assert ticket.correlation_id == correlation_id(WS, "req:view-1")
    assert fake.record(ticket.number)["caller_id"] == ABEL_ID
    assert await store.get_ticket(WS, ticket.number) == ticket
    baseline = await Baselines(store).get(WS, ticket.number)
    assert baseline is not None
    assert (baseline.state, baseline.mod_count) == ("1", 0)
    [entry] = await store.list_audit(WS)
    assert (entry["action"], entry["detail"]["number"]) == ("ticket.create", ticket.number)


async def test_a_retry_with_the_same_key_returns_the_first_ticket(
    service: TicketService, fake: InMemoryTicketGateway
) -> None:
    first = await service.create(ask(key="view-1"))
    again = await service.create(ask(key="view-1", name="Typed again"))
    other = await service.create(ask(key="view-2"))

    assert (again.created, again.reason) == (False, "retry")
    assert again.ticket == first.ticket
    assert other.created is True
    assert other.ticket.number != first.ticket.number
    assert fake.calls["create"] == 2
    assert len(fake.tickets(WS)) == 2


async def test_a_double_submit_while_the_first_runs_is_in_progress(
    service: TicketService, fake: InMemoryTicketGateway
) -> None:
    gate = fake.block_next("create")
    first = asyncio.create_task(service.create(ask(key="view-1")))
    await gate.entered.wait()

    with pytest.raises(InProgressError):
        await service.create(ask(key="view-1"))

    gate.release.set()
    outcome = await first
    assert outcome.created is True
    assert fake.calls["create"] == 1
    after = await service.create(ask(key="view-1"))
    assert (after.created, after.ticket.number) == (False, outcome.ticket.number)
    assert len(fake.tickets(WS)) == 1


async def test_a_double_share_while_the_first_runs_is_in_progress(
    service: TicketService, fake: InMemoryTicketGateway
) -> None:
    gate = fake.block_next("create")
    first = asyncio.create_task(service.create(ask(rec="AdminMFAV2", key="view-1")))
    await gate.entered.wait()

    with pytest.raises(InProgressError):
        await service.create(ask(rec="AdminMFAV2", key="view-2"))

    gate.release.set()
    assert (await first).created is True
    assert len(fake.tickets(WS)) == 1


async def test_sharing_a_recommendation_while_its_ticket_is_open_returns_it(
    service: TicketService, fake: InMemoryTicketGateway
) -> None:
    first = await service.create(ask(rec="AdminMFAV2"))
    fake.set_state(first.ticket.number, "2")

    again = await service.create(ask(rec="AdminMFAV2"))

    assert (again.created, again.reason) == (False, "already tracked")
    assert again.ticket.number == first.ticket.number
    assert again.ticket.state == "2"  # read fresh from the ticket system
    assert again.ticket.correlation_id == correlation_id(WS, "rec:AdminMFAV2")
    assert fake.calls["create"] == 1


@pytest.mark.parametrize(
    ("kind", "closed"),
    [
        (TicketKind.INCIDENT, "6"),
        (TicketKind.INCIDENT, "7"),
        (TicketKind.INCIDENT, "8"),
        (TicketKind.CHANGE, "3"),
        (TicketKind.CHANGE, "4"),
    ],
)
async def test_after_its_ticket_is_closed_a_share_makes_a_new_one(
    service: TicketService, fake: InMemoryTicketGateway, kind: TicketKind, closed: str
) -> None:
    first = await service.create(ask(rec="AdminMFAV2", kind=kind))
    fake.set_state(first.ticket.number, closed)

    again = await service.create(ask(rec="AdminMFAV2", kind=kind))

    assert again.created is True
    assert again.ticket.number != first.ticket.number
    assert again.ticket.correlation_id == first.ticket.correlation_id
    assert len(fake.tickets(WS)) == 2


async def test_a_share_whose_ticket_was_deleted_in_servicenow_makes_a_new_one(
    service: TicketService, fake: InMemoryTicketGateway
) -> None:
    first = await service.create(ask(rec="AdminMFAV2"))
    fake.delete(first.ticket.number)

    again = await service.create(ask(rec="AdminMFAV2"))

    assert again.created is True
    assert again.ticket.number != first.ticket.number


async def test_a_share_adopts_an_open_ticket_only_the_ticket_system_knows(
    service: TicketService, fake: InMemoryTicketGateway, store: MemoryStore
) -> None:
    # Made by another replica whose store write was lost, say.
    corr = correlation_id(WS, "rec:AdminMFAV2")
    made = fake.insert(WS, TicketKind.INCIDENT, "Require MFA for admins", correlation_id=corr)

    outcome = await service.create(ask(rec="AdminMFAV2"))

    assert (outcome.created, outcome.ticket.number) == (False, made.number)
    assert fake.calls["create"] == 0
    assert await store.get_ticket(WS, made.number) is not None
    assert await Baselines(store).get(WS, made.number) is not None


@pytest.mark.parametrize("key", [None, "view-9"])
async def test_a_lost_create_answer_is_adopted_not_repeated(
    service: TicketService, fake: InMemoryTicketGateway, store: MemoryStore, key: str | None
) -> None:
    fake.lose_next_create_answer()

    outcome = await service.create(ask(key=key))

    assert outcome.created is True
    assert [t.number for t in fake.tickets()] == [outcome.ticket.number]
    assert fake.calls["create"] == 1
    # A keyed create looks first (a forgotten earlier try), then once more for the lost one.
    assert fake.calls["find_by_correlation"] == (1 if key is None else 2)
    assert outcome.ticket.requested_by == "Abel Tuter"
    assert await store.get_ticket(WS, outcome.ticket.number) is not None
    assert await Baselines(store).get(WS, outcome.ticket.number) is not None


async def test_a_create_whose_outcome_is_unknown_is_looked_for_before_a_retry_inserts(
    service: TicketService, fake: InMemoryTicketGateway
) -> None:
    fake.lose_next_create_answer()
    # The look before the insert finds nothing; the look after the lost answer fails.
    fake.fail_next("find_by_correlation", UnavailableError("the instance is asleep"), after=1)

    with pytest.raises(UnavailableError):
        await service.create(ask(key="view-1"))
    retried = await service.create(ask(key="view-1"))

    assert (retried.created, retried.reason) == (False, "retry")
    assert [t.number for t in fake.tickets()] == [retried.ticket.number]
    assert fake.calls["create"] == 1


async def test_a_create_that_did_not_land_is_made_by_the_retry(
    service: TicketService, fake: InMemoryTicketGateway
) -> None:
    fake.fail_next("create", UnavailableError("the instance is asleep"))

    with pytest.raises(UnavailableError):
        await service.create(ask(key="view-1"))
    assert fake.tickets() == []
    retried = await service.create(ask(key="view-1"))

    assert retried.created is True
    assert [t.number for t in fake.tickets()] == [retried.ticket.number]


# -- list ---------------------------------------------------------------------------------
async def test_list_tickets_refreshes_with_one_get_many_call(
    service: TicketService, fake: InMemoryTicketGateway, store: MemoryStore, clock: FakeClock
) -> None:
    made = []
    for i in range(4):
        made.append((await service.create(ask(key=f"view-{i}"))).ticket)
        clock.advance(60)
    fake.set_state(made[1].number, "2")
    fake.set_state(made[2].number, "7")
    fake.calls.clear()

    page = await service.list_tickets(WS)

    assert fake.calls == {"get_many": 1}
    assert [t.number for t in page.tickets] == [made[3].number, made[1].number, made[0].number]
    assert [t.state for t in page.tickets] == ["1", "2", "1"]
    assert all(t.requested_by == "Abel Tuter" for t in page.tickets)
    assert (page.more, page.note) == (False, "")
    stored = await store.get_ticket(WS, made[2].number)
    assert stored is not None
    assert (stored.state, stored.active) == ("7", False)

    everything = await service.list_tickets(WS, open_only=False, limit=2)
    assert fake.calls == {"get_many": 2}
    assert [t.number for t in everything.tickets] == [made[3].number, made[2].number]
    assert everything.more is True


async def test_list_tickets_skips_a_recent_refresh_and_says_when_it_failed(
    service: TicketService, fake: InMemoryTicketGateway, clock: FakeClock
) -> None:
    made = (await service.create(ask(key="view-1"))).ticket
    await service.list_tickets(WS, max_age=60)
    clock.advance(30)
    await service.list_tickets(WS, max_age=60)
    assert fake.calls["get_many"] == 1
    clock.advance(30)
    fake.fail_next("get_many", UnavailableError("the instance is asleep"))

    page = await service.list_tickets(WS, max_age=60)

    assert fake.calls["get_many"] == 2
    assert [t.number for t in page.tickets] == [made.number]
    assert page.note == "Not refreshed from ServiceNow: the instance is asleep."


# -- get ----------------------------------------------------------------------------------
async def test_get_of_an_unknown_number_is_not_found(
    service: TicketService, fake: InMemoryTicketGateway
) -> None:
    theirs = fake.insert(
        OTHER_WS, TicketKind.INCIDENT, "Theirs", correlation_id=correlation_id(OTHER_WS, "a")
    )
    foreign = fake.insert(WS, TicketKind.INCIDENT, "Not made by SnowOps")

    for number in ("INC0099999", "CHG0099999", theirs.number, foreign.number):
        with pytest.raises(NotFoundError):
            await service.get(WS, number)
    with pytest.raises(UserError):
        await service.get(WS, "INC-1")


async def test_get_finds_a_ticket_of_this_workspace_it_did_not_store(
    service: TicketService, fake: InMemoryTicketGateway, store: MemoryStore
) -> None:
    made = fake.insert(WS, TicketKind.CHANGE, "Ours", correlation_id=correlation_id(WS, "a"))

    detail = await service.get(WS, made.number.lower())

    assert detail.ticket.number == made.number
    assert fake.calls["find_own"] == 1
    assert await store.get_ticket(WS, made.number) is not None


async def test_get_fills_history_from_recent_comments(
    service: TicketService, fake: InMemoryTicketGateway, store: MemoryStore, clock: FakeClock
) -> None:
    made = (await service.create(ask(key="view-1"))).ticket
    for i in range(HISTORY + 2):
        clock.advance(60)
        fake.add_comment(made.number, f"comment {i}")
    fake.set_state(made.number, "2")
    fake.calls.clear()

    detail = await service.get(WS, made.number)

    assert detail.note == ""
    assert detail.ticket.state == "2"
    assert [c.text for c in detail.ticket.history] == [
        f"comment {i}" for i in range(HISTORY + 1, 1, -1)
    ]
    assert detail.ticket.requested_by == "Abel Tuter"
    assert fake.calls == {"get": 1, "recent_comments": 1}
    stored = await store.get_ticket(WS, made.number)
    assert stored is not None
    assert stored.history == detail.ticket.history


async def test_get_says_when_history_or_refresh_failed(
    service: TicketService, fake: InMemoryTicketGateway
) -> None:
    made = (await service.create(ask(key="view-1"))).ticket
    fake.fail_next("recent_comments", UnavailableError("the instance is asleep"))
    detail = await service.get(WS, made.number)
    assert detail.note == "History unavailable: the instance is asleep"
    assert detail.ticket.number == made.number

    fake.fail_next("get", UnavailableError("the instance is asleep"))
    detail = await service.get(WS, made.number)
    assert detail.note == "Not refreshed from ServiceNow: the instance is asleep."
