"""Teams in two languages, end to end: the language follows the person (the activity's
``locale``, ``sv-SE`` or ``en-US``) for messages and every invoke, in the same channel,
even at the same moment. Only the Teams adapter's own words are asserted in Swedish
(labels, buttons, dialog titles, placeholders, its errors); core's texts are translated
elsewhere, so what core writes is only checked to be there."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from core.handlers.context import RequestContext
from core.handlers.router import Router
from core.i18n import current_locale
from core.languages import WorkspaceLanguage
from core.outcomes import Outcome
from tests.e2e.teams_harness import (
    WORKSPACE,
    TeamsHarness,
    action_of,
    cards_in,
    create_inline,
    dialog_button,
    form_inputs,
    shown_words,
)
from tests.fakes import bot_activities as bf

SV = {"locale": "sv-SE"}
EN = {"locale": "en-US"}
#: A thread of the team's channel: both people ask there (mentioning the bot).
THREAD = f"{bf.CHANNEL};messageid=1700000000777"
IN_CHANNEL = {"conv": THREAD, "mention": True}


def labels(content: dict[str, Any]) -> list[str]:
    """The labels of a card's inputs, in order."""
    return [str(n["label"]) for n in _nodes(content) if str(n.get("type")).startswith("Input.")]


def facts_of(content: dict[str, Any]) -> list[str]:
    """The titles of a card's facts (FactSets)."""
    return [str(f["title"]) for n in _nodes(content) for f in n.get("facts", [])]


def _nodes(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _nodes(value)
    elif isinstance(node, list):
        for value in node:
            found += _nodes(value)
    return found


async def test_help_follows_each_persons_language_in_the_same_channel(
    teams: TeamsHarness,
) -> None:
    [swedish] = await teams.say("snow help", **IN_CHANNEL, **SV)
    words = shown_words(swedish.cards[0])
    assert "Skriv snow <command> till mig, eller nämn mig i en kanal." in words
    assert f"Ansluten till {teams.sim.url}." in words
    assert "snow recommendations" in swedish.text  # commands stay commands
    assert "Message me" not in swedish.text

    [english] = await teams.say("snow help", **IN_CHANNEL, **EN)
    words = shown_words(english.cards[0])
    assert "Message me snow <command>, or mention me in a channel." in words
    assert f"Connected to {teams.sim.url}." in words
    assert "Skriv" not in english.text
    assert swedish.conversation == english.conversation == THREAD


async def test_two_languages_at_the_same_moment_never_mix(teams: TeamsHarness) -> None:
    asks = [("sv-SE" if i % 2 else "en-US") for i in range(8)]
    before = len(teams.connector.sent)
    await asyncio.gather(*(teams.say("snow help", locale=loc, **IN_CHANNEL) for loc in asks))
    answers = teams.connector.sent[before:]
    assert len(answers) == len(asks)
    swedish = [a for a in answers if "Ansluten till" in a.text]
    english = [a for a in answers if "Connected to" in a.text]
    assert len(swedish) == len(english) == 4
    assert not any("Connected to" in a.text for a in swedish)
    assert not any("Skriv" in a.text for a in english)


async def test_the_create_form_and_the_ticket_card_in_swedish_then_english(
    teams: TeamsHarness,
) -> None:
    [form_msg] = await teams.say("snow create Patch the VPN concentrator", **IN_CHANNEL, **SV)
    [form] = form_msg.cards
    assert labels(form) == [
        "Typ",
        "Namn",
        "Beskrivning",
        "Prioritet",
        "Förfallodatum (UTC)",
        "Kategori",
    ]
    words = shown_words(form)
    assert "Ingen" in words  # the category's placeholder
    assert "Ge ärendet ett namn." in words  # the name's error message
    assert "Källa: Användare" in words
    button = action_of(form, "Skapa ärende")
    data = {**button["data"], **form_inputs(name="Patch the VPN concentrator")}
    made = await teams.invoke(
        bf.card_action(
            button["verb"], data, teams.service_url, card_id=form_msg.id, conv=THREAD, **SV
        )
    )
    card = made["value"]
    number = shown_words(card)[0].split(" ")[0]
    assert number.startswith("INC")
    assert facts_of(card)[:6] == [
        "Typ",
        "Tillstånd",
        "Prioritet",
        "Förfallodatum",
        "Begärt av",
        "Källa",
    ]

    [english] = await teams.say(f"snow ticket {number}", **IN_CHANNEL, **EN)
    assert facts_of(english.cards[0])[:6] == [
        "Type",
        "State",
        "Priority",
        "Due",
        "Requested by",
        "Source",
    ]
    assert "Tillstånd" not in english.text
    assert "Open in ServiceNow" in english.text


async def test_the_create_dialog_speaks_the_language_of_who_opens_it(
    teams: TeamsHarness,
) -> None:
    [home] = await teams.say("snow home", **EN)
    button = dialog_button(home.cards[0])
    opened = await teams.invoke(bf.task_fetch(button["data"], teams.service_url, **SV))
    value = opened["task"]["value"]
    assert value["title"] == "Nytt ServiceNow-ärende"
    form = value["card"]["content"]
    assert labels(form)[:3] == ["Typ", "Namn", "Beskrivning"]
    submit = action_of(form, "Skapa ärende")
    assert submit["type"] == "Action.Submit"
    # Without a name the dialog stays open, still in Swedish, with core's error in it.
    bad = await teams.invoke(
        bf.task_submit({**submit["data"], **form_inputs(name="")}, teams.service_url, **SV)
    )
    assert bad["task"]["type"] == "continue"
    assert bad["task"]["value"]["title"] == "Nytt ServiceNow-ärende"
    assert labels(bad["task"]["value"]["card"]["content"])[1] == "Namn"

    opened = await teams.invoke(bf.task_fetch(button["data"], teams.service_url, **EN))
    assert opened["task"]["value"]["title"] == "New ServiceNow ticket"
    # "Share to ServiceNow" on a message: the same form, under the message action's title.
    shared = await teams.invoke(bf.share_message_fetch("<p>VPN down</p>", teams.service_url, **SV))
    assert shared["task"]["value"]["title"] == "Dela till ServiceNow"
    assert labels(shared["task"]["value"]["card"]["content"])[:2] == ["Typ", "Namn"]
    assert labels(opened["task"]["value"]["card"]["content"])[:2] == ["Type", "Name"]


async def test_an_action_form_and_its_type_ahead_in_swedish(teams: TeamsHarness) -> None:
    await create_inline(teams)
    card = teams.answered[-1]["value"]
    button = action_of(card, "Assign to group")  # core's label: the card was made in English
    opened = await teams.invoke(bf.task_fetch(button["data"], teams.service_url, **SV))
    [form] = cards_in(opened)
    [group] = [n for n in form["body"] if n.get("id") == "group"]
    assert group["placeholder"] == "Skriv en del av gruppens namn"
    assert group["errorMessage"] == "Välj en tilldelningsgrupp."
    search = {"queryText": "sec", "dataset": "snowops.groups", "queryOptions": {"top": 15}}
    found = await teams.invoke(bf.invoke("application/search", search, teams.service_url, **SV))
    assert found["value"]["results"][0]["value"] == "Security Operations"  # data stays data


async def test_errors_of_the_teams_adapter_in_swedish(teams: TeamsHarness) -> None:
    # A click on a button of a card from before universal actions: a message with a value.
    [old] = await teams.say("", value={"verb": "x"}, **SV)
    assert old.texts == ["Knappen kommer från ett äldre SnowOps-kort."]
    [old_en] = await teams.say("", value={"verb": "x"}, **EN)
    assert old_en.texts == ["That button is from an older SnowOps card."]
    # A dialog of a form SnowOps no longer has.
    gone = await teams.invoke(bf.task_submit({"verb": "retired"}, teams.service_url, **SV))
    assert gone == {"task": {"type": "message", "value": "Det här formuläret stöds inte längre."}}
    # Core's usage error arrives too (its words are translated by core), never a traceback.
    [usage] = await teams.say("snow tickets sideways", **SV)
    assert "sideways" in usage.text
    assert "Traceback" not in usage.text


async def test_the_welcome_in_a_group_chat_is_in_the_workspaces_language(
    teams: TeamsHarness,
) -> None:
    """Everyone in the chat reads the hello: it is in the workspace's language (English
    until an admin chooses Swedish), whoever added the app."""
    before = len(teams.connector.sent)
    await teams.send(bf.installation(teams.service_url, conv=bf.GROUP, **SV))
    [hello] = teams.connector.sent[before:]
    assert hello.activity["summary"] == "SnowOps is here"
    assert hello.texts[0].startswith("SnowOps is here: mention me with a command")

    await WorkspaceLanguage(teams.services.store).set_language(WORKSPACE, "sv")
    before = len(teams.connector.sent)
    await teams.send(bf.installation(teams.service_url, conv=bf.CHANNEL, **EN))
    [hello] = teams.connector.sent[before:]
    assert hello.activity["summary"] == "SnowOps är här"
    assert hello.texts[0].startswith("SnowOps är här: nämn mig med ett kommando")


async def test_the_home_card_in_a_personal_chat_follows_the_person(
    teams: TeamsHarness,
) -> None:
    before = len(teams.connector.sent)
    await teams.send(bf.installation(teams.service_url, **SV))  # the personal chat's welcome
    [welcome] = teams.connector.sent[before:]
    assert "Välkommen till SnowOps" in shown_words(welcome.cards[0])
    [home] = await teams.say("snow home", **SV)
    words = shown_words(home.cards[0])
    assert "Välkommen till SnowOps" in words
    assert "Skriv snow help för att se alla kommandon." in words
    assert home.activity["summary"] == "SnowOps start"
    [english] = await teams.say("snow home", **EN)
    assert "Welcome to SnowOps" in shown_words(english.cards[0])


@pytest.mark.parametrize(
    ("locale", "tag", "language"),
    [
        ("sv-SE", "sv-SE", "sv"),
        ("en-US", "en-US", "en"),
        ("sv", "sv", "sv"),
        ("de-DE", "de-DE", "en"),
    ],
)
async def test_every_entry_point_hands_core_the_senders_language(
    teams: TeamsHarness,
    monkeypatch: pytest.MonkeyPatch,
    locale: str,
    tag: str,
    language: str,
) -> None:
    """Core sees the tag in ``RequestContext.locale`` and builds its text in that language,
    for messages and each kind of invoke."""
    seen: list[tuple[str, str, str]] = []
    handle = Router.handle

    async def spy(self: Router, ctx: RequestContext, request: Any) -> Outcome:
        seen.append((ctx.locale, current_locale(), type(request).__name__))
        return await handle(self, ctx, request)

    monkeypatch.setattr(Router, "handle", spy)
    who = {"locale": locale}  # a language SnowOps does not speak: English
    number, form_msg = await create_inline(teams, **who)  # message + adaptiveCard/action
    button = dialog_button(teams.answered[-1]["value"])  # an action form (Add comment)
    await teams.invoke(bf.task_fetch(button["data"], teams.service_url, **who))
    search = {"queryText": "sec", "dataset": "snowops.groups"}
    await teams.invoke(bf.invoke("application/search", search, teams.service_url, **who))
    await teams.invoke(
        bf.task_submit({"verb": "submit_ticket", **form_inputs()}, teams.service_url, **who)
    )
    found = teams.sim.instance.find_by_number(number)
    assert found is not None
    url = f"{teams.sim.url}/{found[0]}.do?sys_id={found[1]['sys_id']}"
    await teams.invoke(
        bf.invoke("composeExtension/queryLink", {"url": url}, teams.service_url, **who)
    )
    await teams.invoke(bf.share_message_fetch("<p>VPN is down</p>", teams.service_url, **who))
    asked = {s[2] for s in seen}
    # A message, adaptiveCard/action, task/fetch, application/search, task/submit,
    # composeExtension/queryLink and composeExtension/fetchTask:
    assert {"Create", "SubmitTicket", "ActionForm", "SuggestGroups", "PreviewLinks"} <= asked
    assert "ShareMessage" in asked
    assert {s[0] for s in seen} == {tag}
    assert {s[1] for s in seen} == {language}
    assert form_msg.cards
