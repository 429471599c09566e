"""Cards a designer signs off (issue 16 part 3), checked on the rendered JSON: help without
inline code or a command column, recommendations folded behind toggles, buttons in rows
that fit Teams' width, the configuration's state list filled in, the home card honest about
a failing connection, and Slack's list compact. ``bench/screenshot_cards.py`` measures the
same cards in Microsoft's renderer; these keep them so without a browser."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

from adapters.console.render import render
from adapters.slack.admin import config_modal
from adapters.slack.blocks import home_view, message
from adapters.slack.blocks_guide import BRIEF_SUMMARY_MAX
from adapters.teams.cards import card
from adapters.teams.cards_layout import ROW_WIDTH, _button_px, action_rows
from core import commands as c
from core.models import TicketKind
from core.servicenow.states import DEFAULT_STATES
from core.views import (
    Button,
    ConfigurationView,
    ConfirmView,
    HelpView,
    HomeView,
    KindSummary,
    RecommendationCard,
    RecommendationListView,
    StatesView,
    StatusView,
)
from tests.e2e.teams_harness import validate_card

JSON = dict[str, Any]
ROOT = Path(__file__).resolve().parents[2]
URL = "https://acme.service-now.com"


def _walk(node: Any) -> list[JSON]:
    found: list[JSON] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


def _texts(content: JSON) -> list[str]:
    return [str(n["text"]) for n in _walk(content) if n.get("type") in ("TextBlock", "TextRun")]


def _rec(i: int, *, summary: str = "You have 0 of 4 admins protected.") -> RecommendationCard:
    return RecommendationCard(
        id=f"Rec{i}",
        title=f"Recommendation number {i} with a title long enough to wrap at 450 px",
        category="Identity",
        source="Microsoft",
        summary=summary,
        facts=(("Score to gain", "+10 points"), ("User impact", "Low")),
        url=f"https://security.microsoft.com/rec{i}",
        buttons=(Button("Share to ServiceNow", c.Share(f"Rec{i}"), primary=True),),
        brief="+10 points · Identity · Microsoft",
    )


RECS = RecommendationListView("Recommendations", tuple(_rec(i) for i in range(8)))
HOME_BUTTONS = (
    Button("Create ticket", c.Create(), primary=True),
    Button("View all tickets", c.Tickets(open_only=False)),
    Button("Manage ServiceNow configuration", c.Configure()),
)
SUMMARIES = (KindSummary(TicketKind.INCIDENT, "Incident management", (), ()),)


def test_teams_help_has_no_inline_code_and_no_command_column() -> None:
    content = card(HelpView(c.COMMAND_HELP, True, URL))
    validate_card(content)
    assert not any("`" in t for t in _texts(content))
    # No label column to break in: no FactSet, no ColumnSet; each command is a line.
    kinds = {n.get("type") for n in _walk(content)}
    assert not kinds & {"FactSet", "ColumnSet"}
    commands = [n for n in _walk(content) if n.get("fontType") == "Monospace"]
    assert len(commands) == len(c.COMMAND_HELP) + 1  # and "snow <command>" in the intro
    shown = [t.replace("\u2060", "").replace("\u200b", "") for t in _texts(content)]
    assert 'snow recommendations add <category> "<title>" ["<description>"]' in shown


def test_core_writes_no_inline_code_in_what_users_read() -> None:
    """Teams card Markdown renders no inline code: core's own messages and hints never
    wrap a command in backticks (docstrings and comments aside)."""
    found = []
    for path in sorted((ROOT / "core").rglob("*.py")):
        tree = ast.parse(path.read_text())
        docs = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docs
            ):
                if "`/snow" in node.value or "`snow " in node.value:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_teams_recommendations_fold_their_details_behind_toggles() -> None:
    content = card(RECS)
    validate_card(content)
    nodes = _walk(content)
    ids = [n["id"] for n in nodes if "id" in n]
    assert len(ids) == len(set(ids))
    toggles = [n for n in nodes if n.get("type") == "Action.ToggleVisibility"]
    assert len(toggles) == 8
    for toggle in toggles:
        (target,) = toggle["targetElements"]
        (folded,) = [n for n in nodes if n.get("id") == target]
        assert folded["isVisible"] is False
        inside = json.dumps(folded)
        assert "User impact" in inside
        assert "Learn more" in inside
    # What shows folded: the title, its worth, Details and Share (not a green button each).
    shown = [n for n in nodes if n.get("isVisible") is not False]
    assert "+10 points · Identity · Microsoft" in json.dumps(shown, ensure_ascii=False)
    shares = [n for n in nodes if n.get("title") == "Share to ServiceNow"]
    assert len(shares) == 8
    assert all("style" not in s for s in shares)


def test_teams_buttons_are_put_in_rows_that_fit() -> None:
    content = card(HomeView(True, URL, SUMMARIES, HOME_BUTTONS))
    validate_card(content)
    rows = [b["actions"] for b in content["body"] if b["type"] == "ActionSet"]
    assert [[a["title"] for a in row] for row in rows] == [
        ["Create ticket", "View all tickets"],
        ["Manage ServiceNow configuration"],
    ]
    # Teams stretches a row's buttons to equal widths: the widest decides.
    for row in action_rows([{"title": "x" * n} for n in (5, 30, 12, 40, 8, 8, 8)]):
        assert len(row) == 1 or len(row) * max(_button_px(a) for a in row) <= ROW_WIDTH


def test_the_home_card_says_when_servicenow_is_not_reachable() -> None:
    since = "not reachable since 2026-12-03 10:42 UTC"
    down = HomeView(True, URL, SUMMARIES, HOME_BUTTONS, since, "ServiceNow answered HTTP 503.")
    teams = json.dumps(card(down))
    assert f"Connected to {URL}, but {since}." in teams
    assert "ServiceNow answered HTTP 503." in teams
    assert f"Connected to {URL}." not in teams
    slack = json.dumps(home_view(down))
    assert ":red_circle: Connected to" in slack
    assert since in slack
    assert ":large_green_circle:" not in slack
    healthy = json.dumps(home_view(HomeView(True, URL, SUMMARIES, HOME_BUTTONS)))
    assert ":large_green_circle: Connected to" in healthy
    terminal = render(down)
    assert f"SnowOps home (connected to {URL}, but {since})" in terminal
    assert "! ServiceNow answered HTTP 503." in terminal


def _config() -> ConfigurationView:
    status = StatusView("ServiceNow connection", (("Instance", URL),))
    states = tuple(
        StatesView(k, tuple((v, d, d) for v, d in DEFAULT_STATES[k].items()), True)
        for k in TicketKind
    )
    disconnect = Button(
        "Disconnect",
        c.Disconnect(confirmed=True),
        confirm=f"Disconnect {URL}?",
        ask=c.Disconnect(),
        danger=True,
    )
    return ConfigurationView(
        status, states, buttons=(Button("Reconnect", c.Reconnect()), disconnect)
    )


def test_the_configuration_state_list_starts_filled_in() -> None:
    content = card(_config())
    validate_card(content)
    (pick,) = [n for n in _walk(content) if n.get("id") == "state_pick"]
    assert pick["value"] == pick["choices"][0]["value"] == "incident:1"
    shown = json.dumps(content)
    assert "New, In Progress, On Hold, Resolved, Closed, Canceled" in shown
    modal = config_modal(_config())
    (select,) = [b["element"] for b in modal["blocks"] if b.get("block_id") == "state_pick"]
    assert select["initial_option"]["value"] == "incident:1"
    assert "New, Assess, Authorize" in json.dumps(modal)


def test_disconnect_asks_first_on_teams_and_in_slacks_dialog() -> None:
    teams_button = next(a for a in _walk(card(_config())) if a.get("title") == "Disconnect")
    assert teams_button["data"] == {"value": "disconnect"}  # the confirmation step first
    assert teams_button["style"] == "destructive"
    slack_button = next(
        e
        for b in message(_config())["blocks"]
        for e in b.get("elements", [])
        if e.get("value", "").startswith("disconnect")
    )
    assert slack_button["value"] == "disconnect confirm"
    assert slack_button["confirm"]["style"] == "danger"
    assert slack_button["style"] == "danger"


def test_the_confirmation_step_has_confirm_and_cancel() -> None:
    step = ConfirmView(
        "Disconnect ServiceNow?",
        f"Disconnect {URL}? Tickets stop syncing.",
        Button("Disconnect", c.Disconnect(confirmed=True), danger=True),
        Button("Cancel", c.Configure()),
    )
    content = card(step)
    validate_card(content)
    actions = [n for n in _walk(content) if str(n.get("type", "")).startswith("Action.")]
    assert [(a["title"], a["data"]["value"], a.get("style")) for a in actions] == [
        ("Disconnect", "disconnect confirm", "destructive"),
        ("Cancel", "config", None),
    ]
    blocks = message(step)["blocks"]
    values = [(e["value"], e.get("style")) for b in blocks for e in b.get("elements", [])]
    assert values == [("disconnect confirm", "danger"), ("config", None)]


def test_slack_recommendations_are_compact() -> None:
    long = "x " * 400
    view = RecommendationListView("Recommendations", tuple(_rec(i, summary=long) for i in range(8)))
    blocks = message(view)["blocks"]
    sections = [b for b in blocks if b["type"] == "section"]
    assert len(sections) == 8
    assert not any("fields" in s for s in sections)
    for s in sections:
        assert s["accessory"]["value"].startswith("share ")
        assert "style" not in s["accessory"]  # eight green buttons would make none stand out
    assert len(blocks) <= 1 + 8 * 3
    contexts = [b for b in blocks if b["type"] == "context"]
    assert all(len(x["elements"][0]["text"]) <= BRIEF_SUMMARY_MAX for x in contexts)
    assert all("How to fix" in json.dumps(x) for x in contexts)
