"""Slack: a channel watches a ServiceNow filter (``/snow subscribe query``) and hears, once,
of matching records made or changed directly in ServiceNow; subscribed channels hear of a
ticket SnowOps made elsewhere. Signed requests to /slack/events, the fake Slack Web API,
the ServiceNow simulator; sync cycles and deliveries driven by the test."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import aiohttp

from core.watch import QueryWatches
from tests.e2e.conftest import ADMIN, SlackHarness
from tests.e2e.test_slack_notifications import create_ticket

WS = "slack:T0123"
OPS = "C0OPS"
P1_SOC = "priority=1^short_descriptionLIKEbreach"


async def direct_incident(slack: SlackHarness, title: str, impact: str, urgency: str) -> str:
    """An incident made in ServiceNow directly (the simulator's control API)."""
    record = {"short_description": title, "impact": impact, "urgency": urgency}
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{slack.sim.url}/sim/bulk", json={"table": "incident", "records": [record]}
        ) as r,
    ):
        assert r.status == 200
        [made] = (await r.json())["records"]
    return str(made["number"])


async def answer_to(slack: SlackHarness, text: str, *, user: str = ADMIN) -> str:
    """What ``/snow <text>`` in #ops answers: in the acknowledgement (a usage error), or
    through its response_url."""
    name = f"r{len(slack.api.responses)}"
    count = len(slack.api.responses)
    r = await slack.command(text, user=user, channel=OPS, name=name)
    assert r.status == 200
    ack = await r.text()
    if ack.strip():
        return ack
    await slack.api.wait_for_response(count=count + 1, timeout=10)
    return json.dumps(slack.api.responses_to(name)[-1])


async def cycle(slack: SlackHarness) -> list[dict[str, Any]]:
    """One sync cycle and one round of deliveries; the posts to #ops they made."""
    before = len(slack.api.calls_to("chat.postMessage"))
    await slack.services.workers.run_cycle(WS)
    await slack.services.notifier.deliver("test")
    return [
        c.args for c in slack.api.calls_to("chat.postMessage")[before:] if c.args["channel"] == OPS
    ]


async def test_a_watched_filter_hears_of_a_matching_record_made_in_servicenow_once(
    slack: SlackHarness,
) -> None:
    said = await answer_to(slack, f'subscribe query incident "{P1_SOC}"')
    assert "will hear of new and changed incident records" in said
    assert await cycle(slack) == []  # what existed before is not news

    hit = await direct_incident(slack, "VPN breach at the edge", "1", "1")
    await direct_incident(slack, "Printer breach of etiquette", "3", "3")  # priority 5
    [post] = await cycle(slack)
    assert hit in post["text"]
    assert "New incident" in post["text"]
    assert "Printer" not in json.dumps(post)
    assert await cycle(slack) == []  # the overlap brings it back: not told twice

    slack.sim.instance.set_state(hit, "2")
    [moved] = await cycle(slack)
    assert f"{hit} VPN breach at the edge: New → In Progress" in moved["text"]
    assert await cycle(slack) == []

    listed = await answer_to(slack, "subscribe query")
    assert f"1. incident: {P1_SOC}" in listed
    assert "no longer watches" in await answer_to(slack, "unsubscribe query 1")
    slack.sim.instance.set_state(hit, "3")
    assert await cycle(slack) == []


async def test_each_watch_costs_one_query_per_cycle(slack: SlackHarness) -> None:
    await answer_to(slack, 'subscribe query incident "priority=1"')
    await answer_to(slack, 'subscribe query change "priority<=2"')
    for n in range(5):
        await direct_incident(slack, f"Breach {n}", "1", "1")
    log = slack.sim.instance.request_log
    log.clear()
    posts = await cycle(slack)
    assert len(posts) == 5
    asked = [unquote(path) for method, path in log if method == "GET"]
    watched = [p for p in asked if "priority=1^" in p or "priority<=2^" in p]
    assert len(watched) == 2, asked


async def test_watching_is_for_channel_admins_and_refuses_a_bad_filter(
    slack: SlackHarness,
) -> None:
    from tests.e2e.conftest import USER

    assert "admin" in (await answer_to(slack, 'subscribe query incident "priority=1"', user=USER))
    said = await answer_to(slack, 'subscribe query incident "priority=1^NQpriority=2"')
    assert "^NQ" in said
    said = await answer_to(slack, 'subscribe query ticket "priority=1"')
    assert "is not a ticket table" in said
    assert "watches no ServiceNow filter" in await answer_to(slack, "subscribe query")


async def test_a_subscribed_channel_hears_of_a_ticket_made_elsewhere_once(
    slack: SlackHarness,
) -> None:
    await answer_to(slack, "subscribe incident")
    slack.api.clear()
    number, _ts = await create_ticket(slack)  # made from the form in #security
    posts = await cycle(slack)
    [post] = posts
    assert post["text"].startswith(f"New incident {number}: Rotate the VPN certificate")
    in_security = [
        c for c in slack.api.calls_to("chat.postMessage") if c.args["channel"] == "C0SEC"
    ]
    assert len(in_security) == 1  # its card, and no "new" message beside it
    assert await cycle(slack) == []


async def test_a_private_channel_without_the_bot_cannot_watch_a_filter(
    slack: SlackHarness,
) -> None:
    slack.api.set_channel("C0PRIV", private=True, bot_member=False)
    name = f"r{len(slack.api.responses)}"
    await slack.command(
        'subscribe query incident "priority=1"', user=ADMIN, channel="C0PRIV", name=name
    )
    [answer] = await slack.api.wait_for_response()
    assert "This channel cannot watch a filter" in json.dumps(answer)
    assert await QueryWatches(slack.services.store).all(WS) == []  # nothing saved
