"""The console's text rendering and its ChatSink (feed of announcements)."""

from __future__ import annotations

import asyncio

from adapters.console.render import render
from adapters.console.session import form_from_doc, form_to_doc
from adapters.console.sink import ConsoleSink
from core.models import ChannelRef, RecommendationSource, TicketKind
from core.recommendation_views import recommendation_card, recommendation_list, share_form
from core.recommendations import RecommendationItem, RecommendationPage
from core.views import (
    Action,
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
    assert "State: Being fixed   Priority: 2 - High   Due: 2026-12-31" in text
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
        (Action("create_ticket", "Create ticket"),),
    )
    text = render(home)
    assert "== Incident management ==" in text
    assert "In Progress: 1" in text
    assert "→ Create ticket: /snow create" in text
    assert render(TicketListView("Open incidents", ())) == "== Open incidents ==\nNo tickets yet."


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
    await sink.reply(where, "INC0010001 Require MFA: New → In Progress")
    entries = await waiting
    assert [e.text for e in entries] == ["🔔 INC0010001 Require MFA: New → In Progress"]
    await sink.post_text(where.channel, "CHG0030001 Patch: New → Assess")
    [newer] = sink.since(entries[-1].seq)
    assert newer.seq == entries[-1].seq + 1
    assert await sink.wait(newer.seq, 0.01) == []


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
