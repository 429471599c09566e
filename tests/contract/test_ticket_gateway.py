"""The TicketGateway contract: the in-memory fake and ServiceNowGateway behave the same.

Every test runs twice: on :class:`tests.fakes.ticket_gateway.InMemoryTicketGateway` (time
from a FakeClock) and on :class:`core.servicenow.gateway.ServiceNowGateway` over HTTP
against the ServiceNow simulator, built by the production composition root. A ``World``
hides how each side is driven underneath (an agent moving a ticket, a comment, time
passing, how many requests reached the ticket system).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import Services, build_services
from bot.settings import Settings
from core.clock import FakeClock
from core.errors import UserError
from core.gateway import (
    AddJournal,
    AssignTo,
    Identity,
    Reopen,
    Resolve,
    TicketGateway,
    keep_local,
)
from core.instance_meta import ChoiceEntry
from core.models import (
    ChannelRef,
    Priority,
    RecommendationSource,
    Requester,
    Ticket,
    TicketKind,
    TicketRequest,
)
from core.refusals import refusal_text
from core.servicenow.errors import (
    ForbiddenError,
    KindsRefused,
    NotAuthenticated,
    NotConnectedError,
    NotFoundError,
    UnavailableError,
)
from core.servicenow.mapping import correlation_id
from sim.servicenow.customize import set_field, set_plugin
from sim.servicenow.faults import Fault
from sim.servicenow.tables_itsm import CHANGE_REQUEST, INCIDENT_CLOSE_CODES
from sim.servicenow.users import INTEGRATION_USER, SEED_GROUPS, SEED_USERS
from tests.conftest import FAST_RETRY, Sim, connect_workspace
from tests.fakes.ticket_gateway import InMemoryTicketGateway

WS = "slack:T0123"
OTHER_WS = "slack:T0456"
INSTANCE = "https://acme.service-now.com"
ABEL = next(u for u in SEED_USERS if u.user_name == "abel.tuter")
SERVICE_DESK = next(g for g in SEED_GROUPS if g.name == "Service Desk")
#: Who asked, from where: what TicketActions writes when the connection acts for someone.
NOTE = "From Slack by Abel Tuter (abel.tuter@example.com), via SnowOps"
SYS_ID = re.compile(r"^[0-9a-f]{32}$")
#: How far the simulator's clock (wall time) may drift from a reading during a test.
SLACK = timedelta(seconds=2)


class World:
    """One gateway and the ticket system behind it."""

    name = "?"
    gateway: TicketGateway
    instance: str

    def set_state(self, number: str, state: str) -> None:
        """An agent moves a ticket (closing fills what closing needs)."""
        raise NotImplementedError

    def comment(self, number: str, text: str, *, element: str = "comments") -> None:
        """An agent comments on a ticket (or writes a work note)."""
        raise NotImplementedError

    def advance(self, seconds: float) -> None:
        """Time passes on the ticket system."""
        raise NotImplementedError

    def now(self) -> datetime:
        """The ticket system's clock."""
        raise NotImplementedError

    def requests(self) -> int:
        """Requests that reached the ticket system so far."""
        raise NotImplementedError

    def token_for(self, user_name: str) -> str:
        """A valid access token of one of the instance's users (as /snow link gets one)."""
        raise NotImplementedError

    def record(self, number: str) -> dict[str, str]:
        """A ticket's raw record."""
        raise NotImplementedError

    def journal(self, number: str) -> list[dict[str, str]]:
        """A ticket's journal entries (comments and work notes), oldest first."""
        raise NotImplementedError

    def without_security_incidents(self) -> None:
        """The instance loses the Security Incident Response plugin (sn_si_incident)."""
        raise NotImplementedError

    def refuse_task_reads(self) -> None:
        """The connection may no longer read ``task`` (each ticket table still answers)."""
        raise NotImplementedError


class FakeWorld(World):
    """The in-memory fake on a FakeClock."""

    name = "fake"

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.fake = InMemoryTicketGateway(
            self.clock,
            instance=INSTANCE,
            users={u.email: u.sys_id for u in SEED_USERS},
            groups={g.name: g.sys_id for g in SEED_GROUPS},
        )
        self.gateway = self.fake
        self.instance = INSTANCE
        # The simulator's CAB: who approves a change without an assignment group.
        self.fake.approval_rows.approvers = [
            (u.sys_id, u.user_name, f"{u.first_name} {u.last_name}", u.email)
            for u in SEED_USERS
            if u.user_name in ("fred.luddy", "beth.anglin")
        ]

    def set_state(self, number: str, state: str) -> None:
        self.fake.set_state(number, state)

    def comment(self, number: str, text: str, *, element: str = "comments") -> None:
        self.fake.add_comment(number, text, element=element)

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def now(self) -> datetime:
        return self.clock.now()

    def requests(self) -> int:
        return sum(self.fake.requests.values())

    def token_for(self, user_name: str) -> str:
        token = f"token-of-{user_name}-{len(self.fake.tokens)}"
        self.fake.tokens[token] = user_name
        return token

    def record(self, number: str) -> dict[str, str]:
        return self.fake.record(number)

    def journal(self, number: str) -> list[dict[str, str]]:
        return self.fake.journal(number)

    def without_security_incidents(self) -> None:
        self.fake.missing.add(TicketKind.SECURITY)

    def refuse_task_reads(self) -> None:
        self.fake.task_refused = True


class SimWorld(World):
    """ServiceNowGateway over HTTP, against the simulator."""

    name = "servicenow"

    def __init__(self, sim: Sim, services: Services, instance: str) -> None:
        self.sim = sim
        self.gateway = services.gateway
        self.instance = instance

    def set_state(self, number: str, state: str) -> None:
        self.sim.instance.set_state(number, state)

    def comment(self, number: str, text: str, *, element: str = "comments") -> None:
        self.sim.instance.add_journal(number, text, element=element)

    def advance(self, seconds: float) -> None:
        self.sim.instance.advance_clock(seconds)

    def now(self) -> datetime:
        return self.sim.instance.now()

    def requests(self) -> int:
        # HTTP requests: a Batch API request's items are not requests of their own.
        log = self.sim.instance.request_log
        return sum(1 for m, path in log if path.startswith("/api/now/") and "BATCH" not in m)

    def token_for(self, user_name: str) -> str:
        user = self.sim.instance.actor(user_name)
        issued = self.sim.instance.tokens.issue("access", user.sys_id, "snowops", 3600, False)
        return issued.value

    def record(self, number: str) -> dict[str, str]:
        found = self.sim.instance.find_by_number(number)
        assert found is not None
        return found[1]

    def journal(self, number: str) -> list[dict[str, str]]:
        sys_id = self.record(number)["sys_id"]
        rows = self.sim.instance.store.rows("sys_journal_field")
        return [dict(r) for r in rows if r.get("element_id") == sys_id]

    def without_security_incidents(self) -> None:
        set_plugin(self.sim.instance, "sn_si", False)

    def refuse_task_reads(self) -> None:
        # The integration user's read ACL on `task` taken away after the probe.
        self.sim.instance.inject_fault(Fault(kind="acl", table="task", count=1000))


@pytest.fixture(params=["fake", "servicenow"])
async def world(
    request: pytest.FixtureRequest, sim: Sim, make_settings: Callable[..., Settings]
) -> AsyncIterator[World]:
    """Each implementation in turn, with ``WS`` and ``OTHER_WS`` connected."""
    if request.param == "fake":
        yield FakeWorld()
        return
    settings = make_settings(SNOWOPS_STORE="memory://")
    services = build_services(settings, clock=FakeClock(), retry=FAST_RETRY)
    await services.start()
    try:
        await connect_workspace(services, sim.url, WS)
        await connect_workspace(services, sim.url, OTHER_WS)
        conn = await services.store.get_connection(WS)
        assert conn is not None
        yield SimWorld(sim, services, conn.instance_url)
    finally:
        await services.stop()


def ask(
    kind: TicketKind = TicketKind.INCIDENT,
    name: str = "Require MFA for admins",
    priority: Priority = Priority.MODERATE,
    workspace: str = WS,
    **more: object,
) -> TicketRequest:
    """A ticket request from Abel in #security."""
    fields: dict[str, object] = {
        "workspace": workspace,
        "kind": kind,
        "name": name,
        "description": "Admins sign in with a password only.",
        "priority": priority,
        "requester": Requester("slack", "U_ABEL", "Abel Tuter", ABEL.email),
        **more,
    }
    return TicketRequest(**fields)  # type: ignore[arg-type]


async def make(
    world: World,
    key: str,
    kind: TicketKind = TicketKind.INCIDENT,
    workspace: str = WS,
    **more: object,
) -> Ticket:
    """Create a ticket whose correlation id is ``snowops:<workspace>:<key>``."""
    request = ask(kind, name=f"Ticket {key}", workspace=workspace, **more)
    return await world.gateway.create(request, correlation_id(workspace, key), None)


def numbers(tickets: list[Ticket]) -> list[str]:
    """Ticket numbers, in order."""
    return [t.number for t in tickets]


# -- create -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "priority"),
    [
        *((TicketKind.INCIDENT, p) for p in Priority),
        (TicketKind.CHANGE, Priority.HIGH),
        (TicketKind.CHANGE, Priority.LOW),
        (TicketKind.PROBLEM, Priority.HIGH),
        (TicketKind.PROBLEM, Priority.LOW),
        (TicketKind.SECURITY, Priority.CRITICAL),
        (TicketKind.SECURITY, Priority.LOW),
    ],
)
async def test_create_maps_the_request_and_returns_the_ticket(
    world: World, kind: TicketKind, priority: Priority
) -> None:
    number, state = {
        TicketKind.INCIDENT: ("INC", "1"),
        TicketKind.CHANGE: ("CHG", "-5"),
        TicketKind.PROBLEM: ("PRB", "101"),
        TicketKind.SECURITY: ("SIR", "10"),
    }[kind]
    origin = ChannelRef(WS, "C_SEC", "1700000000.000100")
    due = datetime(2026, 12, 24, 17, 30, 15, 999, tzinfo=UTC)
    corr = correlation_id(WS, "rec:AdminMFAV2")
    request = ask(
        kind,
        priority=priority,
        source=RecommendationSource.MICROSOFT,
        category="Identity",
        recommendation_id="AdminMFAV2",
        due=due,
        origin=origin,
    )
    before = world.now()

    made = await world.gateway.create(request, corr, ABEL.sys_id)

    assert re.fullmatch(number + r"\d{7}", made.number)
    assert SYS_ID.match(made.sys_id)
    assert (made.workspace, made.kind, made.title) == (WS, kind, "Require MFA for admins")
    assert (made.state, made.priority, made.active) == (state, int(priority), True)
    assert made.correlation_id == corr
    assert made.mod_count == 0
    assert made.url == f"{world.instance}/{kind.table}.do?sys_id={made.sys_id}"
    assert made.due == due.replace(microsecond=0)
    assert made.created_at is not None
    assert made.updated_at == made.created_at
    assert before - SLACK <= made.created_at <= world.now() + SLACK
    # What only SnowOps knows comes from the request.
    assert made.requested_by == "Abel Tuter"
    assert (made.recommendation_id, made.category) == ("AdminMFAV2", "Identity")
    assert (made.source, made.origin) == (RecommendationSource.MICROSOFT, origin)
    # The ticket system holds the same ticket.
    got = await world.gateway.get(WS, kind, made.sys_id)
    assert keep_local(got, made) == made


async def test_numbers_go_up_per_kind(world: World) -> None:
    first = await make(world, "a")
    second = await make(world, "b")
    change = await make(world, "c", TicketKind.CHANGE)
    problem = await make(world, "d", TicketKind.PROBLEM)
    security = await make(world, "e", TicketKind.SECURITY)
    assert int(second.number[3:]) == int(first.number[3:]) + 1
    assert change.number.startswith("CHG")
    assert problem.number.startswith("PRB")
    assert security.number.startswith("SIR")
    assert len({first.sys_id, second.sys_id, change.sys_id, problem.sys_id}) == 4


# -- kinds --------------------------------------------------------------------------------
async def test_every_kind_is_offered_where_the_instance_has_it(world: World) -> None:
    assert await world.gateway.kinds(WS) == tuple(TicketKind)


async def test_security_incidents_are_not_offered_without_the_plugin(world: World) -> None:
    world.without_security_incidents()

    kinds = await world.gateway.kinds(WS)

    assert kinds == (TicketKind.INCIDENT, TicketKind.CHANGE, TicketKind.PROBLEM)
    # Nothing SnowOps does asks for the missing table: finding a ticket reads the others.
    assert (
        await world.gateway.find_by_correlation(WS, correlation_id(WS, "x"), open_only=False)
        is None
    )


# -- find_by_correlation ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "closed"),
    [
        (TicketKind.INCIDENT, "7"),
        (TicketKind.CHANGE, "3"),
        (TicketKind.PROBLEM, "107"),
        (TicketKind.SECURITY, "3"),
    ],
)
async def test_find_by_correlation_open_only_excludes_a_closed_ticket(
    world: World, kind: TicketKind, closed: str
) -> None:
    made = await make(world, "rec:AdminMFAV2", kind)
    corr = made.correlation_id

    for open_only in (True, False):
        found = await world.gateway.find_by_correlation(WS, corr, open_only=open_only)
        assert found is not None
        assert (found.number, found.kind, found.state) == (made.number, kind, made.state)

    world.set_state(made.number, closed)

    assert await world.gateway.find_by_correlation(WS, corr, open_only=True) is None
    found = await world.gateway.find_by_correlation(WS, corr, open_only=False)
    assert found is not None
    assert (found.number, found.state, found.active) == (made.number, closed, False)
    assert await world.gateway.find_by_correlation(WS, corr + "x", open_only=False) is None


async def test_a_resolved_incident_is_still_active(world: World) -> None:
    # Resolved is not closed in ServiceNow: only TicketService decides it no longer blocks.
    made = await make(world, "rec:AdminMFAV2")
    world.set_state(made.number, "6")
    found = await world.gateway.find_by_correlation(WS, made.correlation_id, open_only=True)
    assert found is not None
    assert (found.number, found.state, found.active) == (made.number, "6", True)


async def test_find_by_correlation_answers_the_newest(world: World) -> None:
    old = await make(world, "rec:AdminMFAV2")
    world.set_state(old.number, "7")
    world.advance(5)
    new = await make(world, "rec:AdminMFAV2")

    found = await world.gateway.find_by_correlation(WS, old.correlation_id, open_only=False)
    assert found is not None
    assert found.number == new.number


# -- get ----------------------------------------------------------------------------------
async def test_get_answers_the_ticket_as_it_is_now(world: World) -> None:
    made = await make(world, "a")
    world.advance(10)
    world.set_state(made.number, "2")
    world.advance(10)
    world.comment(made.number, "On it")

    got = await world.gateway.get(WS, TicketKind.INCIDENT, made.sys_id)

    assert (got.number, got.state, got.mod_count) == (made.number, "2", 2)
    assert got.updated_at is not None
    assert made.updated_at is not None
    assert got.updated_at >= made.updated_at + timedelta(seconds=20)
    assert got.created_at == made.created_at
    assert got.requested_by == ""  # only SnowOps knows: keep_local puts it back


async def test_get_of_a_missing_ticket_is_not_found(world: World) -> None:
    made = await make(world, "a")
    with pytest.raises(NotFoundError):
        await world.gateway.get(WS, TicketKind.INCIDENT, "0" * 32)
    with pytest.raises(NotFoundError):
        await world.gateway.get(WS, TicketKind.CHANGE, made.sys_id)


# -- get_many -----------------------------------------------------------------------------
async def test_get_many_reads_many_tickets_in_one_request(world: World) -> None:
    made = [await make(world, f"k{i}") for i in range(4)]
    world.set_state(made[1].number, "2")
    before = world.requests()

    fresh = await world.gateway.get_many(WS, made)

    assert world.requests() - before == 1
    assert sorted(numbers(fresh)) == sorted(numbers(made))
    by_number = {t.number: t for t in fresh}
    assert by_number[made[1].number].state == "2"
    assert by_number[made[1].number].mod_count == 1
    assert by_number[made[0].number].state == "1"
    # What only SnowOps knows is kept from the tickets given.
    assert all(t.requested_by == "Abel Tuter" for t in fresh)


async def test_get_many_leaves_out_missing_tickets_and_reads_both_kinds(world: World) -> None:
    incident = await make(world, "a")
    change = await make(world, "b", TicketKind.CHANGE)
    gone = replace(incident, sys_id="0" * 32, number="INC0099999")
    before = world.requests()

    fresh = await world.gateway.get_many(WS, [change, gone, incident])

    assert sorted(numbers(fresh)) == sorted([incident.number, change.number])
    assert world.requests() - before <= 2  # at most one per table, never one per ticket
    assert await world.gateway.get_many(WS, []) == []


# -- find_own -----------------------------------------------------------------------------
async def test_find_own_finds_only_this_workspaces_snowops_tickets(world: World) -> None:
    own = await make(world, "a")
    change = await make(world, "b", TicketKind.CHANGE)
    theirs = await make(world, "c", workspace=OTHER_WS)
    # Made in ServiceNow by something else than SnowOps.
    foreign = await world.gateway.create(ask(), "itsm-import:42", None)

    found = await world.gateway.find_own(WS, own.number)
    assert found is not None
    assert (found.number, found.sys_id, found.workspace) == (own.number, own.sys_id, WS)
    found_change = await world.gateway.find_own(WS, change.number)
    assert found_change is not None
    assert found_change.kind is TicketKind.CHANGE
    assert await world.gateway.find_own(WS, theirs.number) is None
    assert await world.gateway.find_own(WS, foreign.number) is None
    assert await world.gateway.find_own(WS, "INC0099999") is None
    assert await world.gateway.find_own(OTHER_WS, theirs.number) is not None


# -- changes ------------------------------------------------------------------------------
async def test_changes_since_a_watermark_are_only_the_newer_oldest_first(world: World) -> None:
    first = await make(world, "a")
    await make(world, "z", workspace=OTHER_WS)
    await world.gateway.create(ask(), "itsm-import:42", None)
    world.advance(10)
    mark = world.now()
    second = await make(world, "b")
    world.advance(10)
    world.set_state(first.number, "2")
    world.advance(10)
    await make(world, "c", TicketKind.CHANGE)

    since_mark = await world.gateway.changes(WS, (TicketKind.INCIDENT,), mark, limit=10)
    everything = await world.gateway.changes(WS, (TicketKind.INCIDENT,), None, limit=10)

    assert numbers(since_mark.tickets) == [second.number, first.number]
    assert since_mark.complete is True
    assert since_mark.tickets[1].state == "2"
    assert since_mark.server_time is not None
    assert abs(since_mark.server_time - world.now()) <= SLACK
    assert numbers(everything.tickets) == [second.number, first.number]
    assert all(t.workspace == WS and t.kind is TicketKind.INCIDENT for t in everything.tickets)
    quiet = await world.gateway.changes(WS, (TicketKind.INCIDENT,), world.now() + SLACK, limit=10)
    assert (quiet.tickets, quiet.complete) == ([], True)
    changes = await world.gateway.changes(WS, (TicketKind.CHANGE,), mark, limit=10)
    assert [t.kind for t in changes.tickets] == [TicketKind.CHANGE]


@pytest.mark.parametrize("together", [True, False], ids=["task", "one-kind"])
async def test_changes_leave_out_the_versions_the_caller_handled(
    world: World, together: bool
) -> None:
    """A record whose (number, mod_count) the caller says it handled comes back counted,
    with its change time, but not read into a ticket; a newer version of it is read."""
    kinds = (TicketKind.INCIDENT, TicketKind.CHANGE) if together else (TicketKind.INCIDENT,)
    handled = await make(world, "a")
    world.advance(10)
    moved = await make(world, "b")
    world.advance(10)
    world.set_state(moved.number, "2")
    first = await world.gateway.changes(WS, kinds, None, limit=10)
    [old_a, new_b] = first.tickets
    assert (first.known, first.known_newest) == (0, None)
    asked: list[tuple[str, int]] = []

    def known(number: str, mod_count: int) -> bool:
        asked.append((number, mod_count))
        return (number, mod_count) in {(old_a.number, old_a.mod_count), (new_b.number, 0)}

    again = await world.gateway.changes(WS, kinds, None, limit=10, known=known)

    assert numbers(again.tickets) == [moved.number]  # its version moved on: read
    assert again.tickets[0].mod_count == new_b.mod_count > 0
    assert (again.known, again.read, again.complete) == (1, 2, True)
    assert again.known_newest == old_a.updated_at
    assert sorted(asked) == sorted([(handled.number, 0), (moved.number, new_b.mod_count)])


async def test_changes_of_every_kind_in_one_read_oldest_first(world: World) -> None:
    kinds = await world.gateway.kinds(WS)
    assert await world.gateway.kind_groups(WS) == (kinds,)
    problem = await make(world, "p", TicketKind.PROBLEM)
    world.advance(5)
    change = await make(world, "c", TicketKind.CHANGE)
    await make(world, "z", workspace=OTHER_WS)
    world.advance(5)
    security = await make(world, "s", TicketKind.SECURITY)
    world.advance(5)
    world.set_state(problem.number, "102")
    before = world.requests()

    read = await world.gateway.changes(WS, kinds, None, limit=10)
    two = await world.gateway.changes(WS, (TicketKind.CHANGE, TicketKind.PROBLEM), None, limit=10)

    assert numbers(read.tickets) == [change.number, security.number, problem.number]
    assert [t.kind for t in read.tickets] == [
        TicketKind.CHANGE,
        TicketKind.SECURITY,
        TicketKind.PROBLEM,
    ]
    assert read.tickets[2].state == "102"
    assert read.tickets[1].url == f"{world.instance}/sn_si_incident.do?sys_id={security.sys_id}"
    assert read.complete is True
    assert world.requests() - before == 2
    assert numbers(two.tickets) == [change.number, problem.number]


async def test_a_refused_joint_read_falls_back_to_one_table_per_kind(world: World) -> None:
    kinds = await world.gateway.kinds(WS)
    made = [await make(world, "i"), await make(world, "c", TicketKind.CHANGE)]
    world.refuse_task_reads()

    with pytest.raises(KindsRefused):
        await world.gateway.changes(WS, kinds, None, limit=10)

    groups = await world.gateway.kind_groups(WS)
    assert groups == tuple((kind,) for kind in kinds)
    found = [
        ticket
        for g in groups
        for ticket in (await world.gateway.changes(WS, g, None, limit=10)).tickets
    ]
    assert sorted(numbers(found)) == sorted(numbers(made))


@pytest.mark.parametrize(
    ("kind", "moved"), [(TicketKind.PROBLEM, "102"), (TicketKind.SECURITY, "16")]
)
async def test_changes_of_problems_and_security_incidents(
    world: World, kind: TicketKind, moved: str
) -> None:
    made = await make(world, "p", kind)
    await make(world, "i")
    world.advance(10)
    mark = world.now()
    world.set_state(made.number, moved)

    found = await world.gateway.changes(WS, (kind,), mark, limit=10)

    assert numbers(found.tickets) == [made.number]
    assert (found.tickets[0].kind, found.tickets[0].state) == (kind, moved)
    assert found.tickets[0].url == f"{world.instance}/{kind.table}.do?sys_id={made.sys_id}"


async def test_changes_cut_at_the_limit_say_they_are_incomplete(world: World) -> None:
    made = []
    for i in range(3):
        made.append(await make(world, f"k{i}"))
        world.advance(5)

    cut = await world.gateway.changes(WS, (TicketKind.INCIDENT,), None, limit=2)
    whole = await world.gateway.changes(WS, (TicketKind.INCIDENT,), None, limit=10)

    assert numbers(cut.tickets) == numbers(made[:2])
    assert cut.complete is False
    assert numbers(whole.tickets) == numbers(made)
    assert whole.complete is True
    # The rest, as the next page: from an offset into the same order.
    rest = await world.gateway.changes(WS, (TicketKind.INCIDENT,), None, limit=2, offset=2)
    assert numbers(rest.tickets) == numbers(made[2:])
    assert rest.complete is True


# -- comments -----------------------------------------------------------------------------
async def test_comments_since_and_recent_comments(world: World) -> None:
    one = await make(world, "a")
    two = await make(world, "b", TicketKind.CHANGE)
    quiet = await make(world, "c")
    theirs = await make(world, "z", workspace=OTHER_WS)
    world.comment(one.number, "first")
    world.advance(10)
    mark = world.now()
    world.comment(one.number, "second")
    world.advance(1)
    world.comment(two.number, "third")
    world.comment(one.number, "internal only", element="work_notes")
    world.advance(1)
    world.comment(theirs.number, "not yours")
    world.comment(quiet.number, "on a ticket not asked about")
    before = world.requests()

    since = await world.gateway.comments_since(WS, [one, two], mark)

    assert world.requests() - before == 1
    assert [c.text for c in since] == ["second", "third"]
    assert [c.ticket_sys_id for c in since] == [one.sys_id, two.sys_id]
    assert all(c.author == "beth.anglin" and c.at is not None for c in since)
    first_at, second_at = since[0].at, since[1].at
    assert first_at is not None
    assert second_at is not None
    assert first_at <= second_at
    every = await world.gateway.comments_since(WS, [one, two], None)
    assert [c.text for c in every] == ["first", "second", "third"]
    assert len({c.id for c in every}) == 3
    assert await world.gateway.comments_since(WS, [], None) == []

    recent = await world.gateway.recent_comments(WS, one, 5)
    assert [c.text for c in recent] == ["second", "first"]
    assert [c.text for c in await world.gateway.recent_comments(WS, one, 1)] == ["second"]
    assert await world.gateway.recent_comments(WS, quiet, 0) == []


async def test_a_comment_is_a_change_of_its_ticket(world: World) -> None:
    made = await make(world, "a")
    world.advance(10)
    mark = world.now()
    world.comment(made.number, "Any news?")
    changed = await world.gateway.changes(WS, (TicketKind.INCIDENT,), mark, limit=10)
    assert numbers(changed.tickets) == [made.number]
    assert changed.tickets[0].mod_count == 1
    assert changed.tickets[0].state == "1"


# -- users --------------------------------------------------------------------------------
async def test_user_by_email_and_whoami(world: World) -> None:
    assert await world.gateway.user_by_email(WS, ABEL.email) == ABEL.sys_id
    assert await world.gateway.user_by_email(WS, "nobody@example.com") is None
    before = world.requests()
    for unusable in ("", "abel.tuter", "a^b@example.com", "x" * 200 + "@example.com"):
        assert await world.gateway.user_by_email(WS, unusable) is None
    assert world.requests() == before  # not worth a request
    assert await world.gateway.whoami(WS) == Identity(
        INTEGRATION_USER.user_name, INTEGRATION_USER.email
    )


# -- acting on tickets --------------------------------------------------------------------
def entries(world: World, number: str) -> list[tuple[str, str, str]]:
    """A ticket's journal as (element, author, text), oldest first."""
    return [(e["element"], e["sys_created_by"], e["value"]) for e in world.journal(number)]


async def test_a_comment_is_seen_by_the_caller_and_a_work_note_is_not(world: World) -> None:
    made = await make(world, "a")
    token = world.token_for(ABEL.user_name)
    world.advance(10)
    mark = world.now()

    commented = await world.gateway.act(WS, made, AddJournal("I'm on it"), token=token)
    world.advance(1)
    noted = await world.gateway.act(
        WS, made, AddJournal("Checked the sign-in logs", work_note=True), token=token
    )

    assert (commented.number, commented.mod_count, noted.mod_count) == (made.number, 1, 2)
    assert noted.requested_by == "Abel Tuter"  # what only SnowOps knows is kept
    assert noted.updated_at is not None
    assert abs(noted.updated_at - world.now()) <= SLACK
    # The person's own token: the journal names them, and nothing names SnowOps.
    assert entries(world, made.number) == [
        ("comments", ABEL.user_name, "I'm on it"),
        ("work_notes", ABEL.user_name, "Checked the sign-in logs"),
    ]
    recent = await world.gateway.recent_comments(WS, made, 5)
    assert [(c.text, c.author) for c in recent] == [("I'm on it", ABEL.user_name)]
    since = await world.gateway.comments_since(WS, [made], mark)
    assert [(c.text, c.ticket_sys_id) for c in since] == [("I'm on it", made.sys_id)]
    changed = await world.gateway.changes(WS, (TicketKind.INCIDENT,), mark, limit=10)
    assert [(t.number, t.mod_count) for t in changed.tickets] == [(made.number, 2)]


@pytest.mark.parametrize("work_note", [False, True])
async def test_without_a_token_the_integration_user_writes_with_the_note(
    world: World, work_note: bool
) -> None:
    made = await make(world, "a")
    element = "work_notes" if work_note else "comments"

    done = await world.gateway.act(WS, made, AddJournal("Blocked it", work_note), note=NOTE)

    # One entry (the note goes in it, not in a second one), by the integration user.
    assert entries(world, made.number) == [
        (element, INTEGRATION_USER.user_name, f"Blocked it\n\n({NOTE})")
    ]
    assert done.mod_count == 1
    recent = [(c.text, c.author) for c in await world.gateway.recent_comments(WS, made, 5)]
    expected = [] if work_note else [(f"Blocked it\n\n({NOTE})", INTEGRATION_USER.user_name)]
    assert recent == expected


async def test_a_token_the_instance_does_not_know_is_refused(world: World) -> None:
    made = await make(world, "a")
    with pytest.raises(NotAuthenticated):
        await world.gateway.act(WS, made, AddJournal("hello"), token="not-a-token")
    assert entries(world, made.number) == []
    got = await world.gateway.get(WS, TicketKind.INCIDENT, made.sys_id)
    assert got.mod_count == 0


async def test_acting_on_a_missing_ticket_is_not_found(world: World) -> None:
    made = await make(world, "a")
    gone = replace(made, sys_id="0" * 32, number="INC0099999")
    with pytest.raises(NotFoundError):
        await world.gateway.act(WS, gone, AddJournal("hello"), note=NOTE)


async def test_assign_to_a_user_and_to_a_group_found_by_name(world: World) -> None:
    made = await make(world, "a")
    token = world.token_for(ABEL.user_name)

    group = await world.gateway.group_by_name(WS, "Service Desk")
    assert group == (SERVICE_DESK.sys_id, "Service Desk")

    mine = await world.gateway.act(WS, made, AssignTo(user=ABEL.sys_id), token=token)
    assert world.record(made.number)["assigned_to"] == ABEL.sys_id
    assert world.record(made.number)["assignment_group"] == ""
    assert mine.mod_count == 1
    assert entries(world, made.number) == []  # as themselves: no note

    theirs = await world.gateway.act(WS, made, AssignTo(group=group[0]), note=NOTE)
    record = world.record(made.number)
    assert (record["assigned_to"], record["assignment_group"]) == (ABEL.sys_id, group[0])
    assert theirs.mod_count == 2
    # The connection acted for someone: a work note names them.
    assert entries(world, made.number) == [("work_notes", INTEGRATION_USER.user_name, NOTE)]
    assert await world.gateway.recent_comments(WS, made, 5) == []


async def test_group_by_name_finds_only_an_exact_name(world: World) -> None:
    for name in ("No Such Group", "Service", "Service Desk ", "name=Service Desk", "Service*"):
        assert await world.gateway.group_by_name(WS, name) is None, name
    # Query characters are a value, never more conditions: "=" is just part of the name…
    for name in ("Service Desk=", "=Service Desk", "Service Desk,Network", "Service DeskORname=x"):
        assert await world.gateway.group_by_name(WS, name) is None, name
    # …and a caret, which would start a condition, is refused before any request.
    before = world.requests()
    for name in ("Service Desk^ORname=Network", "x^NQname=Service Desk", "Service Desk^", ""):
        with pytest.raises(UserError):
            await world.gateway.group_by_name(WS, name)
    assert world.requests() == before


async def test_groups_matching_is_a_type_ahead_of_active_groups_by_name(world: World) -> None:
    everyone = sorted((g.name, g.sys_id) for g in SEED_GROUPS)
    assert await world.gateway.groups_matching(WS, "", 10) == [(i, n) for n, i in everyone]
    assert await world.gateway.groups_matching(WS, "", 2) == [(i, n) for n, i in everyone[:2]]
    assert await world.gateway.groups_matching(WS, "serv", 10) == [
        (SERVICE_DESK.sys_id, "Service Desk")
    ]
    assert [n for _, n in await world.gateway.groups_matching(WS, "o", 10)] == [
        "CAB Approval",
        "Network",
        "Security Operations",
    ]
    # A caret is a space, never another condition: nothing is found, nothing more is read.
    assert await world.gateway.groups_matching(WS, "x^ORname=Network", 10) == []
    assert await world.gateway.groups_matching(WS, "No such group", 10) == []


async def test_close_codes_are_the_instances_in_order(world: World) -> None:
    incident = await world.gateway.close_codes(WS, TicketKind.INCIDENT)
    change = await world.gateway.close_codes(WS, TicketKind.CHANGE)
    assert incident == [(code, code) for code in INCIDENT_CLOSE_CODES]
    assert change == list(CHANGE_REQUEST.choices["close_code"].items())
    assert change[0] == ("successful", "Successful")


async def test_resolve_with_a_close_code_and_reopen(world: World) -> None:
    made = await make(world, "a")
    token = world.token_for(ABEL.user_name)
    code, _ = next(c for c in await world.gateway.close_codes(WS, TicketKind.INCIDENT))
    world.advance(10)
    mark = world.now()

    resolved = await world.gateway.act(WS, made, Resolve(code, "Blocked it"), token=token)

    assert (resolved.state, resolved.active, resolved.mod_count) == ("6", True, 1)
    record = world.record(made.number)
    assert (record["close_code"], record["close_notes"]) == (code, "Blocked it")
    changed = await world.gateway.changes(WS, (TicketKind.INCIDENT,), mark, limit=10)
    assert [(t.number, t.state) for t in changed.tickets] == [(made.number, "6")]
    # Resolved is not closed: the ticket still blocks a new one for the same recommendation.
    found = await world.gateway.find_by_correlation(WS, made.correlation_id, open_only=True)
    assert found is not None
    assert found.state == "6"

    world.advance(10)
    reopened = await world.gateway.act(WS, resolved, Reopen(), note=NOTE)

    assert (reopened.state, reopened.active, reopened.mod_count) == ("2", True, 2)
    assert entries(world, made.number) == [("work_notes", INTEGRATION_USER.user_name, NOTE)]
    changed = await world.gateway.changes(WS, (TicketKind.INCIDENT,), world.now(), limit=10)
    assert [(t.number, t.state) for t in changed.tickets] == [(made.number, "2")]


async def test_resolving_without_notes_is_refused_by_the_data_policy(world: World) -> None:
    made = await make(world, "a")
    with pytest.raises(ForbiddenError, match="mandatory"):
        await world.gateway.act(WS, made, Resolve("Solution provided", ""), note=NOTE)
    got = await world.gateway.get(WS, TicketKind.INCIDENT, made.sys_id)
    assert (got.state, got.mod_count) == ("1", 0)
    assert entries(world, made.number) == []  # nothing written, not even the note


async def test_closing_a_change_follows_its_model(world: World) -> None:
    made = await make(world, "c", TicketKind.CHANGE)
    code, _ = (await world.gateway.close_codes(WS, TicketKind.CHANGE))[0]
    # A new change cannot jump to Closed.
    with pytest.raises(ForbiddenError):
        await world.gateway.act(WS, made, Resolve(code, "Rolled out"), note=NOTE)
    assert (await world.gateway.get(WS, TicketKind.CHANGE, made.sys_id)).state == "-5"

    world.set_state(made.number, "0")  # Review
    world.advance(10)
    mark = world.now()
    closed = await world.gateway.act(WS, made, Resolve(code, "Rolled out"), note=NOTE)

    assert (closed.kind, closed.state, closed.active) == (TicketKind.CHANGE, "3", False)
    record = world.record(made.number)
    assert (record["close_code"], record["close_notes"]) == (code, "Rolled out")
    changed = await world.gateway.changes(WS, (TicketKind.CHANGE,), mark, limit=10)
    assert [(t.number, t.state) for t in changed.tickets] == [(made.number, "3")]
    assert await world.gateway.find_by_correlation(WS, made.correlation_id, open_only=True) is None


async def test_a_no_op_assignment_moves_nothing(world: World) -> None:
    made = await make(world, "a")
    token = world.token_for(ABEL.user_name)
    first = await world.gateway.act(WS, made, AssignTo(user=ABEL.sys_id), token=token)
    world.advance(10)
    again = await world.gateway.act(WS, first, AssignTo(user=ABEL.sys_id), token=token)
    assert again.mod_count == first.mod_count == 1
    assert again.updated_at == first.updated_at


# -- workspaces ---------------------------------------------------------------------------
async def test_a_workspace_never_gets_another_workspaces_tickets(world: World) -> None:
    # The same recommendation shared from two workspaces: two correlation ids.
    ours = await make(world, "rec:AdminMFAV2")
    theirs = await make(world, "rec:AdminMFAV2", workspace=OTHER_WS)
    world.comment(theirs.number, "for the other team")

    found = await world.gateway.find_by_correlation(WS, ours.correlation_id, open_only=False)
    assert found is not None
    assert found.number == ours.number
    assert await world.gateway.find_own(WS, theirs.number) is None
    for kind in TicketKind:
        read = await world.gateway.changes(WS, (kind,), None, limit=10)
        assert theirs.number not in numbers(read.tickets)
    assert numbers(await world.gateway.get_many(WS, [ours])) == [ours.number]
    assert await world.gateway.comments_since(WS, [ours], None) == []
    # And the other way round.
    other = await world.gateway.changes(OTHER_WS, (TicketKind.INCIDENT,), None, limit=10)
    assert numbers(other.tickets) == [theirs.number]
    assert other.tickets[0].workspace == OTHER_WS


@pytest.mark.parametrize(
    "method", ["get", "get_many", "find_by_correlation", "comments_since", "recent_comments"]
)
async def test_a_workspace_cannot_read_another_workspaces_ticket_by_its_ids(
    world: World, method: str, request: pytest.FixtureRequest
) -> None:
    theirs = await make(world, "rec:AdminMFAV2", workspace=OTHER_WS)
    world.comment(theirs.number, "for the other team")
    gateway = world.gateway
    if method == "get":
        with pytest.raises(NotFoundError):
            await gateway.get(WS, TicketKind.INCIDENT, theirs.sys_id)
    elif method == "get_many":
        assert await gateway.get_many(WS, [theirs]) == []
    elif method == "find_by_correlation":
        corr = theirs.correlation_id
        assert await gateway.find_by_correlation(WS, corr, open_only=False) is None
    elif method == "comments_since":
        assert await gateway.comments_since(WS, [theirs], None) == []
    else:
        assert await gateway.recent_comments(WS, theirs, 5) == []


async def test_an_unconnected_workspace_is_refused(world: World) -> None:
    made = await make(world, "a")
    nobody = "slack:TNOBODY"
    if isinstance(world, FakeWorld):
        world.fake.disconnect(nobody)
    with pytest.raises(NotConnectedError):
        await world.gateway.create(ask(workspace=nobody), correlation_id(nobody, "a"), None)
    with pytest.raises(NotConnectedError):
        await world.gateway.get(nobody, TicketKind.INCIDENT, made.sys_id)
    with pytest.raises(NotConnectedError):
        await world.gateway.changes(nobody, (TicketKind.INCIDENT,), None, limit=10)
    with pytest.raises(NotConnectedError):
        await world.gateway.find_own(nobody, made.number)


# -- the fake's own controls ----------------------------------------------------------------
async def test_fake_counts_calls_and_injects_failures() -> None:
    clock = FakeClock()
    fake = InMemoryTicketGateway(clock)
    fake.fail_next("get_many", UnavailableError("the instance is asleep"))
    made = await fake.create(ask(), correlation_id(WS, "a"), None)

    with pytest.raises(UnavailableError):
        await fake.get_many(WS, [made])
    assert numbers(await fake.get_many(WS, [made])) == [made.number]
    assert await fake.get_many(WS, []) == []
    assert fake.calls["get_many"] == 3
    assert fake.requests["get_many"] == 2
    with pytest.raises(ValueError, match="not a TicketGateway method"):
        fake.fail_next("get_all", UnavailableError("typo"))


async def test_fake_act_calls_fail_and_block_as_told() -> None:
    fake = InMemoryTicketGateway(FakeClock(), groups={"Network": "g1"}, tokens={"t1": "abel"})
    made = await fake.create(ask(), correlation_id(WS, "a"), None)
    fake.fail_next("act", UnavailableError("the instance is asleep"))
    fake.fail_next("close_codes", UnavailableError("asleep"))
    fake.fail_next("group_by_name", UnavailableError("asleep"))

    with pytest.raises(UnavailableError):
        await fake.act(WS, made, AddJournal("hi"), token="t1")
    with pytest.raises(UnavailableError):
        await fake.close_codes(WS, TicketKind.INCIDENT)
    with pytest.raises(UnavailableError):
        await fake.group_by_name(WS, "Network")
    assert fake.journal(made.number) == []
    assert await fake.group_by_name(WS, "Network") == ("g1", "Network")

    gate = fake.block_next("act")
    task = asyncio.create_task(fake.act(WS, made, AddJournal("hi"), token="t1"))
    await gate.entered.wait()
    assert fake.journal(made.number) == []  # held before its effect
    gate.release.set()
    done = await task
    assert done.mod_count == 1
    assert [(e["value"], e["sys_created_by"]) for e in fake.journal(made.number)] == [
        ("hi", "abel")
    ]
    assert (fake.calls["act"], fake.requests["act"]) == (2, 2)


async def test_fake_loses_a_create_answer_after_the_ticket_landed() -> None:
    fake = InMemoryTicketGateway(FakeClock())
    fake.lose_next_create_answer()
    corr = correlation_id(WS, "a")

    with pytest.raises(UnavailableError):
        await fake.create(ask(), corr, None)

    assert numbers(fake.tickets(WS)) == ["INC0010001"]
    found = await fake.find_by_correlation(WS, corr, open_only=False)
    assert found is not None
    assert found.number == "INC0010001"
    assert numbers([await fake.create(ask(), corr, None)]) == ["INC0010002"]


async def test_fake_ticket_life_follows_the_platforms_rules() -> None:
    clock = FakeClock()
    fake = InMemoryTicketGateway(clock)
    made = await fake.create(ask(priority=Priority.HIGH), correlation_id(WS, "a"), "u1")
    assert fake.record(made.number)["impact"] == "1"
    assert fake.record(made.number)["urgency"] == "2"
    assert fake.record(made.number)["caller_id"] == "u1"
    assert "Requested by: Abel Tuter" in fake.record(made.number)["description"]

    clock.advance(1)
    assert fake.set_state(made.number, "1").mod_count == 0  # no change, nothing moves
    assert fake.set_state(made.number, "7").active is False
    assert fake.set_state(made.number, "2").active is True  # reopened
    assert fake.set_priority(made.number, 1).priority == 1
    comment = fake.add_comment(made.number, "hi")
    now = fake.ticket(made.number)
    assert (now.mod_count, comment.author, comment.ticket_sys_id) == (4, "beth.anglin", made.sys_id)
    assert now.updated_at == clock.now()
    with pytest.raises(ValueError, match="unknown"):
        fake.set_state(made.number, "42")
    fake.delete(made.number)
    with pytest.raises(NotFoundError):
        await fake.get(WS, TicketKind.INCIDENT, made.sys_id)


# -- change approvals -----------------------------------------------------------------------
async def test_approvals_are_decided_once_and_only_by_their_approver(world: World) -> None:
    change = await make(world, "approve", TicketKind.CHANGE)
    assert await world.gateway.approvals(WS, change) == []
    world.set_state(change.number, "-4")  # Assess: the CAB is asked
    asked = await world.gateway.approvals(WS, change)
    assert sorted(a.user_name for a in asked) == ["beth.anglin", "fred.luddy"]
    fred = next(a for a in asked if a.user_name == "fred.luddy")
    beth = next(a for a in asked if a.user_name == "beth.anglin")
    assert (fred.name, fred.email) == ("Fred Luddy", "fred.luddy@example.com")
    beths = world.token_for("beth.anglin")
    with pytest.raises((NotFoundError, ForbiddenError)):  # never someone else's approval
        await world.gateway.decide(WS, change, fred.id, True, "", token=beths)
    freds = world.token_for("fred.luddy")
    assert await world.gateway.decide(WS, change, fred.id, True, "Looks safe", token=freds) == (
        "approved"
    )
    # Decided once: a second decision leaves it as it is.
    assert await world.gateway.decide(WS, change, fred.id, False, "", token=freds) == "approved"
    assert world.record(change.number)["state"] == "-4"
    assert await world.gateway.decide(WS, change, beth.id, True, "", token=beths) == "approved"
    assert world.record(change.number)["state"] == "-3"  # every approver approved: Authorize


async def test_approvals_read_with_comments_answer_the_next_ask_once(world: World) -> None:
    change = await make(world, "cab", TicketKind.CHANGE)
    world.set_state(change.number, "-4")  # Assess: the CAB is asked
    world.comment(change.number, "Plan attached")
    moved = await world.gateway.get(WS, TicketKind.CHANGE, change.sys_id)
    before = world.requests()
    comments = await world.gateway.comments_since(WS, [moved], None, approvals_of=[moved])
    assert [c.text for c in comments] == ["Plan attached"]
    asked = await world.gateway.approvals(WS, moved)
    assert sorted(a.user_name for a in asked) == ["beth.anglin", "fred.luddy"]
    assert world.requests() == before + 1  # both in one request
    # Kept for one ask: the next reads afresh and sees what is true now.
    fred = next(a for a in asked if a.user_name == "fred.luddy")
    await world.gateway.decide(WS, moved, fred.id, True, "", token=world.token_for("fred.luddy"))
    assert [a.user_name for a in await world.gateway.approvals(WS, moved)] == ["beth.anglin"]
    # Kept for that version only: a newer one is read afresh.
    await world.gateway.comments_since(WS, [moved], None, approvals_of=[moved])
    before = world.requests()
    newer = replace(moved, mod_count=moved.mod_count + 1)
    assert [a.user_name for a in await world.gateway.approvals(WS, newer)] == ["beth.anglin"]
    assert world.requests() == before + 1
    # Another workspace's change is neither read nor kept.
    theirs = await make(world, "cab", TicketKind.CHANGE, workspace=OTHER_WS)
    world.set_state(theirs.number, "-4")
    theirs = await world.gateway.get(OTHER_WS, TicketKind.CHANGE, theirs.sys_id)
    await world.gateway.comments_since(WS, [moved], None, approvals_of=[theirs])
    before = world.requests()
    assert len(await world.gateway.approvals(OTHER_WS, theirs)) == 2
    assert world.requests() == before + 1


async def test_one_rejection_sends_the_change_back_to_new(world: World) -> None:
    change = await make(world, "reject", TicketKind.CHANGE)
    world.set_state(change.number, "-4")
    fred = next(a for a in await world.gateway.approvals(WS, change) if a.user_name == "fred.luddy")
    token = world.token_for("fred.luddy")
    assert await world.gateway.decide(WS, change, fred.id, False, "No plan", token=token) == (
        "rejected"
    )
    assert world.record(change.number)["state"] == "-5"
    assert await world.gateway.approvals(WS, change) == []


# -- find_any -----------------------------------------------------------------------------
async def test_find_any_finds_any_readable_ticket_by_number_or_sys_id(world: World) -> None:
    own = await make(world, "a")
    change = await make(world, "b", TicketKind.CHANGE)
    # Made in ServiceNow by something else than SnowOps: find_own does not see it.
    foreign = await world.gateway.create(ask(), "itsm-import:43", None)

    found = await world.gateway.find_any(WS, TicketKind.INCIDENT, number=foreign.number)
    assert found is not None
    assert (found.number, found.sys_id, found.workspace) == (foreign.number, foreign.sys_id, WS)
    assert found.correlation_id == "itsm-import:43"
    by_id = await world.gateway.find_any(WS, TicketKind.INCIDENT, sys_id=own.sys_id)
    assert by_id is not None
    assert by_id.number == own.number
    found_change = await world.gateway.find_any(WS, TicketKind.CHANGE, number=change.number)
    assert found_change is not None
    assert found_change.kind is TicketKind.CHANGE
    # The kind picks the table: a change is no incident.
    assert await world.gateway.find_any(WS, TicketKind.INCIDENT, number=change.number) is None
    assert await world.gateway.find_any(WS, TicketKind.INCIDENT, number="INC0099999") is None
    with pytest.raises(UserError):
        await world.gateway.find_any(WS, TicketKind.INCIDENT, number="INC1^active=true")


# -- the instance's own fields: choices, dictionary, records by name -----------------------
def require(world: World, table: str, element: str, label: str) -> None:
    """An admin makes a (new, custom) field mandatory, enforced on writes."""
    if isinstance(world, FakeWorld):
        world.fake.meta.set_mandatory(table, element, label)
    else:
        assert isinstance(world, SimWorld)
        set_field(world.sim.instance, table, element, mandatory=True, label=label)


async def test_choices_are_the_instances_active_choices_in_order(world: World) -> None:
    categories = await world.gateway.choices(WS, "incident", "category")
    assert [(c.value, c.label) for c in categories][:2] == [
        ("inquiry", "Inquiry / Help"),
        ("software", "Software"),
    ]
    subs = await world.gateway.choices(WS, "incident", "subcategory")
    assert ChoiceEntry("vpn", "VPN", "network") in subs
    assert [c.value for c in await world.gateway.choices(WS, "change_request", "category")][-1] == (
        "Other"
    )
    assert await world.gateway.choices(WS, "incident", "no_such_field") == []
    with pytest.raises(UserError):
        await world.gateway.choices(WS, "incident^ORactive=true", "category")


async def test_dictionary_names_each_field_with_its_label_type_and_flags(world: World) -> None:
    fields = {f.element: f for f in await world.gateway.dictionary(WS, "incident")}
    assert fields["short_description"].label == "Short description"
    assert fields["assignment_group"].internal_type == "reference"
    assert fields["assignment_group"].reference == "sys_user_group"
    assert fields["category"].choice
    assert not fields["category"].mandatory
    require(world, "incident", "u_business_unit", "Business unit")
    fresh = {f.element: f for f in await world.gateway.dictionary(WS, "incident")}
    assert fresh["u_business_unit"].mandatory
    assert fresh["u_business_unit"].label == "Business unit"


async def test_named_records_find_cis_and_groups_by_name(world: World) -> None:
    vpn = await world.gateway.named_records(WS, "cmdb_ci", "Corporate VPN", 2, exact=True)
    assert [name for _, name in vpn] == ["Corporate VPN"]
    assert SYS_ID.match(vpn[0][0])
    like = await world.gateway.named_records(WS, "cmdb_ci", "lnux", 10)
    assert [name for _, name in like] == ["lnux100", "lnux101"]
    assert await world.gateway.named_records(WS, "cmdb_ci", "Azure AD", 2, exact=True) == []
    groups = await world.gateway.named_records(WS, "sys_user_group", "service", 5)
    assert (SERVICE_DESK.sys_id, "Service Desk") in groups
    with pytest.raises(UserError):
        await world.gateway.named_records(WS, "cmdb_ci", "a^b", 2, exact=True)


async def test_create_writes_the_requests_more_fields(world: World) -> None:
    vpn = (await world.gateway.named_records(WS, "cmdb_ci", "Corporate VPN", 1, exact=True))[0]
    extra = (
        ("category", "network"),
        ("subcategory", "vpn"),
        ("assignment_group", SERVICE_DESK.sys_id),
        ("cmdb_ci", vpn[0]),
        ("correlation_display", "SnowOps · Microsoft · Identity"),
        # SnowOps's own fields are never replaced by a mapping or a form.
        ("correlation_id", "snowops:elsewhere:1"),
    )
    made = await make(world, "fields", fields=extra)
    record = world.record(made.number)
    assert (record["category"], record["subcategory"]) == ("network", "vpn")
    assert (record["assignment_group"], record["cmdb_ci"]) == (SERVICE_DESK.sys_id, vpn[0])
    assert record["correlation_display"] == "SnowOps · Microsoft · Identity"
    assert record["correlation_id"] == correlation_id(WS, "fields")


async def test_a_mandatory_field_left_empty_is_refused_with_servicenows_words(
    world: World,
) -> None:
    require(world, "incident", "u_business_unit", "Business unit")
    with pytest.raises(ForbiddenError) as refused:
        await make(world, "refused")
    assert refusal_text(refused.value) == (
        "Data Policy Exception: The following fields are mandatory: Business unit"
    )
    made = await make(world, "given", fields=(("u_business_unit", "Finance"),))
    assert world.record(made.number)["u_business_unit"] == "Finance"
