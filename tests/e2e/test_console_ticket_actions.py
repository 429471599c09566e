"""Working a ticket from the console: the typed actions reach ServiceNow through the console
API, and the console user is named in the journal."""

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


async def test_console_comments_assigns_and_resolves(console: Console, sim: Sim) -> None:
    services = console.services
    assert services is not None
    await connect_workspace(services, sim.url, WS)
    ctx = RequestContext(WS, Requester("console", "local", "Console user"), ChannelRef(WS, "local"))
    made = await services.router.handle(
        ctx, SubmitTicket({"kind": "incident", "name": "Rotate keys"}, FormContext(), "k1")
    )
    assert isinstance(made, TicketMade)
    number = made.card.number

    said = await command(console, f"/snow note {number} Keys rotated on the jump host")
    assert f"Added a work note to {number}" in said
    [entry] = [
        r for r in sim.instance.store.rows("sys_journal_field")
        if "Keys rotated on the jump host" in r.get("value", "")
    ]  # fmt: skip
    assert entry["element"] == "work_notes"
    assert "(From the SnowOps console by " in entry["value"]

    wrong = await command(console, f'/snow resolve {number} "Nope" "done"')
    assert "is not a close code" in wrong
    assert '"Solution provided"' in wrong
    done = await command(console, f'/snow resolve {number} "Solution provided" "done"')
    assert f"{number} is resolved" in done
    found = sim.instance.find_by_number(number)
    assert found is not None
    assert found[1]["state"] == "6"
