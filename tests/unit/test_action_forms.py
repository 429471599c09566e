"""The ticket action forms in core: which actions a ticket's state allows (and so which
buttons its card shows), what a form's context and inputs read back as, and the forms
TicketActions opens (close codes from the instance, who may open them)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import commands as c
from core.action_forms import allowed_actions
from core.actions import (
    ActionFormContext,
    FieldError,
    action_from_inputs,
    action_values,
)
from core.errors import UsageError, UserError
from core.grammar import parse
from core.models import TicketKind
from core.views import ticket_card
from tests.e2e.fuzzing import json_values
from tests.unit.test_ticket_actions import ABEL, JOE, World, world

__all__ = ["world"]

OPEN_INCIDENT = ("comment", "note", "assign_me", "assign", "resolve")
OPEN_CHANGE = ("comment", "note", "assign_me", "assign", "close")


@pytest.mark.parametrize(
    ("kind", "state", "allowed"),
    [
        (TicketKind.INCIDENT, "1", OPEN_INCIDENT),
        (TicketKind.INCIDENT, "2", OPEN_INCIDENT),
        (TicketKind.INCIDENT, "3", OPEN_INCIDENT),
        (TicketKind.INCIDENT, "6", ("comment", "reopen")),
        (TicketKind.INCIDENT, "7", ()),
        (TicketKind.INCIDENT, "8", ()),
        (TicketKind.CHANGE, "-5", OPEN_CHANGE),
        (TicketKind.CHANGE, "0", OPEN_CHANGE),
        (TicketKind.CHANGE, "3", ()),
        (TicketKind.CHANGE, "4", ()),
    ],
)
async def test_the_state_decides_the_cards_buttons(
    world: World, kind: TicketKind, state: str, allowed: tuple[str, ...]
) -> None:
    assert allowed_actions(kind, state) == allowed
    ticket = replace(await world.ticket(kind), state=state)
    labels = [b.label for b in ticket_card(ticket).buttons]
    assert labels[0] == "Open in ServiceNow"
    assert labels[-1] == "Refresh"
    shown = {
        "Add comment": "comment",
        "Add work note": "note",
        "Assign to me": "assign_me",
        "Assign to group": "assign",
        "Resolve": "resolve",
        "Close": "close",
        "Reopen": "reopen",
    }
    assert tuple(shown[label] for label in labels[1:-1]) == allowed


def test_a_form_button_is_the_command_without_its_text() -> None:
    assert parse("comment INC0010001") == c.ActionForm("INC0010001", "comment")
    assert parse("note INC0010001") == c.ActionForm("INC0010001", "note")
    assert parse("assign INC0010001") == c.ActionForm("INC0010001", "assign")
    assert parse("resolve INC0010001") == c.ActionForm("INC0010001", "resolve")
    assert parse("close CHG0030001") == c.ActionForm("CHG0030001", "close")
    closing = parse('close CHG0030001 successful "Rolled out"')
    assert closing == c.ResolveTicket("CHG0030001", "successful", "Rolled out")
    with pytest.raises(UsageError, match="close is for changes"):
        parse('close INC0010001 "Solution provided" "done"')


def test_inputs_read_back_as_the_commands_people_type() -> None:
    comment = ActionFormContext("INC0010001", "comment")
    assert action_from_inputs(comment, {"text": " Rebooted "}) == c.AddNote(
        "INC0010001", "Rebooted", False
    )
    note = ActionFormContext("INC0010001", "note")
    assert action_from_inputs(note, {"text": "x"}) == c.AddNote("INC0010001", "x", True)
    group = ActionFormContext("INC0010001", "assign")
    assert action_from_inputs(group, {"group": "Network"}) == c.Assign("INC0010001", "Network")
    close = ActionFormContext("CHG0030001", "close")
    values = {"close_code": "successful", "close_notes": "Done"}
    assert action_from_inputs(close, values) == c.ResolveTicket("CHG0030001", "successful", "Done")


@pytest.mark.parametrize(
    ("action", "values", "field"),
    [
        ("comment", {}, "text"),
        ("comment", {"text": "   "}, "text"),
        ("note", {"text": "x" * 4001}, "text"),
        ("assign", {"group": None}, "group"),
        ("resolve", {"close_notes": "done"}, "close_code"),
        ("resolve", {"close_code": "Duplicate"}, "close_notes"),
    ],
)
def test_a_missing_or_long_input_names_its_field(
    action: str, values: dict[str, object], field: str
) -> None:
    with pytest.raises(FieldError) as raised:
        action_from_inputs(ActionFormContext("INC0010001", action), values)
    assert raised.value.field == field


contexts = st.builds(
    ActionFormContext,
    st.sampled_from(["INC0010001", "INC12345678"]),
    st.sampled_from(["comment", "note", "assign", "resolve"]),
    st.none() | st.text(min_size=1, max_size=40),
) | st.builds(ActionFormContext, st.just("CHG0030001"), st.just("close"), st.none())


@settings(database=None, derandomize=True)
@given(context=contexts)
def test_a_form_context_round_trips(context: ActionFormContext) -> None:
    assert ActionFormContext.loads(context.dumps()) == context
    assert ActionFormContext.from_doc(json.loads(json.dumps(context.to_doc()))) == context


@settings(database=None, derandomize=True, max_examples=300)
@given(doc=json_values, values=st.dictionaries(st.text(max_size=12), json_values, max_size=4))
def test_anything_else_is_a_usage_error_never_a_crash(
    doc: object, values: dict[str, object]
) -> None:
    try:
        context = ActionFormContext.from_doc(doc)
    except UsageError:
        return
    try:
        action_from_inputs(context, action_values(values))
    except UsageError:
        pass


async def test_a_resolve_form_lists_the_instances_close_codes(world: World) -> None:
    world.fake.close_choices[TicketKind.INCIDENT] = [("Duplicate", "Duplicate of another")]
    made = await world.ticket()
    form = await world.actions.form(JOE, ActionFormContext(made.number, "resolve"))
    assert form.choices == (("Duplicate", "Duplicate of another"),)
    assert form.fields == ("close_code", "close_notes")
    assert form.ticket_title == made.title

    change = await world.ticket(TicketKind.CHANGE, "c")
    form = await world.actions.form(JOE, ActionFormContext(change.number, "resolve"))
    assert (form.action, form.title) == ("close", f"Close {change.number}")


async def test_a_form_the_state_does_not_allow_is_refused(world: World) -> None:
    made = await world.ticket()
    await world.store.save_ticket(replace(made, state="7"))
    with pytest.raises(UserError, match="cannot be changed that way"):
        await world.actions.form(ABEL, ActionFormContext(made.number, "comment"))
    assert world.fake.requests["close_codes"] == 0


async def test_in_linked_mode_the_unlinked_are_asked_to_link_before_the_form(
    world: World,
) -> None:
    made = await world.ticket()
    await world.modes.set(ABEL.workspace, "linked")
    with pytest.raises(UserError, match="link your ServiceNow account first"):
        await world.actions.form(JOE, ActionFormContext(made.number, "comment"))
    form = await world.actions.form(ABEL, ActionFormContext(made.number, "comment"))
    assert form.fields == ("text",)


def test_every_renderer_shows_typed_text_as_text() -> None:
    from adapters.console.action_forms import action_from_doc, action_to_doc
    from adapters.slack.blocks_actions import action_modal
    from adapters.teams.cards_actions import action_card
    from core.action_forms import action_form

    hostile = "<!channel> *Fix* [me](https://evil.example) {{DATE(2026-01-01)}}"
    form = action_form(
        ActionFormContext("INC0010001", "resolve", "C0SEC"),
        TicketKind.INCIDENT,
        hostile,
        choices=(("<!here>", "<!here> [x](https://evil.example)"),),
    )
    slack = json.dumps(action_modal(form))
    assert "<!channel>" not in slack
    assert "&lt;!channel&gt;" in slack
    teams = action_card(form, inline=False)
    head = teams["body"][1]
    assert head["type"] == "RichTextBlock"  # a TextRun: never read as Markdown
    shown = head["inlines"][0]["text"]
    assert shown.startswith("INC0010001 · <!channel> *Fix* [me](https://evil.example) {\u200b{")
    assert action_from_doc(json.loads(json.dumps(action_to_doc(form)))) == form
