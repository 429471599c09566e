"""The instance's own required fields on the Teams ticket form (core.instance_fields): a
choice set for a choice list, a type-ahead of the referenced table's records (a
``Data.Query``), a text input otherwise; and
ServiceNow's pre-filled form as a button after a refusal."""

from __future__ import annotations

from typing import Any

from core.actions_fit import REFERENCE_DATASET
from core.i18n import _
from core.instance_meta import FormField

__all__ = ["extra_inputs", "link_action"]

JSON = dict[str, Any]
#: Choices a form offers at most.
_OPTIONS_MAX = 500
_TEXT_MAX = 1000


def _input(field: FormField) -> JSON:
    message = _("ServiceNow requires {label}.", label=field.label)
    if field.reference:
        # The first records, and the rest as one types (Teams asks application/search).
        return {
            "type": "Input.ChoiceSet",
            "id": field.key,
            "label": field.label,
            "value": field.value,
            "isRequired": True,
            "errorMessage": message,
            "choices": [{"title": label, "value": value} for value, label in field.options],
            "choices.data": {"type": "Data.Query", "dataset": REFERENCE_DATASET + field.reference},
        }
    if field.options:
        return {
            "type": "Input.ChoiceSet",
            "id": field.key,
            "label": field.label,
            "value": field.value,
            "style": "compact",
            "isRequired": True,
            "errorMessage": message,
            "choices": [
                {"title": label or value, "value": value}
                for value, label in field.options[:_OPTIONS_MAX]
            ],
        }
    return {
        "type": "Input.Text",
        "id": field.key,
        "label": field.label,
        "value": field.value[:_TEXT_MAX],
        "maxLength": _TEXT_MAX,
        "isRequired": True,
        "errorMessage": message,
    }


def extra_inputs(fields: tuple[FormField, ...]) -> list[JSON]:
    """One required input per field, ids ``sn.<field>``."""
    return [_input(f) for f in fields]


def link_action(url: str) -> list[JSON]:
    """The action that opens ServiceNow's form filled with what was typed (none without)."""
    if not url:
        return []
    return [{"type": "Action.OpenUrl", "title": _("Open ServiceNow's form"), "url": url}]
