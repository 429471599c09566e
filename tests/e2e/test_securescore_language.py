"""Did it work, told in the workspace's language: the Secure Score check of a resolved
recommendation ticket is written on its card and in its thread in Swedish once an admin
made the workspace Swedish (the check runs on a refresh, outside any request)."""

from __future__ import annotations

from core.languages import WorkspaceLanguage
from tests.conftest import Graph
from tests.e2e.conftest import WORKSPACE, SlackHarness
from tests.e2e.test_slack_securescore import (
    DAY,
    refresh_and_deliver,
    resolve,
    share,
    thread_of,
    updates_of,
)


async def test_points_gained_are_told_in_the_workspaces_language(
    slack: SlackHarness, graph: Graph
) -> None:
    await WorkspaceLanguage(slack.services.store).set_language(WORKSPACE, "sv")
    number, ts = await share(slack, "mdo_safelinksforemail")  # 0 of 9 today
    await resolve(slack, number)
    assert await refresh_and_deliver(slack) == 0
    graph.sim.move_control_score("mdo_safelinksforemail", 9)
    slack.clock.advance(DAY)
    graph.sim.advance_clock(DAY)
    assert await refresh_and_deliver(slack) == 1
    assert "+9 poäng: 0 → 9 av 9 (Säkerhetspoäng)" in updates_of(slack, ts)[-1]
    assert any("+9 poäng: 0 → 9 av 9" in told for told in thread_of(slack, ts))
