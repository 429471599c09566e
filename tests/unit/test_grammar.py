"""The grammar both ways: every command's text reads back to the same command (what a
button carries is what a click runs), and what buttons and forms carry is read safely."""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
import typing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from core import commands as c
from core.actions import FormContext, button_value, read_button
from core.commands_mapping import MAPPING_KEYS
from core.errors import UsageError
from core.grammar import MAX_PAGE, command_text, parse
from core.models import CATEGORIES, RecommendationSource, TicketKind

# Hypothesis keeps caches (Unicode tables, constants) in ./.hypothesis: put them in a
# temporary directory instead, and keep no example database, so a run writes nothing into
# the checkout.
_HOME = tempfile.mkdtemp(prefix="snowops-hypothesis-")
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
set_hypothesis_home_dir(_HOME)
PROPERTY = settings(database=None, max_examples=300, deadline=None)

#: parse() turns curly double quotes into straight ones (phones type them): text with them
#: cannot read back as typed, so none is generated.
_CURLY = "“”"

kinds = st.sampled_from(TicketKind)
categories = st.sampled_from(CATEGORIES)
pages = st.integers(1, MAX_PAGE)
priorities = st.integers(1, 5)
ticket_numbers = st.builds(
    lambda prefix, digits: prefix + digits,
    st.sampled_from(["INC", "CHG"]),
    st.from_regex(r"[0-9]{7,10}", fullmatch=True),
)
#: One word: printable, no whitespace (letters, marks, numbers, punctuation, symbols).
words = st.text(
    st.characters(exclude_categories=("C", "Z"), exclude_characters=_CURLY),
    min_size=1,
    max_size=60,
)
#: Printable text without control characters, spaces of any kind included (quoted
#: values: recommendation titles and descriptions, state values). At most 160 characters,
#: so even a text of quotes only stays within MAX_TEXT once quoted (5 characters each).
texts = st.text(
    st.characters(exclude_categories=("C", "Zl", "Zp"), exclude_characters=_CURLY),
    max_size=160,
)
#: The same with no whitespace around it: a ticket title is the rest of the line, and
#: parse strips the line (a state name is stripped too).
lines = texts.map(str.strip)
#: A mapping's value: quoted when written, at most 100 characters.
mapping_values = lines.filter(lambda v: 0 < len(v) <= 100)
instances = st.one_of(
    st.from_regex(r"[a-z][a-z0-9-]{0,30}", fullmatch=True),
    st.from_regex(r"https://[a-z][a-z0-9-]{0,30}\.service-now\.com", fullmatch=True),
    words,
)
recommendation_ids = st.one_of(
    st.from_regex(r"own-[0-9a-f]{8}", fullmatch=True),
    st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,60}", fullmatch=True),
    words,
)
tenants = st.one_of(st.none(), st.uuids().map(str), words)
state_values = st.one_of(st.sampled_from(["1", "2", "-5", "7"]), words, texts)
state_labels = lines.map(lambda s: s[:40].strip())

#: Free text as people type it: no surrounding blanks or quotes (those are read as quoting).
note_texts = (
    st.text(
        st.characters(
            codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters=_CURLY
        ),
        min_size=1,
        max_size=200,
    )
    .map(str.strip)
    .filter(lambda t: bool(t) and t[0] not in "\"'" and t[-1] not in "\"'")
)
change_numbers = st.from_regex(r"CHG[0-9]{7,9}", fullmatch=True)
approval_ids = st.from_regex(r"[0-9a-f]{32}", fullmatch=True)
#: A rejection's reason: any text, quotes and blanks around it included, up to 1,000.
reasons = st.text(
    st.characters(
        codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters=_CURLY
    ),
    min_size=1,
    max_size=300,
)
group_names = note_texts.filter(lambda t: t.lower() != "me" and len(t) <= 100)
close_codes = st.from_regex(r"[A-Za-z][A-Za-z0-9 ()_-]{0,40}", fullmatch=True).map(str.strip)

#: A ServiceNow filter as typed: words split on blanks (read back with one space between),
#: no ^NQ or ORDERBY (refused), no quotes around the whole of it (read as quoting).
watch_queries = (
    st.lists(words, min_size=1, max_size=8)
    .map(" ".join)
    .filter(
        lambda q: (
            "^NQ" not in q.upper()
            and not q.upper().startswith("NQ")
            and "ORDERBY" not in q.upper()
            and not (len(q) >= 2 and q[0] == q[-1] and q[0] in "\"'")
        )
    )
)

clock_times = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))
zones = st.sampled_from(["", "UTC", "Europe/Stockholm", "America/New_York"])
sub_kinds = st.frozensets(kinds, min_size=1)

#: A strategy for every command class in core.commands, with valid field values.
STRATEGIES: dict[type, st.SearchStrategy[c.Command]] = {
    c.Help: st.just(c.Help()),
    c.Home: st.just(c.Home()),
    c.Connect: st.builds(c.Connect, instances),
    c.Reconnect: st.just(c.Reconnect()),
    c.Status: st.just(c.Status()),
    c.Configure: st.just(c.Configure()),
    c.Disconnect: st.builds(c.Disconnect, st.booleans()),
    c.Recommendations: st.builds(c.Recommendations, st.none() | categories, st.booleans(), pages),
    c.AddRecommendation: st.builds(c.AddRecommendation, categories, texts, texts),
    c.RemoveRecommendation: st.builds(c.RemoveRecommendation, recommendation_ids),
    c.LinkTenant: st.builds(c.LinkTenant, tenants),
    c.Share: st.builds(c.Share, recommendation_ids),
    c.Create: st.builds(c.Create, kinds, lines),
    # ``fresh`` is never written (only a click on SnowOps's own answer sets it False).
    c.Tickets: st.builds(c.Tickets, st.none() | kinds, st.booleans(), pages),
    c.ShowTicket: st.builds(c.ShowTicket, ticket_numbers),
    c.Subscribe: st.builds(c.Subscribe, st.frozensets(kinds, min_size=1), priorities),
    c.Unsubscribe: st.just(c.Unsubscribe()),
    c.DigestSubscribe: st.builds(
        c.DigestSubscribe,
        sub_kinds,
        priorities,
        st.just("off")
        | st.builds("{} {}".format, st.sampled_from(["daily", "hourly"]), clock_times),
        zones,
    ),
    c.NotifyMe: st.builds(c.NotifyMe, st.booleans()),
    c.Quiet: st.one_of(
        st.just(c.Quiet()),
        st.just(c.Quiet("off")),
        st.builds(
            lambda start, end, zone: c.Quiet(f"{start}-{end}", zone),
            clock_times,
            clock_times,
            zones,
        ).filter(lambda q: q.window[:5] != q.window[6:]),
    ),
    c.RetryNotifications: st.just(c.RetryNotifications()),
    c.Audit: st.builds(c.Audit, st.integers(1, 100)),
    c.Link: st.just(c.Link()),
    c.AddNote: st.builds(c.AddNote, ticket_numbers, note_texts, st.booleans()),
    c.Assign: st.builds(c.Assign, ticket_numbers, st.just("me") | group_names),
    c.ResolveTicket: st.builds(c.ResolveTicket, ticket_numbers, close_codes, note_texts),
    c.ReopenTicket: st.builds(c.ReopenTicket, ticket_numbers),
    c.ActionForm: st.one_of(
        st.builds(
            c.ActionForm, ticket_numbers, st.sampled_from(["comment", "note", "assign", "resolve"])
        ),
        st.builds(c.ActionForm, ticket_numbers.map(lambda n: "CHG" + n[3:]), st.just("close")),
    ),
    c.SetIdentity: st.sampled_from(
        [c.SetIdentity(""), c.SetIdentity("linked"), c.SetIdentity("email")]
    ),
    c.Unlink: st.just(c.Unlink()),
    c.Lookup: st.sampled_from([c.Lookup(""), c.Lookup("any"), c.Lookup("own")]),
    c.SetLanguage: st.sampled_from([c.SetLanguage(""), c.SetLanguage("en"), c.SetLanguage("sv")]),
    c.MapFields: st.one_of(
        st.builds(c.MapFields, st.none() | kinds),
        st.builds(c.MapFields, kinds, categories),
        st.builds(
            lambda kind, category, values: c.MapFields(kind, category, tuple(values)),
            kinds,
            categories,
            st.lists(
                st.tuples(st.sampled_from(MAPPING_KEYS), mapping_values),
                max_size=4,
                unique_by=lambda kv: kv[0],
            ).map(lambda kvs: sorted(kvs, key=lambda kv: MAPPING_KEYS.index(kv[0]))),
        ),
        st.builds(lambda kind, v: c.MapFields(kind, "", (("source", v),)), kinds, mapping_values),
        st.builds(
            lambda kind, what: c.MapFields(kind, what, reset=True),
            kinds,
            st.sampled_from(["", "source", *CATEGORIES]),
        ),
    ),
    c.ShowStates: st.builds(c.ShowStates, st.none() | kinds),
    c.RenameState: st.builds(c.RenameState, kinds, state_values, state_labels),
    c.ListRules: st.just(c.ListRules()),
    c.AddRule: st.one_of(
        st.builds(
            lambda kind, priority, category, least: c.AddRule(
                "new recommendation", kind, priority, category, least
            ),
            kinds,
            st.integers(1, 4),
            st.none() | categories,
            st.integers(0, 999),
        ),
        st.builds(
            lambda kind, priority, drop: c.AddRule("score drops", kind, priority, drop=drop),
            kinds,
            st.integers(1, 4),
            st.integers(1, 999),
        ),
    ),
    c.RemoveRule: st.builds(c.RemoveRule, st.integers(1, 999)),
    c.SetThreads: st.sampled_from([c.SetThreads(m) for m in ("", "off", "comments", "work_notes")]),
    c.Approve: st.builds(c.Approve, change_numbers, approval_ids),
    c.Reject: st.builds(c.Reject, change_numbers, approval_ids, st.just("") | reasons),
    c.WatchQuery: st.builds(c.WatchQuery, kinds, watch_queries),
    c.ShowWatches: st.just(c.ShowWatches()),
    c.Unwatch: st.builds(c.Unwatch, st.integers(0, 99)),
}
commands = st.one_of(*STRATEGIES.values())


def test_there_is_a_strategy_for_every_command() -> None:
    assert set(STRATEGIES) == set(typing.get_args(c.Command))


@PROPERTY
@given(commands)
def test_command_text_reads_back_to_the_same_command(cmd: c.Command) -> None:
    text = command_text(cmd)
    assert parse(text) == cmd
    assert read_button(text) == cmd


@PROPERTY
@given(commands, st.sampled_from(["", " ", "  ", "\t", "\n"]))
def test_surrounding_whitespace_does_not_matter(cmd: c.Command, space: str) -> None:
    assert parse(f"{space}{command_text(cmd)}{space}") == cmd


@pytest.mark.parametrize(
    ("cmd", "text"),
    [
        (c.Share("AdminMFAV2"), "share AdminMFAV2"),
        (c.Tickets(None, False, 2), "tickets all page 2"),
        (c.Tickets(TicketKind.CHANGE), "tickets change open"),
        (c.Recommendations(None, False, 2), "recommendations page 2"),
        (c.Recommendations("Identity", True), "recommendations Identity all"),
        (c.Configure(), "config"),
        (c.Disconnect(), "disconnect"),
        (c.Disconnect(confirmed=True), "disconnect confirm"),
        (c.Create(), "create incident"),
        (c.Create(TicketKind.CHANGE, "Rotate keys"), "create change Rotate keys"),
        (c.Subscribe(frozenset(TicketKind), 5), "subscribe all priority<=5"),
        (c.Subscribe(frozenset({TicketKind.CHANGE}), 2), "subscribe change priority<=2"),
        (c.ShowTicket("INC0010001"), "ticket INC0010001"),
        (c.LinkTenant(None), "securescore"),
        (c.RenameState(TicketKind.INCIDENT, "2", "Being fixed"), "states incident 2 'Being fixed'"),
    ],
)
def test_button_texts_are_the_commands_people_type(cmd: c.Command, text: str) -> None:
    assert command_text(cmd) == text


def test_tickets_fresh_is_never_written() -> None:
    stale = c.Tickets(TicketKind.INCIDENT, False, 3, fresh=False)
    assert command_text(stale) == command_text(c.Tickets(TicketKind.INCIDENT, False, 3))
    assert parse(command_text(stale)).fresh is True


# --- read_button ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [None, 1, 2.5, True, b"share AdminMFAV2", ["share", "x"], {"value": "home"}, ""]
)
def test_read_button_refuses_what_is_not_command_text(value: object) -> None:
    with pytest.raises(UsageError) as caught:
        read_button(value)
    assert caught.value.message


@pytest.mark.parametrize("value", [" ", "\t\n", "  \u3000 "])
def test_read_button_refuses_blank_text(value: str) -> None:
    with pytest.raises(UsageError):
        read_button(value)


@pytest.mark.parametrize(
    "value",
    [
        "share_recommendation",  # an old action id, from a card posted before the refactor
        "tickets_more",
        "frobnicate now",
        "share",  # a known verb without its argument
        "tickets sideways",
        "ticket RITM0000001",
        "x" * 2001,
        "tickets page ²",  # a digit to str.isdigit(), not to int()
        "ticket INC\u0660\u0660\u0661\u0660\u0660\u0660\u0661",  # Arabic-Indic digits
    ],
)
def test_read_button_refuses_unknown_commands(value: str) -> None:
    with pytest.raises(UsageError):
        read_button(value)


def test_a_button_reads_back_curly_quotes_as_written() -> None:
    command = c.AddRecommendation("Identity", "Use “MFA” everywhere", "Say “yes”")
    assert read_button(button_value(command)) == command


# --- FormContext ------------------------------------------------------------------------


form_contexts = st.builds(
    FormContext,
    st.sampled_from(RecommendationSource),
    st.none() | recommendation_ids,
    st.none() | st.from_regex(r"https://[a-z]{1,20}\.example/[a-z0-9/]{0,40}", fullmatch=True),
    st.none() | words,
    st.uuids().map(lambda u: u.hex),
)


def test_form_context_round_trips() -> None:
    context = FormContext(
        RecommendationSource.MICROSOFT, "AdminMFAV2", "https://security.microsoft.com/x", "C1"
    )
    assert FormContext.loads(context.dumps()) == context
    assert json.loads(context.dumps())["sid"] == context.sid


@PROPERTY
@given(form_contexts)
def test_any_form_context_round_trips(context: FormContext) -> None:
    assert FormContext.loads(context.dumps()) == context
    assert FormContext.from_doc(context.to_doc()) == context


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        "",
        "not json",
        "{",
        "[]",
        '["s", "r"]',
        "42",
        '"a string"',
        "null",
        '{"s": ["microsoft"], "r": {"x": 1}, "u": null, "c": true, "sid": 1.5}',
        "[" * 100_000,
        '{"a":' * 100_000,
        "[" * 100_000 + "]" * 100_000,
    ],
)
def test_garbage_form_context_gives_defaults(garbage: str | None) -> None:
    context = FormContext.loads(garbage)
    assert context.source is RecommendationSource.USER
    assert (context.recommendation_id, context.recommendation_url, context.channel) == (
        None,
        None,
        None,
    )
    assert context.sid  # a fresh submission id
    assert context.sid != FormContext.loads(garbage).sid


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("stauts", "Unknown command 'stauts'. Did you mean /snow status?"),
        ("subscibe incident", "Did you mean /snow subscribe?"),
        ("recomendations", "Did you mean /snow recommendations?"),
        ("zzzz", "Unknown command 'zzzz'. Type /snow help"),
    ],
)
def test_a_near_miss_gets_a_suggestion(typed: str, said: str) -> None:
    with pytest.raises(UsageError) as refused:
        parse(typed)
    assert said in refused.value.message


@pytest.mark.parametrize(
    "typed", ["subscribe priority<=9", "subscribe p<7", "subscribe priority>=2"]
)
def test_a_priority_out_of_range_says_what_priorities_are(typed: str) -> None:
    with pytest.raises(UsageError) as refused:
        parse(typed)
    assert "priorities go from 1 (Critical) to 4 (Low)" in refused.value.message


def test_an_unquoted_title_of_several_words_is_not_split_silently() -> None:
    with pytest.raises(UsageError) as refused:
        parse("recommendations add Identity Rotate keys")
    assert 'Put the title in quotes: /snow recommendations add Identity "Rotate keys"' in (
        refused.value.message
    )
    assert parse('recommendations add Identity "Rotate keys"') == c.AddRecommendation(
        "Identity", "Rotate keys", ""
    )
    assert parse('recommendations add Identity Rotate "every key"') == c.AddRecommendation(
        "Identity", "Rotate", "every key"
    )
