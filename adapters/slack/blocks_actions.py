"""The ticket action forms as Slack modals (*Add comment*, *Add work note*, *Assign to
group*, *Resolve*, *Close*), the assignment-group type-ahead's options, and what a submitted
one holds. Rendering only: core says what the form asks and reads what comes back."""

from __future__ import annotations

from typing import Any

from adapters.slack.blocks_surfaces import SLACK_INPUT_MAX, modal
from adapters.slack.blocks_text import OPTION_TEXT_MAX, escape, section, truncate
from core.action_forms import ActionFormView
from core.i18n import _

__all__ = [
    "ACTION_CALLBACK",
    "GROUP_SEARCH",
    "action_inputs",
    "action_modal",
    "group_options",
]

ACTION_CALLBACK = "ticket_action"
#: The action id of the assignment group's ``external_select`` (its options load here).
GROUP_SEARCH = "group_search"
_INPUT = "value"
#: Slack shows at most 100 options in a select.
_OPTIONS_MAX = 100
_OPTION_VALUE_MAX = 150

JSON = dict[str, Any]


def _text(text: str) -> JSON:
    return {"type": "plain_text", "text": truncate(text, OPTION_TEXT_MAX) or " "}


def _options(pairs: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> list[JSON]:
    return [
        {"text": _text(label or value), "value": value}
        for value, label in pairs[:_OPTIONS_MAX]
        if value and len(value) <= _OPTION_VALUE_MAX
    ]


def group_options(pairs: tuple[tuple[str, str], ...]) -> list[JSON]:
    """The options of a ``block_suggestion`` answer."""
    return _options(pairs)


def _element(form: ActionFormView, field: str) -> JSON:
    if field == "group":
        return {
            "type": "external_select",
            "action_id": GROUP_SEARCH,
            "min_query_length": 1,
            "placeholder": _text(_("Type part of a group's name")),
        }
    if field == "close_code" and form.choices:
        return {
            "type": "static_select",
            "action_id": _INPUT,
            "placeholder": _text(_("Pick one")),
            "options": _options(form.choices),
        }
    return {
        "type": "plain_text_input",
        "action_id": _INPUT,
        "multiline": field != "close_code",
        "max_length": SLACK_INPUT_MAX if field != "close_code" else 100,
    }


def _input(form: ActionFormView, field: str) -> JSON:
    block: JSON = {
        "type": "input",
        "block_id": field,
        "label": _text(form.label(field)),
        "element": _element(form, field),
    }
    hint = form.hint(field)
    if hint:
        block["hint"] = _text(hint)
    return block


def action_modal(form: ActionFormView) -> JSON:
    """The form as a modal; its context (the ticket and action, never who opened it) is
    the private metadata, so it acts as whoever submits it."""
    head = f"*{escape(form.number)}* {escape(form.ticket_title)}".strip()
    blocks = [section(head), *(_input(form, f) for f in form.fields)]
    return modal(
        form.title,
        blocks,
        close=_("Cancel"),
        callback_id=ACTION_CALLBACK,
        submit={"type": "plain_text", "text": form.submit},
        private_metadata=form.context.dumps(),
    )


def _value(element: object) -> str | None:
    if not isinstance(element, dict):
        return None
    selected = element.get("selected_option")
    if isinstance(selected, dict):
        value = selected.get("value")
    else:
        value = element.get("value")
    return value if isinstance(value, str) else None


def action_inputs(view: dict[str, Any]) -> dict[str, object]:
    """A submitted action modal's inputs by field (block id); malformed ones are absent."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    if not isinstance(values, dict):
        return {}
    out: dict[str, object] = {}
    for block_id, elements in values.items():
        if isinstance(elements, dict):
            element = elements.get(_INPUT) or elements.get(GROUP_SEARCH)
            out[str(block_id)] = _value(element)
    return out
