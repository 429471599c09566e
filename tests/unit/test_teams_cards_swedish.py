"""Teams cards in Swedish: the adapter's own words translated, and the longer Swedish words
keep the layout measured at 450 px (buttons in rows that fit, none cut, valid cards, no
text where Teams would read Markdown). Core's labels are given here in Swedish as core's
catalogue will have them, so the rows are measured with the words a Swedish user sees."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from adapters.teams.cards import card
from adapters.teams.cards_actions import action_card
from adapters.teams.cards_form import client_card, form_card
from adapters.teams.cards_layout import ROW_WIDTH, _button_px
from adapters.teams.cards_reason import reason_card
from core import commands as c
from core.action_forms import ActionFormView
from core.actions import ActionFormContext, FormContext
from core.forms import TicketFormView
from core.i18n import use_locale
from core.models import TicketKind
from core.outcomes import AskReason
from core.score_views import SecureScoreView
from core.views import Button, HelpView, View
from tests.e2e.teams_harness import shown_words, validate_card
from tests.unit.escaping_checks import markdown_strings, reads_as_text
from tests.unit.test_teams_cards import HOME, REC_LIST, TICKET, VIEWS

JSON = dict[str, Any]
URL = "https://acme.service-now.com/incident.do?sys_id=1"

#: An open incident's seven buttons, as core labels them in Swedish.
SWEDISH_TICKET = replace(
    TICKET,
    buttons=(
        Button("Öppna i ServiceNow", url=URL),
        Button("Lägg till kommentar", c.ShowTicket("INC0010001")),
        Button("Lägg till arbetsanteckning", c.ShowTicket("INC0010001")),
        Button("Tilldela mig", c.ShowTicket("INC0010001")),
        Button("Tilldela grupp", c.ShowTicket("INC0010001")),
        Button("Lös", c.ShowTicket("INC0010001")),
        Button("Uppdatera", c.ShowTicket("INC0010001")),
    ),
)
SWEDISH_HOME = replace(
    HOME,
    buttons=(
        Button("Skapa ärende", c.Create(), primary=True),
        Button("Visa alla ärenden", c.Tickets(open_only=False)),
        Button("Hantera ServiceNow-konfigurationen", c.Configure()),
    ),
)
SCORE = SecureScoreView(
    "contoso.onmicrosoft.com",
    "57,5 av 120 (48 %)",
    "3 dec. 2026",
    "+4,5",
    "—",
    "+9 poäng genom 1 ärende",
    (("Identitet", "+27 poäng i 4 åtgärder"),),
    "▁▂▃",
    chart_url="https://snowops.example/chart.png",
)
ASSIGN = ActionFormView(
    ActionFormContext("INC0010001", "assign"),
    TicketKind.INCIDENT,
    "Rotate the VPN certificate",
    "Tilldela grupp",
    "Tilldela",
    ("group",),
)


def swedish_cards() -> Iterator[tuple[str, JSON]]:
    """Every card the adapter builds, rendered in Swedish."""
    with use_locale("sv-SE"):
        views: list[View] = [*VIEWS, SWEDISH_TICKET, SWEDISH_HOME, SCORE]
        for view in views:
            yield type(view).__name__, card(view)
        form = TicketFormView(errors={"name": "Ge ärendet ett namn."})
        yield "form", form_card(form, FormContext.of(form), inline=True)
        yield "dialog form", form_card(form, FormContext.of(form), inline=False)
        yield "client", client_card("acme")
        yield "assign", action_card(ASSIGN, inline=False)
        ask = AskReason("Avvisa CHG0030001", "Varför?", c.ShowTicket("CHG0030001"))
        yield "reason", reason_card(ask)


CARDS = list(swedish_cards())


def _rows(content: Any) -> list[list[JSON]]:
    if isinstance(content, list):
        return [r for item in content for r in _rows(item)]
    if not isinstance(content, dict):
        return []
    rows = [content["actions"]] if content.get("type") == "ActionSet" else []
    return rows + [r for k, v in content.items() if k != "actions" for r in _rows(v)]


@pytest.mark.parametrize(("name", "content"), CARDS, ids=[n for n, _ in CARDS])
def test_swedish_cards_are_valid_and_read_as_text(name: str, content: JSON) -> None:
    validate_card(content)
    for shown in markdown_strings(content):
        assert not shown.strip() or reads_as_text(shown), shown


@pytest.mark.parametrize(("name", "content"), CARDS, ids=[n for n, _ in CARDS])
def test_swedish_buttons_fit_at_450_px(name: str, content: JSON) -> None:
    for row in _rows(content):
        assert len(row) == 1 or len(row) * max(_button_px(a) for a in row) <= ROW_WIDTH, row
        for action in row:
            assert _button_px(action) <= ROW_WIDTH, action["title"]  # never cut
    # Past six at card level, Teams hides buttons under "…": none of ours get there.
    assert len(content.get("actions", [])) <= 6


def test_the_seven_buttons_of_a_swedish_ticket_card_are_all_shown_in_rows() -> None:
    with use_locale("sv"):
        content = card(SWEDISH_TICKET)
    rows = [[a["title"] for a in r] for r in _rows(content)]
    assert sum(len(r) for r in rows) == 7
    assert len(rows) >= 3  # the long Swedish titles take more rows than the English ones
    assert "actions" not in content


def test_the_adapters_words_are_swedish() -> None:
    with use_locale("sv"):
        ticket = shown_words(card(TICKET))
        home = shown_words(card(HOME))
        recs = shown_words(card(REC_LIST))
        help_words = shown_words(card(HelpView((("help", "vad SnowOps kan"),), connected=False)))
        score = shown_words(card(SCORE))
    for label in ("Typ", "Tillstånd", "Prioritet", "Förfallodatum", "Begärt av", "Källa"):
        assert label in ticket
    assert "Senaste händelser" in ticket
    assert "Välkommen till SnowOps" in home
    assert "Inga ändringar än." in home
    assert "Detaljer" in recs
    assert "Följs upp i INC0010001 (In Progress)" in recs
    assert "Skriv snow <command> till mig, eller nämn mig i en kanal." in help_words
    assert any(w.startswith("Inte ansluten till ServiceNow än") for w in help_words)
    assert "Microsoft Säkerhetspoäng" in score
    for english in ("State", "Priority", "Recent history", "Welcome to SnowOps", "Details"):
        assert english not in ticket + home + recs
    # The same cards in English, outside any language block.
    assert "State" in shown_words(card(TICKET))
