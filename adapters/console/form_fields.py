"""The instance's own required fields in the console's ticket form (core.instance_fields):
asked after SnowOps's fields, a choice by its value or label (or a unique part of a label,
as a type-ahead would pick it), and carried as JSON between ``snowops chat`` and the
running SnowOps."""

from __future__ import annotations

import difflib
from typing import Any

from adapters.console.render import clean
from core.i18n import _
from core.instance_meta import FIELD_PREFIX, FormField

__all__ = ["extra_from_doc", "extra_prompt", "extra_to_doc", "pick_extra"]

#: Choices named in a prompt (the rest are found by typing part of their name).
_SHOWN = 8
_VALUE_MAX = 1000


def extra_to_doc(fields: tuple[FormField, ...]) -> list[dict[str, Any]]:
    """The fields as JSON for ``/console/…``."""
    return [
        {
            "element": f.element,
            "label": f.label,
            "options": [list(o) for o in f.options],
            "reference": f.reference,
            "value": f.value,
        }
        for f in fields
    ]


def extra_from_doc(doc: Any) -> tuple[FormField, ...]:
    """The fields back from JSON; what is not one is left out."""
    out: list[FormField] = []
    for item in doc if isinstance(doc, list) else ():
        if not isinstance(item, dict) or not isinstance(item.get("element"), str):
            continue
        options = tuple(
            (str(o[0]), str(o[1]))
            for o in item.get("options") or ()
            if isinstance(o, list) and len(o) == 2
        )
        out.append(
            FormField(
                str(item["element"]),
                str(item.get("label") or item["element"]),
                options,
                str(item.get("reference") or ""),
                str(item.get("value") or ""),
            )
        )
    return tuple(out)


def _field(fields: tuple[FormField, ...], name: str) -> FormField | None:
    return next((f for f in fields if f.key == name), None)


def extra_prompt(fields: tuple[FormField, ...], name: str, value: str) -> str:
    """The prompt of one field: its label, some choices, and what it holds now."""
    field = _field(fields, name)
    label = clean(field.label if field else name.removeprefix(FIELD_PREFIX))
    shown = value
    if field and field.options:
        labels = [clean(lab or val) for val, lab in field.options]
        more = ", …" if len(labels) > _SHOWN else ""
        label = _(
            "{label} (required: {choices})", label=label, choices=", ".join(labels[:_SHOWN]) + more
        )
        shown = next((clean(lab) for val, lab in field.options if val == value), value)
    else:
        label = _("{label} (required)", label=label)
    return f"  {label} [{shown}]: "


def pick_extra(fields: tuple[FormField, ...], name: str, typed: str) -> tuple[str, str | None]:
    """The value to send for what was typed, and why it is refused (None: it passes)."""
    field = _field(fields, name)
    typed = typed.strip()[:_VALUE_MAX]
    if field is None:
        return typed, None
    if not typed:
        return typed, _("ServiceNow requires {label}.", label=field.label)
    if not field.options:
        return typed, None
    folded = typed.casefold()
    for value, label in field.options:
        if typed == value or folded == label.casefold():
            return value, None
    within = [(v, lab) for v, lab in field.options if folded in lab.casefold()]
    if len(within) == 1:
        return within[0][0], None
    names = [lab for _v, lab in within][:5] or difflib.get_close_matches(
        typed, [lab for _v, lab in field.options], 5, 0.5
    )
    problem = _("{value} is not a choice of {label}.", value=typed[:60], label=field.label)
    if names:
        problem += " " + _("Close: {names}.", names=", ".join(names))
    return typed, problem
