"""A create whose answer is lost while ServiceNow cannot be asked: the person is told the
truth, and gets the card once SnowOps finds the ticket (Slack, end to end)."""

from __future__ import annotations

import asyncio
import json

from sim.servicenow import Fault
from tests.e2e.conftest import SlackHarness
from tests.e2e.test_slack_tickets import open_form, submit

WS = "slack:T0123"


def gets_before_post(log: list[tuple[str, str]]) -> int:
    """How many GETs a create sends before its POST (the looks before it inserts)."""
    post = next(i for i, (m, p) in enumerate(log) if m == "POST" and "/table/" in p)
    return sum(1 for m, p in log[:post] if m == "GET" and "/api/" in p)


async def test_a_lost_create_answer_gets_its_card_once_the_ticket_is_found(
    slack: SlackHarness,
) -> None:
    # Measure a normal create: how many reads come before its insert, once the instance's
    # fields and choices are cached (as they are for the create measured against it).
    await submit(slack, await open_form(slack, "create Warm up"), view_id="V0WARM")
    await slack.api.wait_for("chat.postMessage")
    slack.api.clear()
    slack.sim.instance.request_log.clear()
    await submit(slack, await open_form(slack), view_id="V0CAL")
    await slack.api.wait_for("chat.postMessage")
    before = gets_before_post(slack.sim.instance.request_log)
    slack.api.clear()

    # ServiceNow commits the next incident, its answer is lost, and asking it fails too.
    slack.sim.instance.inject_fault(Fault(status=502, method="POST", after=True))
    slack.sim.instance.inject_fault(Fault(status=503, method="GET", count=200, skip=before))
    view = await open_form(slack, "create Patch the VPN gateway")
    shown_before = slack.modals_shown()
    await submit(slack, view, view_id="V0DOUBT", name="Patch the VPN gateway")
    # The form comes back (nothing typed is lost) with what happened above it.
    shown = json.dumps(await slack.latest_modal(shown_before, callback_id="ticket_form"))
    assert "may have created the ticket" in shown
    assert "Submitting again is safe" in shown
    assert slack.api.calls_to("chat.postMessage") == []
    assert await slack.services.store.get_ticket(WS, "INC0010003") is None

    # ServiceNow answers again: the next sync cycle settles it and posts the card where the
    # form was submitted.
    slack.sim.instance.clear_faults()
    await slack.services.workers.run_cycle(WS)
    [post] = await slack.api.wait_for("chat.postMessage")
    assert post.args["channel"] == "C0SEC"
    assert "INC0010003" in json.dumps(post.args)
    # A second cycle posts nothing more.
    await slack.services.workers.run_cycle(WS)
    assert len(slack.api.calls_to("chat.postMessage")) == 1


async def test_a_second_submit_while_the_first_is_working_gets_an_answer(
    slack: SlackHarness,
) -> None:
    slack.sim.instance.inject_fault(Fault(latency_ms=1500, method="POST"))
    view = await open_form(slack)
    first = asyncio.create_task(submit(slack, view))
    # The first holds the claim once its create reached ServiceNow (which answers slowly).
    log = slack.sim.instance.request_log
    async with asyncio.timeout(10):
        while not any(m == "POST" and "/table/" in p for m, p in log):  # noqa: ASYNC110
            await asyncio.sleep(0.01)  # the simulator's request log has no event to await
    shown_before = slack.modals_shown()
    await submit(slack, view)
    said = json.dumps(await slack.latest_modal(shown_before))
    assert "already submitted and is being created" in said
    assert "never makes a second ticket" in said
    await first
    await slack.api.wait_for("chat.postMessage")
    creates = [p for m, p in slack.sim.instance.request_log if m == "POST" and "/table/" in p]
    assert len(creates) == 1
