"""Teams commands end to end: typed to the bot in a personal chat, a group chat or a channel."""

from __future__ import annotations

import json

import pytest

from core.connections import OAuthClientConfig
from core.models import TicketKind
from core.repos import StateNames
from sim.servicenow import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Fault
from tests.e2e.teams_harness import WORKSPACE, TeamsHarness, action_of, create_inline
from tests.fakes import bot_activities as bf

ADMIN = {"user": bf.ADMIN_ID, "aad": bf.ADMIN_AAD, "user_name": "Beth Anglin"}


async def test_help_in_a_personal_chat(teams: TeamsHarness) -> None:
    [reply] = await teams.say("snow help")
    assert reply.method == "POST"
    assert reply.conversation == bf.PERSONAL
    assert reply.activity_id is not None  # a reply to the user's message
    assert "Connected to" in reply.text
    assert "snow recommendations" in reply.text
    # Outbound calls carry the bot's token from the tenant's token endpoint.
    assert reply.token in teams.entra.issued
    assert teams.entra.token_requests[0]["scope"] == "https://api.botframework.com/.default"
    assert teams.every_card_is_valid() >= 1


@pytest.mark.parametrize(
    ("text", "conv", "mention"),
    [
        ("/snow status", bf.PERSONAL, False),
        ("status", bf.PERSONAL, False),
        ("snow status", bf.GROUP, True),
        ("status", bf.CHANNEL + ";messageid=1700000000500", True),
    ],
)
async def test_every_way_of_asking_works_everywhere(
    teams: TeamsHarness, text: str, conv: str, mention: bool
) -> None:
    [reply] = await teams.say(text, conv=conv, mention=mention)
    assert reply.conversation == conv  # in a channel: the thread it was asked in
    assert "ServiceNow connection" in reply.text
    assert teams.sim.url in reply.text
    assert "snowops.integration" in reply.text


async def test_a_usage_error_says_how_to_write_the_command(teams: TeamsHarness) -> None:
    [reply] = await teams.say("snow tickets sideways")
    assert "'sideways' is not understood" in reply.text
    assert "tickets [incident|change|problem|sir] [open|all]" in reply.text
    assert "Traceback" not in reply.text


async def test_tickets_and_ticket_show_cards_in_workspace_names(teams: TeamsHarness) -> None:
    number, _ = await create_inline(teams)
    teams.sim.instance.set_state(number, "2")
    teams.sim.instance.add_journal(number, "We are on it")
    await teams.say('snow states incident 2 "Being fixed"', **ADMIN)
    [listing] = await teams.say("snow tickets")
    assert number in listing.text
    assert "Being fixed" in listing.text
    [detail] = await teams.say(f"snow ticket {number}")
    assert "We are on it" in detail.text
    assert "Open in ServiceNow" in detail.text


async def test_states_shows_and_renames_for_admins_only(teams: TeamsHarness) -> None:
    [shown] = await teams.say("snow states change")
    assert "Authorize" in shown.text
    [refused] = await teams.say('snow states incident 2 "Being fixed"')
    assert "Only workspace admins" in refused.text
    names = await StateNames(teams.services.store).names(WORKSPACE, TicketKind.INCIDENT)
    assert names["2"] == "In Progress"


async def test_subscribe_and_unsubscribe_a_channel(teams: TeamsHarness) -> None:
    thread = bf.CHANNEL + ";messageid=1700000000777"
    [answer] = await teams.say("subscribe incident priority<=2", conv=thread, mention=True, **ADMIN)
    assert "incidents of priority 1–2" in answer.text
    [sub] = await teams.services.store.list_subscriptions(WORKSPACE)
    assert sub.channel.channel == bf.CHANNEL  # the channel, not the thread
    await teams.say("unsubscribe", conv=bf.CHANNEL, mention=True, **ADMIN)
    assert await teams.services.store.list_subscriptions(WORKSPACE) == []


async def test_admin_commands_are_refused_to_others(teams: TeamsHarness) -> None:
    for text in ("snow disconnect", "snow subscribe", f"snow connect {teams.sim.url}"):
        [reply] = await teams.say(text, conv=bf.GROUP)
        assert "Only workspace admins can do that." in reply.text
    assert await teams.services.store.get_connection(WORKSPACE) is not None
    assert await teams.services.store.list_subscriptions(WORKSPACE) == []


@pytest.mark.parametrize("teams_env", [{"TEAMS_ADMIN_ROLE": "owner"}])
async def test_a_configured_team_role_grants_admin_rights(teams: TeamsHarness) -> None:
    teams.connector.set_member(
        bf.USER_ID, name="Abel Tuter", aadObjectId=bf.USER_AAD, userRole="owner"
    )
    [answer] = await teams.say("subscribe", conv=bf.CHANNEL, mention=True)
    assert "Only workspace admins" not in answer.text
    assert await teams.services.store.list_subscriptions(WORKSPACE) != []


async def test_connect_is_private_and_never_shows_the_secret(teams: TeamsHarness) -> None:
    await teams.services.connections.set_client(
        WORKSPACE, OAuthClientConfig(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), "test"
    )
    [in_channel] = await teams.say(
        f"connect {teams.sim.url}", conv=bf.CHANNEL, mention=True, **ADMIN
    )
    assert "personal chat" in in_channel.text
    assert "/servicenow/oauth/start" not in in_channel.text
    [link] = await teams.say(f"snow connect {teams.sim.url}", **ADMIN)
    assert "/servicenow/oauth/start?t=" in json.dumps(link.activity)
    assert DEFAULT_CLIENT_SECRET not in json.dumps(teams.connector.sent[-1].activity)


async def test_disconnect_by_an_admin(teams: TeamsHarness) -> None:
    # The explicit form; typed alone, disconnect asks first (test_disconnect_confirm.py).
    [bye] = await teams.say("snow disconnect confirm", **ADMIN)
    assert "Disconnected from ServiceNow" in bye.text
    assert await teams.services.store.get_connection(WORKSPACE) is None


async def test_a_repeated_activity_is_answered_once(teams: TeamsHarness) -> None:
    activity = bf.message("snow help", teams.service_url, activity_id="f:repeated-1")
    for _ in range(3):
        status, _ = await teams.send(activity)
        assert status == 202
    assert len(teams.connector.posts()) == 1


async def test_servicenow_outage_gets_a_clear_answer(teams: TeamsHarness) -> None:
    number, _ = await create_inline(teams)
    teams.sim.instance.inject_fault(Fault(status=503, count=50))
    [detail] = await teams.say(f"snow ticket {number}")
    assert "ServiceNow" in detail.text
    assert "Traceback" not in detail.text
    assert "Exception caught" not in detail.text
    teams.sim.instance.clear_faults()
    [again] = await teams.say(f"snow ticket {number}")
    assert "Patch the VPN concentrator" in again.text


async def test_connect_asks_for_the_oauth_client_in_a_private_dialog(teams: TeamsHarness) -> None:
    [ask] = await teams.say(f"snow connect {teams.sim.url}", **ADMIN)
    button = action_of(ask.cards[0], "Enter the OAuth client")
    opened = await teams.invoke(bf.task_fetch(button["data"], teams.service_url, **ADMIN))
    dialog = opened["task"]["value"]["card"]["content"]
    submit = action_of(dialog, "Connect")
    data = {
        **submit["data"],
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
    }
    done = await teams.invoke(bf.task_submit(data, teams.service_url, **ADMIN))
    assert "/servicenow/oauth/start?t=" in json.dumps(done)
    everything = json.dumps([s.activity for s in teams.connector.sent]) + json.dumps(teams.answered)
    assert DEFAULT_CLIENT_SECRET not in everything
    # Someone else clicking the same button gets no form.
    refused = await teams.invoke(bf.task_fetch(button["data"], teams.service_url))
    assert "client_secret" not in json.dumps(refused)
    assert "Only workspace admins" in json.dumps(refused)


async def test_own_recommendations_and_the_secure_score_tenant(teams: TeamsHarness) -> None:
    [added] = await teams.say('snow recommendations add identity "Review guest access"', **ADMIN)
    assert "Review guest access" in added.text
    assert "Share to ServiceNow" in added.text
    [tenant] = await teams.say("snow securescore")
    assert "Tenant 8f2c6a1e-5b3d-4e7f-9a10-2c4d6e8f0a1b" in tenant.text
