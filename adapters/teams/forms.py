"""What a Teams card or dialog submitted: its data, the ticket form's values and context."""

from __future__ import annotations

from typing import Any

from core.actions import ActionFormContext, FormContext, SubmitActionForm, action_values
from core.forms import FORM_FIELDS
from core.instance_meta import FIELD_PREFIX

__all__ = ["action_submission", "form_context", "form_data", "form_values"]

#: Characters kept of a submitted value (the core refuses what is too long, clearly).
_VALUE_MAX = 5000


def form_data(value: Any) -> dict[str, Any]:
    """The submitted data of an invoke's value (``action.data`` or ``data``)."""
    if not isinstance(value, dict):
        return {}
    action = value.get("action")
    if isinstance(action, dict) and isinstance(action.get("data"), dict):
        return dict(action["data"])
    data = value.get("data")
    return dict(data) if isinstance(data, dict) else {}


def form_values(data: dict[str, Any]) -> dict[str, str | None]:
    """The ticket form's fields as text (None when absent)."""
    extra = [k for k in data if isinstance(k, str) and k.startswith(FIELD_PREFIX)]
    return {
        name: None if data.get(name) is None else str(data.get(name))[:_VALUE_MAX]
        for name in [*FORM_FIELDS, *extra]
    }


def form_context(data: dict[str, Any]) -> FormContext:
    """The context the ticket form carried (``data.form``)."""
    return FormContext.from_doc(data.get("form"))


def action_submission(data: dict[str, Any]) -> SubmitActionForm:
    """A ticket action form's submission (its context in ``data.act``, its inputs beside
    it); ``UsageError`` when it carries no action form's context."""
    return SubmitActionForm(ActionFormContext.from_doc(data.get("act")), action_values(data))
