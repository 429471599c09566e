"""Team owners administer their team's channels, as Teams knows them (Microsoft Graph's
``roles: ["owner"]`` of the team member), without being listed in ``SNOWOPS_ADMINS``; the
answer is kept per channel and user for a few minutes."""

from __future__ import annotations

import pytest

from tests.e2e.teams_harness import WORKSPACE, TeamsHarness
from tests.fakes import bot_activities as bf
from tests.fakes.teams_connector import FakeTeam

GROUP_ID = "3c9e1a52-7d4b-4f86-a0c1-5e2d8b7f6a90"
OWNER = {"user": "29:1owner", "aad": "aad-0000-owner", "user_name": "Olga Owner"}
MEMBER = {"user": bf.USER_ID, "aad": bf.USER_AAD, "user_name": "Abel Tuter"}


@pytest.fixture
def team(teams: TeamsHarness) -> FakeTeam:
    """The channel's team: Olga owns it, Abel is a member."""
    team = teams.connector.set_team(bf.CHANNEL, GROUP_ID, tenant=bf.TENANT)
    team.roles = {OWNER["aad"]: ["owner"], MEMBER["aad"]: []}
    teams.connector.set_member(OWNER["user"], name="Olga Owner", aadObjectId=OWNER["aad"])
    return team


def _member_calls(teams: TeamsHarness) -> list[str]:
    return [
        c for c in teams.connector.graph_calls if c.startswith(f"/v1.0/teams/{GROUP_ID}/members")
    ]


async def test_a_team_owner_subscribes_its_channel(teams: TeamsHarness, team: FakeTeam) -> None:
    thread = bf.CHANNEL + ";messageid=1700000000321"
    [answer] = await teams.say("subscribe incident", conv=thread, mention=True, **OWNER)
    assert "Only workspace admins" not in answer.text
    [sub] = await teams.services.store.list_subscriptions(WORKSPACE)
    assert sub.channel.channel == bf.CHANNEL
    # Asked of Graph once, with an app-only token of the tenant, then kept.
    [await_call] = _member_calls(teams)
    assert "aad-0000-owner" in await_call
    [answer] = await teams.say("unsubscribe", conv=bf.CHANNEL, mention=True, **OWNER)
    assert "Only workspace admins" not in answer.text
    assert await teams.services.store.list_subscriptions(WORKSPACE) == []
    assert len(_member_calls(teams)) == 1


async def test_a_plain_member_is_refused(teams: TeamsHarness, team: FakeTeam) -> None:
    [answer] = await teams.say("subscribe", conv=bf.CHANNEL, mention=True, **MEMBER)
    assert "Only workspace admins can do that." in answer.text
    assert await teams.services.store.list_subscriptions(WORKSPACE) == []


async def test_ownership_grants_only_the_channels_own_admin_commands(
    teams: TeamsHarness, team: FakeTeam
) -> None:
    for text in ("disconnect", 'states incident 2 "Being fixed"', "notifications retry"):
        [answer] = await teams.say(text, conv=bf.CHANNEL, mention=True, **OWNER)
        assert "Only workspace admins can do that." in answer.text
    assert await teams.services.store.get_connection(WORKSPACE) is not None
    assert _member_calls(teams) == []  # nothing an owner could do: Graph not even asked


async def test_an_owner_is_no_admin_in_a_group_chat(teams: TeamsHarness, team: FakeTeam) -> None:
    [answer] = await teams.say("subscribe", conv=bf.GROUP, mention=True, **OWNER)
    assert "Only workspace admins can do that." in answer.text


async def test_when_graph_cannot_say_nobody_is_an_owner(
    teams: TeamsHarness, team: FakeTeam
) -> None:
    teams.connector.refuse_graph(403)  # TeamMember.Read.Group not consented
    [answer] = await teams.say("subscribe", conv=bf.CHANNEL, mention=True, **OWNER)
    assert "Only workspace admins can do that." in answer.text
    assert await teams.services.store.list_subscriptions(WORKSPACE) == []
