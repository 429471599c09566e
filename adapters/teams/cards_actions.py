"""The ticket action forms as Adaptive Cards (*Add comment*, *Add work note*, *Assign to
group*, *Resolve*, *Close*), the assignment group type-ahead's answer, and what a
submitted one holds. Rendering only: core says what the form asks and reads what comes
back.

The group input is an ``Input.ChoiceSet`` whose ``choices.data`` is a ``Data.Query``:
Teams asks SnowOps for the groups matching what is typed with an ``application/search``
invoke (dynamic type-ahead search).
"""

from __future__ import annotations

from typing import Any

from adapters.teams.cards_text import text
from core.action_forms import GROUP_DATASET, ActionFormView
from core.grammar_actions import MAX_NOTE
from core.i18n import _

__all__ = ["ACT_VERB", "action_card", "search_response"]

JSON = dict[str, Any]

#: The verb of an action form's submit button.
ACT_VERB = "ticket_action"
#: Choices a ChoiceSet shows (ServiceNow offers a dozen close codes at most).
_CHOICES_MAX = 100


def _input(form: ActionFormView, field: str) -> JSON:
    common: JSON = {"id": field, "label": form.label(field), "isRequired": True}
    if field == "group":
        return {
            "type": "Input.ChoiceSet",
            **common,
            "placeholder": _("Type part of a group's name"),
            "choices": [],
            "choices.data": {"type": "Data.Query", "dataset": GROUP_DATASET},
            "errorMessage": _("Pick an assignment group."),
        }
    if field == "close_code" and form.choices:
        return {
            "type": "Input.ChoiceSet",
            **common,
            "style": "compact",
            "choices": [
                {"title": (label or value)[:200], "value": value}
                for value, label in form.choices[:_CHOICES_MAX]
            ],
            "errorMessage": _("Pick a close code."),
        }
    return {
        "type": "Input.Text",
        **common,
        "isMultiline": field != "close_code",
        "maxLength": MAX_NOTE if field != "close_code" else 100,
        "errorMessage": _("Required."),
    }


def action_card(form: ActionFormView, *, inline: bool) -> JSON:
    """The form as a card: in a dialog (``inline=False``) its button submits the dialog;
    in a conversation it is a universal action. Either way it carries the form's context
    (the ticket and action, never who opened it), so it acts as whoever submits it."""
    body: list[JSON] = [text(form.title, size="Medium", weight="Bolder")]
    body.append(text(f"{form.number} · {form.ticket_title}".rstrip(" ·"), isSubtle=True))
    errors = dict(form.errors)
    for field in form.fields:
        body.append(_input(form, field))
        hint = errors.get(field) or form.hint(field)
        if hint:
            color = {"color": "Attention"} if field in errors else {"isSubtle": True}
            body.append(text(hint, size="Small", spacing="None", **color))
    data = {"verb": ACT_VERB, "act": form.context.to_doc()}
    submit: JSON = (
        {"type": "Action.Submit", "title": form.submit, "data": data}
        if not inline
        else {"type": "Action.Execute", "title": form.submit, "verb": ACT_VERB, "data": data}
    )
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
        "actions": [submit],
    }


def search_response(options: tuple[tuple[str, str], ...]) -> JSON:
    """The answer to ``application/search``: the type-ahead's results."""
    return {
        "type": "application/vnd.microsoft.search.searchResponse",
        "value": {"results": [{"value": v, "title": label} for v, label in options]},
    }
