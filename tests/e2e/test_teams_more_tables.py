"""Problems and security incidents in Teams: the form's Type choices follow what the
instance offers, and a security incident is made from the form card."""

from __future__ import annotations

from typing import Any

from sim.servicenow.customize import set_plugin
from tests.e2e.teams_harness import TeamsHarness, action_of, form_inputs
from tests.fakes import bot_activities as bf


def kind_choices(card: dict[str, Any]) -> list[str]:
    [kind] = [e for e in card["body"] if e.get("id") == "kind"]
    return [c["value"] for c in kind["choices"]]


async def test_a_security_incident_is_made_from_the_form_card(teams: TeamsHarness) -> None:
    [form] = await teams.say("snow create sir Phishing wave")
    card = form.cards[0]
    assert kind_choices(card) == ["incident", "change", "problem", "security_incident"]
    [kind] = [e for e in card["body"] if e.get("id") == "kind"]
    assert kind["value"] == "security_incident"
    button = action_of(card, "Create ticket")
    data = {**button["data"], **form_inputs(kind="security_incident", name="Phishing wave")}

    answer = await teams.invoke(
        bf.card_action(button["verb"], data, teams.service_url, card_id=form.id)
    )

    assert answer["statusCode"] == 200
    found = teams.sim.instance.find_by_number("SIR0010001")
    assert found is not None
    assert (found[0], found[1]["short_description"]) == ("sn_si_incident", "Phishing wave")
    assert "SIR0010001" in str(answer["value"])


async def test_without_the_plugin_the_form_offers_no_security_incident(
    teams: TeamsHarness,
) -> None:
    set_plugin(teams.sim.instance, "sn_si", False)

    [refused] = await teams.say("snow create security-incident Phishing wave")
    [form] = await teams.say("snow create problem Recurring VPN drops")

    assert "Security incidents are not available on this ServiceNow instance" in refused.text
    assert kind_choices(form.cards[0]) == ["incident", "change", "problem"]
