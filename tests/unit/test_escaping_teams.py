"""Teams: text a user typed, or that came from ServiceNow or Graph, shows exactly as typed.

Teams reads TextBlock texts and Fact titles and values as Markdown; a TextRun is never read
so. A string goes where Markdown is read only when it is inert — checked here with a
CommonMark reader that also auto-links URLs — and otherwise in a TextRun.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from adapters.teams.cards import card
from adapters.teams.cards_form import client_card, form_card
from adapters.teams.cards_text import facts, inert, text
from core.actions import FormContext
from core.forms import TicketFormView
from core.models import TicketKind
from core.views import (
    ConfigurationView,
    HelpView,
    HomeView,
    KindSummary,
    Notice,
    NoticeLevel,
    RecommendationCard,
    RecommendationListView,
    StatesView,
    StatusView,
    TicketListView,
    View,
)
from tests.e2e.teams_harness import validate_card
from tests.unit.escaping_checks import (
    URL,
    hostile_ticket,
    markdown_html,
    markdown_strings,
    reads_as_text,
    text_runs,
)

#: Plain words and punctuation (often inert), and what Markdown or a link needs.
PIECES = [
    *"aZ09 ,.;:'\"?!()/%+=-é→—·",
    *"*_~`<>&|@#\\[]{}\n\t\u00a0\u200b",
    "https://evil.example",
    "evil.com",
    "www.",
    "1. ",
    "- ",
    "**",
    "[x](y)",
    "{{DATE(2017-02-14T06:08:39Z, SHORT)}}",
]
user_text = st.lists(
    st.one_of(st.sampled_from(PIECES), st.characters(codec="utf-8")), max_size=30
).map("".join)
mostly_plain = st.lists(st.sampled_from(PIECES[:25]), max_size=30).map("".join)


@given(st.one_of(user_text, mostly_plain))
@example("Created INC0010001.")
@example("INC0010001 Patch the VPN concentrator: New → In Progress")
@example("2 - High")
@example("-5")
def test_inert_text_reads_the_same_as_markdown(value: str) -> None:
    if inert(value) and value:
        assert reads_as_text(value), markdown_html(value)


@pytest.mark.parametrize(
    "value",
    [
        "Reset *all* [runbook](https://evil.example)",
        "_italic_",
        "**bold**",
        "~~gone~~",
        "`code`",
        "https://evil.example",
        "see evil.com",
        "www.evil",
        "//evil",
        "mail beth@example.com",
        "1. first",
        "- item",
        "+ item",
        "# heading",
        "> quote",
        "---",
        "    indented",
        "trailing  ",
        "two\nlines",
        "&amp; <b>",
        "{{DATE(2017-02-14T06:08:39Z, SHORT)}}",
        "10:00",
        "zero\u200bwidth",
    ],
)
def test_what_markdown_could_read_is_not_inert(value: str) -> None:
    assert not inert(value)
    [run] = text(value, weight="Bolder", spacing="None")["inlines"]
    assert run["type"] == "TextRun"
    assert run["text"].replace("{\u200b{", "{{") == value
    assert run["weight"] == "Bolder"


@given(user_text)
def test_text_is_a_textblock_only_when_markdown_reads_it_as_typed(value: str) -> None:
    element = text(value, color="attention", size="Small", spacing="None")
    if element["type"] == "TextBlock":
        assert element["text"] == value
        assert not value or reads_as_text(value)
    else:
        assert element["type"] == "RichTextBlock"
        assert element["spacing"] == "None"
        [run] = element["inlines"]
        assert (run["type"], run["color"], run["size"]) == ("TextRun", "attention", "Small")
        assert run["text"].replace("{\u200b{", "{{") == value
    assert facts([(value, value)])["type"] in ("FactSet", "Container")


def cards_with(t: str) -> list[dict[str, Any]]:
    """Every Teams card, with ``t`` in every string a view carries."""
    ticket = hostile_ticket(t)
    rec = RecommendationCard(t, t, t, t, t, ((t, t),), url=URL, ticket=ticket, note=t)
    states = StatesView(TicketKind.INCIDENT, (("1", t, t + "!"),), True)
    form = TicketFormView(name=t, description=t, recommendation_id=t, errors={"name": t})
    views: list[View] = [
        ticket,
        rec,
        Notice(t, NoticeLevel.ERROR, hint=t, link=URL),
        TicketListView(t, (ticket,), note=t, empty_text=t),
        TicketListView(t, (), empty_text=t),
        RecommendationListView(t, (rec,), note=t, hint=t),
        StatusView(t, ((t, t),), hint=t),
        states,
        HelpView(((t, t),), True, t),
        HomeView(True, t, (KindSummary(TicketKind.INCIDENT, t, ((t, 1),), (ticket,)),), ()),
        ConfigurationView(StatusView(t, ((t, t),)), (states,), Notice(t)),
        form,
        (Notice(t), ticket),
    ]
    extra = [form_card(form, FormContext(), inline=False, banner=t), client_card(t)]
    return [card(v) for v in views] + extra


@settings(deadline=None, max_examples=60)
@given(user_text.filter(str.strip))
def test_no_card_puts_user_text_where_teams_reads_markdown(value: str) -> None:
    for content in cards_with(value):
        validate_card(content)
        for shown in markdown_strings(content):
            assert not shown.strip() or reads_as_text(shown), shown
        # Every string Markdown reads is inert, and the text is shown as typed somewhere.
        assert all(inert(s) for s in markdown_strings(content) if s.strip())
        runs = [r.replace("{\u200b{", "{{") for r in text_runs(content)]
        assert any(value in s for s in runs + markdown_strings(content))


def test_the_issue_examples_are_text_runs() -> None:
    title = "Reset *all* [runbook](https://evil.example) <!everyone> <@U123>"
    content = card(hostile_ticket(title))
    assert title in text_runs(content)
    for shown in markdown_strings(content):
        html = markdown_html(shown)
        assert "<a " not in html
        assert "<em>" not in html
        assert "<strong>" not in html
