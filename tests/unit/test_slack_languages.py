"""Slack in Swedish: every modal, card and the Home tab rendered in both languages stays
within Slack's limits without being cut (a modal title, close and submit ≤ 24 characters,
a button ≤ 75), and the adapter's own words are Swedish."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk.models.views import View as SlackView

from adapters.slack.admin import client_form_modal, config_modal
from adapters.slack.blocks import (
    home_view,
    message,
    progress_modal,
    result_modal,
    ticket_form_modal,
    ticket_list_modal,
)
from adapters.slack.blocks_actions import action_modal
from adapters.slack.blocks_reason import reason_modal
from adapters.slack.blocks_text import BUTTON_TEXT_MAX, MODAL_TITLE_MAX
from adapters.slack.replies import modal_of
from core import commands as c
from core.action_forms import action_form
from core.actions import ActionFormContext
from core.forms import TicketFormView
from core.i18n import _, use_locale
from core.models import TicketKind
from core.outcomes import AskReason
from core.views import (
    Button,
    ConfigurationView,
    Notice,
    NoticeLevel,
    StatesView,
    StatusView,
    TicketListView,
    ticket_card,
)
from tests.unit.test_slack_blocks import INSTANCE, make_home, make_ticket

JSON = dict[str, Any]
ELLIPSIS = "…"


def _config() -> ConfigurationView:
    status = StatusView("ServiceNow connection", (("Instance", INSTANCE),))
    states = StatesView(TicketKind.INCIDENT, (("2", "Being fixed", "In Progress"),), True)
    return ConfigurationView(status, (states,), buttons=(Button("Reconnect", c.Reconnect()),))


def _modals() -> dict[str, Callable[[], JSON]]:
    """Every modal the adapter opens, built in the current language (the titles the
    listeners and replies give theirs, translated where they are)."""
    card = ticket_card(make_ticket())
    listing = TicketListView("Open tickets", (card,), servicenow_list_url=INSTANCE)
    return {
        "form": lambda: ticket_form_modal(TicketFormView(), private_metadata="m"),
        "creating": lambda: progress_modal(
            _("ServiceNow ticket"), _("Creating the ticket in ServiceNow…")
        ),
        "saving": lambda: progress_modal(_("ServiceNow OAuth client"), _("Saving…")),
        "sending": lambda: progress_modal("SnowOps", _("Sending…")),
        "loading": lambda: progress_modal("SnowOps", _("Loading…")),
        "made": lambda: result_modal(_("ServiceNow ticket"), "Created.", card.url),
        "connect": lambda: modal_of(Notice("Sign in", link=INSTANCE), _("Connect ServiceNow")),
        "list": lambda: ticket_list_modal(listing),
        "config": lambda: config_modal(_config()),
        "client": lambda: client_form_modal("acme.service-now.com", "C0SEC"),
        "reason": lambda: reason_modal(AskReason("Reject CHG0030001", "Why?", c.Help())),
        **{
            f"action {a}": (
                lambda a=a: action_modal(  # type: ignore[misc]
                    action_form(ActionFormContext("INC0010001", a), TicketKind.INCIDENT, "VPN")
                )
            )
            for a in ("comment", "note", "assign", "resolve", "close")
        },
    }


def _plain_texts(obj: Any) -> Iterator[tuple[str, str]]:
    """(key, text) of every plain text object in a payload, e.g. a button's label."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            if isinstance(value, dict) and value.get("type") == "plain_text":
                yield key, str(value.get("text", ""))
            yield from _plain_texts(value)
    elif isinstance(obj, list):
        for item in obj:
            yield from _plain_texts(item)


def _buttons(obj: Any) -> Iterator[str]:
    if isinstance(obj, dict):
        if obj.get("type") == "button":
            yield str(obj["text"]["text"])
        for value in obj.values():
            yield from _buttons(value)
    elif isinstance(obj, list):
        for item in obj:
            yield from _buttons(item)


@pytest.mark.parametrize("locale", ["en", "sv"])
@pytest.mark.parametrize("name", sorted(_modals()))
def test_every_modal_fits_slack_uncut(locale: str, name: str) -> None:
    with use_locale(locale):
        view = _modals()[name]()
    SlackView(**view).to_dict()  # slack_sdk's own validators: title, close, submit, blocks
    for key in ("title", "close", "submit"):
        if key in view:
            text = view[key]["text"]
            assert len(text) <= MODAL_TITLE_MAX, (name, key, text)
            # The adapter cuts a title to fit: a translation must fit without that.
            assert not text.endswith(ELLIPSIS), (name, key, text)
    for label in _buttons(view):
        assert len(label) <= BUTTON_TEXT_MAX, (name, label)
        assert not label.endswith(ELLIPSIS), (name, label)


@pytest.mark.parametrize("locale", ["en", "sv"])
def test_cards_lists_and_home_fit_slack_uncut(locale: str) -> None:
    with use_locale(locale):
        card = ticket_card(make_ticket())
        payloads = [
            message(card),
            message(Notice("Done.", NoticeLevel.SUCCESS, link=INSTANCE)),
            message(TicketListView("Open tickets", (card,), servicenow_list_url=INSTANCE)),
            home_view(make_home()),
            home_view(make_home(connected=False)),
        ]
    for payload in payloads:
        for label in _buttons(payload):
            assert len(label) <= BUTTON_TEXT_MAX, label
            assert not label.endswith(ELLIPSIS), label


def test_the_adapters_own_words_are_swedish_in_swedish() -> None:
    with use_locale("sv"):
        form = ticket_form_modal(TicketFormView(), private_metadata="m")
        card = message(ticket_card(make_ticket()))
        config = config_modal(_config())
        client = client_form_modal("acme.service-now.com", None)
    assert (form["submit"]["text"], form["close"]["text"]) == ("Skapa", "Avbryt")
    labels = [b["label"]["text"] for b in form["blocks"] if b["type"] == "input"]
    assert labels[:4] == ["Typ", "Namn", "Beskrivning", "Prioritet"]
    assert labels[4].startswith("Förfallodatum (")
    fields = [f["text"] for f in card["blocks"][0]["fields"]]
    assert [f.split("\n")[0] for f in fields[:4]] == [
        "*Tillstånd*",
        "*Prioritet*",
        "*Förfallodatum*",
        "*Begärt av*",
    ]
    assert config["title"]["text"] == "ServiceNow-konfiguration"
    assert client["submit"]["text"] == "Anslut"
    with use_locale("en"):
        english = ticket_form_modal(TicketFormView(), private_metadata="m")
    assert (english["submit"]["text"], english["close"]["text"]) == ("Create", "Cancel")


def test_each_title_and_label_given_to_slack_as_such_fits_in_swedish() -> None:
    """The strings the adapter uses as modal titles and submit/close buttons, checked one
    by one in Swedish (a long one would be cut with "…" where it is shown)."""
    with use_locale("sv"):
        short = [
            _("ServiceNow ticket"),
            _("ServiceNow OAuth client"),
            _("ServiceNow configuration"),
            _("Connect ServiceNow"),
            _("Create"),
            _("Cancel"),
            _("Close"),
            _("Save name"),
            _("Connect"),
            _("Send"),
        ]
    assert all(len(s) <= MODAL_TITLE_MAX for s in short), short
    assert "ServiceNow ticket" not in short  # translated, not the English fallback
