"""Working a ticket from Teams: the card's *Assign to me* as the person who clicked, and the
typed actions; the card then updates in place (Teams, end to end)."""

from __future__ import annotations

import json

from tests.e2e.teams_harness import WORKSPACE, TeamsHarness, action_of, create_inline
from tests.fakes import bot_activities as bf

ABEL_SYS_ID = "62826bf03710200044e0bfc8bcbe5df1"


async def test_assign_to_me_on_the_card_and_a_typed_comment(teams: TeamsHarness) -> None:
    number, form = await create_inline(teams)
    button = action_of(teams.answered[-1]["value"], "Assign to me")
    answer = await teams.invoke(
        bf.card_action(button["verb"], button["data"], teams.service_url, card_id=form.id)
    )
    assert f"{number} is assigned to you" in json.dumps(answer)
    found = teams.sim.instance.find_by_number(number)
    assert found is not None
    # Not linked, so the integration user acted, for the person matched by chat email.
    assert found[1]["assigned_to"] == ABEL_SYS_ID

    [said] = await teams.say(f'snow comment {number} "Rebooted the concentrator"')
    assert "Added a comment" in json.dumps(said.activity)
    journal = [
        r for r in teams.sim.instance.store.rows("sys_journal_field")
        if "Rebooted the concentrator" in r.get("value", "")
    ]  # fmt: skip
    assert len(journal) == 1
    assert "From Microsoft Teams by " in journal[0]["value"]
    # The card in the chat is brought up to date, in place, and its thread says what changed.
    before = len(teams.connector.updates())
    assert await teams.services.notifier.deliver("test") >= 1
    [update] = teams.connector.updates()[before:]
    assert number in json.dumps(update.activity)
    assert teams.every_card_is_valid() >= 1


async def test_create_while_disconnected_says_so_instead_of_sending_the_form(
    teams: TeamsHarness,
) -> None:
    await teams.services.store.delete_connection(WORKSPACE)
    [said] = await teams.say("snow create Patch the VPN concentrator")
    assert "not connected to ServiceNow, so no ticket can be made yet" in json.dumps(said.activity)
    assert "Create ticket" not in json.dumps(said.activity)
