"""The instance's own required fields on the Slack ticket form (core.instance_fields):
a select of the choice list, a type-ahead of the referenced table's records
(``block_suggestion``), a text input otherwise; and ServiceNow's pre-filled form as a
button after a refusal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import (
    ExternalDataSelectElement,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.blocks.basic_components import PlainTextObject

from adapters.slack.blocks_text import JSON, OPTION_TEXT_MAX, actions_block, truncate
from core.actions_fit import REFERENCE_DATASET
from core.i18n import _
from core.instance_meta import FIELD_PREFIX, FormField
from core.views import Button

__all__ = ["INPUT_ACTION_ID", "extra_elements", "extra_keys", "link_block"]

INPUT_ACTION_ID = "value"
#: Options a static select holds (Slack's limit).
_OPTIONS_MAX = 100
#: Characters of an option's value Slack keeps.
_VALUE_MAX = 150
_TEXT_MAX = 1000


def _plain(text: str, limit: int) -> PlainTextObject:
    return PlainTextObject(text=truncate(text, limit), emoji=True)


def _element(field: FormField) -> Any:
    if field.reference:
        # The instance's records, as many as it has: found as one types.
        label = next((lab for val, lab in field.options if val == field.value), "")
        chosen = Option(value=field.value, text=_plain(label, OPTION_TEXT_MAX)) if label else None
        return ExternalDataSelectElement(
            action_id=REFERENCE_DATASET + field.reference,
            placeholder=_plain(_("Type part of its name"), 150),
            min_query_length=1,
            initial_option=chosen,
        )
    if not field.options:
        return PlainTextInputElement(
            action_id=INPUT_ACTION_ID,
            initial_value=truncate(field.value, _TEXT_MAX) or None,
            max_length=_TEXT_MAX,
        )
    options = [
        Option(value=value[:_VALUE_MAX], text=_plain(label or value, OPTION_TEXT_MAX))
        for value, label in field.options[:_OPTIONS_MAX]
    ]
    chosen = next((o for o in options if o.value == field.value), None)
    return StaticSelectElement(
        action_id=INPUT_ACTION_ID,
        placeholder=_plain(_("Choose"), 150),
        options=options,
        initial_option=chosen,
    )


def extra_elements(fields: tuple[FormField, ...]) -> list[tuple[str, str, Any, bool]]:
    """(block id, label, element, optional) of each required field: none is optional."""
    return [(f.key[:255], f.label, _element(f), False) for f in fields]


def extra_keys(state_values: Mapping[str, Any]) -> list[str]:
    """The block ids of the instance's fields in a submitted form."""
    return [k for k in state_values if isinstance(k, str) and k.startswith(FIELD_PREFIX)]


def link_block(url: str) -> JSON | None:
    """A button that opens ServiceNow's form, filled with what was typed."""
    return actions_block([Button(_("Open ServiceNow's form"), url=url)]) if url else None
