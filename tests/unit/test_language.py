"""``/snow language sv|en`` and ``/snow hjälp``: the grammar, the handler through the router,
and usage errors in the asker's language (two requests in two languages, one process)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from core import commands as c
from core.audit import AuditTrail
from core.errors import UsageError
from core.grammar import command_text, parse
from core.handlers.context import RequestContext
from core.handlers.language import LanguageHandlers
from core.handlers.router import Router
from core.i18n import use_locale
from core.languages import WorkspaceLanguage
from core.models import Requester
from core.outcomes import Reply
from core.secrets import SecretBox, generate_key
from core.store.memory import MemoryStore
from core.views import Notice, NoticeLevel

WS = "slack:T1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("language", c.SetLanguage()),
        ("language sv", c.SetLanguage("sv")),
        ("language EN", c.SetLanguage("en")),
        ("  language   sv  ", c.SetLanguage("sv")),
    ],
)
def test_language_parses(text: str, expected: c.Command) -> None:
    assert parse(text) == expected
    assert parse(command_text(expected)) == expected


@pytest.mark.parametrize("text", ["language de", "language sv en", "language svenska"])
def test_a_language_snowops_does_not_speak_names_the_ones_it_does(text: str) -> None:
    with pytest.raises(UsageError) as refused:
        parse(text)
    assert "/snow language en" in refused.value.message
    assert "/snow language sv" in refused.value.message


def test_hjalp_is_help() -> None:
    assert parse("hjälp") == c.Help()
    assert parse("HJÄLP") == c.Help()
    assert parse("hjälp me please") == c.Help()
    assert command_text(parse("hjälp")) == "help"


def test_usage_errors_are_in_the_askers_language() -> None:
    with pytest.raises(UsageError) as english:
        parse("ticket 12345")
    with use_locale("sv-SE"), pytest.raises(UsageError) as swedish:
        parse("ticket 12345")
    assert english.value.message == (
        "'12345' is not a ticket number: use INC0010001 or CHG0030001."
    )
    assert (
        swedish.value.message == "'12345' är inget ärendenummer: ange INC0010001 eller CHG0030001."
    )


def test_the_help_table_is_translated_where_it_is_shown() -> None:
    english = dict(c.help_lines())
    with use_locale("sv"):
        swedish = dict(c.help_lines())
    assert english["help"] == "what SnowOps can do here"
    assert swedish["help"] == "vad SnowOps kan göra här"
    assert swedish.keys() == english.keys()  # the command words are the same
    assert "language [en|sv]" in english


def _ctx(admin: bool = True, locale: str = "") -> RequestContext:
    who = Requester("slack", "U_ADMIN" if admin else "U_ANY", "Ada")
    return RequestContext(WS, who, is_admin=admin, locale=locale)


@pytest.fixture
async def store() -> AsyncIterator[MemoryStore]:
    store = MemoryStore(SecretBox(generate_key()))
    await store.open()
    try:
        yield store
    finally:
        await store.close()


def _router(store: MemoryStore) -> Router:
    return Router([LanguageHandlers(WorkspaceLanguage(store), AuditTrail(store))])


def _notice(outcome: object) -> Notice:
    assert isinstance(outcome, Reply), outcome
    assert isinstance(outcome.view, Notice), outcome.view
    return outcome.view


async def test_an_admin_sets_the_language_and_is_answered_in_it(store: MemoryStore) -> None:
    router = _router(store)
    shown = _notice(await router.handle_text(_ctx(), "language"))
    assert "in English (language en)" in shown.text
    assert "/snow language sv" in shown.hint

    done = _notice(await router.handle_text(_ctx(), "language sv"))
    assert done.level is NoticeLevel.SUCCESS
    assert done.text == "SnowOps skriver nu på svenska i arbetsytans kanaler."
    assert await WorkspaceLanguage(store).language(WS) == "sv"
    entries = await store.list_audit(WS, 5)
    assert [e["action"] for e in entries] == ["language.set"]
    assert entries[0]["detail"]["language"] == "sv"

    back = _notice(await router.handle_text(_ctx(), "language en"))
    assert back.text == "SnowOps now posts in this workspace's channels in English."
    assert await WorkspaceLanguage(store).language(WS) == "en"


async def test_the_current_language_is_said_in_the_askers_language(store: MemoryStore) -> None:
    await WorkspaceLanguage(store).set_language(WS, "sv")
    with use_locale("sv-SE"):
        shown = _notice(await _router(store).handle_text(_ctx(), "language"))
    assert "på svenska (language sv)" in shown.text
    english = _notice(await _router(store).handle_text(_ctx(), "language"))
    assert "in Swedish (language sv)" in english.text


async def test_only_admins_set_the_language(store: MemoryStore) -> None:
    refused = _notice(await _router(store).handle_text(_ctx(admin=False), "language sv"))
    assert refused.level is NoticeLevel.WARNING
    assert await WorkspaceLanguage(store).language(WS) == "en"
    assert await store.list_audit(WS, 5) == []


async def test_a_bad_language_gets_a_clear_message_in_each_askers_language(
    store: MemoryStore,
) -> None:
    router = _router(store)

    async def ask(locale: str) -> Notice:
        await asyncio.sleep(0)  # both requests run at once, each in its own task
        with use_locale(locale):
            return _notice(await router.handle_text(_ctx(locale=locale), "language de"))

    english, swedish = await asyncio.gather(ask("en-US"), ask("sv-SE"))
    assert english.level is NoticeLevel.WARNING
    assert english.text == (
        "'de' is not a language SnowOps speaks: use /snow language en (English) "
        "or /snow language sv (svenska)."
    )
    assert swedish.text == (
        "'de' är inte ett språk som SnowOps talar: ange /snow language en (English) "
        "eller /snow language sv (svenska)."
    )
    assert await WorkspaceLanguage(store).language(WS) == "en"


async def test_unknown_commands_in_two_languages_in_one_process(store: MemoryStore) -> None:
    router = _router(store)
    with use_locale("sv-SE"):
        swedish = _notice(await router.handle_text(_ctx(), "stauts"))
    english = _notice(await router.handle_text(_ctx(), "stauts"))
    assert english.text.startswith("Unknown command 'stauts'. Did you mean /snow status?")
    assert swedish.text.startswith("Okänt kommando 'stauts'. Menade du /snow status?")
