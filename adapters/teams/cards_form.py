"""Cards with inputs: the ticket form, the home card, the admin configuration card and the
private OAuth client dialog."""

from __future__ import annotations

import uuid
from typing import Any

from core.forms import DESCRIPTION_MAX, NAME_MAX, TicketFormView
from core.models import CATEGORIES, Priority, TicketKind
from core.views import HomeView, StatesView

__all__ = [
    "FORM_VERB",
    "client_card",
    "config_card",
    "form_card",
    "form_meta",
    "home_body",
]

JSON = dict[str, Any]

FORM_VERB = "submit_ticket"


def _text(value: str, **props: Any) -> JSON:
    return {"type": "TextBlock", "text": value, "wrap": True, **props}


def _card(body: list[JSON], actions: list[JSON]) -> JSON:
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
        "actions": actions,
    }


def _choices(pairs: list[tuple[str, str]]) -> list[JSON]:
    return [{"title": title, "value": value} for title, value in pairs]


def form_meta(view: TicketFormView, submission: str | None = None) -> JSON:
    """What the form carries back on submit: where it came from, and its submission id
    (the idempotency key: one form, one ticket, however often it is submitted)."""
    meta: JSON = {"sid": submission or uuid.uuid4().hex, "s": view.source.value}
    if view.recommendation_id:
        meta["r"] = view.recommendation_id
    if view.recommendation_url:
        meta["u"] = view.recommendation_url[:1500]
    return meta


def form_card(
    view: TicketFormView,
    *,
    inline: bool,
    meta: JSON | None = None,
    banner: str = "",
) -> JSON:
    """The ticket form. ``inline``: in a message, submitted with ``Action.Execute`` (the card
    becomes the ticket card); otherwise in a dialog, submitted with ``Action.Submit``.
    Errors of ``view.errors`` appear right under their field."""
    errors = view.errors
    body: list[JSON] = [_text(view.title, size="Medium", weight="Bolder")]
    if banner:
        body.append(_text(banner, color="attention"))

    def field(input_: JSON) -> None:
        key = input_["id"]
        body.append(input_)
        if key in errors:
            body.append(_text(errors[key], color="attention", size="Small", spacing="None"))

    field(
        {
            "type": "Input.ChoiceSet",
            "id": "kind",
            "label": "Type",
            "value": view.kind.value,
            "choices": _choices([(k.label, k.value) for k in TicketKind]),
        }
    )
    field(
        {
            "type": "Input.Text",
            "id": "name",
            "label": "Name",
            "value": view.name,
            "maxLength": NAME_MAX + 40,  # longer is caught server-side, with a clear message
            "isRequired": True,
            "errorMessage": "Give the ticket a name.",
        }
    )
    field(
        {
            "type": "Input.Text",
            "id": "description",
            "label": "Description",
            "value": view.description[:DESCRIPTION_MAX],
            "isMultiline": True,
            "maxLength": DESCRIPTION_MAX,
        }
    )
    field(
        {
            "type": "Input.ChoiceSet",
            "id": "priority",
            "label": "Priority",
            "value": str(view.priority.value),
            "choices": _choices([(p.label, str(p.value)) for p in Priority]),
        }
    )
    field({"type": "Input.Date", "id": "due", "label": "Due date (UTC)", "value": view.due})
    field(
        {
            "type": "Input.ChoiceSet",
            "id": "category",
            "label": "Category",
            "value": view.category or "",
            "placeholder": "None",
            "choices": _choices([(c, c) for c in CATEGORIES]),
        }
    )
    body.append(_text(f"Source: {view.source.value}", isSubtle=True, size="Small"))
    data = {"form": meta or form_meta(view)}
    if inline:
        action: JSON = {
            "type": "Action.Execute",
            "title": "Create ticket",
            "verb": FORM_VERB,
            "data": data,
            "style": "positive",
        }
    else:
        action = {
            "type": "Action.Submit",
            "title": "Create ticket",
            "data": {"verb": FORM_VERB, **data},
            "style": "positive",
        }
    return _card(body, [action])


def home_body(view: HomeView, actions: list[JSON]) -> tuple[list[JSON], list[JSON]]:
    """The Incident management and Change management cards, with the home buttons."""
    where = (
        f"Connected to {view.instance_url}."
        if view.connected
        else "Not connected to ServiceNow yet: an admin runs snow connect <instance>."
    )
    body: list[JSON] = [
        _text("Welcome to SnowOps", size="Large", weight="Bolder"),
        _text(f"{where} Type snow help for every command."),
    ]
    for summary in view.summaries:
        items: list[JSON] = [_text(summary.title, size="Medium", weight="Bolder")]
        if summary.counts:
            items.append(
                {
                    "type": "FactSet",
                    "facts": [{"title": n, "value": str(c)} for n, c in summary.counts],
                }
            )
        else:
            items.append(_text(f"No {summary.kind.label.lower()}s yet.", isSubtle=True))
        for ticket in summary.recent:
            facts = f"{ticket.state} · {ticket.priority}"
            items.append(
                {
                    "type": "Container",
                    "selectAction": {"type": "Action.OpenUrl", "title": "Open", "url": ticket.url},
                    "items": [
                        _text(f"{ticket.number} · {ticket.title}", color="accent"),
                        _text(facts, isSubtle=True, size="Small", spacing="None"),
                    ],
                }
            )
        body.append({"type": "Container", "style": "emphasis", "spacing": "Medium", "items": items})
    return body, actions


def config_card(
    status: list[JSON], states: list[StatesView], banner: str = "", admin: bool = True
) -> JSON:
    """Connection status and state names, with a rename input, Reconnect and Disconnect."""
    body: list[JSON] = [_text("ServiceNow configuration", size="Large", weight="Bolder")]
    if banner:
        body.append(_text(banner, color="good"))
    body.extend(status)
    choices = []
    for view in states:
        for value, shown, default in view.states:
            label = f"{view.kind.label} {value}: {shown}" + (
                f" ({default})" if shown != default else ""
            )
            choices.append({"title": label, "value": f"{view.kind.value}:{value}"})
    body.append(
        _text(
            "State names: pick a state and give it this workspace's name "
            "(leave the name empty to restore ServiceNow's).",
            spacing="Medium",
        )
    )
    body.append(
        {"type": "Input.ChoiceSet", "id": "state_pick", "label": "State", "choices": choices}
    )
    body.append({"type": "Input.Text", "id": "state_label", "label": "Name", "maxLength": 40})
    actions = [
        {"type": "Action.Execute", "title": "Save name", "verb": "rename_state", "data": {}},
        {"type": "Action.Execute", "title": "Reconnect", "verb": "reconnect", "data": {}},
        {
            "type": "Action.Execute",
            "title": "Disconnect",
            "verb": "disconnect",
            "data": {},
            "style": "destructive",
        },
    ]
    return _card(body, actions)


def client_card(instance: str) -> JSON:
    """The private dialog for an instance's OAuth client (never typed into a chat message)."""
    body = [
        _text(
            f"Connecting to {instance}. Give the client id and secret of the instance's "
            "Application Registry entry (System OAuth > Application Registry)."
        ),
        {
            "type": "Input.Text",
            "id": "client_id",
            "label": "Client id",
            "maxLength": 200,
            "isRequired": True,
            "errorMessage": "Required.",
        },
        {
            "type": "Input.Text",
            "id": "client_secret",
            "label": "Client secret",
            "style": "Password",
            "maxLength": 200,
            "isRequired": True,
            "errorMessage": "Required.",
        },
    ]
    action = {
        "type": "Action.Submit",
        "title": "Connect",
        "data": {"verb": "servicenow_client", "instance": instance},
    }
    return _card(body, [action])
