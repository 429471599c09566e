"""Problems and security incidents in the console: listed, looked up, worked from chat (a
security incident closed with the instance's own close code; a problem said to be resolved
in ServiceNow), and on the home overview once there are some."""

from __future__ import annotations

from core.actions import FormContext, SubmitTicket
from core.handlers.context import RequestContext
from core.models import ChannelRef, Requester
from core.outcomes import TicketMade
from tests.conftest import Sim, connect_workspace
from tests.e2e.console_harness import Console, console

__all__ = ["console"]

WS = "console:local"


async def command(console: Console, text: str) -> str:
    async with console.http.post(f"{console.url}/console/commands", json={"text": text}) as r:
        assert r.status == 200
        body = await r.json()
    return str(body["text"])


async def make(console: Console, kind: str, name: str) -> str:
    services = console.services
    assert services is not None
    ctx = RequestContext(WS, Requester("console", "local", "Console user"), ChannelRef(WS, "local"))
    made = await services.router.handle(
        ctx, SubmitTicket({"kind": kind, "name": name}, FormContext(), f"k-{kind}")
    )
    assert isinstance(made, TicketMade), made
    return made.card.number


async def test_problems_and_security_incidents_are_listed_looked_up_and_worked(
    console: Console, sim: Sim
) -> None:
    assert console.services is not None
    await connect_workspace(console.services, sim.url, WS)
    home = await command(console, "/snow home")
    assert "Problem management" not in home  # none yet: no empty card
    problem = await make(console, "problem", "Recurring VPN drops")
    security = await make(console, "security_incident", "Phishing wave")
    assert problem.startswith("PRB")
    assert security.startswith("SIR")

    listed = await command(console, "/snow tickets sir")
    assert security in listed
    assert problem not in listed
    assert "Open security incidents" in listed
    shown = await command(console, f"/snow ticket {problem}")
    assert f"Problem {problem}: Recurring VPN drops" in shown
    assert "State: New" in shown
    assert f"/snow close {problem}" not in shown  # resolved in ServiceNow
    home = await command(console, "/snow home")
    assert "Problem management" in home
    assert "Security incident response" in home

    refused = await command(console, f'/snow resolve {problem} "fix_applied" "done"')
    assert "a problem is resolved in ServiceNow" in refused
    wrong = await command(console, f'/snow close {security} "Nope" "done"')
    assert '"false_positive"' in wrong
    done = await command(console, f'/snow close {security} false_positive "A drill"')
    assert f"{security} is closed" in done
    found = sim.instance.find_by_number(security)
    assert found is not None
    assert (found[1]["state"], found[1]["close_code"]) == ("3", "false_positive")


async def test_create_sir_without_the_plugin_says_it_is_not_available(
    console: Console, sim: Sim
) -> None:
    assert console.services is not None
    await connect_workspace(console.services, sim.url, WS)
    sim.instance.store.drop_table("sn_si_incident")

    said = await command(console, "/snow create sir Phishing wave")

    assert "Security incidents are not available on this ServiceNow instance" in said
    assert "sn_si.analyst" in said
