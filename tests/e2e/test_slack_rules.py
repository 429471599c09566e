"""Rules that open tickets, in Slack, against both simulators: a new matching
recommendation gets one incident, announced in the rule's channel; one that does not match,
or is tracked already, gets none; a score that drops opens a change."""

from __future__ import annotations

import json
from typing import Any

from sim.graph import DEFAULT_TENANT_ID
from tests.conftest import Graph
from tests.e2e.conftest import ADMIN, WORKSPACE, SlackHarness
from tests.e2e.test_slack_securescore import DAY, share

NEW = {
    "title": "Require phishing-resistant MFA for admins",
    "controlCategory": "Identity",
    "remediation": "<p>Require FIDO2 keys for every admin role.</p>",
}


async def command(slack: SlackHarness, text: str, name: str, user: str = ADMIN) -> str:
    before = len(slack.api.responses)
    await slack.command(text, user=user, name=name, channel="C0SEC")
    await slack.api.wait_for_response(count=before + 1)
    return json.dumps(slack.api.responses_to(name)[-1], ensure_ascii=False)


def tickets_of(slack: SlackHarness, table: str = "incident") -> list[dict[str, Any]]:
    rows = slack.sim.instance.store.rows(table)
    return [r for r in rows if str(r.get("correlation_id", "")).startswith("snowops:")]


def cards_in(slack: SlackHarness, channel: str) -> list[str]:
    return [
        json.dumps(c.args["blocks"], ensure_ascii=False)
        for c in slack.api.calls_to("chat.postMessage")
        if c.args["channel"] == channel and c.args.get("blocks") and not c.args.get("thread_ts")
    ]


async def refresh(slack: SlackHarness) -> int:
    return (await slack.services.score.refresher.refresh(WORKSPACE)).opened


async def test_a_new_matching_recommendation_opens_one_incident(
    slack: SlackHarness, graph: Graph
) -> None:
    refused = await command(
        slack, 'rules add when "new recommendation" then incident', "u", "U0USER"
    )
    assert "Only workspace admins" in refused
    added = await command(
        slack,
        'rules add when "new recommendation" category Identity points>=8 then incident priority 2',
        "add",
    )
    assert "Rule 1 added" in added
    assert await refresh(slack) == 0  # what the tenant listed already is not new

    graph.sim.add_control({**NEW, "id": "NewAdminMfa", "maxScore": 8.0}, 0)
    graph.sim.add_control({**NEW, "id": "SmallIdentity", "maxScore": 3.0}, 0)
    graph.sim.add_control({**NEW, "id": "NewDataThing", "controlCategory": "Data",
                           "maxScore": 9.0}, 0)  # fmt: skip
    assert await refresh(slack) == 1
    [made] = tickets_of(slack)
    assert made["short_description"] == NEW["title"]
    assert made["correlation_id"].endswith(":rec:NewAdminMfa")
    assert made["priority"] == "2"
    [card] = cards_in(slack, "C0SEC")
    assert made["number"] in card
    assert 'Opened by rule 1: when \\"new recommendation\\" category Identity points&gt;=8' in card

    assert await refresh(slack) == 0  # never twice
    assert len(tickets_of(slack)) == 1
    assert len(cards_in(slack, "C0SEC")) == 1


async def test_a_recommendation_tracked_already_gets_no_second_ticket(
    slack: SlackHarness, graph: Graph
) -> None:
    await command(slack, 'rules add when "new recommendation" then incident', "add")
    graph.sim.add_control({**NEW, "id": "SharedFirst", "maxScore": 8.0}, 0)
    number, _ = await share(slack, "SharedFirst")  # someone shared it by hand first
    slack.sim.instance.set_state(number, "6")  # and it is resolved already
    await slack.services.workers.run_cycle(WORKSPACE)  # type: ignore[union-attr]
    assert await refresh(slack) == 0
    assert len(tickets_of(slack)) == 1


async def test_a_score_drop_opens_a_change(slack: SlackHarness, graph: Graph) -> None:
    listed = await command(slack, "rules", "none")
    assert "No rules yet" in listed
    await command(slack, 'rules add when "score drops" by>=5 then change priority 1', "add")
    assert await refresh(slack) == 0
    before = graph.sim.scores(DEFAULT_TENANT_ID)[0]["currentScore"]
    graph.sim.move_control_score("AdminMFAV2", 0)  # 5 points lost from tomorrow
    graph.sim.advance_clock(DAY)
    assert await refresh(slack) == 1
    [change] = tickets_of(slack, "change_request")
    assert change["short_description"].startswith("Secure Score fell 5 points on ")
    assert f"{before:g} → {before - 5:g}" in change["short_description"]
    assert "AdminMFAV2: 5 → 0" in change["description"]
    assert change["priority"] == "1"
    assert await refresh(slack) == 0
    removed = await command(slack, "rules remove 1", "rm")
    assert "Removed rule 1" in removed
