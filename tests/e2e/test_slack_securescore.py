"""Closing the Secure Score loop in Slack, against both simulators: a resolved ticket whose
control's score rises says "+N points" on its card and in its thread; one whose score does
not move within SNOWOPS_VERIFY_DAYS is flagged and offered Reopen; `/snow securescore`
shows the score, both changes and a chart Slack can fetch (a PNG of the chart's size)."""

from __future__ import annotations

import asyncio
import json
import struct
import zlib
from typing import Any

import aiohttp

from core.securescore.chart import CHART_HEIGHT, CHART_WIDTH
from sim.graph import DEFAULT_TENANT_ID
from tests.conftest import Graph
from tests.e2e.conftest import WORKSPACE, SlackHarness, form_state
from tests.fakes.slack_signing import view_submission_payload

DAY = 86400


async def share(slack: SlackHarness, control: str) -> tuple[str, str]:
    """`/snow share <control>` and its prefilled form submitted; returns (number, card ts)."""
    form = await slack.modal_after(f"share {control}")
    blocks = {b.get("block_id"): b for b in form["blocks"]}
    values = form_state(
        name=blocks["name"]["element"]["initial_value"],
        description=blocks["description"]["element"]["initial_value"],
        category=blocks["category"]["element"]["initial_option"]["value"],
    )
    known = {t.number for t in await slack.services.store.list_tickets(WORKSPACE, limit=100)}
    payload = view_submission_payload(
        slack.modal_id("ticket_form"),
        "ticket_form",
        values,
        private_metadata=form["private_metadata"],
    )
    await slack.interact(payload)
    async with asyncio.timeout(10):
        while True:
            tickets = await slack.services.store.list_tickets(WORKSPACE, limit=100)
            for ticket in tickets:
                if ticket.number not in known:
                    cards = await slack.services.store.list_card_locations(WORKSPACE, ticket.number)
                    if cards:
                        return ticket.number, cards[0].message_id
            await asyncio.sleep(0.02)


async def resolve(slack: SlackHarness, number: str) -> None:
    """The service desk resolves the ticket in ServiceNow; SnowOps syncs and tells chat."""
    slack.sim.instance.set_state(number, "6")
    assert slack.services.workers is not None
    await slack.services.workers.run_cycle(WORKSPACE)
    await slack.services.notifier.deliver("test")


async def refresh_and_deliver(slack: SlackHarness) -> int:
    """One Secure Score refresh, then one delivery round; returns the outcomes told."""
    result = await slack.services.score.refresher.refresh(WORKSPACE)
    await slack.services.notifier.deliver("test")
    return result.told


def updates_of(slack: SlackHarness, ts: str) -> list[str]:
    updates = slack.api.calls_to("chat.update")
    return [json.dumps(c.args["blocks"], ensure_ascii=False) for c in updates if c.args["ts"] == ts]


def thread_of(slack: SlackHarness, ts: str) -> list[str]:
    return [c.args["text"] for c in slack.api.calls_to("chat.postMessage")
            if c.args.get("thread_ts") == ts]  # fmt: skip


async def test_a_fix_that_raises_the_score_shows_its_points(
    slack: SlackHarness, graph: Graph
) -> None:
    number, ts = await share(slack, "mdo_safelinksforemail")  # 0 of 9 today
    await resolve(slack, number)
    assert await refresh_and_deliver(slack) == 0  # Graph still shows yesterday's work

    graph.sim.move_control_score("mdo_safelinksforemail", 9)  # fixed: tomorrow's score
    slack.clock.advance(DAY)
    graph.sim.advance_clock(DAY)
    assert await refresh_and_deliver(slack) == 1
    assert "+9 points: 0 → 9 of 9" in updates_of(slack, ts)[-1]
    [told] = [t for t in thread_of(slack, ts) if "points" in t]
    assert told.startswith(f"{number} ")
    assert "+9 points: 0 → 9 of 9" in told

    # Told once, however often Secure Score is refreshed.
    assert await refresh_and_deliver(slack) == 0
    assert len([t for t in thread_of(slack, ts) if "points" in t]) == 1
    shown = await securescore(slack, "after")
    assert "+9 points" in json.dumps(shown["blocks"], ensure_ascii=False)


async def test_a_fix_that_does_not_show_is_flagged_and_offered_reopen(
    slack: SlackHarness, graph: Graph
) -> None:
    number, ts = await share(slack, "DLPEnabled")  # 0 of 10, and nobody fixes it
    await resolve(slack, number)
    assert await refresh_and_deliver(slack) == 0
    for _ in range(2):  # inside the window (3 days by default): nothing said yet
        slack.clock.advance(DAY)
        graph.sim.advance_clock(DAY)
        assert await refresh_and_deliver(slack) == 0
    slack.clock.advance(DAY)
    graph.sim.advance_clock(DAY)
    assert await refresh_and_deliver(slack) == 1
    card = updates_of(slack, ts)[-1]
    assert "Resolved, but Secure Score still shows it open: 0 of 10 after 3 days" in card
    assert f'"value": "reopen {number}"' in card
    [told] = [t for t in thread_of(slack, ts) if "Secure Score" in t]
    assert "still shows it open" in told
    assert f"/snow reopen {number}" in told


async def securescore(slack: SlackHarness, name: str) -> dict[str, Any]:
    before = len(slack.api.responses)
    await slack.command("securescore", name=name)
    await slack.api.wait_for_response(count=before + 1)
    return slack.api.responses_to(name)[-1]


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG, after checking its signature and that its pixel data
    decompresses to as many rows of RGB as it says."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, color = struct.unpack(">IIBB", png[16:26])
    assert (depth, color) == (8, 2)
    idat, at = b"", 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, body = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        assert struct.unpack(">I", png[at + 8 + length : at + 12 + length])[0] == zlib.crc32(
            kind + body
        )
        idat += body if kind == b"IDAT" else b""
        at += 12 + length
    assert len(zlib.decompress(idat)) == height * (width * 3 + 1)
    return width, height


async def test_securescore_shows_score_trend_and_a_chart(slack: SlackHarness, graph: Graph) -> None:
    entries = graph.sim.scores(DEFAULT_TENANT_ID)
    now, week, month = (entries[n] for n in (0, 7, 30))
    answer = await securescore(slack, "score")
    assert answer["response_type"] == "in_channel"
    text = json.dumps(answer["blocks"], ensure_ascii=False)
    score = f"{now['currentScore']:g} of {now['maxScore']:g}"
    assert score in text
    assert f"+{now['currentScore'] - week['currentScore']:g}" in text
    assert f"+{now['currentScore'] - month['currentScore']:g}" in text
    assert "Biggest open gains" in text
    assert "none verified yet" in text
    [image] = [b for b in answer["blocks"] if b["type"] == "image"]
    url = image["image_url"]
    assert url.startswith(slack.url + "/securescore/charts/")
    async with aiohttp.ClientSession() as http:  # Slack fetches it: no cookie, no token
        async with http.get(url) as r:
            assert r.status == 200
            assert r.content_type == "image/png"
            assert png_size(await r.read()) == (CHART_WIDTH, CHART_HEIGHT)
        async with http.get(url.replace(".png", "x.png")) as r:
            assert r.status == 404
    slack.clock.advance(DAY + 1)  # a chart URL is short-lived
    async with aiohttp.ClientSession() as http, http.get(url) as r:
        assert r.status == 404
    slack.every_payload_is_valid_block_kit()
