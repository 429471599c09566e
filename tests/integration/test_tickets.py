"""Tickets end to end through core and the real client: create, dedupe, list, detail."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from core.connections import OAuthClientConfig
from core.dispatch import RequestContext
from core.models import ChannelRef, RecommendationSource, Requester
from core.views import Notice, StatesView, TicketCard, TicketListView
from sim.servicenow import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
)
from tests.conftest import App, Sim, admin_ctx

WS = "slack:T0123"
FORM = {
    "kind": "incident",
    "name": "Require MFA for administrative roles",
    "description": "Turn on MFA for every admin role.",
    "priority": "2",
    "due": "2026-12-31",
    "category": "Identity",
}


@pytest.fixture
async def connected(app: App, sim: Sim) -> App:
    """A workspace connected to the simulator."""
    await app.services.connections.connect_with_password(
        WS,
        sim.url,
        OAuthClientConfig(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        DEFAULT_USERNAME,
        DEFAULT_PASSWORD,
        actor="test",
    )
    return app


def user_ctx(user: str = "U_ANA", email: str | None = "abel.tuter@example.com") -> RequestContext:
    return RequestContext(
        WS, Requester("slack", user, "Abel Tuter", email), ChannelRef(WS, "C_SEC"), False
    )


async def test_incident_lands_in_servicenow_as_mapped(connected: App, sim: Sim) -> None:
    out = await connected.services.dispatcher.submit_form(
        user_ctx(),
        FORM,
        source=RecommendationSource.MICROSOFT,
        recommendation_id="AdminMFAV2",
        recommendation_url="https://security.microsoft.com/securescore",
    )
    assert out.created
    assert out.card is not None
    assert out.card.state == "New"
    assert out.card.priority == "2 - High"
    assert out.card.due == "2026-12-31"
    found = sim.instance.find_by_number(out.card.number)
    assert found is not None
    table, record = found
    assert table == "incident"
    assert (record["impact"], record["urgency"], record["priority"]) == ("1", "2", "2")
    assert record["due_date"] == "2026-12-31 23:59:59"
    assert record["correlation_id"] == f"snowops:{WS}:rec:AdminMFAV2"
    assert record["correlation_display"] == "SnowOps"
    assert record["caller_id"] == sim.instance.actor("abel.tuter").sys_id
    assert "Recommendation source: Microsoft" in record["description"]
    assert "Requested by: Abel Tuter <abel.tuter@example.com> via Slack" in record["description"]


async def test_change_lands_with_priority(connected: App, sim: Sim) -> None:
    out = await connected.services.dispatcher.submit_form(
        user_ctx(email=None), {**FORM, "kind": "change", "priority": "4"}
    )
    assert out.card is not None
    found = sim.instance.find_by_number(out.card.number)
    assert found is not None
    table, record = found
    assert table == "change_request"
    assert record["type"] == "normal"
    assert record["priority"] == "4"
    # No email to match: ServiceNow's default (the integration user) stays.
    assert record["requested_by"] == sim.instance.actor(DEFAULT_USERNAME).sys_id


async def test_bad_form_sends_nothing(connected: App, sim: Sim) -> None:
    sim.instance.request_log.clear()
    out = await connected.services.dispatcher.submit_form(
        user_ctx(), {**FORM, "name": "x" * 200, "due": "2020-01-01"}
    )
    assert out.errors is not None
    assert set(out.errors) == {"name", "due"}
    assert sim.instance.request_log == []


async def test_second_share_points_to_the_open_ticket(connected: App, sim: Sim) -> None:
    d = connected.services.dispatcher
    first = await d.submit_form(user_ctx(), FORM, recommendation_id="AdminMFAV2")
    second = await d.submit_form(user_ctx("U_OTHER"), FORM, recommendation_id="AdminMFAV2")
    assert first.card is not None
    assert second.card is not None
    assert not second.created
    assert second.card.number == first.card.number
    assert second.notice is not None
    assert "Already tracked by open incident" in second.notice.text
    # Once the ticket is closed, sharing again opens a new one.
    sim.instance.set_state(first.card.number, "7", close_code="Solution provided")
    third = await d.submit_form(user_ctx(), FORM, recommendation_id="AdminMFAV2")
    assert third.created
    assert third.card is not None
    assert third.card.number != first.card.number


async def test_share_tracked_elsewhere_is_adopted_from_servicenow(connected: App, sim: Sim) -> None:
    d = connected.services.dispatcher
    first = await d.submit_form(user_ctx(), FORM, recommendation_id="Sspr")
    assert first.card is not None
    # Another replica (or a lost store) does not know the ticket: ServiceNow does.
    ticket = await connected.services.store.get_ticket(WS, first.card.number)
    assert ticket is not None
    await connected.services.store.save_ticket(replace(ticket, correlation_id="moved"))
    again = await d.submit_form(user_ctx(), FORM, recommendation_id="Sspr")
    assert not again.created
    assert again.card is not None
    assert again.card.number == first.card.number


async def test_retried_submission_returns_the_same_ticket(connected: App, sim: Sim) -> None:
    d = connected.services.dispatcher
    a = await d.submit_form(user_ctx(), FORM, idempotency_key="view-V123")
    b = await d.submit_form(user_ctx(), FORM, idempotency_key="view-V123")
    assert a.card is not None
    assert b.card is not None
    assert b.card.number == a.card.number
    assert a.created
    assert not b.created


async def test_double_click_creates_one_ticket(connected: App, sim: Sim) -> None:
    d = connected.services.dispatcher
    outs = await asyncio.gather(
        *(d.submit_form(user_ctx(), FORM, idempotency_key="click-1") for _ in range(5))
    )
    numbers = {o.card.number for o in outs if o.card is not None}
    assert len(numbers) == 1
    creates = [p for m, p in sim.instance.request_log if m == "POST" and "/table/incident" in p]
    assert len(creates) == 1
    assert sum(o.created for o in outs) == 1
    # The clicks that lost the race were told it is in progress or given the ticket.
    for o in outs:
        assert o.card is not None or (o.notice is not None and "already" in o.notice.text)


async def test_servicenow_failure_is_a_notice_and_can_be_retried(connected: App, sim: Sim) -> None:
    from sim.servicenow import Fault

    sim.instance.inject_fault(Fault(kind="acl", scope="table"))
    sim.instance.inject_fault(Fault(status=403, count=1))
    d = connected.services.dispatcher
    failed = await d.submit_form(user_ctx(), FORM, idempotency_key="k-1")
    assert failed.card is None
    assert failed.notice is not None
    assert failed.notice.text.startswith("ServiceNow:")
    sim.instance.clear_faults()
    ok = await d.submit_form(user_ctx(), FORM, idempotency_key="k-1")
    assert ok.created


async def test_ticket_list_and_detail(connected: App, sim: Sim) -> None:
    d = connected.services.dispatcher
    inc = await d.submit_form(user_ctx(), FORM)
    chg = await d.submit_form(user_ctx(), {**FORM, "kind": "change", "name": "Rotate keys"})
    assert inc.card is not None
    assert chg.card is not None
    sim.instance.set_state(inc.card.number, "2")
    sim.instance.add_journal(inc.card.number, "Working on it", element="comments")
    await d.run_text(admin_ctx(), 'states incident 2 "Being fixed"')

    sim.instance.request_log.clear()
    listing = await d.run_text(user_ctx(), "tickets")
    assert isinstance(listing, TicketListView)
    by_number = {c.number: c for c in listing.cards}
    assert by_number[inc.card.number].state == "Being fixed"
    assert by_number[chg.card.number].state == "New"
    # Refreshed with one query per table, never one per ticket.
    reads = [p for m, p in sim.instance.request_log if m == "GET" and "/api/now/table/" in p]
    assert len(reads) == 2

    detail = await d.run_text(user_ctx(), f"ticket {inc.card.number}")
    assert isinstance(detail, TicketCard)
    assert detail.state == "Being fixed"
    assert any("Working on it" in h.text for h in detail.history)

    changes = await d.run_text(user_ctx(), "tickets change")
    assert isinstance(changes, TicketListView)
    assert [c.number for c in changes.cards] == [chg.card.number]


async def test_unknown_ticket_is_a_clear_message(connected: App) -> None:
    view = await connected.services.dispatcher.run_text(user_ctx(), "ticket INC9999999")
    assert isinstance(view, Notice)
    assert "SnowOps has no incident INC9999999 in this workspace" in view.text


async def test_state_names_can_be_renamed_and_reset(connected: App) -> None:
    d = connected.services.dispatcher
    shown = await d.run_text(admin_ctx(), 'states change -2 "Planned"')
    assert isinstance(shown, StatesView)
    assert ("-2", "Planned", "Scheduled") in shown.states
    reset = await d.run_text(admin_ctx(), 'states change -2 ""')
    assert isinstance(reset, StatesView)
    assert ("-2", "Scheduled", "Scheduled") in reset.states
    bad = await d.run_text(admin_ctx(), 'states incident 5 "Nope"')
    assert isinstance(bad, Notice)
    assert "has no state '5'" in bad.text
    refused = await d.run_text(user_ctx(), 'states incident 2 "Mine"')
    assert isinstance(refused, Notice)
    assert "Only workspace admins" in refused.text
