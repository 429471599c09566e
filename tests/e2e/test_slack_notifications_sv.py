"""A workspace set to Swedish: its channel cards and notifications are Swedish, while the
asker's own answers stay in their language (English here), through Slack end to end."""

from __future__ import annotations

import json

from core.languages import WorkspaceLanguage
from tests.e2e.conftest import SlackHarness
from tests.e2e.test_slack_notifications import WS, create_ticket, sync_and_deliver, thread_replies


async def test_a_swedish_workspace_gets_swedish_cards_and_notifications(
    slack: SlackHarness,
) -> None:
    await WorkspaceLanguage(slack.services.store).set_language(WS, "sv")
    number, ts = await create_ticket(slack)
    [card] = [c for c in slack.api.calls_to("chat.postMessage") if c.args.get("ts") is None]
    blocks = json.dumps(card.args.get("blocks"), ensure_ascii=False)
    assert "Öppna i ServiceNow" in blocks
    assert "Open in ServiceNow" not in blocks
    slack.api.clear()

    slack.sim.instance.add_journal(number, "Legacy auth is blocked for all users now")
    await sync_and_deliver(slack)

    [reply] = thread_replies(slack, ts)
    assert reply.startswith(f"{number} ")
    assert ": ny kommentar från beth.anglin: Legacy auth is blocked" in reply
    [update] = slack.api.calls_to("chat.update")
    assert "Lägg till kommentar" in json.dumps(update.args["blocks"], ensure_ascii=False)


async def test_an_english_workspace_still_gets_english(slack: SlackHarness) -> None:
    number, ts = await create_ticket(slack)
    slack.api.clear()
    slack.sim.instance.add_journal(number, "Legacy auth is blocked for all users now")
    await sync_and_deliver(slack)
    [reply] = thread_replies(slack, ts)
    assert ": new comment from beth.anglin: Legacy auth is blocked" in reply
