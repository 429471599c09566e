"""The console's text rendering and its ChatSink (feed of announcements)."""

from __future__ import annotations

import asyncio

from adapters.console.render import clean, render
from adapters.console.session import form_from_doc, form_to_doc
from adapters.console.sink import ConsoleSink
from core import commands as c
from core.models import ChannelRef, Comment, RecommendationSource, TicketKind
from core.recommendation_views import recommendation_card, recommendation_list, share_form
from core.recommendations import RecommendationItem, RecommendationPage
from core.views import (
    Button,
    ConfigurationView,
    HomeView,
    KindSummary,
    Notice,
    NoticeLevel,
    StatusView,
    TicketListView,
    ticket_card,
)
from tests.unit.test_slack_blocks import make_rec, make_ticket


def test_ticket_card_shows_every_fact_and_the_link() -> None:
    text = render(ticket_card(make_ticket(), {"2": "Being fixed"}))
    assert "Incident INC0010001: Require MFA for administrative roles" in text
    assert "State: Being fixed   Priority: 2 - High   Due: Dec 31, 2026" in text
    assert "Requested by: Ada Lovelace   Source: Microsoft   Category: Identity" in text
    assert "Recommendation: AdminMFAV2" in text
    assert text.splitlines()[-1].endswith("incident.do?sys_id=" + f"{1:032x}")


def test_recommendation_buttons_become_commands() -> None:
    card = recommendation_card(RecommendationItem(make_rec()), None)
    page = RecommendationPage([RecommendationItem(make_rec())], 3, 0, 1, category="Identity")
    text = render(recommendation_list(page, (card,)))
    assert "== Identity recommendations ==" in text
    assert "Score to gain: +7.5 points" in text
    assert "→ Share to ServiceNow: /snow share AdminMFAV2" in text
    assert "→ Next page (2): /snow recommendations Identity page 2" in text


def test_tracked_recommendation_shows_its_ticket_instead_of_share() -> None:
    tracked = ticket_card(make_ticket())
    text = render(recommendation_card(RecommendationItem(make_rec()), tracked))
    assert "Tracked by INC0010001  [In Progress]  P2" in text
    assert "/snow share" not in text


def test_notice_status_home_and_lists() -> None:
    notice = Notice("Created INC1.", NoticeLevel.SUCCESS, hint="Follow it.", link="https://x/1")
    assert render(notice) == "[ok] Created INC1.\n  https://x/1\n  hint: Follow it."
    status = render(StatusView("ServiceNow connection", (("Instance", "acme"),), "Do X.", False))
    assert status.splitlines() == [
        "ServiceNow connection: needs attention",
        "  Instance: acme",
        "  hint: Do X.",
    ]
    card = ticket_card(make_ticket())
    home = HomeView(
        True,
        "https://acme.service-now.com",
        (KindSummary(TicketKind.INCIDENT, "Incident management", (("In Progress", 1),), (card,)),),
        (
            Button("Create ticket", c.Create(), primary=True),
            Button("Open ServiceNow", url="https://acme.service-now.com"),
        ),
    )
    text = render(home)
    assert "== Incident management ==" in text
    assert "In Progress: 1" in text
    assert "  → Create ticket: /snow create incident" in text.splitlines()
    assert "Open ServiceNow" not in text  # a link button has no command to type
    assert render(TicketListView("Open incidents", ())) == "== Open incidents ==\nNo tickets yet."


def test_configuration_shows_its_buttons_as_commands() -> None:
    view = ConfigurationView(
        StatusView("ServiceNow connection", (("Instance", "acme"),)),
        (),
        banner=Notice("Saved.", NoticeLevel.SUCCESS),
        buttons=(
            Button("Reconnect", c.Reconnect()),
            Button("Disconnect", c.Disconnect(), confirm="Sure?"),
        ),
    )
    lines = render(view).splitlines()
    assert lines[:3] == ["[ok] Saved.", "ServiceNow connection: healthy", "  Instance: acme"]
    assert lines[-2:] == ["  → Reconnect: /snow reconnect", "  → Disconnect: /snow disconnect"]


def test_form_round_trips_through_json() -> None:
    form = share_form(make_rec())
    again = form_from_doc(form_to_doc(form))
    assert again.source is RecommendationSource.MICROSOFT
    assert again == form


async def test_sink_announces_replies_and_posts_to_waiting_readers() -> None:
    sink = ConsoleSink()
    terminal = ChannelRef("console:local", "terminal")
    where = await sink.post_card(terminal, ticket_card(make_ticket()))
    waiting = asyncio.create_task(sink.wait(0, 5))
    change = Notice("INC0010001 Require MFA: New → In Progress")
    await sink.post(where.channel, change, key="k1", thread=where.message_id)
    entries = await waiting
    assert [e.text for e in entries] == ["🔔 INC0010001 Require MFA: New → In Progress"]
    assert await sink.was_posted(where.channel, "k1", thread=where.message_id)
    assert not await sink.was_posted(where.channel, "k2")
    link = "https://acme.service-now.com/change_request.do?sys_id=1"
    await sink.post(where.channel, Notice("CHG0030001 Patch: New → Assess", link=link), key="k2")
    [newer] = sink.since(entries[-1].seq)
    assert newer.seq == entries[-1].seq + 1
    assert newer.text == f"🔔 CHG0030001 Patch: New → Assess\n   {link}"
    assert await sink.was_posted(where.channel, "k2")
    assert await sink.wait(newer.seq, 0.01) == []
    assert await sink.direct("console:local", "U1") == terminal


async def test_a_restarted_sink_numbers_past_the_old_one() -> None:
    """A terminal attached before `snowops dev` restarted asks for entries newer than its
    old position: the new server's feed must count from beyond it."""
    old = ConsoleSink()
    await old.announce("before the restart")
    position = old.last_seq
    await asyncio.sleep(0.001)
    new = ConsoleSink()
    await new.announce("after the restart")
    assert [e.text for e in new.since(position)] == ["after the restart"]


def test_control_characters_from_servicenow_never_reach_the_terminal() -> None:
    """Markup means nothing to a terminal, but control sequences do: a title or a comment
    could recolour the screen, set the window title, rewrite a line or hide a link."""
    title = "Reset *all* \x1b[31mred\x1b[0m\x1b]0;pwned\x07 <!channel>\rfake\x9b2J"
    hidden_link = "\x1b]8;;https://evil.example\x1b\\here\x1b]8;;\x1b\\"
    comment = Comment("c1", f"{1:032x}", f"see {hidden_link} \x00!", "beth", None)
    text = render(ticket_card(make_ticket(title=title, history=(comment,))))
    assert not [ch for ch in text if (ord(ch) < 32 and ch != "\n") or 0x7F <= ord(ch) <= 0x9F]
    assert "Reset *all* red <!channel>fake" in text  # markup is shown as typed
    assert "see here !" in text
    assert clean("a\tb\nc\x1b[2Kd\x1b") == "a\tb\ncd"
