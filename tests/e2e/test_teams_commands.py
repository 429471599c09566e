"""Teams commands end to end: typed to the bot in a personal chat, a group chat or a channel."""

from __future__ import annotations

from tests.e2e.teams_harness import TeamsHarness
from tests.fakes import bot_activities as bf


async def test_help_in_a_personal_chat(teams: TeamsHarness) -> None:
    [reply] = await teams.say("snow help")
    assert reply.method == "POST"
    assert reply.conversation == bf.PERSONAL
    assert "Connected to" in reply.text
    assert "snow recommendations" in reply.text
    assert teams.every_card_is_valid() >= 1
