"""The ticket action forms in the console, through the console API as `snowops chat`
calls it: `/snow comment INC…` without text (what the card's *Add comment* says) asks for
the comment; *Assign to group* lists the groups matching what is typed; *Resolve* lists
the instance's own close codes; a change is closed with `/snow close`."""

from __future__ import annotations

from typing import Any

from core.actions import FormContext, SubmitTicket
from core.handlers.context import RequestContext
from core.models import ChannelRef, Requester
from core.outcomes import TicketMade
from sim.servicenow.users import SEED_GROUPS
from tests.conftest import Sim, connect_workspace
from tests.e2e.console_harness import Console, console, run_terminal

__all__ = ["console"]

WS = "console:local"
NETWORK = next(g for g in SEED_GROUPS if g.name == "Network")


async def post(console: Console, path: str, body: Any, status: int = 200) -> dict[str, Any]:
    """POST to the console API; its JSON answer, once its status is ``status``."""
    async with console.http.post(f"{console.url}{path}", json=body) as r:
        assert r.status == status, body
        answer: dict[str, Any] = await r.json()
        return answer


async def make(console: Console, sim: Sim, kind: str = "incident") -> str:
    services = console.services
    assert services is not None
    await connect_workspace(services, sim.url, WS)
    ctx = RequestContext(WS, Requester("console", "local", "Console user"), ChannelRef(WS, "local"))
    made = await services.router.handle(
        ctx, SubmitTicket({"kind": kind, "name": "Rotate keys"}, FormContext(), f"k-{kind}")
    )
    assert isinstance(made, TicketMade)
    return made.card.number


async def test_comment_form_asks_and_writes_the_comment(console: Console, sim: Sim) -> None:
    number = await make(console, sim)
    body = await post(console, "/console/commands", {"text": f"/snow ticket {number}"})
    assert f"→ Add comment: /snow comment {number}" in body["text"]
    assert f"→ Resolve: /snow resolve {number}" in body["text"]

    body = await post(console, "/console/commands", {"text": f"/snow comment {number}"})
    action = body["action"]
    assert action["context"]["n"] == number
    assert action["context"]["a"] == "comment"

    empty = await post(
        console, "/console/actions", {"context": action["context"], "values": {"text": " "}}
    )
    assert empty["errors"] == {"text": "Write something to add."}
    done = await post(
        console,
        "/console/actions",
        {"context": action["context"], "values": {"text": "Keys rotated on the jump host"}},
    )
    assert f"Added a comment to {number}" in done["text"]
    [row] = [
        r for r in sim.instance.store.rows("sys_journal_field")
        if "Keys rotated on the jump host" in r.get("value", "")
    ]  # fmt: skip
    assert row["element"] == "comments"
    assert "(From the SnowOps console by " in row["value"]


async def test_bad_action_payloads_get_a_400_with_the_reason(console: Console, sim: Sim) -> None:
    await make(console, sim)
    for body in (
        {"context": "x", "values": {}},
        {"context": {"n": "INC0010001", "a": "delete"}, "values": {}},
        {"context": {"n": "INC0010001", "a": "close"}, "values": {}},
        {"context": {"n": "INC0010001", "a": "comment"}, "values": []},
    ):
        answer = await post(console, "/console/actions", body, 400)
        assert answer["error"]
    answer = await post(console, "/console/groups", {"query": 3}, 400)
    assert answer["error"] == "query must be a string"


async def test_the_terminal_assigns_to_a_group_found_by_typing(console: Console, sim: Sim) -> None:
    number = await make(console, sim)
    body = await post(console, "/console/groups", {"query": "o"})
    assert body["groups"] == ["CAB Approval", "Network", "Security Operations"]

    text = await run_terminal(console.url, f"/snow assign {number}\nzzz\no\n2\n".encode())
    assert "No active group's name contains 'zzz'." in text
    assert "  2. Network" in text
    assert f"{number} is assigned to Network" in text
    found = sim.instance.find_by_number(number)
    assert found is not None
    assert found[1]["assignment_group"] == NETWORK.sys_id


async def test_the_terminal_resolves_with_a_custom_close_code(console: Console, sim: Sim) -> None:
    choice = {"value": "Workaround", "label": "Workaround in place", "sequence": 1}
    body = {"table": "incident", "element": "close_code", "choices": [choice]}
    async with console.http.post(f"{sim.url}/sim/choices", json=body) as r:
        assert r.status == 200
    number = await make(console, sim)

    text = await run_terminal(
        console.url, f"/snow resolve {number}\n1\nRestarted the service\n".encode()
    )
    assert "  1. Workaround in place" in text
    assert f"{number} is resolved" in text
    found = sim.instance.find_by_number(number)
    assert found is not None
    assert (found[1]["state"], found[1]["close_code"]) == ("6", "Workaround")


async def test_close_a_change_by_command(console: Console, sim: Sim) -> None:
    number = await make(console, sim, "change")
    body = await post(console, "/console/commands", {"text": f"/snow ticket {number}"})
    assert f"→ Close: /snow close {number}" in body["text"]
    sim.instance.set_state(number, "0")  # Review

    body = await post(console, "/console/commands", {"text": f'/snow close {number} "Nope" "done"'})
    assert "is not a close code" in body["text"]
    assert '"successful"' in body["text"]
    body = await post(
        console, "/console/commands", {"text": f'/snow close {number} successful "Rolled out"'}
    )
    assert f"{number} is closed" in body["text"]
    found = sim.instance.find_by_number(number)
    assert found is not None
    assert found[1]["state"] == "3"

    body = await post(console, "/console/commands", {"text": "/snow close INC0010001 x y"})
    assert "/snow close is for changes" in body["text"]
