"""TicketActions on the in-memory gateway: who acts (their own token, the connection naming
them, or a refusal in linked mode), and what each command asks of the ticket system."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from core import commands as c
from core.accounts import AccountService
from core.clock import FakeClock
from core.errors import InProgressError, UserError
from core.models import Priority, Requester, Ticket, TicketKind, TicketRequest
from core.repos.oauth import PendingSignIns
from core.repos.user_links import UserLink, UserLinks
from core.secrets import SecretBox, generate_key
from core.servicenow.errors import ForbiddenError
from core.servicenow.mapping import correlation_id
from core.servicenow.oauth import OAuthClient
from core.servicenow.transport import InstancePool
from core.store.memory import MemoryStore
from core.ticket_actions import IdentityModes, TicketActions, Who
from tests.fakes.ticket_gateway import CLOSE_CODES, DEFAULT_IDENTITY, InMemoryTicketGateway

WS = "slack:T0123"
INSTANCE = "https://acme.service-now.com"
ABEL = Who(WS, "slack:U_ABEL", "Abel Tuter", "abel.tuter@example.com")
ABEL_ID = "62826bf03710200044e0bfc8bcbe5df1"
ABEL_TOKEN = "abel-access-token"
JOE = Who(WS, "slack:U_JOE", "Joe Employee", "joe.employee@example.com")
JOE_ID = "681ccaf9c0a8016400b98a06818d57c7"
SERVICE_DESK = "d625dccec0a8016700a222a0f7900d06"
INTEGRATION = DEFAULT_IDENTITY.user_name
#: What the connection writes when it acts for Joe.
JOE_NOTE = "From Slack by Joe Employee (joe.employee@example.com), via SnowOps"


@dataclass
class Applied:
    """Stands in for the sync: keeps what it was given, and the store up to date with it."""

    store: MemoryStore
    seen: list[tuple[str, list[Ticket]]] = field(default_factory=list)

    async def __call__(self, workspace: str, tickets: Sequence[Ticket]) -> None:
        self.seen.append((workspace, list(tickets)))
        for ticket in tickets:
            await self.store.save_ticket(ticket)


@dataclass
class World:
    clock: FakeClock
    fake: InMemoryTicketGateway
    store: MemoryStore
    links: UserLinks
    modes: IdentityModes
    applied: Applied
    actions: TicketActions

    async def link(self, who: Who, token: str, user_name: str, sys_id: str) -> None:
        """``who`` linked their ServiceNow account (a token valid for an hour)."""
        now = self.clock.now()
        link = UserLink(
            WS, who.user, INSTANCE, user_name, who.email or "", token, "refresh-token",
            expires_at=now + timedelta(hours=1), linked_at=now, sys_id=sys_id,
        )  # fmt: skip
        self.fake.tokens[token] = user_name
        await self.links.put(link)

    async def ticket(self, kind: TicketKind = TicketKind.INCIDENT, key: str = "a") -> Ticket:
        """A ticket SnowOps made and tracks."""
        request = TicketRequest(
            workspace=WS,
            kind=kind,
            name="Block legacy authentication",
            description="Legacy protocols skip MFA.",
            priority=Priority.HIGH,
            requester=Requester("slack", "U_ABEL", "Abel Tuter", ABEL.email),
        )
        made = await self.fake.create(request, correlation_id(WS, key), None)
        await self.store.save_ticket(made)
        return made

    def journal(self, number: str) -> list[tuple[str, str, str]]:
        """(element, author, text) of a ticket's journal, oldest first."""
        return [(e["element"], e["sys_created_by"], e["value"]) for e in self.fake.journal(number)]

    async def audited(self) -> list[tuple[str, str, str]]:
        """(action, number, as) of the audit log, newest first."""
        return [
            (e["action"], e["detail"]["number"], e["detail"]["as"])
            for e in await self.store.list_audit(WS)
        ]


@pytest.fixture
async def world() -> AsyncIterator[World]:
    clock = FakeClock()
    store = MemoryStore(SecretBox(generate_key()))
    await store.open()
    fake = InMemoryTicketGateway(
        clock,
        instance=INSTANCE,
        users={ABEL.email or "": ABEL_ID, JOE.email or "": JOE_ID},
        groups={"Service Desk": SERVICE_DESK},
    )
    pool = InstancePool()
    links = UserLinks(store)
    accounts = AccountService(
        links, store, PendingSignIns(store), OAuthClient(pool), pool, store, clock,
        public_url="https://snowops.example.com",
    )  # fmt: skip
    modes = IdentityModes(store)
    applied = Applied(store)
    actions = TicketActions(fake, store, accounts, modes, store, store, applied)
    world = World(clock, fake, store, links, modes, applied, actions)
    await world.link(ABEL, ABEL_TOKEN, "abel.tuter", ABEL_ID)
    try:
        yield world
    finally:
        await pool.aclose()
        await store.close()


# -- who acts -------------------------------------------------------------------------------
async def test_a_linked_person_acts_with_their_own_token(world: World) -> None:
    made = await world.ticket()

    fresh, done = await world.actions.do(ABEL, c.AddNote(made.number, "I'm on it"))

    assert done == f"Added a comment to {made.number}."
    assert world.journal(made.number) == [("comments", "abel.tuter", "I'm on it")]
    assert (fresh.number, fresh.mod_count) == (made.number, 1)
    assert fresh.requested_by == "Abel Tuter"
    assert world.applied.seen == [(WS, [fresh])]
    assert await world.audited() == [("ticket.note", made.number, "self")]
    assert await world.actions.who_acts(ABEL) == (ABEL_TOKEN, "")


async def test_an_unlinked_person_acts_through_the_connection_named_in_a_note(
    world: World,
) -> None:
    made = await world.ticket()

    await world.actions.do(JOE, c.AddNote(made.number, "Checked the logs", work_note=True))
    await world.actions.do(JOE, c.Assign(made.number, "Service Desk"))

    assert world.journal(made.number) == [
        ("work_notes", INTEGRATION, f"Checked the logs\n\n({JOE_NOTE})"),
        ("work_notes", INTEGRATION, JOE_NOTE),
    ]
    assert world.fake.record(made.number)["assignment_group"] == SERVICE_DESK
    assert await world.audited() == [
        ("ticket.assign", made.number, "on behalf"),
        ("ticket.note", made.number, "on behalf"),
    ]


async def test_the_note_names_the_platform_and_leaves_out_a_missing_email(world: World) -> None:
    teams = Who("teams:tenant-1", "teams:29:joe", "Joe Employee", None)
    assert await world.actions.who_acts(teams) == (
        None,
        "From Microsoft Teams by Joe Employee, via SnowOps",
    )


async def test_in_linked_mode_an_unlinked_person_is_refused_and_nothing_is_written(
    world: World,
) -> None:
    made = await world.ticket()
    await world.modes.set(WS, "linked")

    with pytest.raises(UserError, match="link your ServiceNow account first") as refused:
        await world.actions.do(JOE, c.AddNote(made.number, "hello"))

    assert "/snow link" in refused.value.hint
    assert world.fake.calls["act"] == 0
    assert world.journal(made.number) == []
    assert await world.audited() == []
    # A linked person still acts, as themselves.
    await world.actions.do(ABEL, c.AddNote(made.number, "hello"))
    assert world.journal(made.number) == [("comments", "abel.tuter", "hello")]


async def test_a_link_that_expired_long_ago_is_not_used_as_is(world: World) -> None:
    # The fake gateway knows nobody's token: had the stale one been used, act would refuse.
    made = await world.ticket()
    await world.link(JOE, "joe-token", "joe.employee", JOE_ID)
    world.fake.tokens.clear()
    world.clock.advance(2 * 3600)
    # Refreshing needs the workspace's connection; without one the link is not used.
    await world.actions.do(JOE, c.AddNote(made.number, "hello"))
    assert world.journal(made.number) == [("comments", INTEGRATION, f"hello\n\n({JOE_NOTE})")]


# -- assign ---------------------------------------------------------------------------------
async def test_assign_me_uses_the_linked_id_else_the_chat_email(world: World) -> None:
    made = await world.ticket()

    _, done = await world.actions.do(ABEL, c.Assign(made.number, "me"))
    assert done == f"{made.number} is assigned to you."
    assert world.fake.record(made.number)["assigned_to"] == ABEL_ID
    assert world.fake.calls["user_by_email"] == 0  # the link knows who they are

    await world.actions.do(JOE, c.Assign(made.number, "me"))
    assert world.fake.record(made.number)["assigned_to"] == JOE_ID
    assert world.fake.calls["user_by_email"] == 1


async def test_assign_me_without_a_matching_user_says_how_to_fix_it(world: World) -> None:
    made = await world.ticket()
    stranger = Who(WS, "slack:U_NEW", "New Person", "new.person@example.com")

    with pytest.raises(UserError, match=r"no user with your chat email \(new.person@") as e:
        await world.actions.do(stranger, c.Assign(made.number, "me"))

    assert "/snow link" in e.value.hint
    assert world.fake.calls["act"] == 0


async def test_assign_to_a_group_by_name(world: World) -> None:
    made = await world.ticket()

    _, done = await world.actions.do(ABEL, c.Assign(made.number, "Service Desk"))

    assert done == f"{made.number} is assigned to Service Desk."
    record = world.fake.record(made.number)
    assert (record["assignment_group"], record["assigned_to"]) == (SERVICE_DESK, "")


@pytest.mark.parametrize("name", ["Servce Desk", "service desk"])
async def test_a_group_not_found_is_said_and_nothing_changes(world: World, name: str) -> None:
    made = await world.ticket()

    with pytest.raises(UserError, match=f"ServiceNow has no active assignment group '{name}'"):
        await world.actions.do(ABEL, c.Assign(made.number, name))

    assert world.fake.calls["act"] == 0
    assert world.fake.ticket(made.number).mod_count == 0
    assert world.applied.seen == []


# -- resolve and reopen ---------------------------------------------------------------------
async def test_resolve_matches_a_close_code_by_label_and_resolves_once(world: World) -> None:
    made = await world.ticket()

    fresh, done = await world.actions.do(
        ABEL, c.ResolveTicket(made.number, "solution PROVIDED", "Blocked it")
    )

    assert done == f"{made.number} is resolved."
    assert fresh.state == "6"
    record = world.fake.record(made.number)
    assert (record["close_code"], record["close_notes"]) == ("Solution provided", "Blocked it")
    # The sync stored the resolved ticket: a second click resolves nothing more.
    again, said = await world.actions.do(
        ABEL, c.ResolveTicket(made.number, "Solution provided", "Blocked it")
    )
    assert said == f"{made.number} is already resolved."
    assert again.state == "6"
    assert world.fake.calls["act"] == 1
    assert world.fake.ticket(made.number).mod_count == 1
    assert await world.audited() == [("ticket.resolve", made.number, "self")]


async def test_a_second_resolve_while_the_first_runs_is_in_progress(world: World) -> None:
    made = await world.ticket()
    resolve = c.ResolveTicket(made.number, "Solution provided", "Blocked it")
    gate = world.fake.block_next("act")
    first = asyncio.create_task(world.actions.do(ABEL, resolve))
    await gate.entered.wait()

    with pytest.raises(InProgressError):
        await world.actions.do(ABEL, resolve)

    gate.release.set()
    assert (await first)[0].state == "6"
    assert world.fake.calls["act"] == 1


async def test_a_wrong_close_code_lists_the_instances_codes(world: World) -> None:
    made = await world.ticket()

    with pytest.raises(UserError, match="'Fixed it' is not a close code") as wrong:
        await world.actions.do(ABEL, c.ResolveTicket(made.number, "Fixed it", "Blocked it"))

    assert "of this instance's incidents" in str(wrong.value)
    offered = ", ".join(f'"{value}"' for value, _ in CLOSE_CODES[TicketKind.INCIDENT])
    assert wrong.value.hint == f"Use one of: {offered}."
    assert '"Solution provided"' in wrong.value.hint
    assert world.fake.calls["act"] == 0
    assert world.fake.ticket(made.number).state == "1"


async def test_close_codes_are_the_instances_own(world: World) -> None:
    made = await world.ticket()
    world.fake.close_choices[TicketKind.INCIDENT] = [("fixed", "Fixed it")]

    await world.actions.do(ABEL, c.ResolveTicket(made.number, "Fixed it", "Blocked it"))

    assert world.fake.record(made.number)["close_code"] == "fixed"
    other = await world.ticket(key="b")
    with pytest.raises(UserError) as wrong:
        await world.actions.do(ABEL, c.ResolveTicket(other.number, "Solution provided", "x"))
    assert wrong.value.hint == 'Use one of: "fixed".'


async def test_a_change_closes_with_a_change_close_code(world: World) -> None:
    made = await world.ticket(TicketKind.CHANGE)
    world.fake.set_state(made.number, "0")  # Review
    await world.store.save_ticket(world.fake.ticket(made.number))

    fresh, done = await world.actions.do(
        JOE, c.ResolveTicket(made.number, "Successful", "Rolled out")
    )

    assert done == f"{made.number} is closed."
    assert (fresh.state, fresh.active) == ("3", False)
    assert world.fake.record(made.number)["close_code"] == "successful"
    again = await world.actions.do(JOE, c.ResolveTicket(made.number, "Successful", "x"))
    assert again[1] == f"{made.number} is already closed."


async def test_a_refusal_from_servicenow_comes_back_and_frees_the_ticket(world: World) -> None:
    made = await world.ticket(TicketKind.CHANGE)  # New: the change model refuses Closed
    resolve = c.ResolveTicket(made.number, "Successful", "Rolled out")

    with pytest.raises(ForbiddenError):
        await world.actions.do(JOE, resolve)

    assert world.applied.seen == []
    assert await world.audited() == []
    # Nothing stays claimed: the next try reaches ServiceNow again.
    with pytest.raises(ForbiddenError):
        await world.actions.do(JOE, resolve)
    assert world.fake.calls["act"] == 2


async def test_reopen_only_a_resolved_incident(world: World) -> None:
    made = await world.ticket()

    _, said = await world.actions.do(ABEL, c.ReopenTicket(made.number))
    assert said == f"{made.number} is not resolved: nothing to reopen."
    assert world.fake.calls["act"] == 0

    await world.actions.do(ABEL, c.ResolveTicket(made.number, "Duplicate", "Same as INC1"))
    fresh, said = await world.actions.do(ABEL, c.ReopenTicket(made.number))
    assert said == f"{made.number} is in progress again."
    assert (fresh.state, fresh.active) == ("2", True)
    assert (await world.store.get_ticket(WS, made.number)) == fresh

    change = await world.ticket(TicketKind.CHANGE, key="c")
    with pytest.raises(UserError, match="only incidents can be reopened"):
        await world.actions.do(ABEL, c.ReopenTicket(change.number))


# -- unknown tickets ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "command",
    [
        c.AddNote("INC0099999", "hello"),
        c.Assign("INC0099999", "me"),
        c.ResolveTicket("INC0099999", "Duplicate", "x"),
        c.ReopenTicket("INC0099999"),
    ],
)
async def test_a_ticket_snowops_does_not_track_is_refused(world: World, command: c.Command) -> None:
    untracked = world.fake.insert(WS, TicketKind.INCIDENT, "Made in ServiceNow")
    assert untracked.number != "INC0099999"

    with pytest.raises(UserError, match="SnowOps tracks no ticket INC0099999") as e:
        await world.actions.do(ABEL, command)

    assert "/snow tickets" in e.value.hint
    assert sum(world.fake.calls.values()) == 0
    # Nor one ServiceNow has but SnowOps never made.
    with pytest.raises(UserError, match=f"tracks no ticket {untracked.number}"):
        await world.actions.do(ABEL, c.AddNote(untracked.number, "hello"))
