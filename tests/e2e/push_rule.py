"""ServiceNow's push business rule, played by the simulator, for any chat platform's harness
(Slack's or Teams'): it POSTs each ticket change to SnowOps's ``/servicenow/events``, signed
with the key `snowops push-key` makes."""

from __future__ import annotations

import time
from typing import Any, Protocol

from bot.app import Services
from core.clock import FakeClock
from sim.servicenow.push import PushRule
from tests.conftest import Sim


class Served(Protocol):
    """SnowOps served in this process on ``url``, its services, clock and simulator."""

    url: str
    services: Services
    clock: FakeClock
    sim: Sim


async def install_rule(served: Served, **overrides: Any) -> str:
    """Make the instance's key and install the push rule in the simulator; the test's
    clock is set to real time, as the rule signs with the instance's clock."""
    served.clock.advance(time.time() - served.clock.now().timestamp())
    key = await served.services.push.keys.create(served.sim.url)
    rule = PushRule(f"{served.url}/servicenow/events", key, served.sim.url)
    for name, value in overrides.items():
        setattr(rule, name, value)
    served.sim.instance.pusher.rule = rule
    return key


async def pushed(served: Served) -> list[dict[str, Any]]:
    """Wait for the rule's deliveries; returns the log (each with SnowOps's answer)."""
    await served.sim.instance.pusher.drain()
    return served.sim.instance.pusher.log
