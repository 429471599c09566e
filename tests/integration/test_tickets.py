"""Tickets end to end through core and the real client: create, dedupe, list, detail."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

import pytest

from core import commands as c
from core.connections import OAuthClientConfig
from core.handlers.context import RequestContext
from core.models import ChannelRef, RecommendationSource, Requester, TicketKind
from core.outcomes import Audience, Reply, ShowForm, StillWorking, TicketMade
from core.views import Notice, NoticeLevel, StatesView, TicketCard, TicketListView
from sim.servicenow import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
)
from tests.conftest import App, Sim, admin_ctx
from tests.integration.helpers import RecordingSink, made, run, submit

WS = "slack:T0123"
FORM = {
    "kind": "incident",
    "name": "Require MFA for administrative roles",
    "description": "Turn on MFA for every admin role.",
    "priority": "2",
    "due": "2026-12-31",
    "category": "Identity",
}


def user_ctx(user: str = "U_ANA", email: str | None = "abel.tuter@example.com") -> RequestContext:
    return RequestContext(
        WS, Requester("slack", user, "Abel Tuter", email), ChannelRef(WS, "C_SEC"), False
    )


async def test_incident_lands_in_servicenow_as_mapped(
    connected: App, sim: Sim, chat: RecordingSink
) -> None:
    out = made(
        await submit(
            connected,
            user_ctx(),
            FORM,
            source=RecommendationSource.MICROSOFT,
            recommendation_id="AdminMFAV2",
            recommendation_url="https://security.microsoft.com/securescore",
        )
    )
    assert out.created
    assert out.card.state == "New"
    assert out.card.priority == "2 - High"
    assert out.card.due == "Dec 31, 2026 (UTC)"
    assert out.notice.text == f"Created {out.card.number}."
    assert out.notice.level is NoticeLevel.SUCCESS
    assert out.notice.hint == ""
    # Core posted the card where the form was opened, and remembers where (for updates).
    assert out.posted is not None
    assert out.posted.channel == ChannelRef(WS, "C_SEC")
    assert chat.cards == {out.posted: out.card}
    assert await connected.services.store.list_card_locations(WS, out.card.number) == [out.posted]
    found = sim.instance.find_by_number(out.card.number)
    assert found is not None
    table, record = found
    assert table == "incident"
    assert (record["impact"], record["urgency"], record["priority"]) == ("1", "2", "2")
    assert record["due_date"] == "2026-12-31 23:59:59"
    assert record["correlation_id"] == f"snowops:{WS}:rec:AdminMFAV2"
    # Source and security category, in a field a list can filter on.
    assert record["correlation_display"] == "SnowOps · Microsoft · Identity"
    assert record["caller_id"] == sim.instance.actor("abel.tuter").sys_id
    assert "Recommendation source: Microsoft" in record["description"]
    assert "Requested by: Abel Tuter <abel.tuter@example.com> via Slack" in record["description"]


async def test_change_lands_with_priority(connected: App, sim: Sim) -> None:
    out = made(
        await submit(connected, user_ctx(email=None), {**FORM, "kind": "change", "priority": "4"})
    )
    found = sim.instance.find_by_number(out.card.number)
    assert found is not None
    table, record = found
    assert table == "change_request"
    assert record["type"] == "normal"
    assert record["priority"] == "4"
    # No email to match: ServiceNow's default (the integration user) stays.
    assert record["requested_by"] == sim.instance.actor(DEFAULT_USERNAME).sys_id


async def test_bad_form_sends_nothing(connected: App, sim: Sim, chat: RecordingSink) -> None:
    sim.instance.request_log.clear()
    out = await submit(connected, user_ctx(), {**FORM, "name": "x" * 200, "due": "2020-01-01"})
    assert isinstance(out, ShowForm), out
    assert set(out.form.errors) == {"name", "due"}
    assert sim.instance.request_log == []
    assert chat.cards == {}


async def test_second_share_points_to_the_open_ticket(connected: App, sim: Sim) -> None:
    first = made(await submit(connected, user_ctx(), FORM, recommendation_id="AdminMFAV2"))
    second = made(
        await submit(connected, user_ctx("U_OTHER"), FORM, recommendation_id="AdminMFAV2")
    )
    assert not second.created
    assert second.card.number == first.card.number
    assert "Already tracked by open incident" in second.notice.text
    # Once the ticket is closed, sharing again opens a new one.
    sim.instance.set_state(first.card.number, "7", close_code="Solution provided")
    third = made(await submit(connected, user_ctx(), FORM, recommendation_id="AdminMFAV2"))
    assert third.created
    assert third.card.number != first.card.number


async def test_share_tracked_elsewhere_is_adopted_from_servicenow(connected: App, sim: Sim) -> None:
    first = made(await submit(connected, user_ctx(), FORM, recommendation_id="Sspr"))
    # Another replica (or a lost store) does not know the ticket: ServiceNow does.
    ticket = await connected.services.store.get_ticket(WS, first.card.number)
    assert ticket is not None
    await connected.services.store.save_ticket(replace(ticket, correlation_id="moved"))
    again = made(await submit(connected, user_ctx(), FORM, recommendation_id="Sspr"))
    assert not again.created
    assert again.card.number == first.card.number


async def test_retried_submission_returns_the_same_ticket(connected: App, sim: Sim) -> None:
    a = made(await submit(connected, user_ctx(), FORM, key="view-V123"))
    b = made(await submit(connected, user_ctx(), FORM, key="view-V123"))
    assert b.card.number == a.card.number
    assert a.created
    assert not b.created


async def test_double_click_creates_one_ticket(
    connected: App, sim: Sim, chat: RecordingSink
) -> None:
    outs = await asyncio.gather(
        *(submit(connected, user_ctx(), FORM, key="click-1") for _ in range(5))
    )
    numbers = {o.card.number for o in outs if isinstance(o, TicketMade)}
    assert len(numbers) == 1
    creates = [p for m, p in sim.instance.request_log if m == "POST" and "/table/incident" in p]
    assert len(creates) == 1
    assert sum(isinstance(o, TicketMade) and o.created for o in outs) == 1
    # The clicks that lost the race were told it is in progress or given the ticket.
    for o in outs:
        assert isinstance(o, TicketMade) or (
            isinstance(o, StillWorking) and "already" in o.notice.text
        ), o
    # One ticket, one card.
    assert len(chat.cards) == 1


async def test_servicenow_failure_is_a_notice_and_can_be_retried(connected: App, sim: Sim) -> None:
    from sim.servicenow import Fault

    sim.instance.inject_fault(Fault(kind="acl", scope="table"))
    # The create itself (the instance's fields and choices are read before it).
    sim.instance.inject_fault(Fault(status=403, count=1, method="POST"))
    failed = await submit(connected, user_ctx(), FORM, key="k-1")
    # The form is shown again, as filled in, with what went wrong above it.
    assert isinstance(failed, ShowForm), failed
    assert failed.banner.startswith("ServiceNow:")
    assert failed.form.errors == {}
    assert failed.form.name == FORM["name"]
    sim.instance.clear_faults()
    ok = made(await submit(connected, user_ctx(), FORM, key="k-1"))
    assert ok.created


async def test_ticket_list_and_detail(connected: App, sim: Sim) -> None:
    inc = made(await submit(connected, user_ctx(), FORM))
    chg = made(
        await submit(connected, user_ctx(), {**FORM, "kind": "change", "name": "Rotate keys"})
    )
    sim.instance.set_state(inc.card.number, "2")
    sim.instance.add_journal(inc.card.number, "Working on it", element="comments")
    await run(connected, admin_ctx(), 'states incident 2 "Being fixed"')

    sim.instance.request_log.clear()
    listing = await run(connected, user_ctx(), "tickets")
    assert isinstance(listing, TicketListView)
    by_number = {c.number: c for c in listing.cards}
    assert by_number[inc.card.number].state == "Being fixed"
    assert by_number[chg.card.number].state == "New"
    # Refreshed with one query per table, never one per ticket.
    reads = [p for m, p in sim.instance.request_log if m == "GET" and "/api/now/table/" in p]
    assert len(reads) == 2

    detail = await run(connected, user_ctx(), f"ticket {inc.card.number}")
    assert isinstance(detail, TicketCard)
    assert detail.state == "Being fixed"
    assert any("Working on it" in h.text for h in detail.history)

    changes = await run(connected, user_ctx(), "tickets change")
    assert isinstance(changes, TicketListView)
    assert [c.number for c in changes.cards] == [chg.card.number]


async def test_unknown_ticket_is_a_clear_message(connected: App) -> None:
    view = await run(connected, user_ctx(), "ticket INC9999999")
    assert isinstance(view, Notice)
    assert "SnowOps has no incident INC9999999 in this workspace" in view.text


async def test_state_names_can_be_renamed_and_reset(connected: App) -> None:
    shown = await run(connected, admin_ctx(), 'states change -2 "Planned"')
    assert isinstance(shown, StatesView)
    assert ("-2", "Planned", "Scheduled") in shown.states
    reset = await run(connected, admin_ctx(), 'states change -2 ""')
    assert isinstance(reset, StatesView)
    assert ("-2", "Scheduled", "Scheduled") in reset.states
    bad = await run(connected, admin_ctx(), 'states incident 5 "Nope"')
    assert isinstance(bad, Notice)
    assert "has no state '5'" in bad.text
    refused = await run(connected, user_ctx(), 'states incident 2 "Mine"')
    assert isinstance(refused, Notice)
    assert "Only workspace admins" in refused.text


async def test_a_lost_create_answer_does_not_make_a_second_ticket(connected: App, sim: Sim) -> None:
    from sim.servicenow import Fault

    # ServiceNow commits the incident, then the answer is lost (a 502 from its proxy).
    sim.instance.inject_fault(Fault(status=502, method="POST", after=True))
    out = made(await submit(connected, user_ctx(), FORM, key="view-lost"))
    again = made(await submit(connected, user_ctx(), FORM, key="view-lost"))
    assert again.card.number == out.card.number
    creates = [p for m, p in sim.instance.request_log if m == "POST" and "/table/incident" in p]
    assert len(creates) == 1


async def test_an_unknown_outcome_is_checked_before_a_retry_inserts(
    connected: App, sim: Sim
) -> None:
    from sim.servicenow import Fault

    # The answer is lost and ServiceNow cannot be asked either: the user is told.
    sim.instance.inject_fault(Fault(status=502, method="POST", after=True))
    sim.instance.inject_fault(Fault(status=503, method="GET", count=50))
    first = await submit(connected, user_ctx(email=None), FORM, key="view-unknown")
    assert isinstance(first, ShowForm), first
    assert first.banner.startswith("ServiceNow:")
    sim.instance.clear_faults()
    # The retry finds the incident the first attempt made instead of making another.
    made(await submit(connected, user_ctx(email=None), FORM, key="view-unknown"))
    creates = [p for m, p in sim.instance.request_log if m == "POST" and "/table/incident" in p]
    assert len(creates) == 1


async def test_query_injection_through_a_recommendation_id_is_refused(
    connected: App, sim: Sim
) -> None:
    other = RequestContext(
        "slack:TOTHER", Requester("slack", "U9", "Eve"), ChannelRef("slack:TOTHER", "C9"), False
    )
    await connected.services.connections.connect_with_password(
        "slack:TOTHER",
        sim.url,
        OAuthClientConfig(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        DEFAULT_USERNAME,
        DEFAULT_PASSWORD,
        actor="test",
    )
    victim = made(await submit(connected, user_ctx(), FORM, recommendation_id="X"))
    out = await submit(
        connected, other, FORM, recommendation_id="zz^ORcorrelation_idSTARTSWITHsnowops"
    )
    assert isinstance(out, ShowForm), out
    assert "is not a recommendation id" in out.banner
    assert await connected.services.store.get_ticket("slack:TOTHER", victim.card.number) is None


async def test_ticket_lookup_is_limited_to_this_workspaces_tickets(
    connected: App, sim: Sim
) -> None:
    foreign = await connected.services.table.create(
        WS, "incident", {"short_description": "HR: payroll breach", "work_notes": "secret"}
    )
    outcome = await connected.services.router.handle_text(user_ctx(), f"ticket {foreign['number']}")
    assert isinstance(outcome, Reply), outcome
    assert isinstance(outcome.view, Notice)
    assert "SnowOps has no incident" in outcome.view.text
    assert "payroll" not in str(outcome)


async def test_history_shows_comments_not_work_notes(connected: App, sim: Sim) -> None:
    out = made(await submit(connected, user_ctx(), FORM))
    sim.instance.add_journal(out.card.number, "Customer-visible update", element="comments")
    sim.instance.add_journal(out.card.number, "Internal: root cause is Bob", element="work_notes")
    detail = await run(connected, user_ctx(), f"ticket {out.card.number}")
    assert isinstance(detail, TicketCard)
    texts = " ".join(h.text for h in detail.history)
    assert "Customer-visible update" in texts
    assert "Bob" not in texts


async def test_history_stays_visible_after_disconnect(connected: App, sim: Sim) -> None:
    out = made(await submit(connected, user_ctx(), FORM))
    await run(connected, admin_ctx(), "disconnect confirm")
    listing = await run(connected, user_ctx(), "tickets")
    assert isinstance(listing, TicketListView)
    assert [c.number for c in listing.cards] == [out.card.number]
    assert "Not refreshed from ServiceNow" in listing.note
    detail = await run(connected, user_ctx(), f"ticket {out.card.number}")
    assert isinstance(detail, TicketCard)
    assert "Not refreshed" in detail.note


async def test_subscriptions_merge_per_kind(connected: App) -> None:
    router = connected.services.router
    await run(connected, admin_ctx(), "subscribe incident priority<=1")
    answer = await router.handle_text(admin_ctx(), "subscribe change")
    assert isinstance(answer, Reply), answer
    # The channel learns what it will hear about.
    assert answer.audience is Audience.CONVERSATION
    notice = answer.view
    assert isinstance(notice, Notice)
    [sub] = await connected.services.store.list_subscriptions(WS)
    assert sub.wants(TicketKind.INCIDENT, 1)
    assert not sub.wants(TicketKind.INCIDENT, 2)
    assert sub.wants(TicketKind.CHANGE, 4)
    assert "incidents of priority 1–1" in notice.text
    refused = await run(connected, user_ctx(), "subscribe")
    assert isinstance(refused, Notice)
    assert "Only workspace admins" in refused.text
    gone = await run(connected, admin_ctx(), "unsubscribe")
    assert isinstance(gone, Notice)
    assert await connected.services.store.list_subscriptions(WS) == []


async def test_a_channel_snowops_cannot_post_in_is_not_subscribed(
    connected: App, chat: RecordingSink
) -> None:
    ctx = admin_ctx()
    assert ctx.channel is not None
    chat.unreachable.add(ctx.channel.channel)
    answer = await connected.services.router.handle_text(ctx, "subscribe incident")
    assert isinstance(answer, Reply), answer
    assert answer.audience is not Audience.CONVERSATION  # the asker is told, not the channel
    assert isinstance(answer.view, Notice)
    assert answer.view.level is NoticeLevel.WARNING
    assert "cannot be subscribed: SnowOps is not in this channel" in answer.view.text
    assert answer.view.hint == "Invite SnowOps to it."
    assert await connected.services.store.list_subscriptions(WS) == []


async def test_a_broken_store_gives_a_reference_not_a_trace(connected: App) -> None:
    await connected.services.store.close()
    try:
        view = await run(connected, user_ctx(), "tickets")
    finally:
        await connected.services.store.open()
    assert isinstance(view, Notice)
    assert "Something went wrong on SnowOps's side (reference " in view.text
    assert "Traceback" not in view.text


async def test_a_forged_page_number_is_refused_not_sent_to_the_store(
    connected: App, caplog: pytest.LogCaptureFixture
) -> None:
    """A card or button can be forged to ask for page 10**30 (the grammar refuses such a
    page when typed); it once reached SQLite as an offset too large for it."""
    for request in (c.Tickets(page=10**30), c.Tickets(page=0), c.Recommendations(page=10**30)):
        outcome = await connected.services.router.handle(user_ctx(), request)
        assert isinstance(outcome, Reply), outcome
        assert isinstance(outcome.view, Notice)
        assert outcome.view.level is NoticeLevel.WARNING
        assert "page number from 1 to 1000" in outcome.view.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
