"""What SnowOps sends ServiceNow, and what it reads back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.models import Priority, RecommendationSource, Requester, TicketKind, TicketRequest
from core.servicenow.mapping import (
    correlation_id,
    impact_urgency,
    request_fields,
    ticket_from_record,
)

REQ = TicketRequest(
    workspace="slack:T0123",
    kind=TicketKind.INCIDENT,
    name="Require MFA for admins",
    description="Turn on MFA.",
    priority=Priority.HIGH,
    requester=Requester("slack", "U1", "Ada Lovelace", "ada@example.com"),
    source=RecommendationSource.MICROSOFT,
    category="Identity",
    due=datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
    recommendation_id="AdminMFAV2",
    recommendation_url="https://security.microsoft.com/securescore?id=AdminMFAV2",
)


@pytest.mark.parametrize(
    ("priority", "pair"),
    [
        (Priority.CRITICAL, (1, 1)),
        (Priority.HIGH, (1, 2)),
        (Priority.MODERATE, (2, 2)),
        (Priority.LOW, (2, 3)),
    ],
)
def test_incident_priority_goes_through_impact_and_urgency(
    priority: Priority, pair: tuple[int, int]
) -> None:
    assert impact_urgency(priority) == pair


def test_incident_fields() -> None:
    fields = request_fields(REQ, "snowops:slack:T0123:rec:AdminMFAV2", "abc123")
    assert fields["short_description"] == "Require MFA for admins"
    assert fields["impact"] == "1"
    assert fields["urgency"] == "2"
    assert "priority" not in fields
    assert fields["due_date"] == "2026-12-31 23:59:59"
    assert fields["caller_id"] == "abc123"
    assert fields["correlation_display"] == "SnowOps"
    footer = fields["description"]
    assert footer.startswith("Turn on MFA.\n\n---\n")
    assert "Requested by: Ada Lovelace <ada@example.com> via Slack" in footer
    assert "Recommendation source: Microsoft" in footer
    assert "Category: Identity" in footer
    assert "Recommendation: AdminMFAV2 (https://security.microsoft.com" in footer


def test_change_fields() -> None:
    change = TicketRequest(
        workspace="teams:tenant-1",
        kind=TicketKind.CHANGE,
        name="Rotate keys",
        description="",
        priority=Priority.LOW,
        requester=Requester("teams", "aad-1", "Grace"),
    )
    fields = request_fields(change, "snowops:teams:tenant-1:req:1", "u1")
    assert fields["type"] == "normal"
    assert fields["priority"] == "4"
    assert fields["requested_by"] == "u1"
    assert "impact" not in fields
    assert "due_date" not in fields
    assert "via Microsoft Teams" in fields["description"]
    assert "Recommendation source: User" in fields["description"]


def test_correlation_id_fits_servicenow() -> None:
    short = correlation_id("slack:T0123", "rec:AdminMFAV2")
    assert short == "snowops:slack:T0123:rec:AdminMFAV2"
    long = correlation_id("teams:" + "t" * 36, "rec:" + "x" * 200)
    assert len(long) <= 100
    assert long.startswith("snowops:teams:")
    assert long != correlation_id("teams:" + "t" * 36, "rec:" + "x" * 199 + "y")


def test_ticket_from_a_real_shaped_record() -> None:
    record = {
        "sys_id": "c537bae64f411200adf9f8e18110c76e",
        "number": "INC0010002",
        "short_description": "Require MFA for admins",
        "state": "2",
        "priority": "2",
        "due_date": "2026-12-31 23:59:59",
        "active": "true",
        "correlation_id": "snowops:slack:T0123:rec:AdminMFAV2",
        "sys_mod_count": "3",
        "sys_created_on": "2026-11-26 10:00:00",
        "sys_updated_on": "2026-11-26 11:00:00",
    }
    t = ticket_from_record(
        "slack:T0123", TicketKind.INCIDENT, "https://acme.service-now.com", record, request=REQ
    )
    assert (
        t.url == "https://acme.service-now.com/incident.do?sys_id=c537bae64f411200adf9f8e18110c76e"
    )
    assert (t.number, t.state, t.priority, t.mod_count) == ("INC0010002", "2", 2, 3)
    assert t.updated_at == datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
    assert t.requested_by == "Ada Lovelace"
    assert t.source is RecommendationSource.MICROSOFT
    assert t.recommendation_id == "AdminMFAV2"
    again = ticket_from_record(
        "slack:T0123",
        TicketKind.INCIDENT,
        "https://acme.service-now.com",
        {**record, "state": "7", "active": "false", "due_date": ""},
        base=t,
    )
    assert again.requested_by == "Ada Lovelace"
    assert again.category == "Identity"
    assert not again.active
    assert again.due is None
