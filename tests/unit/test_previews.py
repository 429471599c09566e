"""Which tickets a link points at: record URLs of the connected instance, in every form
ServiceNow's UI writes them, and bare numbers; nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.models import TicketKind
from core.previews import TicketRef, ticket_ref
from tests.e2e.fuzzing import FUZZ  # also keeps Hypothesis's caches out of the checkout

INSTANCE = "https://acme.service-now.com"
SYS_ID = "9d385017c611228701d22104cc95c371"


@pytest.mark.parametrize(
    ("link", "kind", "number", "sys_id"),
    [
        (f"{INSTANCE}/incident.do?sys_id={SYS_ID}", TicketKind.INCIDENT, "", SYS_ID),
        (f"{INSTANCE}/change_request.do?sys_id={SYS_ID}", TicketKind.CHANGE, "", SYS_ID),
        (
            f"{INSTANCE}/nav_to.do?uri=incident.do%3Fsys_id%3D{SYS_ID}",
            TicketKind.INCIDENT,
            "",
            SYS_ID,
        ),
        (
            f"{INSTANCE}/now/nav/ui/classic/params/target/incident.do%3Fsys_id%3D{SYS_ID}",
            TicketKind.INCIDENT,
            "",
            SYS_ID,
        ),
        (f"{INSTANCE}/now/sow/record/incident/{SYS_ID}", TicketKind.INCIDENT, "", SYS_ID),
        (
            f"{INSTANCE}/incident.do?sysparm_query=number=INC0010001",
            TicketKind.INCIDENT,
            "INC0010001",
            "",
        ),
        ("INC0010001", TicketKind.INCIDENT, "INC0010001", ""),
        ("chg0030001", TicketKind.CHANGE, "CHG0030001", ""),
        (
            "https://ACME.service-now.com/incident.do?sys_id=" + SYS_ID,
            TicketKind.INCIDENT,
            "",
            SYS_ID,
        ),
    ],
)
def test_links_to_tickets_of_the_instance(
    link: str, kind: TicketKind, number: str, sys_id: str
) -> None:
    assert ticket_ref(link, INSTANCE) == TicketRef(link, kind, number, sys_id)


@pytest.mark.parametrize(
    "link",
    [
        f"https://evil.example.com/incident.do?sys_id={SYS_ID}",
        f"https://acme.service-now.com.evil.example/incident.do?sys_id={SYS_ID}",
        f"{INSTANCE}/sys_user.do?sys_id={SYS_ID}",
        f"{INSTANCE}/incident.do?sys_id=not-an-id",
        f"{INSTANCE}/incident.do?sysparm_query=number=CHG0030001",
        f"{INSTANCE}/incident.do?sysparm_query=numberSTARTSWITHINC^ORnumber=INC1",
        f"javascript://acme.service-now.com/incident.do?sys_id={SYS_ID}",
        "RITM0010001",  # a requested item: SnowOps does not read that table
        "https://[::1",  # not even a URL
        "",
    ],
)
def test_anything_else_is_no_ticket(link: str) -> None:
    assert ticket_ref(link, INSTANCE) is None


@FUZZ
@given(st.text(max_size=300))
def test_any_text_is_a_ticket_or_none_never_an_error(link: str) -> None:
    found = ticket_ref(link, INSTANCE)
    assert found is None or found.number or found.sys_id
