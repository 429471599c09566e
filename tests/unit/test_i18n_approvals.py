"""Approval requests go to the approver in the workspace's language (their own is not
known); the answer to their decision is in theirs (the request's)."""

from __future__ import annotations

from core.i18n import use_locale
from core.languages import WorkspaceLanguage
from tests.unit.test_approvals import WS, World, moved
from tests.unit.test_approvals import world as world  # the fixture


async def test_a_swedish_workspace_asks_its_approvers_in_swedish(world: World) -> None:
    languages = WorkspaceLanguage(world.store)
    await languages.set_language(WS, "sv")
    change = await world.change()
    world.fake.set_state(change.number, "-4")
    approvals = world.approvals()
    approvals.languages = languages
    with use_locale("en"):  # whatever the sync runs in
        await approvals.on_events([moved(change.number)])
    cards = dict(world.sink.cards)
    assert [b.label for b in cards["D_U_FRED"].buttons][-3:] == [
        "Godkänn",
        "Avvisa",
        "Koppla ditt konto",
    ]
    assert cards["D_U_FRED"].note == (
        "Fred Luddy, ditt godkännande begärs. Koppla ditt ServiceNow-konto först: "
        "godkännanden görs i ditt namn."
    )
    assert cards["D_U_BETH"].buttons[0].label == "Öppna i ServiceNow"


async def test_an_english_workspace_asks_in_english(world: World) -> None:
    change = await world.change()
    world.fake.set_state(change.number, "-4")
    approvals = world.approvals()
    approvals.languages = WorkspaceLanguage(world.store)
    with use_locale("sv"):
        await approvals.on_events([moved(change.number)])
    cards = dict(world.sink.cards)
    assert cards["D_U_BETH"].note == "Beth Anglin, your approval is requested."


async def test_the_decision_is_answered_in_the_approvers_language(world: World) -> None:
    change = await world.change()
    world.fake.set_state(change.number, "-4")
    await world.approvals().on_events([moved(change.number)])
    [_fred, beth] = await world.fake.approvals(WS, change)
    world.fake.tokens["beth-token"] = "beth.anglin"
    approvals = world.approvals()
    with use_locale("sv"):
        _, said = await approvals.decide(WS, "slack:U_BETH", change.number, beth.id, None)
        _, again = await approvals.decide(WS, "slack:U_BETH", change.number, beth.id, "Nej")
    assert said == f"Du godkände {change.number}."
    assert again == f"{change.number}: det här godkännandet är redan godkänt."
