"""Approvals and thread modes from the console (its HTTP API): a rejection asks why, an
approval needs the person's own linked account, and `/snow threads` is per conversation."""

from __future__ import annotations

from core.actions import FormContext, SubmitTicket
from core.handlers.context import RequestContext
from core.models import ChannelRef, Requester
from core.outcomes import TicketMade
from tests.conftest import Sim, connect_workspace
from tests.e2e.console_harness import Console, console
from tests.e2e.test_console_ticket_actions import command

__all__ = ["console"]

WS = "console:local"


async def test_reject_asks_why_and_deciding_needs_a_link(console: Console, sim: Sim) -> None:
    services = console.services
    assert services is not None
    await connect_workspace(services, sim.url, WS)
    ctx = RequestContext(WS, Requester("console", "local", "Console user"), ChannelRef(WS, "local"))
    made = await services.router.handle(
        ctx, SubmitTicket({"kind": "change", "name": "Rotate keys"}, FormContext(), "k1")
    )
    assert isinstance(made, TicketMade)
    number = made.card.number
    sim.instance.set_state(number, "-4")
    found = sim.instance.find_by_number(number)
    assert found is not None
    [approval, *_] = [
        r["sys_id"]
        for r in sim.instance.store.rows("sysapproval_approver")
        if r["sysapproval"] == found[1]["sys_id"]
    ]
    asked = await command(console, f"/snow reject {number} {approval}")
    assert f"Why do you reject {number}?" in asked
    assert f'/snow reject {number} {approval} "<reason>"' in " ".join(asked.split())
    refused = await command(console, f'/snow reject {number} {approval} "No backout plan"')
    assert "link your ServiceNow account first" in refused
    assert "No backout plan" not in str(sim.instance.store.rows("sysapproval_approver"))
    bad = await command(console, f"/snow approve {number} not-an-id")
    assert "is not an approval id" in bad


async def test_threads_mode_is_shown_and_set(console: Console) -> None:
    assert "Threads off" in await command(console, "/snow threads")
    assert "Threads work_notes" in await command(console, "/snow threads work_notes")
    assert "Threads work_notes" in await command(console, "/snow threads")
    assert "Usage: /snow threads" in await command(console, "/snow threads sometimes")
