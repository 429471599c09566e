"""Working tickets from chat, as the person: comment, note, assign, resolve, reopen, against
the simulator (its journal records who wrote, its ACLs refuse who may not)."""

from __future__ import annotations

from core.handlers.context import RequestContext
from core.models import ChannelRef, Requester
from core.views import Notice, NoticeLevel
from sim.servicenow.users import DEMO_PASSWORD
from tests.conftest import App, Sim, admin_ctx
from tests.integration.helpers import made, run, submit
from tests.integration.test_accounts import link_as

WS = "slack:T0123"
ABEL_SYS_ID = "62826bf03710200044e0bfc8bcbe5df1"


def person(user: str, name: str, email: str | None) -> RequestContext:
    return RequestContext(WS, Requester("slack", user, name, email), ChannelRef(WS, f"D_{user}"))


ABEL = person("U_ANA", "Abel Tuter", "abel.tuter@example.com")
JOE = person("U_JOE", "Joe Employee", "joe.employee@example.com")


async def ticket(app: App) -> str:
    out = made(await submit(app, ABEL, {"kind": "incident", "name": "Block legacy auth"}))
    return out.card.number


def journal(sim: Sim, number: str) -> list[dict[str, str]]:
    found = sim.instance.find_by_number(number)
    assert found is not None
    _, record = found
    return [
        dict(r) for r in sim.instance.store.rows("sys_journal_field")
        if r.get("element_id") == record["sys_id"]
    ]  # fmt: skip


def record(sim: Sim, number: str) -> dict[str, str]:
    found = sim.instance.find_by_number(number)
    assert found is not None
    return found[1]


async def say(app: App, ctx: RequestContext, text: str) -> Notice:
    view = await run(app, ctx, text)
    assert isinstance(view, Notice), view
    return view


async def test_a_linked_user_comments_assigns_and_resolves_as_themselves(
    connected: App, sim: Sim
) -> None:
    number = await ticket(connected)
    await link_as(connected, ABEL, "abel.tuter", DEMO_PASSWORD)
    said = await say(connected, ABEL, f'comment {number} "I\'m on it"')
    assert said.level is NoticeLevel.SUCCESS
    [entry] = [j for j in journal(sim, number) if j["value"] == "I'm on it"]
    assert entry["sys_created_by"] == "abel.tuter"
    assert entry["element"] == "comments"

    assert "assigned to you" in (await say(connected, ABEL, f"assign {number} me")).text
    assert record(sim, number)["assigned_to"] == ABEL_SYS_ID

    wrong = await say(connected, ABEL, f'resolve {number} "Fixed it" "Blocked"')
    assert wrong.level is NoticeLevel.WARNING
    assert "is not a close code" in wrong.text
    assert '"Solution provided"' in wrong.hint

    done = await say(connected, ABEL, f'resolve {number} "solution provided" "Blocked it"')
    assert done.text == f"{number} is resolved."
    assert record(sim, number)["state"] == "6"
    assert record(sim, number)["close_code"] == "Solution provided"
    # A second click resolves nothing more.
    again = await say(connected, ABEL, f'resolve {number} "Solution provided" "Blocked it"')
    assert again.text == f"{number} is already resolved."
    assert (
        await say(connected, ABEL, f"reopen {number}")
    ).text == f"{number} is in progress again."
    assert record(sim, number)["state"] == "2"


async def test_an_unlinked_user_acts_through_the_integration_user_named_in_the_journal(
    connected: App, sim: Sim
) -> None:
    number = await ticket(connected)
    await say(connected, ABEL, f"note {number} Checked the sign-in logs")
    [entry] = [j for j in journal(sim, number) if "Checked the sign-in logs" in j["value"]]
    assert entry["element"] == "work_notes"
    assert entry["sys_created_by"] == "snowops.integration"
    assert "From Slack by Abel Tuter (abel.tuter@example.com), via SnowOps" in entry["value"]
    await say(connected, ABEL, f'assign {number} "Service Desk"')
    assert record(sim, number)["assignment_group"] == "d625dccec0a8016700a222a0f7900d06"
    notes = [j["value"] for j in journal(sim, number) if j["element"] == "work_notes"]
    assert any(v == "From Slack by Abel Tuter (abel.tuter@example.com), via SnowOps" for v in notes)


async def test_in_linked_mode_an_unlinked_user_is_asked_to_link(connected: App, sim: Sim) -> None:
    number = await ticket(connected)
    refused = await say(connected, ABEL, "identity linked")
    assert refused.text == "Only workspace admins can do that."
    assert "Identity mode linked" in (await say(connected, admin_ctx(), "identity linked")).text
    asked = await say(connected, ABEL, f"comment {number} hello")
    assert "link your ServiceNow account first" in asked.text
    assert "/snow link" in asked.hint
    assert [j for j in journal(sim, number) if "hello" in j["value"]] == []


async def test_servicenow_refusals_come_back_as_its_own_message(connected: App, sim: Sim) -> None:
    number = await ticket(connected)
    await link_as(connected, JOE, "joe.employee", DEMO_PASSWORD)
    refused = await say(connected, JOE, f'resolve {number} "Solution provided" "done"')
    assert refused.text.startswith("ServiceNow:")
    assert record(sim, number)["state"] != "6"
    unknown = await say(connected, ABEL, "comment INC0099999 hi")
    assert "tracks no ticket INC0099999" in unknown.text
