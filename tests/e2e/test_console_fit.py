"""Tickets that fit the instance, through the whole console (the terminal attached to a
running SnowOps, as `snowops chat --server` is) against the ServiceNow simulator: the
instance's own mandatory fields are asked and carried, a record ServiceNow refuses leaves
its message and a link to its form filled with what was typed, and `/snow mapping` routes a
shared Identity recommendation to the mapped category and group with its source in a real
field."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adapters.console.routes import add_console_routes
from bot.app import build_app, build_services
from bot.settings import Settings
from core.clock import FakeClock
from sim.servicenow.customize import add_policy, set_choices, set_field
from sim.servicenow.policies import DataPolicy
from sim.servicenow.seed import Choice
from sim.servicenow.users import SEED_CIS, SEED_GROUPS
from tests.conftest import FAST_RETRY, Sim, connect_workspace
from tests.e2e.console_harness import TOKEN, run_terminal

SECOPS = next(g for g in SEED_GROUPS if g.name == "Security Operations")
VPN = next(sys_id for sys_id, name, _, _ in SEED_CIS if name == "Corporate VPN")


@pytest.fixture
async def console_url(
    make_settings: Callable[..., Settings], sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """The console API of SnowOps whose workspace console:local is connected to the
    simulator (due dates in UTC)."""
    monkeypatch.setenv("TZ", "UTC")
    settings = make_settings()
    services = build_services(settings, clock=FakeClock(), retry=FAST_RETRY)
    web_app = build_app(settings, services=services)
    assert services.console_session is not None
    add_console_routes(web_app, services.console_session, TOKEN)
    port = int(settings.public_url.rsplit(":", 1)[1])
    server = TestServer(web_app, host="127.0.0.1", port=port)
    await server.start_server()
    try:
        await connect_workspace(services, sim.url, "console:local")
        yield settings.public_url
    finally:
        await server.close()


async def _record(sim: Sim, number: str) -> dict[str, str]:
    async with aiohttp.ClientSession() as http, http.get(f"{sim.url}/sim/tickets/{number}") as r:
        assert r.status == 200
        record: dict[str, str] = (await r.json())["record"]
        return record


async def test_the_instances_mandatory_fields_are_asked_and_carried(
    console_url: str, sim: Sim
) -> None:
    # The customer's instance: a custom text field, a choice list and a reference, all
    # mandatory (the dictionary says so, and a data policy enforces it).
    set_field(sim.instance, "incident", "u_business_unit", mandatory=True, label="Business unit")
    set_field(sim.instance, "incident", "contact_type", mandatory=True)
    set_field(sim.instance, "incident", "business_service", mandatory=True)
    # Type, name, description, priority, due date, category; then the instance's three
    # in the dictionary's order: a reference by part of its name, a choice by its label.
    typed = b"/snow create incident\n\nRotate the VPN keys\n\n\n\n\nVPN\nphone\nFinance\n"
    text = await run_terminal(console_url, typed)
    assert "Business unit (required)" in text, text
    assert "Channel (required: Email, Phone, Self-service, Walk-in)" in text, text
    assert "Service (required: " in text
    assert "Created INC0010001" in text, text
    record = await _record(sim, "INC0010001")
    assert record["u_business_unit"] == "Finance"
    assert record["contact_type"] == "phone"
    assert record["business_service"] == VPN


async def test_a_value_the_instance_does_not_have_is_asked_again(
    console_url: str, sim: Sim
) -> None:
    set_field(sim.instance, "incident", "contact_type", mandatory=True)
    typed = b"/snow create incident\n\nRotate the VPN keys\n\n\n\n\nfax\nEmail\n"
    text = await run_terminal(console_url, typed)
    assert "fax is not a choice of Channel" in text, text
    assert "Created INC0010001" in text
    assert (await _record(sim, "INC0010001"))["contact_type"] == "email"


async def test_a_data_policy_refusal_shows_its_message_and_a_filled_form_link(
    console_url: str, sim: Sim
) -> None:
    # Not mandatory in the dictionary, so not on the form: only the data policy knows.
    add_policy(sim.instance, DataPolicy("incident", ["assignment_group"], "", "Group needed"))
    typed = (
        b"/snow create incident\n\nVPN drops every hour\nSince Monday; 30 users ^ Oslo\n"
        b"2\n2030-01-31\nIdentity\n"
    )
    text = await run_terminal(console_url, typed)
    assert (
        "ServiceNow refused the incident: Data Policy Exception: The following fields are "
        "mandatory: Assignment group"
    ) in text, text
    [link] = re.findall(r"http://\S+/incident\.do\?sys_id=-1&sysparm_query=\S+", text)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["sysparm_query"][0]
    terms = dict(t.split("=", 1) for t in re.split(r"(?<!\^)\^(?!\^)", query))
    assert terms["short_description"] == "VPN drops every hour"
    assert terms["description"] == "Since Monday; 30 users ^^ Oslo"
    assert terms["due_date"] == "2030-01-31 23:59:59"
    assert (terms["impact"], terms["urgency"]) == ("1", "2")  # priority 2 - High
    assert terms["correlation_display"] == "SnowOps · Identity"
    assert "correlation_id" not in terms
    # ServiceNow's form (the simulator's, under make dev) opens filled with it.
    async with aiohttp.ClientSession() as http, http.get(link) as page:
        assert page.status == 200
        html = await page.text()
    assert 'value="VPN drops every hour"' in html
    assert 'value="2030-01-31 23:59:59"' in html
    assert await _no_ticket(sim)


async def _no_ticket(sim: Sim) -> bool:
    async with aiohttp.ClientSession() as http, http.get(f"{sim.url}/sim/tickets/INC0010001") as r:
        return r.status == 404


async def test_a_mapped_identity_share_lands_where_the_mapping_says(
    console_url: str, sim: Sim
) -> None:
    # The customer's own category, its subcategory, and a field for the source.
    set_choices(sim.instance, "incident", "category", [Choice("security", "Security")], False)
    sub = Choice("identity", "Identity and access", dependent_value="security")
    set_choices(sim.instance, "incident", "subcategory", [sub], False)
    set_field(sim.instance, "incident", "u_source", label="Source")
    commands = (
        b'/snow mapping incident Identity category=Security subcategory="identity and access" '
        b'group="Security Operations" ci="corporate vpn"\n'
        b"/snow mapping incident source=u_source\n"
        b"/snow mapping incident\n"
        b'/snow recommendations add identity "Review guest access" "Every quarter"\n'
    )
    text = await run_terminal(console_url, commands)
    assert "Incident tickets of Identity now go to: category security / identity" in text, text
    assert "The source of incident tickets now goes in u_source." in text
    assert re.search(
        r"Incident · Identity:?\s+category security / identity · group Security "
        r"Operations · CI Corporate VPN",
        text,
    ), text
    [own] = re.findall(r"own-[0-9a-f]{8}", text)[:1]
    # Share it: the form is filled from the recommendation; accept every field.
    text = await run_terminal(console_url, f"/snow share {own}\n\n\n\n\n\n\n".encode())
    assert "Created INC0010001" in text, text
    record = await _record(sim, "INC0010001")
    assert (record["category"], record["subcategory"]) == ("security", "identity")
    assert record["assignment_group"] == SECOPS.sys_id
    assert record["cmdb_ci"] == VPN
    assert record["u_source"] == "User"
    assert record["correlation_display"] == "SnowOps · Identity"


async def test_mapping_values_the_instance_does_not_have_are_refused_with_close_matches(
    console_url: str,
) -> None:
    commands = (
        b'/snow mapping incident Identity group="Security Ops"\n'
        b"/snow mapping incident Identity category=netwrk\n"
        b'/snow mapping incident Identity ci="Corporate VPM"\n'
        b"/snow mapping incident source=short_description\n"
        b"/snow mapping incident source=u_nothing\n"
    )
    text = await run_terminal(console_url, commands)
    assert "ServiceNow has no active assignment group 'Security Ops'" in text, text
    assert "Close matches: Security Operations" in text
    assert "ServiceNow has no category 'netwrk' in incident.category" in text
    assert "Close matches: network" in text
    assert "ServiceNow has no configuration item 'Corporate VPM'" in text
    assert "Corporate VPN" in text
    assert "short_description (Short description) cannot carry the source" in text
    assert "incident has no field 'u_nothing'" in text


async def test_with_no_set_up_an_identity_ticket_carries_its_category_in_a_real_field(
    console_url: str, sim: Sim
) -> None:
    text = await run_terminal(console_url, b"/snow create incident\n\nMFA gaps\n\n\n\nIdentity\n")
    assert "Created INC0010001" in text, text
    record = await _record(sim, "INC0010001")
    # The instance has no "security" category: its own default stays; the tag is filterable.
    assert record["category"] == "inquiry"
    assert record["correlation_display"] == "SnowOps · Identity"
    text = await run_terminal(console_url, b"/snow mapping\n")
    assert "Incident: source" in text, text
    assert "correlation_display (default)" in text
