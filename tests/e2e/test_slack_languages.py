"""Slack in the asker's language: a user whose Slack locale is Swedish gets Swedish, an
English one in the same channel English (signed requests to /slack/events, the fake Slack
Web API, the ServiceNow simulator).

Core's own sentences are translated apart from the adapter's; where a test reads one, it
expects whatever core says in that language (computed here under ``use_locale``), so it
holds whichever of core's strings are Swedish yet.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from typing import Any

from core.forms import parse_due
from core.i18n import use_locale
from tests.e2e.conftest import ADMIN, SIGNING_SECRET, USER, SlackHarness, form_state
from tests.e2e.test_slack_lookup import link_shared
from tests.fakes.slack_signing import (
    app_home_opened_event,
    block_actions_payload,
    interactivity_body,
    signed_headers,
    slash_command_body,
    view_submission_payload,
)

SWEDE = "U0SWEDE"


def swede(slack: SlackHarness) -> None:
    """A user whose Slack is in Swedish."""
    slack.api.set_user(SWEDE, email="sven.svensson@example.com", locale="sv-SE")


async def signed(slack: SlackHarness, body: bytes) -> dict[str, Any]:
    """POST a signed body; the JSON of the ack (``{}`` when it is empty)."""
    headers = signed_headers(SIGNING_SECRET, body)
    async with slack.http.post(f"{slack.url}/slack/events", data=body, headers=headers) as r:
        assert r.status == 200
        raw = await r.read()
    answer: dict[str, Any] = json.loads(raw) if raw else {}
    return answer


async def command_ack(slack: SlackHarness, text: str, *, user: str, name: str) -> dict[str, Any]:
    """``/snow <text>`` from ``user`` in #security: the JSON of its ack."""
    body = slash_command_body(
        text, user_id=user, channel_id="C0SEC", response_url=slack.api.response_url(name)
    )
    return await signed(slack, body)


async def answer_to(slack: SlackHarness, text: str, *, user: str) -> dict[str, Any]:
    """What ``/snow <text>`` answers through its response_url."""
    name = f"r{len(slack.api.responses)}"
    count = len(slack.api.responses) + 1
    await slack.command(text, user=user, name=name)
    await slack.api.wait_for_response(count=count, timeout=10)
    return slack.api.responses_to(name)[-1]


def header_of(payload: dict[str, Any]) -> str:
    return next(b["text"]["text"] for b in payload["blocks"] if b["type"] == "header")


async def test_help_is_swedish_for_a_swede_and_english_for_the_others(slack: SlackHarness) -> None:
    swede(slack)
    # The first time, nothing knows the Swede's language before the ack: the ack is in
    # English, and the same help follows in Swedish in its place.
    first = await command_ack(slack, "help", user=SWEDE, name="sv1")
    assert header_of(first) == "What SnowOps can do here"
    [again] = await slack.api.wait_for_response(timeout=5)
    assert again["replace_original"] is True
    assert header_of(again) == "Det här kan SnowOps göra"
    assert "/snow tickets" in json.dumps(again["blocks"])  # commands stay as they are
    # From then on the ack itself is in Swedish, with nothing after it.
    second = await command_ack(slack, "help", user=SWEDE, name="sv2")
    assert header_of(second) == "Det här kan SnowOps göra"

    english = await command_ack(slack, "help", user=USER, name="en1")
    assert header_of(english) == "What SnowOps can do here"
    await slack.api.wait_for("users.info", count=2)
    await asyncio.sleep(0.2)
    assert slack.api.responses_to("sv2") == []
    assert slack.api.responses_to("en1") == []  # English was right: nothing to replace
    asked = [c.args for c in slack.api.calls_to("users.info")]
    assert all(str(a.get("include_locale")) in ("1", "true") for a in asked)
    assert len(asked) == 2  # one lookup per person: the locale came with the zone
    slack.every_payload_is_valid_block_kit()


async def created_by(
    slack: SlackHarness, user: str, view_id: str
) -> tuple[dict[str, dict[str, Any]], str]:
    """``/snow create`` as ``user``: the form modal and the modal after it, and the
    number of the ticket made by submitting the form."""
    before = slack.modals_shown()
    await slack.command("create Rotate the VPN certificate", user=user, name=f"f{view_id}")
    form = await slack.latest_modal(before, "ticket_form")
    payload = view_submission_payload(
        view_id, "ticket_form", form_state(),
        private_metadata=form["private_metadata"], user_id=user,
    )  # fmt: skip
    shown = slack.modals_shown()
    r = await slack.interact(payload)
    assert r.status == 200
    made = await slack.latest_modal(shown, within=10)
    number = re.search(r"INC\d{7}", json.dumps(made))
    assert number is not None, made
    return {"form": form, "made": made}, number.group()


def field_labels(card: dict[str, Any]) -> list[str]:
    section = next(b for b in card["blocks"] if b.get("fields"))
    return [f["text"].split("\n")[0].strip("*") for f in section["fields"]]


async def test_the_create_form_and_a_ticket_card_in_swedish_and_in_english(
    slack: SlackHarness,
) -> None:
    swede(slack)
    shown, number = await created_by(slack, SWEDE, "V0SV")
    form = shown["form"]
    assert (form["submit"]["text"], form["close"]["text"]) == ("Skapa", "Avbryt")
    labels = [b["label"]["text"] for b in form["blocks"] if b["type"] == "input"]
    assert labels == [
        "Typ",
        "Namn",
        "Beskrivning",
        "Prioritet",
        "Förfallodatum (Europe/London)",
        "Kategori",
    ]
    assert shown["made"]["title"]["text"] == "ServiceNow-ärende"

    card = await answer_to(slack, f"ticket {number}", user=SWEDE)
    assert field_labels(card)[:4] == ["Tillstånd", "Prioritet", "Förfallodatum", "Begärt av"]

    # Someone else in the same channel reads the same ticket in English.
    english = await answer_to(slack, f"ticket {number}", user=USER)
    assert field_labels(english)[:4] == ["State", "Priority", "Due", "Requested by"]
    english_form, _ = await created_by(slack, USER, "V0EN")
    assert english_form["form"]["submit"]["text"] == "Create"
    slack.every_payload_is_valid_block_kit()


async def test_a_bad_date_is_refused_in_the_askers_language(slack: SlackHarness) -> None:
    swede(slack)
    before = slack.modals_shown()
    await slack.command("create Rotate the VPN certificate", user=SWEDE, name="bad")
    form = await slack.latest_modal(before, "ticket_form")
    payload = view_submission_payload(
        "V0BAD", "ticket_form", form_state(due="2026-02-30"),
        private_metadata=form["private_metadata"], user_id=SWEDE,
    )  # fmt: skip
    answer = await signed(slack, interactivity_body(payload))
    expected = ""
    with use_locale("sv-SE"):
        try:
            parse_due("2026-02-30", datetime.now(UTC))
        except ValueError as exc:
            expected = str(exc)
    assert answer["response_action"] == "errors"
    assert expected
    assert answer["errors"]["due"] == expected


async def test_an_admins_missing_client_id_is_named_in_swedish(slack: SlackHarness) -> None:
    slack.api.users[ADMIN]["locale"] = "sv-SE"
    await command_ack(slack, "help", user=ADMIN, name="warm")  # Slack now knows the admin
    await slack.api.wait_for_response(timeout=5)
    payload = view_submission_payload(
        "V0CLIENT", "servicenow_client",
        {"client_id": {"value": {"type": "plain_text_input", "value": " "}},
         "client_secret": {"value": {"type": "plain_text_input", "value": "s3cret"}}},
        private_metadata=json.dumps({"i": "acme.service-now.com"}), user_id=ADMIN,
    )  # fmt: skip
    answer = await signed(slack, interactivity_body(payload))
    assert answer == {"response_action": "errors", "errors": {"client_id": "Obligatoriskt."}}


async def test_app_home_and_a_card_button_in_swedish(slack: SlackHarness) -> None:
    swede(slack)
    r = await slack.event(app_home_opened_event(SWEDE), event_id="EvHOMESV")
    assert r.status == 200
    [published] = await slack.api.wait_for("views.publish", timeout=10)
    home = json.dumps(published.args["view"], ensure_ascii=False)
    assert "Ansluten till" in home
    assert "Connected to" not in home

    await slack.interact(
        block_actions_payload(
            "snow", "tickets", user_id=SWEDE, response_url=slack.api.response_url("click")
        )
    )
    await slack.api.wait_for_response(timeout=10)
    [listing] = slack.api.responses_to("click")
    labels = [e["text"]["text"] for b in listing["blocks"] for e in b.get("elements", [])
              if e.get("type") == "button"]  # fmt: skip
    assert "Öppna listan i ServiceNow" in labels
    slack.every_payload_is_valid_block_kit()


async def test_a_link_unfurls_in_the_language_of_whoever_shared_it(slack: SlackHarness) -> None:
    swede(slack)
    _, number = await created_by(slack, SWEDE, "V0LINK")
    found = slack.sim.instance.find_by_number(number)
    assert found is not None
    url = f"{slack.sim.url}/incident.do?sys_id={found[1]['sys_id']}"
    await slack.event(link_shared([url], user=SWEDE), event_id="Ev0SVLINK")
    [swedish] = await slack.api.wait_for("chat.unfurl", timeout=10)
    assert "förfaller 31 dec. 2026" in json.dumps(swedish.args["unfurls"], ensure_ascii=False)
    await slack.event(link_shared([url], user=USER, ts="1700000300.000400"), event_id="Ev0ENLINK")
    calls = await slack.api.wait_for("chat.unfurl", count=2, timeout=10)
    assert "due Dec 31, 2026" in json.dumps(calls[-1].args["unfurls"])
