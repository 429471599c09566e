"""`/snow subscribe` where SnowOps cannot post is refused at once, with the fix (issue 17,
item 4): a private Slack channel the bot is not in, a public one it left, a Teams private
channel the app was never added to. Nothing is saved, so nothing is parked later."""

from __future__ import annotations

import json

from tests.e2e.conftest import ADMIN, WORKSPACE, SlackHarness
from tests.e2e.teams_harness import WORKSPACE as TEAMS_WS
from tests.e2e.teams_harness import TeamsHarness
from tests.fakes import bot_activities as bf

TEAMS_ADMIN = {"user": bf.ADMIN_ID, "aad": bf.ADMIN_AAD, "user_name": "Beth Anglin"}


async def test_slack_subscribe_in_a_private_channel_without_the_bot_is_refused(
    slack: SlackHarness,
) -> None:
    slack.api.set_channel("C0PRIV", private=True, bot_member=False)
    await slack.command("subscribe incident", user=ADMIN, channel="C0PRIV", name="sub")
    [answer] = await slack.api.wait_for_response()
    said = json.dumps(answer, ensure_ascii=False)
    assert "cannot be subscribed" in said
    assert "/invite @SnowOps" in said
    assert answer.get("response_type") != "in_channel"  # told to the asker alone
    assert await slack.services.store.list_subscriptions(WORKSPACE) == []


async def test_slack_subscribe_in_a_public_channel_the_bot_left_is_refused(
    slack: SlackHarness,
) -> None:
    slack.api.bot_scopes += ",channels:read,groups:read"  # conversations.info may be asked
    slack.api.set_channel("C0LEFT", bot_member=False)
    await slack.command("subscribe", user=ADMIN, channel="C0LEFT", name="sub")
    [answer] = await slack.api.wait_for_response()
    assert "/invite @SnowOps" in json.dumps(answer)
    assert [c.method for c in slack.api.calls if c.method.startswith("conversations.")] == [
        "conversations.info"
    ]
    assert await slack.services.store.list_subscriptions(WORKSPACE) == []


async def test_slack_subscribe_after_the_invite_succeeds(slack: SlackHarness) -> None:
    channel = slack.api.set_channel("C0PRIV", private=True, bot_member=False)
    await slack.command("subscribe", user=ADMIN, channel="C0PRIV", name="a")
    await slack.api.wait_for_response()
    channel.bot_member = True  # /invite @SnowOps
    await slack.command("subscribe", user=ADMIN, channel="C0PRIV", name="b")
    await slack.api.wait_for_response(count=2)
    [answer] = slack.api.responses_to("b")
    assert "will hear about" in json.dumps(answer)
    [sub] = await slack.services.store.list_subscriptions(WORKSPACE)
    assert sub.channel.channel == "C0PRIV"


async def test_teams_subscribe_in_a_private_channel_without_the_app_is_refused(
    teams: TeamsHarness,
) -> None:
    teams.connector.leave_out(bf.PRIVATE_CHANNEL)
    [answer] = await teams.say(
        "subscribe incident", conv=bf.PRIVATE_CHANNEL, mention=True, **TEAMS_ADMIN
    )
    assert "cannot be subscribed" in answer.text
    assert "Manage channel > Apps" in answer.text
    assert answer.activity_id  # a reply to the command, which the connector relays
    assert await teams.services.store.list_subscriptions(TEAMS_WS) == []
    assert teams.every_card_is_valid() >= 1


async def test_teams_subscribe_in_a_channel_with_the_app_succeeds(teams: TeamsHarness) -> None:
    [answer] = await teams.say("subscribe incident", conv=bf.CHANNEL, mention=True, **TEAMS_ADMIN)
    assert "will hear about" in answer.text
    assert len(await teams.services.store.list_subscriptions(TEAMS_WS)) == 1
