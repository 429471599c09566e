"""Slack: text a user typed, or that came from ServiceNow or Graph, shows exactly as typed.

mrkdwn decodes only ``&amp; &lt; &gt;`` and has no backslash escape: ``&<>`` become
entities, runs of ``*_~``` and backticks become the fallback of an invalid date (shown as
is), a ``>`` starting a line gets a soft hyphen before it, and every mrkdwn object is
``verbatim`` (no auto-linked URL, no ``@here``). The properties below hold for any text.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.slack.admin import client_form_modal, config_modal
from adapters.slack.blocks import (
    home_view,
    message,
    post_message,
    progress_modal,
    result_modal,
    ticket_form_modal,
    ticket_list_modal,
)
from adapters.slack.blocks_text import LITERAL, code, escape, link, truncate_mrkdwn
from core.forms import TicketFormView
from core.models import RecommendationSource, TicketKind
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
)
from tests.unit.escaping_checks import (
    URL,
    hostile_ticket,
    mrkdwn_objects,
    slack_markup,
    slack_shows,
)

#: Characters that mean something to mrkdwn, Markdown or a terminal, and some that do not.
TRICKY = [*"*_~`<>&|:@#!\\[]()-+.=>\n\r\t \u00ad", "&amp;", "<!channel>", "&gt;", "http://"]
user_text = st.lists(
    st.one_of(st.sampled_from(TRICKY), st.characters(codec="utf-8")), max_size=40
).map("".join)
_ENTITY_SAFE = re.compile(r"(?:[^&]|&(?:amp|lt|gt);)*", re.DOTALL)
_QUOTE_START = re.compile(r"(?:^|(?<=\r))[ \t]*&gt;", re.MULTILINE)


def _bare(mrkdwn: str) -> str:
    """``mrkdwn`` without its literal dates (what is left of the user's text is entities)."""
    return re.sub(r"<!date\^00000000\^\{_\}\|[*_~`]+>", "", mrkdwn)


@given(user_text)
def test_escaped_text_shows_exactly_as_typed_and_formats_nothing(text: str) -> None:
    out = escape(text)
    assert slack_shows(out) == text  # Slack's decoding gives back every character
    assert slack_markup(out) == ""  # no < > * _ ~ ` left for mrkdwn to act on
    assert _ENTITY_SAFE.fullmatch(_bare(out))  # every & starts one of Slack's entities
    assert not _QUOTE_START.search(out)  # no line is a quote


@given(user_text, st.integers(min_value=1, max_value=300))
def test_truncation_never_cuts_an_escape_in_half(text: str, limit: int) -> None:
    full = escape(text)
    cut = truncate_mrkdwn(full, limit)
    assert len(cut) <= limit
    if cut == full:
        return
    assert cut.endswith("…")
    body = cut[:-1]
    assert slack_markup(body) == ""  # a half date or entity would leave a < or an &
    assert _ENTITY_SAFE.fullmatch(_bare(body))
    assert text.startswith(slack_shows(body))


@given(user_text)
def test_code_spans_and_link_labels_hold_no_markup(text: str) -> None:
    span = code(text)
    assert span.startswith("`")
    assert span.endswith("`")
    assert not set(span[1:-1]) & set("`<>\r\n")  # a code span is one line
    label = link(URL, text).split("|", 1)[1][:-1]
    assert not set(label) & set("*_~`<>\r\n")


def _config(t: str) -> ConfigurationView:
    states = StatesView(TicketKind.INCIDENT, (("1", t, t + "!"),), True)
    return ConfigurationView(StatusView(t, ((t, t),), hint=t), (states,), Notice(t))


def surfaces(t: str) -> list[Any]:
    """Every Slack surface, with ``t`` in every string a view carries."""
    card = hostile_ticket(t)
    rec = RecommendationCard(t, t, t, t, t, ((t, t),), url=URL, ticket=card, note=t)
    notice = Notice(t, NoticeLevel.WARNING, hint=t, link=URL)
    listing = TicketListView(t, (card,), note=t, servicenow_list_url=URL)
    form = TicketFormView(
        name=t,
        description=t,
        source=RecommendationSource.MICROSOFT,
        recommendation_id=t,
        recommendation_url=URL,
    )
    return [
        message(card),
        message(rec),
        message(notice),
        post_message(notice),
        message(listing),
        message(RecommendationListView(t, (rec,), note=t, hint=t)),
        message(StatusView(t, ((t, t),), hint=t)),
        message(StatesView(TicketKind.CHANGE, ((t, t, t + "!"),), True)),
        message(HelpView(((t, t),), True, URL)),
        message(_config(t)),
        home_view(
            HomeView(True, URL, (KindSummary(TicketKind.INCIDENT, t, ((t, 1),), (card,)),), ())
        ),
        ticket_list_modal(listing),
        progress_modal(t, t),
        result_modal(t, t, URL),
        config_modal(_config(t)),
        client_form_modal(t, None),
        ticket_form_modal(form, private_metadata="m", banner=t, errors={"name": t}),
        message((Notice(t, hint=t), card)),
    ]


@settings(deadline=None, max_examples=60)
@given(user_text.map(lambda t: t[:20]).filter(lambda t: t.strip() and t != "—"))
def test_every_surface_shows_user_text_as_typed(text: str) -> None:
    plain = surfaces("x")
    for shown, baseline in zip(surfaces(text), plain, strict=True):
        objects = list(mrkdwn_objects(shown))
        expected = list(mrkdwn_objects(baseline))
        assert len(objects) == len(expected)
        for obj, base in zip(objects, expected, strict=True):
            assert obj.get("verbatim") is True  # no auto-linked URL, @here or #channel
            # The text adds no formatting, mention, link or quote of its own.
            assert slack_markup(obj["text"]) == slack_markup(base["text"])
            assert not _QUOTE_START.search(obj["text"])
        assert any(escape(text) in o["text"] for o in objects)
        fallback = shown.get("text")
        if isinstance(fallback, str):  # a message's text: notifications, screen readers
            assert not set(fallback) & set("<>")


def test_the_issue_examples_neither_ping_link_nor_format() -> None:
    title = "Reset *all* [runbook](https://evil.example) <!everyone> renamed <@U123>"
    card = replace(hostile_ticket("INC0010001"), title=title)
    msg = message(card)
    head = msg["blocks"][0]["text"]
    assert head["verbatim"] is True
    star = LITERAL % "*"
    assert head["text"].endswith(
        f"Reset {star}all{star} [runbook](https://evil.example) &lt;!everyone&gt; renamed "
        "&lt;@U123&gt;"
    )
    assert "<!everyone>" not in str(msg)
    assert "<@U123>" not in str(msg)
    comment = Notice("INC0010001 x: new comment: <!channel> see <https://evil.example|x>\n> no")
    posted = post_message(comment)
    shown = posted["blocks"][0]["text"]["text"]
    assert "<!channel>" not in str(posted)
    assert "<https://evil.example" not in str(posted)
    assert "\n\u00ad&gt; no" in shown  # not a quote
    assert slack_shows(shown) == comment.text
