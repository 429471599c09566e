"""Where pushes arrive for a connection, its poll slows down (never stops) up to a ceiling,
and speeds up again the moment a push is missed or one fails verification (README: Ticket
notifications). Pushes come from the simulator's business rule over HTTP."""

from __future__ import annotations

import asyncio
import base64
import time

from tests.e2e.conftest import SlackHarness
from tests.e2e.push_rule import install_rule, pushed
from tests.e2e.test_slack_notifications import WS, create_ticket, thread_replies


async def waits(slack: SlackHarness, turns: int) -> list[float]:
    """What the poll loop would wait after each of ``turns`` poll turns."""
    return [await slack.services.workers.poll_once(WS) for _ in range(turns)]


async def test_pushes_slow_the_poll_to_its_ceiling_and_a_missed_one_speeds_it_up(
    slack: SlackHarness,
) -> None:
    number, ts = await create_ticket(slack)
    cadence = slack.services.coordinator.cadence
    interval = cadence.interval
    assert await waits(slack, 2) == [interval, interval]  # no push yet: the interval
    await install_rule(slack)
    slack.sim.instance.set_state(number, "2")
    [delivery] = await pushed(slack)
    assert delivery["status"] == 202
    got = await waits(slack, 6)
    assert got[0] == interval * 2
    assert got == sorted(got)
    assert got[-1] == cadence.ceiling > interval  # slower, but polled still

    # The next change's push is lost: the poll catches it, announces it once, and the
    # connection goes back to the interval.
    slack.sim.instance.pusher.rule = None
    slack.sim.instance.set_state(number, "3")
    assert await slack.services.workers.poll_once(WS) == interval
    await slack.services.notifier.deliver("test")
    assert len(thread_replies(slack, ts)) == 2
    assert not cadence.pushing(WS)


async def test_a_push_that_fails_verification_wakes_a_slowed_poll_at_once(
    slack: SlackHarness,
) -> None:
    number, _ = await create_ticket(slack)
    cadence = slack.services.coordinator.cadence
    await install_rule(slack)
    slack.sim.instance.set_state(number, "2")
    assert (await pushed(slack))[0]["status"] == 202
    assert (await waits(slack, 3))[-1] > cadence.interval
    sleeping = asyncio.create_task(slack.services.coordinator.pause(WS, 600))
    await asyncio.sleep(0.05)
    assert not sleeping.done()

    # The rule signs with a key SnowOps never made (rotated on one side only).
    slack.sim.instance.pusher.rule.key = base64.b64encode(b"k" * 32).decode()  # type: ignore[union-attr]
    slack.sim.instance.set_state(number, "3")
    started = time.monotonic()
    assert (await pushed(slack))[-1]["status"] == 401
    await asyncio.wait_for(sleeping, 5)
    assert time.monotonic() - started < 5
    assert not cadence.pushing(WS)
    assert await slack.services.workers.poll_once(WS) == cadence.interval
