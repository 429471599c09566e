"""Block Kit rendering: every payload round-trips through slack_sdk.models, limits hold."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View as SlackView

from adapters.slack.blocks import (
    escape,
    form_values,
    home_view,
    message,
    progress_modal,
    recommendation_blocks,
    result_modal,
    ticket_blocks,
    ticket_form_modal,
    ticket_list_modal,
    truncate,
)
from adapters.slack.blocks_text import LITERAL, actions_block, button, link, truncate_mrkdwn
from core import commands as c
from core.actions import FormContext, read_button
from core.commands import COMMAND_HELP
from core.forms import NAME_MAX, TicketFormValues, TicketFormView, validate_ticket_form
from core.models import (
    Comment,
    Priority,
    Recommendation,
    RecommendationSource,
    Ticket,
    TicketKind,
)
from core.recommendation_views import recommendation_card, recommendation_list, share_form
from core.recommendations import RecommendationItem, RecommendationPage
from core.views import (
    Button,
    ConfigurationView,
    HelpView,
    HomeView,
    KindSummary,
    Notice,
    NoticeLevel,
    StatesView,
    StatusView,
    TicketCard,
    TicketListView,
    ticket_card,
)

JSON = dict[str, Any]
INSTANCE = "https://acme.service-now.com"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


# --- validation helpers -----------------------------------------------------------------


def _texts(obj: Any, key: str) -> list[str]:
    """Every ``text`` string under ``obj[key]`` items (fields, context elements)."""
    return [e["text"] for e in obj.get(key) or [] if isinstance(e, dict) and "text" in e]


def check_blocks(blocks: list[JSON]) -> None:
    """Each block parses with slack_sdk (unknown type → None) and validates on to_dict()."""
    json.dumps(blocks)
    for d in blocks:
        parsed = Block.parse(copy.deepcopy(d))
        assert parsed is not None, d
        parsed.to_dict()
        # Limits slack_sdk does not check itself.
        assert all(len(t) <= 2000 for t in _texts(d, "fields")), d
        if d["type"] == "context":
            assert all(len(t) <= 2000 for t in _texts(d, "elements")), d
        if d["type"] == "actions":
            ids = [e["action_id"] for e in d["elements"]]
            assert len(ids) == len(set(ids)), ids


def check_message(msg: JSON) -> list[JSON]:
    assert set(msg) == {"text", "blocks"}
    assert isinstance(msg["text"], str)
    assert msg["text"].strip()
    assert len(msg["blocks"]) <= 50
    check_blocks(msg["blocks"])
    return list(msg["blocks"])


def check_view(view: JSON) -> JSON:
    check_blocks(view["blocks"])
    SlackView(**copy.deepcopy(view)).to_dict()
    assert len(view["blocks"]) <= 100
    return view


def all_text(blocks: list[JSON]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def by_type(blocks: list[JSON], kind: str) -> list[JSON]:
    return [b for b in blocks if b["type"] == kind]


def buttons(blocks: list[JSON]) -> list[JSON]:
    out = [e for b in by_type(blocks, "actions") for e in b["elements"]]
    return out + [b["accessory"] for b in blocks if b.get("accessory")]


# --- realistic data ---------------------------------------------------------------------


def make_ticket(n: int = 1, **over: Any) -> Ticket:
    fields: dict[str, Any] = {
        "workspace": "slack:T0123",
        "kind": TicketKind.INCIDENT,
        "sys_id": f"{n:032x}",
        "number": f"INC{10000 + n:07d}",
        "title": "Require MFA for administrative roles",
        "state": "2",
        "priority": 2,
        "url": f"{INSTANCE}/nav_to.do?uri=incident.do?sys_id={n:032x}",
        "correlation_id": f"snowops:T0123:AdminMFAV2-{n}",
        "due": datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
        "requested_by": "Ada Lovelace",
        "source": RecommendationSource.MICROSOFT,
        "recommendation_id": "AdminMFAV2",
        "category": "Identity",
    }
    fields.update(over)
    return Ticket(**fields)


def make_rec(**over: Any) -> Recommendation:
    fields: dict[str, Any] = {
        "id": "AdminMFAV2",
        "title": (
            "Ensure multifactor authentication is enabled for all users in administrative roles"
        ),
        "category": "Identity",
        "source": RecommendationSource.MICROSOFT,
        "description": "Requiring MFA for administrative roles makes it harder for attackers.",
        "url": "https://security.microsoft.com/securescore?viewid=actions",
        "max_score": 10.0,
        "current_score": 2.5,
        "implementation_status": "You have 3 of 12 admins without MFA.",
        "user_impact": "Low",
        "implementation_cost": "Low",
        "threats": ("Password cracking", "Account breach"),
    }
    fields.update(over)
    return Recommendation(**fields)


def tracked_card() -> TicketCard:
    return ticket_card(make_ticket())


# --- primitives -------------------------------------------------------------------------


def test_escape_only_the_three_control_characters() -> None:
    assert escape("a & <b> 'c' \"d\"") == "a &amp; &lt;b&gt; 'c' \"d\""


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [("short", 10, "short"), ("exactly10!", 10, "exactly10!"), ("abcdefghijk", 5, "abcd…")],
)
def test_truncate(text: str, limit: int, expected: str) -> None:
    assert truncate(text, limit) == expected
    assert len(truncate(text, limit)) <= limit


def test_truncate_mrkdwn_never_splits_an_entity_or_a_link() -> None:
    assert truncate_mrkdwn("abc &amp; def", 7) == "abc…"
    assert truncate_mrkdwn("x <https://a.example/very/long|A> y", 12) == "x…"


def test_link_url_cannot_break_out_of_the_angle_brackets() -> None:
    text = link("https://a.example/x?a=1&b=|>", "<INC>")
    assert text == "<https://a.example/x?a=1&amp;b=%7C%3E|&lt;INC&gt;>"
    assert link("javascript:alert(1)", "label") == "label"
    assert link(None, "a&b") == "a&amp;b"


def test_action_ids_get_a_suffix_only_when_repeated_in_one_block() -> None:
    row = [
        Button("A", c.Home()),
        Button("B", url="https://a.example/b"),
        Button("C", c.Status()),
    ]
    block = actions_block(row * 2)
    assert block is not None
    ids = [e["action_id"] for e in block["elements"]]
    assert ids == ["snow", "link", "snow:1", "snow:2", "link:1", "snow:3"]
    values = [e.get("value") for e in block["elements"]]
    assert values == ["home", None, "status"] * 2
    assert actions_block([]) is None


def test_actions_block_keeps_slacks_25_buttons() -> None:
    block = actions_block([Button(str(i), c.Tickets(page=i + 1)) for i in range(30)])
    assert block is not None
    assert len(block["elements"]) == 25
    assert block["elements"][-1]["value"] == "tickets open page 25"
    check_blocks([block])


def test_button_text_is_cut_to_75_and_primary_styled() -> None:
    b = button(Button("L" * 100, c.Share("v"), primary=True))
    assert len(b["text"]["text"]) == 75
    assert b["text"]["text"].endswith("…")
    assert b["style"] == "primary"
    assert b["action_id"] == "snow"
    assert b["value"] == "share v"
    assert read_button(b["value"]) == c.Share("v")


def test_button_with_confirm_asks_first_and_is_danger_styled() -> None:
    b = button(Button("Disconnect", c.Disconnect(), primary=True, confirm="Really disconnect?"))
    assert b["style"] == "danger"
    assert b["confirm"]["text"]["text"] == "Really disconnect?"
    assert b["confirm"]["confirm"]["text"] == "Disconnect"
    assert b["value"] == "disconnect"


def test_link_button_has_the_link_action_id_and_no_value() -> None:
    b = button(Button("Open", url="https://a.example/x"))
    assert (b["action_id"], b["url"]) == ("link", "https://a.example/x")
    assert "value" not in b


def test_button_value_over_slacks_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="2000"):
        button(Button("L", c.Share("v" * 2001)))


# --- notices ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "prefix"),
    [
        (NoticeLevel.SUCCESS, ":white_check_mark: "),
        (NoticeLevel.WARNING, ":warning: "),
        (NoticeLevel.ERROR, ":x: "),
        (NoticeLevel.INFO, ""),
    ],
)
def test_notice_levels(level: NoticeLevel, prefix: str) -> None:
    blocks = check_message(message(Notice("Created INC0010001.", level)))
    assert blocks[0]["text"]["text"] == prefix + "Created INC0010001."


def test_notice_with_hint_and_link() -> None:
    url = f"{INSTANCE}/oauth_auth.do?response_type=code&client_id=abc&state=xyz"
    msg = message(
        Notice(
            "Open this link & sign in.",
            hint="An admin can connect with `/snow connect <instance>`.",
            link=url,
        )
    )
    blocks = check_message(msg)
    assert msg["text"] == "Open this link &amp; sign in."
    assert blocks[0]["accessory"]["url"] == url
    # A view's text is plain: its backticks are shown as typed, not as a code span.
    tick = LITERAL % "`"
    assert blocks[1]["elements"][0]["text"] == (
        f"An admin can connect with {tick}/snow connect &lt;instance&gt;{tick}."
    )


def test_long_notice_and_hint_are_cut_to_section_and_context_limits() -> None:
    blocks = check_message(message(Notice("n" * 5000, NoticeLevel.ERROR, hint="h" * 5000)))
    assert len(blocks[0]["text"]["text"]) == 3000
    assert blocks[0]["text"]["text"].endswith("…")
    assert len(blocks[1]["elements"][0]["text"]) == 2000


# --- tickets ----------------------------------------------------------------------------


def test_ticket_card_message() -> None:
    card = tracked_card()
    msg = message(card)
    blocks = check_message(msg)
    assert msg["text"] == "INC0010001 Require MFA for administrative roles — In Progress"
    head = blocks[0]
    assert head["text"]["text"] == (
        f"*<{card.url}|INC0010001>* Require MFA for administrative roles"
    )
    fields = [f["text"] for f in head["fields"]]
    assert fields == [
        "*State*\nIn Progress",
        "*Priority*\n2 - High",
        "*Due*\nDec 31, 2026 (UTC)",
        "*Requested by*\nAda Lovelace",
        "*Source*\nMicrosoft (AdminMFAV2)",
        "*Category*\nIdentity",
    ]
    open_button, comment, note, assign, group, resolve, refresh = buttons(blocks)
    assert read_button(assign["value"]) == c.Assign("INC0010001", "me")
    assert assign["text"]["text"] == "Assign to me"
    # The buttons with a form carry the command without its text, which opens the form.
    for opens, action, label in (
        (comment, "comment", "Add comment"),
        (note, "note", "Add work note"),
        (group, "assign", "Assign to group"),
        (resolve, "resolve", "Resolve"),
    ):
        assert read_button(opens["value"]) == c.ActionForm("INC0010001", action)
        assert opens["text"]["text"] == label
    assert open_button["action_id"] == "link"
    assert open_button["url"] == card.url
    assert open_button["text"]["text"] == "Open in ServiceNow"
    assert (refresh["action_id"], refresh["value"]) == ("snow:5", "ticket INC0010001")
    assert refresh["text"]["text"] == "Refresh"
    assert read_button(refresh["value"]) == c.ShowTicket("INC0010001")


def test_ticket_title_is_escaped_everywhere() -> None:
    card = ticket_card(make_ticket(title="Block <script> & >legacy< auth <!channel>"))
    msg = message(card)
    blocks = check_message(msg)
    escaped = "Block &lt;script&gt; &amp; &gt;legacy&lt; auth &lt;!channel&gt;"
    assert blocks[0]["text"]["text"].endswith(escaped)
    assert escaped in msg["text"]
    assert "<script>" not in all_text(blocks)
    assert "<!channel>" not in msg["text"]


def test_ticket_history_and_note_in_context_with_at_most_10_elements() -> None:
    history = tuple(
        Comment(
            f"c{d}", f"{1:032x}", f"step {d}", "Grace <ops>", datetime(2026, 2, d, 10, tzinfo=UTC)
        )
        for d in range(1, 13)
    )
    card = ticket_card(make_ticket(history=history), note="Showing the latest 12 entries.")
    blocks = ticket_blocks(card)
    check_blocks(blocks)
    history_block, note_block = by_type(blocks, "context")
    assert len(history_block["elements"]) == 10
    assert history_block["elements"][0]["text"] == (
        "2026-02-01 10:00 UTC · *Grace &lt;ops&gt;*: comment: step 1"
    )
    assert history_block["elements"][-1]["text"] == "…and 3 more"
    assert note_block["elements"][0]["text"] == "Showing the latest 12 entries."


def test_ticket_without_optional_facts_still_gets_open_and_refresh_buttons() -> None:
    base = ticket_card(make_ticket(category=None, recommendation_id=None, due=None))
    card = TicketCard(**{**_as_dict(base), "source": ""})
    blocks = ticket_blocks(card)
    check_blocks(blocks)
    labels = [f["text"].split("\n")[0] for f in blocks[0]["fields"]]
    assert labels == ["*State*", "*Priority*", "*Due*", "*Requested by*"]
    ids = ["link", "snow", *(f"snow:{n}" for n in range(1, 6))]
    assert [b["action_id"] for b in buttons(blocks)] == ids
    assert buttons(blocks)[0]["url"] == card.url


def _as_dict(card: TicketCard) -> dict[str, Any]:
    return {name: getattr(card, name) for name in card.__dataclass_fields__}


def test_300_char_title_fits_in_the_section_but_not_in_a_header() -> None:
    long_title = "T" * 300
    blocks = check_message(message(ticket_card(make_ticket(title=long_title))))
    assert long_title in blocks[0]["text"]["text"]
    listing = check_message(message(TicketListView(long_title, (tracked_card(),))))
    header = listing[0]["text"]["text"]
    assert len(header) == 150
    assert header.endswith("…")


def test_ticket_list_of_120_is_cut_to_50_blocks_with_and_n_more() -> None:
    cards = tuple(ticket_card(make_ticket(n)) for n in range(1, 121))
    more = Button("More", c.Tickets(None, True, 2))
    view = TicketListView("Open incidents", cards, more=more, servicenow_list_url=INSTANCE)
    msg = message(view)
    blocks = check_message(msg)
    assert len(blocks) == 50
    shown = [b for b in by_type(blocks, "section") if "INC" in b["text"]["text"]]
    note = blocks[-2]["elements"][0]["text"]
    assert note == f"…and {120 - len(shown)} more"
    assert [b["action_id"] for b in blocks[-1]["elements"]] == ["snow", "link"]
    assert blocks[-1]["elements"][0]["value"] == "tickets open page 2"
    assert blocks[-1]["elements"][1]["url"] == INSTANCE
    assert msg["text"].startswith("Open incidents: INC0010001 In Progress")


def test_compact_ticket_line() -> None:
    blocks = check_message(message(TicketListView("Tickets", (tracked_card(),))))
    assert blocks[1]["text"]["text"].endswith("\nIn Progress · 2 - High · due Dec 31, 2026 (UTC)")


def test_empty_ticket_list_shows_the_empty_text() -> None:
    msg = message(TicketListView("Open changes", (), empty_text="No open tickets."))
    blocks = check_message(msg)
    assert blocks[-1]["elements"][0]["text"] == "No open tickets."
    assert msg["text"] == "Open changes: No open tickets."


# --- recommendations --------------------------------------------------------------------


def test_recommendation_card_with_share_button() -> None:
    card = recommendation_card(RecommendationItem(make_rec()), None)
    blocks = recommendation_blocks(card)
    check_blocks(blocks)
    assert blocks[0]["text"]["text"].startswith(f"*{card.title}*\nYou have 3 of 12")
    assert len(blocks[0]["fields"]) == len(card.facts) <= 10
    assert "*Score to gain*\n+7.5 points" in [f["text"] for f in blocks[0]["fields"]]
    share, how = buttons(blocks)
    assert share == {
        "type": "button",
        "action_id": "snow",
        "value": "share AdminMFAV2",
        "style": "primary",
        "text": {"type": "plain_text", "text": "Share to ServiceNow", "emoji": True},
    }
    assert how["url"] == make_rec().url
    assert how["action_id"] == "link"
    assert how["text"]["text"] == "How to fix"
    assert "Tracked by" not in all_text(blocks)


def test_tracked_recommendation_shows_its_ticket_and_no_share_button() -> None:
    ticket = tracked_card()
    card = recommendation_card(RecommendationItem(make_rec(state="Reviewed")), ticket)
    msg = message(card)
    blocks = check_message(msg)
    assert "share AdminMFAV2" not in all_text(blocks)
    assert [b["action_id"] for b in buttons(blocks)] == ["link"]  # How to fix only
    (ctx,) = by_type(blocks, "context")
    texts = [e["text"] for e in ctx["elements"]]
    assert texts == [
        f"Tracked by <{ticket.url}|INC0010001> (In Progress)",
        "Marked Reviewed in Secure Score.",
    ]
    assert msg["text"].endswith("— tracked by INC0010001")


def test_long_recommendation_summary_and_fact_are_cut() -> None:
    card = recommendation_card(
        RecommendationItem(make_rec(implementation_status="", user_impact="u" * 5000)), None
    )
    card = type(card)(**{**{n: getattr(card, n) for n in card.__dataclass_fields__},
                         "summary": "s" * 5000})  # fmt: skip
    blocks = recommendation_blocks(card)
    check_blocks(blocks)
    assert len(blocks[0]["text"]["text"]) == 3000
    assert max(len(f["text"]) for f in blocks[0]["fields"]) == 2000


def test_user_recommendation_without_url_has_only_share() -> None:
    rec = make_rec(id="u-1", source=RecommendationSource.USER, url=None, implementation_status="")
    blocks = recommendation_blocks(recommendation_card(RecommendationItem(rec), None))
    check_blocks(blocks)
    assert [(b["action_id"], b.get("value")) for b in buttons(blocks)] == [("snow", "share u-1")]


def test_recommendation_list_drops_whole_cards_and_keeps_more_last() -> None:
    items = [RecommendationItem(make_rec(id=f"Rec{i}")) for i in range(20)]
    page = RecommendationPage(items=items, total=40, offset=0, limit=20, category="Identity")
    cards = tuple(recommendation_card(i, None) for i in items)
    msg = message(recommendation_list(page, cards))
    blocks = check_message(msg)
    assert blocks[0]["text"]["text"] == "Identity recommendations"
    shown = sum(1 for b in buttons(blocks) if b.get("value", "").startswith("share Rec"))
    assert by_type(blocks, "context")[-1]["elements"][0]["text"] == f"…and {20 - shown} more"
    (more,) = blocks[-1]["elements"]
    assert (more["action_id"], more["value"]) == ("snow", "recommendations Identity page 2")
    assert more["text"]["text"] == "Next page (2)"
    # Every shown card is complete: its share button made it in.
    assert len(by_type(blocks, "divider")) == shown


def test_empty_recommendation_list_with_note() -> None:
    page = RecommendationPage(items=[], total=0, offset=0, limit=8, hidden_done=3)
    blocks = check_message(message(recommendation_list(page, ())))
    texts = [e["text"] for b in by_type(blocks, "context") for e in b["elements"]]
    assert texts == [
        "3 recommendations achieved in full are hidden; add 'all' to see them.",
        "No recommendations to show.",
    ]


# --- help, status, states ---------------------------------------------------------------


def test_help_lists_every_command_escaped() -> None:
    blocks = check_message(message(HelpView(COMMAND_HELP, connected=False)))
    text = all_text(blocks)
    assert "`/snow connect &lt;instance&gt;` — connect this workspace" in text
    assert text.count("`/snow ") == len(COMMAND_HELP) + 1  # +1: the "not connected" line
    connected = check_message(message(HelpView(COMMAND_HELP, True, INSTANCE)))
    assert f"Connected to <{INSTANCE}|{INSTANCE}>." in all_text(connected)


def test_status_view() -> None:
    lines = (
        ("Instance", INSTANCE),
        ("Connected as", "snowops.integration"),
        ("Last error", "none"),
    )
    msg = message(StatusView("ServiceNow connection", lines, hint="All good."))
    blocks = check_message(msg)
    assert blocks[0]["text"]["text"] == ":white_check_mark: *ServiceNow connection*"
    assert blocks[1]["fields"][1]["text"] == "*Connected as*\nsnowops.integration"
    unhealthy = check_message(message(StatusView("ServiceNow: not connected", (), "x", False)))
    assert unhealthy[0]["text"]["text"].startswith(":warning:")


def test_status_with_many_lines_splits_fields_by_ten() -> None:
    lines = tuple((f"L{i}", "v") for i in range(14))
    blocks = check_message(message(StatusView("Status", lines)))
    assert [len(b["fields"]) for b in blocks[1:3]] == [10, 4]


def test_states_view_shows_servicenow_name_when_renamed() -> None:
    view = StatesView(
        TicketKind.INCIDENT,
        (("1", "New", "New"), ("2", "Being fixed", "In Progress")),
        can_edit=True,
    )
    msg = message(view)
    blocks = check_message(msg)
    assert blocks[1]["text"]["text"] == "`1` New\n`2` Being fixed _(ServiceNow: In Progress)_"
    assert "/snow states incident" in blocks[-1]["elements"][0]["text"]
    assert msg["text"] == "Incident states"


def test_configuration_message_offers_reconnect_and_a_confirmed_disconnect() -> None:
    status = StatusView("ServiceNow connection", (("Instance", INSTANCE),))
    states = StatesView(TicketKind.INCIDENT, (("2", "Being fixed", "In Progress"),), True)
    view = ConfigurationView(
        status,
        (states,),
        banner=Notice("Renamed state 2.", NoticeLevel.SUCCESS),
        buttons=(
            Button("Reconnect", c.Reconnect()),
            Button("Disconnect", c.Disconnect(), confirm="Forget the connection?"),
        ),
    )
    msg = message(view)
    blocks = check_message(msg)
    assert blocks[0]["text"]["text"] == ":white_check_mark: Renamed state 2."
    assert "Being fixed _(ServiceNow: In Progress)_" in all_text(blocks)
    reconnect, disconnect = blocks[-1]["elements"]
    assert (reconnect["action_id"], reconnect["value"]) == ("snow", "reconnect")
    assert (disconnect["action_id"], disconnect["value"]) == ("snow:1", "disconnect")
    assert disconnect["style"] == "danger"
    assert disconnect["confirm"]["text"]["text"] == "Forget the connection?"


# --- home -------------------------------------------------------------------------------


def make_home(connected: bool = True) -> HomeView:
    incidents = tuple(ticket_card(make_ticket(n)) for n in range(1, 4))
    change = ticket_card(make_ticket(9, kind=TicketKind.CHANGE, number="CHG0030001", state="-5"))
    return HomeView(
        connected=connected,
        instance_url=INSTANCE if connected else "",
        summaries=(
            KindSummary(
                TicketKind.INCIDENT,
                "Incident management",
                (("New", 2), ("In Progress", 3)),
                incidents,
            ),
            KindSummary(TicketKind.CHANGE, "Change management", (), (change,)),
        ),
        buttons=(
            Button("Create ticket", c.Create(), primary=True),
            Button("View all tickets", c.Tickets(open_only=False)),
            Button("Manage ServiceNow configuration", c.Configure()),
        ),
    )


def test_home_tab() -> None:
    view = check_view(home_view(make_home()))
    assert view["type"] == "home"
    blocks = view["blocks"]
    headers = [b["text"]["text"] for b in by_type(blocks, "header")]
    assert headers == ["SnowOps", "Incident management", "Change management"]
    assert f"Connected to <{INSTANCE}|{INSTANCE}>" in blocks[1]["elements"][0]["text"]
    counts = next(b for b in blocks if b.get("fields"))
    assert [f["text"] for f in counts["fields"]] == ["*New*\n2", "*In Progress*\n3"]
    assert "No tickets yet." in all_text(blocks)
    assert all_text(blocks).count("INC00") == 3
    assert "CHG0030001" in all_text(blocks)
    ids = [e["action_id"] for e in blocks[-1]["elements"]]
    assert ids == ["snow", "snow:1", "snow:2"]
    values = [e["value"] for e in blocks[-1]["elements"]]
    assert values == ["create incident", "tickets all", "config"]


def test_home_when_not_connected_and_as_a_message() -> None:
    view = check_view(home_view(make_home(connected=False)))
    assert "Not connected to ServiceNow" in view["blocks"][1]["elements"][0]["text"]
    check_message(message(make_home()))


# --- tuples -----------------------------------------------------------------------------


def test_tuple_concatenates_in_order() -> None:
    ticket = tracked_card()
    msg = message((Notice("Already tracked by INC0010001 (In Progress).", link=ticket.url), ticket))
    blocks = check_message(msg)
    assert blocks[0]["text"]["text"].startswith("Already tracked")
    assert "INC0010001" in blocks[1]["text"]["text"]
    assert msg["text"].splitlines() == [
        "Already tracked by INC0010001 (In Progress).",
        "INC0010001 Require MFA for administrative roles — In Progress",
    ]


def test_tuple_gives_a_long_list_the_room_left() -> None:
    cards = tuple(ticket_card(make_ticket(n)) for n in range(1, 121))
    blocks = check_message(message((Notice("Here you go."), TicketListView("Tickets", cards))))
    assert len(blocks) == 50
    assert blocks[0]["text"]["text"] == "Here you go."
    assert blocks[-1]["elements"][0]["text"].startswith("…and ")


def test_tuple_of_many_cards_ends_with_and_n_more() -> None:
    cards = tuple(ticket_card(make_ticket(n)) for n in range(1, 31))
    blocks = check_message(message(cards))
    assert len(blocks) <= 50
    shown = sum(1 for b in blocks if b["type"] == "section")
    assert blocks[-1]["elements"][0]["text"] == f"…and {30 - shown} more"


def test_the_form_is_not_a_message() -> None:
    with pytest.raises(TypeError, match="ticket_form_modal"):
        message(TicketFormView())


# --- ticket form ------------------------------------------------------------------------


def inputs(view: JSON) -> dict[str, JSON]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def test_share_form_modal_prefilled_from_a_recommendation() -> None:
    rec = make_rec()
    form = share_form(rec)
    metadata = FormContext.of(form, "C0123").dumps()
    view = check_view(ticket_form_modal(form, private_metadata=metadata))
    assert view["callback_id"] == "ticket_form"
    assert view["title"]["text"] == "Share to ServiceNow"
    assert view["submit"]["text"] == "Create"
    assert view["close"]["text"] == "Cancel"
    assert view["private_metadata"] == metadata
    context_back = FormContext.loads(view["private_metadata"])
    assert (context_back.recommendation_id, context_back.channel) == ("AdminMFAV2", "C0123")
    fields = inputs(view)
    assert list(fields) == ["kind", "name", "description", "priority", "due", "category"]
    assert all(b["element"]["action_id"] == "value" for b in fields.values())
    assert fields["kind"]["element"]["initial_option"]["value"] == "incident"
    assert fields["name"]["element"]["initial_value"] == rec.title
    assert fields["name"]["element"]["max_length"] == NAME_MAX
    assert fields["description"]["element"]["multiline"] is True
    assert fields["description"]["element"]["initial_value"].endswith(f"Action: {rec.url}")
    assert fields["priority"]["element"]["initial_option"]["value"] == "3"
    assert fields["category"]["element"]["initial_option"]["value"] == "Identity"
    assert "initial_date" not in fields["due"]["element"]
    assert [fields[k].get("optional", False) for k in fields] == [
        False, False, True, False, True, True,
    ]  # fmt: skip
    source = view["blocks"][0]["elements"][0]["text"]
    assert source == f"Source: Microsoft Secure Score — <{rec.url}|AdminMFAV2>"


def test_create_form_modal_with_banner_errors_and_initial_values() -> None:
    form = TicketFormView(
        kind=TicketKind.CHANGE,
        name="Rotate <break-glass> keys",
        priority=Priority.HIGH,
        due="2026-12-31",
        category="infrastructure",
        errors={"name": "Give the ticket a name."},
    )
    view = check_view(
        ticket_form_modal(
            form,
            private_metadata="m",
            errors={"due": "The due date is in the past."},
            banner="ServiceNow: access denied (403) & more.",
        )
    )
    assert view["title"]["text"] == "New ServiceNow ticket"
    assert view["blocks"][0]["text"]["text"] == (
        ":warning: ServiceNow: access denied (403) &amp; more."
    )
    assert view["blocks"][1]["elements"][0]["text"] == "Source: your team"
    fields = inputs(view)
    assert fields["kind"]["element"]["initial_option"]["value"] == "change"
    assert fields["name"]["element"]["initial_value"] == "Rotate <break-glass> keys"  # plain text
    assert fields["priority"]["element"]["initial_option"]["text"]["text"] == "2 - High"
    assert fields["due"]["element"]["initial_date"] == "2026-12-31"
    assert fields["category"]["element"]["initial_option"]["value"] == "Infrastructure"
    assert fields["name"]["hint"]["text"] == ":warning: Give the ticket a name."
    assert fields["due"]["hint"]["text"] == ":warning: The due date is in the past."
    assert "initial_value" not in fields["description"]["element"]


def test_form_modal_cuts_long_values_to_slacks_limits() -> None:
    form = TicketFormView(name="N" * 300, description="D" * 5000, title="X" * 300, due="soon")
    view = check_view(ticket_form_modal(form, private_metadata=""))
    fields = inputs(view)
    assert len(view["title"]["text"]) == 24
    assert view["title"]["text"].endswith("…")
    name = fields["name"]["element"]["initial_value"]
    assert len(name) == NAME_MAX
    assert name.endswith("…")
    description = fields["description"]["element"]
    assert description["max_length"] == 3000
    assert len(description["initial_value"]) == 3000
    assert description["initial_value"][-1] == "…"
    assert "initial_date" not in fields["due"]["element"]
    options = fields["category"]["element"]["options"] + fields["priority"]["element"]["options"]
    assert all(len(o["text"]["text"]) <= 75 for o in options)


def test_form_modal_refuses_long_private_metadata() -> None:
    with pytest.raises(ValueError, match="private_metadata"):
        ticket_form_modal(TicketFormView(), private_metadata="x" * 3001)
    check_view(ticket_form_modal(TicketFormView(), private_metadata="x" * 3000))


def submission_values() -> JSON:
    """``view.state.values`` as Slack sends it in a view_submission (Slack docs' shape)."""

    def option(text: str, value: str) -> JSON:
        return {"text": {"type": "plain_text", "text": text, "emoji": True}, "value": value}

    return {
        "kind": {"value": {"type": "static_select", "selected_option": option("Change", "change")}},
        "name": {"value": {"type": "plain_text_input", "value": "Rotate break-glass keys"}},
        "description": {"value": {"type": "plain_text_input", "value": None}},
        "priority": {"value": {"type": "static_select", "selected_option": option("1", "1")}},
        "due": {"value": {"type": "datepicker", "selected_date": "2026-12-31"}},
        "category": {"value": {"type": "static_select", "selected_option": None}},
    }


def test_form_values_reads_a_view_submission() -> None:
    values = form_values(submission_values())
    assert values == {
        "kind": "change",
        "name": "Rotate break-glass keys",
        "description": None,
        "priority": "1",
        "due": "2026-12-31",
        "category": None,
    }
    clean = validate_ticket_form(values, NOW)
    assert isinstance(clean, TicketFormValues)
    assert clean.kind is TicketKind.CHANGE
    assert clean.priority is Priority.CRITICAL


def test_form_values_tolerates_missing_blocks_and_renamed_actions() -> None:
    state = {"name": {"other_id": {"type": "plain_text_input", "value": "x"}}}
    assert form_values(state) == {
        "kind": None,
        "name": "x",
        "description": None,
        "priority": None,
        "due": None,
        "category": None,
    }


# --- small modals and the ticket list modal ---------------------------------------------


def test_progress_and_result_modals() -> None:
    progress = check_view(progress_modal("Creating your ticket in ServiceNow", "Working <on> it"))
    assert "submit" not in progress
    assert len(progress["title"]["text"]) == 24
    assert progress["blocks"][0]["text"]["text"].endswith("Working &lt;on&gt; it")
    url = f"{INSTANCE}/nav_to.do?uri=incident.do?sys_id=1"
    done = check_view(result_modal("Ticket created", "Created INC0010001.", url))
    assert "submit" not in done
    assert buttons(done["blocks"])[0]["url"] == url
    failed = check_view(result_modal("Not created", "ServiceNow refused it.", None))
    assert buttons(failed["blocks"]) == []


def test_ticket_list_modal_of_120() -> None:
    cards = tuple(ticket_card(make_ticket(n)) for n in range(1, 121))
    more = Button("More", c.Tickets(None, False, 2))
    list_url = f"{INSTANCE}/incident_list.do"
    view = check_view(
        ticket_list_modal(
            TicketListView("All tickets", cards, more=more, servicenow_list_url=list_url),
            private_metadata="C0123",
        )
    )
    assert view["callback_id"] == "ticket_list"
    assert view["private_metadata"] == "C0123"
    blocks = view["blocks"]
    assert len(blocks) == 100
    assert blocks[-2]["elements"][0]["text"] == "…and 22 more"
    more_button, list_button = blocks[-1]["elements"]
    assert (more_button["action_id"], more_button["value"]) == ("snow", "tickets all page 2")
    assert list_button["action_id"] == "link"
    assert list_button["url"] == list_url


def test_empty_ticket_list_modal() -> None:
    view = check_view(ticket_list_modal(TicketListView("All tickets", ())))
    assert view["blocks"][0]["elements"][0]["text"] == "No tickets yet."
    assert "private_metadata" not in view


def test_ticket_list_note_is_shown() -> None:
    view = TicketListView("Tickets", (tracked_card(),), note="Showing SnowOps tickets only.")
    blocks = check_message(message(view))
    assert blocks[1]["elements"][0]["text"] == "Showing SnowOps tickets only."
    modal = check_view(ticket_list_modal(view))
    assert modal["blocks"][0]["elements"][0]["text"] == "Showing SnowOps tickets only."
