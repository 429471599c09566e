"""A digest in a Swedish workspace is Swedish: its heading, dates, counts and sections,
through Slack end to end (the subscribing admin's own answer stays in their language)."""

from __future__ import annotations

from core.languages import WorkspaceLanguage
from tests.e2e.conftest import SlackHarness
from tests.e2e.test_slack_digests import WS, create_ticket, in_ops, ops_posts, sync_tick_deliver


async def test_a_swedish_workspace_gets_its_digest_in_swedish(slack: SlackHarness) -> None:
    await WorkspaceLanguage(slack.services.store).set_language(WS, "sv")
    first = await create_ticket(slack, "Rotate the VPN certificate", "3")
    await in_ops(slack, "subscribe incident digest daily 09:00 zone Europe/Stockholm")
    slack.api.clear()
    slack.sim.instance.add_journal(first, "Waiting for the vendor")
    await sync_tick_deliver(slack)
    assert ops_posts(slack) == []

    slack.clock.advance(20 * 3600 + 90)  # past 09:00 in Stockholm, and the grace minute
    await sync_tick_deliver(slack)
    [digest] = ops_posts(slack)
    heading = "Sammanfattning, tors 26 nov. 09:00 – fre 27 nov. 09:00 (Europe/Stockholm): 1 ändring"
    assert heading in digest
    assert "Övriga ändringar (1):" in digest
    assert f"{first} Rotate the VPN certificate: ny kommentar från beth.anglin" in digest
