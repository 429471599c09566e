"""Tickets fitted to the instance, in memory: the mapping kept per workspace, the defaults
read from the instance's choices, the source in its field, required fields checked, and a
refusal's message and pre-filled link."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from core.clock import FakeClock
from core.field_mapping import FieldMappings, Route
from core.form_fit import build_form_fit
from core.instance_fields import check_values
from core.instance_meta import FormField
from core.models import Connection, RecommendationSource, Requester, TicketKind, TicketRequest
from core.refusals import LINK_MAX, prefilled_url, refusal_text
from core.secrets import SecretBox, generate_key
from core.servicenow.errors import ForbiddenError, UnavailableError
from core.servicenow.mapping import request_fields
from core.store.memory import MemoryStore
from tests.fakes.ticket_gateway import InMemoryTicketGateway

WS = "slack:T1"
INSTANCE = "https://acme.service-now.com"


def ask(**more: object) -> TicketRequest:
    fields: dict[str, object] = {
        "workspace": WS,
        "kind": TicketKind.INCIDENT,
        "name": "Require MFA",
        "description": "Admins sign in with a password only.",
        "priority": 3,
        "requester": Requester("slack", "U1", "Abel Tuter"),
        **more,
    }
    return TicketRequest(**fields)  # type: ignore[arg-type]


@pytest.fixture
async def world() -> tuple[InMemoryTicketGateway, MemoryStore, FakeClock]:
    clock = FakeClock()
    store = MemoryStore(SecretBox(generate_key()))
    await store.save_connection(Connection(WS, INSTANCE, "id", "secret"))
    return InMemoryTicketGateway(clock, instance=INSTANCE), store, clock


async def test_with_no_set_up_the_category_is_the_instances_security_choice_if_any(
    world: tuple[InMemoryTicketGateway, MemoryStore, FakeClock],
) -> None:
    gateway, store, clock = world
    fit = build_form_fit(gateway, store, store, clock)
    plain = await fit.fitter.fit(ask(category="Identity"))
    assert dict(plain.fields) == {"correlation_display": "SnowOps · Identity"}
    gateway.meta.add_choice("incident", "category", "security", "Security")
    gateway.meta.add_choice("incident", "subcategory", "identity", "Identity", "security")
    fit = build_form_fit(gateway, store, store, clock)  # a fresh cache
    shared = ask(
        category="Identity", recommendation_id="MFA", source=RecommendationSource.MICROSOFT
    )
    fields = dict((await fit.fitter.fit(shared)).fields)
    assert fields == {
        "category": "security",
        "subcategory": "identity",
        "correlation_display": "SnowOps · Microsoft · Identity",
    }
    # Category and subcategory read once, then cached for the connection.
    await fit.fitter.fit(shared)
    assert gateway.calls["choices"] == 1 + 2


async def test_a_mapping_routes_its_category_and_puts_the_source_in_its_field(
    world: tuple[InMemoryTicketGateway, MemoryStore, FakeClock],
) -> None:
    gateway, store, clock = world
    fit = build_form_fit(gateway, store, store, clock)
    route = Route("network", "vpn", "g1", "Network", "c1", "Corporate VPN")
    await fit.mappings.put_route(WS, TicketKind.INCIDENT, "Identity", route)
    await fit.mappings.set_source(WS, TicketKind.INCIDENT, "u_source")
    shared = ask(category="Identity", recommendation_id="MFA", fields=(("cmdb_ci", "c2"),))
    fields = dict((await fit.fitter.fit(shared)).fields)
    assert fields == {
        "category": "network",
        "subcategory": "vpn",
        "assignment_group": "g1",
        "cmdb_ci": "c2",  # what the form said wins over the mapping
        "correlation_display": "SnowOps · Identity",
        "u_source": "User",
    }
    # Another workspace, another kind: untouched.
    assert (await fit.mappings.get(WS, TicketKind.CHANGE)).routes == {}
    assert (await FieldMappings(store).get("slack:T2", TicketKind.INCIDENT)).routes == {}
    await fit.mappings.reset(WS, TicketKind.INCIDENT, "Identity")
    mapping = await fit.mappings.get(WS, TicketKind.INCIDENT)
    assert (mapping.routes, mapping.source) == ({}, "u_source")


def test_a_request_never_replaces_snowops_own_fields() -> None:
    fields = request_fields(
        ask(fields=(("short_description", "x"), ("correlation_id", "y"), ("u_a", "b"))),
        "snowops:slack:T1:1",
        None,
    )
    assert (fields["short_description"], fields["correlation_id"]) == (
        "Require MFA",
        "snowops:slack:T1:1",
    )
    assert fields["u_a"] == "b"


def test_required_values_are_checked_by_value_or_label() -> None:
    fields = (
        FormField("contact_type", "Channel", (("email", "Email"), ("phone", "Phone"))),
        FormField("u_unit", "Business unit"),
        FormField("business_service", "Service", (("a" * 32, "Email"),), "cmdb_ci"),
    )
    values = {"sn.contact_type": "PHONE", "sn.u_unit": " Finance ", "sn.business_service": "b" * 32}
    assert check_values(fields, values) == (
        (("contact_type", "phone"), ("u_unit", "Finance"), ("business_service", "b" * 32)),
        {},
    )
    _, errors = check_values(fields, {"sn.contact_type": "fone"})
    assert errors["sn.contact_type"] == "fone is not a choice of Channel. Close: Phone."
    assert errors["sn.u_unit"] == "ServiceNow requires Business unit."
    assert errors["sn.business_service"] == "ServiceNow requires Service."


def test_a_refusal_is_servicenows_own_words_and_nothing_else_is() -> None:
    detail = "Data Policy Exception: \n\tThe following fields are mandatory: Business unit"
    refused = ForbiddenError("ServiceNow refused: Operation Failed", status=403, detail=detail)
    assert refusal_text(refused) == (
        "Data Policy Exception: The following fields are mandatory: Business unit"
    )
    acl = ForbiddenError("ServiceNow refused: Operation Failed", detail="ACL Exception")
    assert refusal_text(acl) is None
    assert refusal_text(UnavailableError("down")) is None


def test_the_prefilled_link_holds_every_value_and_stays_short_enough() -> None:
    url, cut = prefilled_url(
        INSTANCE + "/", "incident", {"short_description": "VPN ^ down", "due_date": "", "x": "1"}
    )
    assert not cut
    assert url.startswith(f"{INSTANCE}/incident.do?sys_id=-1&sysparm_query=")
    assert parse_qs(urlsplit(url).query)["sysparm_query"] == ["short_description=VPN ^^ down^x=1"]
    url, cut = prefilled_url(
        INSTANCE, "incident", {"short_description": "a", "description": "é" * 3000}
    )
    assert cut
    assert len(url) <= LINK_MAX
    query = parse_qs(urlsplit(url).query)["sysparm_query"][0]
    assert query.startswith("short_description=a^description=éé")
    assert query.endswith("…")
