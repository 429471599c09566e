"""A Teams workspace set to Swedish: a ticket's card updated in place and the replies under
it are Swedish, through the notifier and the Teams ChatSink."""

from __future__ import annotations

import json

from core.languages import WorkspaceLanguage
from tests.e2e.teams_harness import WORKSPACE, TeamsHarness, create_inline, sync_and_deliver
from tests.fakes import bot_activities as bf


async def test_a_swedish_workspace_is_told_in_swedish_on_teams(teams: TeamsHarness) -> None:
    await WorkspaceLanguage(teams.services.store).set_language(WORKSPACE, "sv")
    number, form = await create_inline(teams)
    teams.connector.sent.clear()

    teams.sim.instance.add_journal(number, "Patched on the primary")
    assert await sync_and_deliver(teams) == 2
    [update] = teams.connector.updates()
    assert update.activity_id == form.id
    shown = json.dumps(update.cards, ensure_ascii=False)
    assert "Lägg till kommentar" in shown
    assert "Add comment" not in shown
    [reply] = teams.connector.posts(bf.PERSONAL)
    assert reply.texts == [
        f"{number} Patch the VPN concentrator: ny kommentar från beth.anglin: "
        "Patched on the primary"
    ]
