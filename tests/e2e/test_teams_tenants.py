"""Tenants on Teams: every tenant an activity names (``channelData.tenant.id``,
``conversation.tenantId``) and its token's ``tid`` must agree with a tenant this deployment
serves (``TEAMS_TENANT_ID``, empty: any); each tenant is its own workspace with its own
ServiceNow connection, and never sees another's data."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.models import ChannelRef
from tests.conftest import Sim, connect_workspace, serve_sim
from tests.e2e.teams_harness import TeamsHarness, create_inline
from tests.fakes import bot_activities as bf
from tests.fakes.entra import BOT_FRAMEWORK_SCOPE, GRAPH_SCOPE

OTHER = "0b5d2c4e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"
OTHER_USER = {"user": "29:2user-b", "aad": "aad-b-user", "user_name": "Bea Other"}
OTHER_CHAT = "a:2personal-chat-b"


def _refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("adapters.teams")]


def _one_line(caplog: pytest.LogCaptureFixture) -> None:
    [record] = _refusals(caplog)
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert "\n" not in record.getMessage()


async def test_a_tenant_named_only_in_the_conversation_is_checked(
    teams: TeamsHarness, caplog: pytest.LogCaptureFixture
) -> None:
    activity = bf.message("snow help", teams.service_url, tenant=OTHER)
    del activity["channelData"]["tenant"]
    assert activity["conversation"]["tenantId"] == OTHER
    status, body = await teams.send(activity)
    assert status == 403
    assert body == {"error": "This bot does not serve this Microsoft Entra tenant."}
    assert teams.connector.sent == []
    _one_line(caplog)


async def test_an_activity_that_names_no_tenant_is_refused(
    teams: TeamsHarness, caplog: pytest.LogCaptureFixture
) -> None:
    activity = bf.message("snow help", teams.service_url)
    del activity["channelData"]["tenant"]
    del activity["conversation"]["tenantId"]
    status, body = await teams.send(activity)
    assert status == 403
    assert body == {"error": "The activity names no Microsoft Entra tenant."}
    assert teams.connector.sent == []
    _one_line(caplog)


@pytest.mark.parametrize("where", ["channelData", "conversation"])
async def test_tenants_that_disagree_are_refused(
    teams: TeamsHarness, caplog: pytest.LogCaptureFixture, where: str
) -> None:
    activity = bf.message("snow help", teams.service_url)
    if where == "channelData":
        activity["channelData"]["tenant"]["id"] = OTHER
    else:
        activity["conversation"]["tenantId"] = OTHER
    status, _ = await teams.send(activity)
    assert status == 403
    assert teams.connector.sent == []
    _one_line(caplog)


async def test_a_token_of_another_tenant_than_the_activity_is_refused(
    teams: TeamsHarness, caplog: pytest.LogCaptureFixture
) -> None:
    teams.entra.tenants.add(OTHER)
    token = teams.entra.mint(teams.service_url, issuer=teams.entra.entra_issuer, tid=OTHER)
    status, _ = await teams.send(bf.message("snow help", teams.service_url), token=token)
    assert status == 401
    assert teams.connector.sent == []
    _one_line(caplog)


async def test_tenant_ids_are_compared_without_case(teams: TeamsHarness) -> None:
    activity = bf.message("snow help", teams.service_url)
    activity["channelData"]["tenant"]["id"] = bf.TENANT.upper()
    status, _ = await teams.send(activity)
    assert status == 202
    assert len(teams.connector.posts()) == 1


@pytest.fixture
async def other_sim() -> AsyncIterator[Sim]:
    """A second ServiceNow instance, the other tenant's."""
    async with serve_sim() as running:
        yield running


def _titles(sent: list[Any]) -> str:
    return " ".join(s.text for s in sent)


@pytest.mark.parametrize("teams_env", [{"TEAMS_TENANT_ID": ""}])
async def test_two_tenants_each_see_only_their_own_tickets(
    teams: TeamsHarness, other_sim: Sim
) -> None:
    """A multi-tenant deployment (no allow-list): the second tenant connects its own
    ServiceNow instance; each tenant's commands reach only its own instance and tickets."""
    teams.entra.tenants |= {OTHER, "botframework.com"}
    await connect_workspace(teams.services, other_sim.url, f"teams:{OTHER}")
    mine, _ = await create_inline(teams, "Alpha rotate the signing keys")
    theirs, _ = await create_inline(
        teams, "Bravo renew the certificate", tenant=OTHER, conv=OTHER_CHAT, **OTHER_USER
    )
    assert teams.sim.instance.find_by_number(mine) is not None
    assert "Bravo" not in str(teams.sim.instance.find_by_number(theirs))
    assert "Bravo" in str(other_sim.instance.find_by_number(theirs))
    assert "Alpha" not in str(other_sim.instance.find_by_number(mine))

    listing = _titles(await teams.say("snow tickets all"))
    assert "Alpha rotate the signing keys" in listing
    assert "Bravo" not in listing
    assert other_sim.url not in listing
    other = _titles(
        await teams.say("snow tickets all", tenant=OTHER, conv=OTHER_CHAT, **OTHER_USER)
    )
    assert "Bravo renew the certificate" in other
    assert "Alpha" not in other
    assert teams.sim.url not in other
    status = _titles(await teams.say("snow status", tenant=OTHER, conv=OTHER_CHAT, **OTHER_USER))
    assert other_sim.url in status
    assert teams.sim.url not in status
    # Without an allow-list the bot's own connector tokens come from botframework.com.
    bot = [r for r in teams.entra.token_requests if r["scope"] == BOT_FRAMEWORK_SCOPE]
    assert {r["tenant"] for r in bot} == {"botframework.com"}


@pytest.mark.parametrize("teams_env", [{"TEAMS_TENANT_ID": f"{bf.TENANT},{OTHER}"}])
async def test_graph_is_asked_with_a_token_of_the_conversations_tenant(
    teams: TeamsHarness,
) -> None:
    """Reading back a message in the other tenant's group chat takes a Graph token from
    that tenant's token endpoint (each tenant consents to the app for itself)."""
    teams.entra.tenants |= {OTHER, "botframework.com"}
    await teams.say("snow help", tenant=OTHER, conv=bf.GROUP, mention=True, **OTHER_USER)
    adapter = teams.services.teams
    assert adapter is not None
    channel = ChannelRef(f"teams:{OTHER}", bf.GROUP)
    assert await adapter.sink.was_posted(channel, "some-delivery") is False
    graph = [r for r in teams.entra.token_requests if r["scope"] == GRAPH_SCOPE]
    assert [r["tenant"] for r in graph] == [OTHER]
    assert teams.connector.graph_calls  # Graph was asked, with that token
    # Two allowed tenants: a multi-tenant registration, its own tokens from botframework.com.
    bot = [r for r in teams.entra.token_requests if r["scope"] == BOT_FRAMEWORK_SCOPE]
    assert {r["tenant"] for r in bot} == {"botframework.com"}


@pytest.mark.parametrize("teams_env", [{"TEAMS_TENANT_ID": f"{bf.TENANT},{OTHER}"}])
async def test_the_allow_list_admits_its_tenants_only(teams: TeamsHarness) -> None:
    teams.entra.tenants |= {OTHER, "botframework.com"}
    for tenant in (bf.TENANT, OTHER.upper()):
        status, _ = await teams.send(bf.message("snow help", teams.service_url, tenant=tenant))
        assert status == 202
    third = "11111111-2222-4333-8444-555555555555"
    status, _ = await teams.send(bf.message("snow help", teams.service_url, tenant=third))
    assert status == 403
    assert len(teams.connector.posts()) == 2
